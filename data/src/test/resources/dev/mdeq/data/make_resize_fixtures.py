#!/usr/bin/python3
"""Writes resize-fixtures.txt: OpenCV and Pillow resize outputs that ResizeTest compares with.

Made once with Debian's python3-opencv 4.6.0 and python3-pil 9.4.0 (apt-get install python3-opencv
python3-pil); rerun with /usr/bin/python3 make_resize_fixtures.py in this folder.
Format: blocks of "<name> <height> <width> <channels>" followed by one line of row-major HWC values.
"""
import cv2
import numpy as np
from PIL import Image

rng = np.random.default_rng(20261127)
rgb = rng.integers(0, 256, (9, 13, 3)).astype(np.uint8)
ids = rng.integers(0, 34, (9, 13)).astype(np.uint8)
sizes = [(26, 18), (6, 4), (7, 5), (13, 9), (1, 1), (20, 3), (4, 17), (31, 22), (5, 9)]  # (width, height)

lines = [f"cv2 {cv2.__version__} pillow {Image.__version__}"]


def block(name, a):
    a = a if a.ndim == 3 else a[:, :, None]
    lines.append(f"{name} {a.shape[0]} {a.shape[1]} {a.shape[2]}")
    lines.append(" ".join(str(v) for v in a.reshape(-1)))


block("input_rgb", rgb)
block("input_ids", ids)
for w, h in sizes:
    block(f"cv_linear_{w}x{h}", cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR))
    block(f"cv_nearest_{w}x{h}", cv2.resize(ids, (w, h), interpolation=cv2.INTER_NEAREST))
    block(f"pil_bilinear_{w}x{h}", np.asarray(Image.fromarray(rgb).resize((w, h), Image.BILINEAR)))

with open("resize-fixtures.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
