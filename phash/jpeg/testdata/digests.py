#!/usr/bin/python3
"""Regenerates testdata/digests.txt: the SHA-256 of each JPEG under
testdata/libjpeg as libjpeg-turbo decodes it with default settings.

Documentation only: the Go test reads digests.txt and needs neither this
script nor its tools. Needs djpeg (Debian libjpeg-turbo-progs 2.1.5) and
Pillow 9.4 (python3-pil, built on the same libjpeg-turbo).

  rgb:  djpeg -pnm output as packed 8-bit RGB (greyscale expanded R=G=B)
  cmyk: Pillow's CMYK bytes (its "CMYK;I" raw mode: Adobe's inversion undone)

Run from phash/jpeg:  python3 testdata/digests.py > testdata/digests.txt
"""
import hashlib, os, subprocess, sys
from PIL import Image

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'libjpeg')
for name in sorted(os.listdir(root)):
    if not name.endswith('.jpg'):
        continue
    path = os.path.join(root, name)
    if Image.open(path).mode == 'CMYK':
        im = Image.open(path)
        im.load()
        kind, w, h, pix = 'cmyk', im.width, im.height, im.tobytes()
    else:
        # djpeg exits 2 after a warning (truncated or corrupt data) and
        # still writes the image.
        p = subprocess.run(['djpeg', '-pnm', path], capture_output=True)
        out = p.stdout
        fields, pos = [], 0
        while len(fields) < 4:
            while out[pos:pos+1].isspace():
                pos += 1
            start = pos
            while not out[pos:pos+1].isspace():
                pos += 1
            fields.append(out[start:pos])
        pix = out[pos+1:]
        w, h = int(fields[1]), int(fields[2])
        if fields[0] == b'P5':
            pix = bytes(b for v in pix for b in (v, v, v))
        kind = 'rgb'
    print(hashlib.sha256(pix).hexdigest(), kind, f'{w}x{h}', name)
