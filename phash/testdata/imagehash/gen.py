#!/usr/bin/python3
"""Oracle for privmatch's Go port of the Python imagehash family.

Run with Debian bookworm's /usr/bin/python3 (python3-pil 9.4, python3-numpy,
python3-scipy, python3-pywt). imagehash itself is not needed: the hash
functions below restate imagehash 4.3's algorithms (JohannesBuchner/imagehash,
imagehash/__init__.py) step for step on a PIL image.

  gen.py validate DUMPDIR   compare hashes of raw RGB dumps (written by
                            go test ./phash -run TestImageHashDumpRGB
                            -imagehash.dump=DUMPDIR) with the shared
                            vectors/imagehash/expected.csv
  gen.py generate           (re)write img/*.png, expected.csv, resize.csv and
                            hsv.txt in this directory
"""
import csv, hashlib, os, struct, sys

import numpy
import pywt
import scipy.fftpack
import PIL
from PIL import Image

LANCZOS = Image.LANCZOS
HERE = os.path.dirname(os.path.abspath(__file__))


def average_hash(image, hash_size=8):
    image = image.convert('L').resize((hash_size, hash_size), LANCZOS)
    pixels = numpy.asarray(image)
    return pixels > numpy.mean(pixels)


def phash(image, hash_size=8, highfreq_factor=4):
    img_size = hash_size * highfreq_factor
    image = image.convert('L').resize((img_size, img_size), LANCZOS)
    pixels = numpy.asarray(image)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:hash_size, :hash_size]
    return low > numpy.median(low)


def phash_simple(image, hash_size=8, highfreq_factor=4):
    img_size = hash_size * highfreq_factor
    image = image.convert('L').resize((img_size, img_size), LANCZOS)
    pixels = numpy.asarray(image)
    dct = scipy.fftpack.dct(pixels)
    low = dct[:hash_size, 1:hash_size + 1]
    return low > low.mean()


def dhash(image, hash_size=8):
    image = image.convert('L').resize((hash_size + 1, hash_size), LANCZOS)
    pixels = numpy.asarray(image)
    return pixels[:, 1:] > pixels[:, :-1]


def dhash_vertical(image, hash_size=8):
    image = image.convert('L').resize((hash_size, hash_size + 1), LANCZOS)
    pixels = numpy.asarray(image)
    return pixels[1:, :] > pixels[:-1, :]


def whash(image, hash_size=8):
    image_scale = max(2**int(numpy.log2(min(image.size))), hash_size)
    ll_max_level = int(numpy.log2(image_scale))
    level = int(numpy.log2(hash_size))
    dwt_level = ll_max_level - level
    image = image.convert('L').resize((image_scale, image_scale), LANCZOS)
    pixels = numpy.asarray(image) / 255.
    coeffs = list(pywt.wavedec2(pixels, 'haar', level=ll_max_level))
    coeffs[0] *= 0
    pixels = pywt.waverec2(coeffs, 'haar')
    dwt_low = pywt.wavedec2(pixels, 'haar', level=dwt_level)[0]
    return dwt_low > numpy.median(dwt_low)


