#!/usr/bin/python3
"""Writes pil-decoded.jpg and pil-decoded.rgb: a JPEG made by Pillow and the RGB bytes Pillow decodes
from it (PIL.Image.open(...).convert("RGB"), row-major HWC), which ImageFolderDatasetTest compares
with ImageIO's decoding. Made once with Debian's python3-pil 9.4.0 (libjpeg-turbo); rerun with
/usr/bin/python3 make_jpeg_fixture.py in this folder.
"""
import numpy as np
from PIL import Image

rng = np.random.default_rng(7)
a = rng.integers(0, 256, (37, 53, 3)).astype(np.uint8)
a[:, :20] = np.linspace(0, 255, 20).astype(np.uint8)[None, :, None]
Image.fromarray(a).save("pil-decoded.jpg", quality=85)
np.asarray(Image.open("pil-decoded.jpg").convert("RGB")).astype(np.uint8).tofile("pil-decoded.rgb")
