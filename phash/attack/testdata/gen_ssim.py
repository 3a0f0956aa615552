#!/usr/bin/python3
# Generates ssim_vectors.json and the PNG pairs it names: SSIM values from
# Debian's python3-skimage (skimage.metrics.structural_similarity with
# gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
# data_range=255) on luma 0.299 R + 0.587 G + 0.114 B in float64.
# Run: /usr/bin/python3 gen_ssim.py   (from this folder)
import json
import numpy as np
import skimage
from PIL import Image
from skimage.metrics import structural_similarity

rng = np.random.default_rng(20041)


def luma(a):
    a = a.astype(np.float64)
    if a.ndim == 2:
        return a
    return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


def smooth(h, w, ch):
    y, x = np.mgrid[0:h, 0:w]
    base = 128 + 60 * np.sin(x / 5.0) * np.cos(y / 7.0)
    if ch == 1:
        return base
    return np.stack([base, 255 - base, (base + x * 3) % 256], axis=-1)


cases = []
specs = [
    ("gray-noise", 24, 20, 1, "noise", 8),
    ("gray-shift", 16, 13, 1, "shift", 10),
    ("gray-contrast", 31, 17, 1, "contrast", 0.5),
    ("rgb-noise", 23, 29, 3, "noise", 20),
    ("rgb-random", 12, 11, 3, "random", 0),
    ("gray-flat", 11, 11, 1, "flat", 0),
]
for name, w, h, ch, kind, s in specs:
    a = np.clip(smooth(h, w, ch), 0, 255).round().astype(np.uint8)
    if kind == "noise":
        b = np.clip(a + rng.normal(0, s, a.shape), 0, 255).round().astype(np.uint8)
    elif kind == "shift":
        b = np.clip(a.astype(int) + int(s), 0, 255).astype(np.uint8)
    elif kind == "contrast":
        b = np.clip((a.astype(float) - 128) * s + 128, 0, 255).round().astype(np.uint8)
    elif kind == "random":
        a = rng.integers(0, 256, a.shape, dtype=np.uint8)
        b = rng.integers(0, 256, a.shape, dtype=np.uint8)
    else:
        a = np.full(a.shape, 77, np.uint8)
        b = np.full(a.shape, 200, np.uint8)
    mode = "L" if ch == 1 else "RGB"
    Image.fromarray(a, mode).save(f"ssim_{name}_a.png")
    Image.fromarray(b, mode).save(f"ssim_{name}_b.png")
    v = structural_similarity(luma(a), luma(b), gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False, data_range=255)
    cases.append({"name": name, "a": f"ssim_{name}_a.png", "b": f"ssim_{name}_b.png", "ssim": float(v)})

with open("ssim_vectors.json", "w") as f:
    json.dump({"generator": "gen_ssim.py", "skimage": skimage.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
