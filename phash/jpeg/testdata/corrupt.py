#!/usr/bin/python3
# Makes truncated and corrupted copies of generated JPEGs (documentation).
# Run in the directory holding gen/ from gen.py; writes bad/.
import os, random, sys
random.seed(7)
src = sorted(f for f in os.listdir('gen') if f.endswith('.jpg') and ('64x64' in f or '127x61' in f or '257x131' in f))
out = 'bad'
for i, f in enumerate(src):
    b = open('gen/' + f, 'rb').read()
    # find SOS end
    sos = b.find(b'\xff\xda')
    if sos < 0: continue
    start = sos + 2 + (b[sos+2] << 8 | b[sos+3])
    mode = i % 4
    if mode == 0:
        cut = random.randint(start, len(b) - 2)
        nb = b[:cut]
    elif mode == 1:
        nb = bytearray(b)
        for _ in range(3):
            p = random.randint(start, len(b) - 3)
            nb[p] = random.randint(0, 255)
        nb = bytes(nb)
    elif mode == 2:
        cut = random.randint(start, len(b) - 2)
        nb = b[:cut] + b'\xff\xd9'
    else:
        nb = bytearray(b)
        p = random.randint(start, len(b) - 3)
        nb[p:p+2] = b'\xff' + bytes([random.choice([0xd0, 0xd3, 0xd9, 0xc4, 0xe1])])
        nb = bytes(nb)
    open(f'{out}/{f[:-4]}_m{mode}.jpg', 'wb').write(nb)
