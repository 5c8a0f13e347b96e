"""Image decoding: every bad upload is a typed 4xx rejection; odd modes become RGB."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from aura.errors import ImageRejected
from aura.vision.decode import decode_image
from tests.synthetic import encode


def _photo(size: tuple[int, int] = (64, 48)) -> Image.Image:
    rng = np.random.default_rng(1)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def _reason(data: bytes, **kwargs: int) -> tuple[str, int]:
    with pytest.raises(ImageRejected) as info:
        decode_image(data, **kwargs)
    assert info.value.fix, "every rejection says what to do"
    return info.value.reason, info.value.http_status


def test_bad_uploads_are_rejected_with_reason_and_status() -> None:
    jpeg = encode(_photo((300, 200)), "JPEG", quality=90)
    assert _reason(b"") == ("empty", 400)
    assert _reason(b"%PDF-1.4 not an image at all") == ("not_an_image", 415)
    assert _reason(jpeg[: len(jpeg) // 2]) == ("truncated", 422)
    assert _reason(jpeg, max_bytes=1024) == ("too_large", 413)
    png = bytearray(encode(_photo()))
    png[60:80] = b"\x00" * 20  # damage the compressed pixel data
    assert _reason(bytes(png))[1] == 422


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = encode(Image.new("1", (20000, 20000)), "PNG")  # ~50 kB declaring 400 Mpx
    assert len(bomb) < 200_000
    assert _reason(bomb) == ("too_many_pixels", 413)
    assert _reason(encode(_photo((100, 100))), max_pixels=5000) == ("too_many_pixels", 413)


def test_cmyk_sixteen_bit_palette_alpha_and_la_become_rgb() -> None:
    red = Image.new("RGB", (32, 32), (200, 10, 10))
    cmyk = decode_image(encode(red.convert("CMYK"), "JPEG", quality=95))
    assert cmyk.source_mode == "CMYK" and cmyk.image.mode == "RGB"
    assert np.abs(np.asarray(cmyk.image, int)[16, 16] - [200, 10, 10]).max() <= 12

    grey16 = Image.fromarray(np.full((20, 20), 40000, np.uint16))
    decoded = decode_image(encode(grey16))
    assert decoded.source_mode.startswith("I;16")
    assert decoded.image.getpixel((5, 5)) == (156, 156, 156)  # scaled, not clipped to 255

    rgba = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (10, 10, 20, 20))
    palette = decode_image(encode(rgba.quantize()))
    assert palette.source_mode == "P"
    assert palette.image.getpixel((0, 0)) == (255, 255, 255)  # transparent → white backdrop
    assert palette.image.getpixel((15, 15)) == (0, 0, 255)

    la = decode_image(encode(Image.new("LA", (8, 8), (100, 255))))
    assert la.source_mode == "LA" and la.image.getpixel((1, 1)) == (100, 100, 100)


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    decoded = decode_image(buf.getvalue())
    assert decoded.frames == 3
    assert decoded.image.getpixel((3, 3)) == (255, 0, 0)


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (40, 20), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 10, 20))  # white band on the left
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    decoded = decode_image(encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert decoded.size == (20, 40) and decoded.orientation_applied
    top = np.asarray(decoded.image)[:8].mean()
    bottom = np.asarray(decoded.image)[-8:].mean()
    assert top > 200 > 50 > bottom  # the left band is now on top
