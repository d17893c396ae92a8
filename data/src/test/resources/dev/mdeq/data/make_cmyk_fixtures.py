#!/usr/bin/python3
"""Writes the 4-component JPEG fixtures ImageFilesTest compares with Pillow, and Pillow's decodings
of them (PIL.Image.open(...).convert("RGB"), row-major HWC bytes):

  pil-cmyk.jpg          Pillow's CMYK JPEG (libjpeg writes an Adobe APP14 marker, transform 0,
                        samples inverted as Adobe does); Pillow's decoding -> pil-cmyk.rgb
  pil-cmyk-noadobe.jpg  the same bytes without the APP14 segment (Pillow still assumes inverted
                        CMYK: its decoding is pil-cmyk.rgb too, checked below)
  pil-cmyk-icc.jpg      pil-cmyk.jpg with an sRGB ICC profile (APP2) inserted, on which ImageIO.read
                        fails ("Unsupported Image Type"); Pillow ignores the profile in
                        convert("RGB"): pil-cmyk.rgb again, checked below
  pil-ycck.jpg          a 4:2:0 CMYK save with the APP14 transform byte set to 2, so libjpeg reads
                        its samples as YCCK (Pillow cannot write YCCK itself; any samples under
                        transform 2 are a valid YCCK image); Pillow's decoding -> pil-ycck.rgb

Made once with Debian's python3-pil 9.4.0 (libjpeg-turbo); rerun with
/usr/bin/python3 make_cmyk_fixtures.py in this folder.
"""
import io

import numpy as np
from PIL import Image, ImageCms

rng = np.random.default_rng(11)
h, w = 24, 32
a = rng.integers(0, 256, (h, w, 4)).astype(np.uint8)
a[:, :8, 0] = np.linspace(0, 255, 8).astype(np.uint8)[None, :]  # cyan ramp over a black ramp
a[:, :8, 1:3] = 0
a[:, :8, 3] = np.linspace(0, 255, h).astype(np.uint8)[:, None]
a[:8, 8:16] = [0, 0, 0, 0]  # paper white
a[8:16, 8:16] = [255, 255, 255, 255]  # all inks
a[16:, 8:16] = [0, 200, 160, 30]  # a flat red
cmyk = Image.fromarray(a, "CMYK")


def adobe_segment(data):
    """Start and end of the APP14 "Adobe" segment of a JPEG."""
    at = data.index(b"\xff\xee\x00\x0eAdobe")
    return at, at + 2 + 14


def decode(name):
    return np.asarray(Image.open(name).convert("RGB")).astype(np.uint8)


cmyk.save("pil-cmyk.jpg", quality=90)
data = open("pil-cmyk.jpg", "rb").read()
start, end = adobe_segment(data)
assert data[start + 15] == 0, "transform 0 (CMYK)"
open("pil-cmyk-noadobe.jpg", "wb").write(data[:start] + data[end:])
srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
icc = b"ICC_PROFILE\x00\x01\x01" + srgb
open("pil-cmyk-icc.jpg", "wb").write(data[:end] + b"\xff\xe2" + (2 + len(icc)).to_bytes(2, "big") + icc + data[end:])
assert Image.open("pil-cmyk-icc.jpg").info["icc_profile"] == srgb

expected = decode("pil-cmyk.jpg")
expected.tofile("pil-cmyk.rgb")
assert (decode("pil-cmyk-noadobe.jpg") == expected).all()
assert (decode("pil-cmyk-icc.jpg") == expected).all()

buffer = io.BytesIO()
cmyk.save(buffer, "JPEG", quality=90, subsampling="4:2:0")
data = bytearray(buffer.getvalue())
start, _ = adobe_segment(bytes(data))
data[start + 15] = 2  # transform 2: YCCK
open("pil-ycck.jpg", "wb").write(data)
ycck = Image.open("pil-ycck.jpg")
assert ycck.mode == "CMYK" and ycck.info["adobe_transform"] == 2
decode("pil-ycck.jpg").tofile("pil-ycck.rgb")
