#!/usr/bin/python3
# Generates JPEG test files (documentation: how testdata/libjpeg was made).
# Usage: python3 gen.py OUTDIR SEED   (needs Pillow 9.4, numpy, cjpeg 2.1.5)
# testdata/libjpeg holds a subset of OUTDIR for seed 1, and files made by
# corrupt.py from it (names starting bad_).
import os, subprocess, random, io, sys
import numpy as np
from PIL import Image
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
photos = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../testdata/photos')
def content(w, h, kind):
    if kind == 'photo':
        names = sorted(os.listdir(photos))
        im = Image.open(os.path.join(photos, names[rng.integers(len(names))])).convert('RGB')
        x = rng.integers(0, max(1, im.width - w)); y = rng.integers(0, max(1, im.height - h))
        im = im.crop((x, y, x + w, y + h))
        return im
    if kind == 'noise':
        return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    # smooth gradient + edges
    yy, xx = np.mgrid[0:h, 0:w]
    a = np.stack([(xx * 255 // max(1, w - 1)), (yy * 255 // max(1, h - 1)), ((xx + yy) % 64) * 4], -1)
    a = a + rng.integers(-20, 21, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
sizes = [(1,1),(2,2),(1,7),(9,1),(3,5),(7,3),(13,17),(17,2),(2,19),(31,29),(64,64),(127,61),(257,131),(16,16),(33,9)]
kinds = ['photo', 'noise', 'smooth']
n = 0
def ppm(im, path):
    im.save(path)
def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for (w, h) in sizes:
    for kind in kinds:
        im = content(w, h, kind)
        q = int(rng.choice([50, 75, 90, 95, 100]))
        tag = f'{w}x{h}_{kind}_q{q}'
        # Pillow subsampling 4:4:4, 4:2:2, 4:2:0, baseline and progressive
        for ss in (0, 1, 2):
            for prog in (False, True):
                p = f'{out}/pil_{tag}_ss{ss}_{"p" if prog else "b"}.jpg'
                im.save(p, quality=q, subsampling=ss, progressive=prog)
        im.convert('L').save(f'{out}/pil_{tag}_gray.jpg', quality=q)
        im.convert('L').save(f'{out}/pil_{tag}_grayp.jpg', quality=q, progressive=True)
        im.convert('CMYK').save(f'{out}/pil_{tag}_cmyk.jpg', quality=q)
        src = f'{out}/src_{tag}.ppm'; ppm(im, src)
        srcg = f'{out}/src_{tag}.pgm'; ppm(im.convert('L'), srcg)
        for samp in ('1x2,1x1,1x1', '4x1,1x1,1x1', '2x1,1x1,1x1', '2x2,1x1,1x1', '1x1,1x1,1x1', '2x2,1x2,2x1', '4x2,1x1,1x1', '1x4,1x1,1x1', '2x2,2x1,1x2'):
            s = samp.replace(',', '-')
            run(['cjpeg', '-quality', str(q), '-sample', samp, '-outfile', f'{out}/cj_{tag}_{s}.jpg', src])
            run(['cjpeg', '-quality', str(q), '-sample', samp, '-progressive', '-outfile', f'{out}/cj_{tag}_{s}_p.jpg', src])
        run(['cjpeg', '-quality', str(q), '-restart', '1', '-outfile', f'{out}/cj_{tag}_rst1.jpg', src])
        run(['cjpeg', '-quality', str(q), '-restart', '3B', '-progressive', '-outfile', f'{out}/cj_{tag}_rst3bp.jpg', src])
        run(['cjpeg', '-quality', str(q), '-restart', '2B', '-sample', '1x1,1x1,1x1', '-outfile', f'{out}/cj_{tag}_rst2b444.jpg', src])
        run(['cjpeg', '-quality', str(q), '-rgb', '-outfile', f'{out}/cj_{tag}_rgb.jpg', src])
        run(['cjpeg', '-quality', str(q), '-grayscale', '-outfile', f'{out}/cj_{tag}_g.jpg', src])
        run(['cjpeg', '-quality', str(q), '-optimize', '-outfile', f'{out}/cj_{tag}_opt.jpg', src])
        run(['cjpeg', '-quality', str(q), '-outfile', f'{out}/cj_{tag}_gray1.jpg', srcg])
        os.remove(src); os.remove(srcg)