def colorhash(image, binbits=3):
    intensity = numpy.asarray(image.convert('L')).flatten()
    h, s, v = [numpy.asarray(v).flatten() for v in image.convert('HSV').split()]
    mask_black = intensity < 256 // 8
    frac_black = mask_black.mean()
    mask_gray = s < 256 // 3
    frac_gray = numpy.logical_and(~mask_black, mask_gray).mean()
    mask_colors = numpy.logical_and(~mask_black, ~mask_gray)
    mask_faint_colors = numpy.logical_and(mask_colors, s < 256 * 2 // 3)
    mask_bright_colors = numpy.logical_and(mask_colors, s > 256 * 2 // 3)
    c = max(1, mask_colors.sum())
    hue_bins = numpy.linspace(0, 255, 6 + 1)
    if mask_faint_colors.any():
        h_faint_counts, _ = numpy.histogram(h[mask_faint_colors], bins=hue_bins)
    else:
        h_faint_counts = numpy.zeros(len(hue_bins) - 1)
    if mask_bright_colors.any():
        h_bright_counts, _ = numpy.histogram(h[mask_bright_colors], bins=hue_bins)
    else:
        h_bright_counts = numpy.zeros(len(hue_bins) - 1)
    maxvalue = 2**binbits
    values = [min(maxvalue - 1, int(frac_black * maxvalue)), min(maxvalue - 1, int(frac_gray * maxvalue))]
    for counts in list(h_faint_counts) + list(h_bright_counts):
        values.append(min(maxvalue - 1, int(counts / c * maxvalue)))
    bits = []
    for v in values:
        bits += [v // (2**(binbits - i - 1)) % 2**(binbits - i) > 0 for i in range(binbits)]
    return numpy.asarray(bits)


def tohex(arr):
    # imagehash's _binary_array_to_hex
    bit_string = ''.join(str(b) for b in 1 * numpy.asarray(arr).flatten())
    width = int(numpy.ceil(len(bit_string) / 4))
    return '{:0>{width}x}'.format(int(bit_string, 2), width=width)


# Column name (shared csv name where it differs) -> function.
HASHES = [
    ('ahash8', lambda im: average_hash(im, 8)),
    ('dhash8', lambda im: dhash(im, 8)),
    ('dhashv8', lambda im: dhash_vertical(im, 8)),
    ('phash8', lambda im: phash(im, 8)),
    ('phash-simple8', lambda im: phash_simple(im, 8)),
    ('whash8', lambda im: whash(im, 8)),
    ('ahash16', lambda im: average_hash(im, 16)),
    ('dhash16', lambda im: dhash(im, 16)),
    ('phash16', lambda im: phash(im, 16)),
    ('colorhash', lambda im: colorhash(im, 3)),
    # Non-default sizes, to exercise the general constructors.
    ('ahash5', lambda im: average_hash(im, 5)),
    ('dhash12', lambda im: dhash(im, 12)),
    ('dhashv3', lambda im: dhash_vertical(im, 3)),
    ('phash6-hf3', lambda im: phash(im, 6, 3)),
    ('phash-simple16', lambda im: phash_simple(im, 16)),
    ('whash4', lambda im: whash(im, 4)),
    ('whash16', lambda im: whash(im, 16)),
    ('colorhash-b5', lambda im: colorhash(im, 5)),
]
SHARED = {'dhashv8': 'dhash_vertical8', 'phash-simple8': 'phash_simple8'}
SHARED_COLS = ['ahash8', 'dhash8', 'dhashv8', 'phash8', 'phash-simple8', 'whash8',
               'ahash16', 'dhash16', 'phash16', 'colorhash']


def validate(dumpdir):
    want = {}
    with open(os.path.join(HERE, '../../../../shared/vectors/imagehash/expected.csv')) as f:
        for row in csv.DictReader(f):
            want[row['file']] = row
    bad = 0
    for name in sorted(want):
        with open(os.path.join(dumpdir, name + '.rgb'), 'rb') as f:
            w, h = struct.unpack('<II', f.read(8))
            im = Image.frombytes('RGB', (w, h), f.read())
        for col, fn in HASHES:
            if col not in SHARED_COLS:
                continue
            got = tohex(fn(im))
            exp = want[name][SHARED.get(col, col)]
            if got != exp:
                bad += 1
                print('MISMATCH', name, col, got, exp)
    print('validated', len(want), 'images,', bad, 'mismatches')
    return bad


def synth(rs, w, h, noise=8, kind='photo'):
    y, x = numpy.mgrid[0:h, 0:w].astype(float)
    if kind == 'photo':
        r = 127 + 100 * numpy.sin(x / max(w, 1) * 5.1 + y / max(h, 1) * 1.3)
        g = 127 + 100 * numpy.cos(y / max(h, 1) * 4.7 - x / max(w, 1) * 2.2)
        cx, cy = rs.uniform(0, w), rs.uniform(0, h)
        b = numpy.where((x - cx)**2 + (y - cy)**2 < w * h / 10, 210.0, 40.0)
        a = numpy.stack([r, g, b], -1) + rs.normal(0, noise, (h, w, 3))
    elif kind == 'wheel':
        ang = numpy.arctan2(y - h / 2, x - w / 2)
        rad = numpy.hypot(y - h / 2, x - w / 2) / (max(w, h) / 2)
        hsv = numpy.stack([(ang / (2 * numpy.pi) % 1) * 255, numpy.clip(rad, 0, 1) * 255,
                           numpy.full_like(x, 230)], -1).astype(numpy.uint8)
        return Image.fromarray(hsv, 'HSV').convert('RGB')
    elif kind == 'random':
        a = rs.randint(0, 256, (h, w, 3)).astype(float)
    a = numpy.clip(numpy.rint(a), 0, 255).astype(numpy.uint8)
    return Image.fromarray(a, 'RGB')


def images():
    rs = numpy.random.RandomState(20240601)
    out = []
    for n in range(1, 10):
        out.append(('tiny-%dx%d' % (n, n), synth(rs, n, n, kind='random')))
    for w, h in [(1, 1), (2, 1), (1, 2), (3, 2), (9, 8), (8, 9), (33, 32), (32, 33), (65, 64)]:
        out.append(('random-%dx%d' % (w, h), synth(rs, w, h, kind='random')))
    for w, h in [(1, 100), (100, 1), (1000, 3), (3, 1000), (2000, 7), (37, 53), (64, 64), (300, 200),
                 (257, 129)]:
        out.append(('photo-%dx%d' % (w, h), synth(rs, w, h)))
    for w, h in [(513, 1031), (640, 480)]:
        out.append(('smooth-%dx%d' % (w, h), synth(rs, w, h, noise=0.6)))
    out.append(('wheel-200x150', synth(rs, 200, 150, kind='wheel')))
    out.append(('wheel-31x47', synth(rs, 31, 47, kind='wheel')))
    for name, col, size in [('flat-gray', (128, 128, 128), (64, 48)), ('flat-red', (255, 0, 0), (17, 5)),
                            ('flat-black', (0, 0, 0), (8, 8)), ('flat-white', (255, 255, 255), (100, 100)),
                            ('flat-teal', (10, 200, 180), (1, 1))]:
        out.append((name + '-%dx%d' % size, Image.new('RGB', size, col)))
    # Mirror-symmetric left-right (noise mirrored too), and a vertical stripe
    # image that is constant down each column.
    a = numpy.asarray(synth(rs, 40, 90))
    out.append(('mirror-80x90', Image.fromarray(numpy.concatenate([a, a[:, ::-1]], 1), 'RGB')))
    stripe = numpy.repeat(numpy.asarray(synth(rs, 70, 1)), 50, axis=0)
    out.append(('stripes-70x50', Image.fromarray(stripe, 'RGB')))
    return out


def generate():
    imgdir = os.path.join(HERE, 'img')
    os.makedirs(imgdir, exist_ok=True)
    rows = []
    resize_rows = []
    for name, im in images():
        fn = name + '.png'
        im.save(os.path.join(imgdir, fn), optimize=True)
        im = Image.open(os.path.join(imgdir, fn)).convert('RGB')
        rows.append([fn] + [tohex(f(im)) for _, f in HASHES])
        lum = im.convert('L')
        for size in [(8, 8), (9, 8), (8, 9), (32, 32), (64, 64), (13, 300), (300, 13), (im.width, 5), (5, im.height)]:
            data = lum.resize(size, LANCZOS).tobytes()
            resize_rows.append([fn, '%dx%d' % size, hashlib.sha256(data).hexdigest()])
    with open(os.path.join(HERE, 'expected.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['file'] + [c for c, _ in HASHES])
        w.writerows(rows)
    with open(os.path.join(HERE, 'resize.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['file', 'size', 'sha256'])
        w.writerows(resize_rows)
    # Every RGB colour in R-major order (r<<16|g<<8|b): SHA-256 of Pillow's
    # convert('HSV') H and S bytes interleaved, and of convert('L').
    idx = numpy.arange(1 << 24, dtype=numpy.uint32)
    rgb = numpy.stack([(idx >> 16) & 255, (idx >> 8) & 255, idx & 255], -1).astype(numpy.uint8)
    im = Image.fromarray(rgb.reshape(4096, 4096, 3), 'RGB')
    hsv = numpy.asarray(im.convert('HSV')).reshape(-1, 3)[:, :2]
    lum = numpy.asarray(im.convert('L')).reshape(-1)
    with open(os.path.join(HERE, 'colours.txt'), 'w') as f:
        f.write('hs %s\n' % hashlib.sha256(hsv.tobytes()).hexdigest())
        f.write('l %s\n' % hashlib.sha256(lum.tobytes()).hexdigest())
    print('wrote', len(rows), 'images; Pillow', PIL.__version__, 'numpy', numpy.__version__,
          'scipy', scipy.__version__, 'pywt', pywt.__version__)


if __name__ == '__main__':
    if sys.argv[1:2] == ['validate']:
        sys.exit(1 if validate(sys.argv[2]) else 0)
    elif sys.argv[1:2] == ['generate']:
        generate()
    else:
        print(__doc__)
        sys.exit(2)
