"""Safe image decoding: every upload becomes an 8-bit RGB picture, or a typed rejection.

Untrusted bytes meet a C decoder here, so the checks run cheapest first: size of the
upload, then the header's pixel count (before any pixel is decoded: a 50-kB PNG can
declare 100 000 x 100 000 pixels), then the full decode. Any failure of the decoder is a
client error (:class:`~aura.errors.ImageRejected`), never a 500.

Normalisation, so the rest of the pipeline sees one kind of image:
* animated images (GIF, APNG, WebP): the first frame;
* EXIF orientation applied (phones store portraits sideways);
* CMYK, YCbCr, LAB, HSV → RGB; 16-bit and 32-bit greyscale scaled to 8 bits (not clipped);
* transparency (RGBA, LA, palette with alpha) composited onto white, the usual product
  photo background, so the background estimator can discard it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
SUPPORTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_FIX_FORMAT = "Send a JPEG, PNG, WebP, GIF, BMP or TIFF photo."


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # RGB, 8 bits per channel, orientation applied
    format: str
    source_mode: str
    frames: int
    orientation_applied: bool

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


def _rejected(message: str, reason: str, status: int, fix: str) -> Exception:
    from aura.errors import ImageRejected

    return ImageRejected(message, reason=reason, http_status=status, fix=fix)


def decode_image(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> DecodedImage:
    """Decode ``data`` into RGB, or raise ImageRejected saying why."""
    if not data:
        raise _rejected("The upload is empty (0 bytes).", "empty", 400, _FIX_FORMAT)
    if len(data) > max_bytes:
        raise _rejected(
            f"The upload is {len(data)} bytes; the limit is {max_bytes}.",
            "too_large",
            413,
            f"Resize or recompress the photo below {max_bytes // (1024 * 1024)} MB.",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
        except UnidentifiedImageError:
            raise _rejected(
                "The upload is not an image in a supported format.",
                "not_an_image",
                415,
                _FIX_FORMAT,
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(None, max_pixels) from None
        except Exception as exc:  # the header parser failed: a damaged file
            raise _corrupt(exc) from None
        width, height = img.size
        if width <= 0 or height <= 0:
            raise _corrupt(ValueError("zero-sized image"))
        if width * height > max_pixels:
            raise _too_many_pixels((width, height), max_pixels)
        fmt, source_mode = img.format or "?", img.mode
        frames = int(getattr(img, "n_frames", 1) or 1)
        try:
            img.seek(0)
            img.load()
            transposed = ImageOps.exif_transpose(img)
            oriented = transposed is not None and transposed.size != img.size
            rgb = to_rgb(transposed if transposed is not None else img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels((width, height), max_pixels) from None
        except OSError as exc:
            if "truncated" in str(exc).lower() or "premature" in str(exc).lower():
                raise _rejected(
                    f"The image is truncated ({exc}).",
                    "truncated",
                    422,
                    "Upload the complete file again.",
                ) from None
            raise _corrupt(exc) from None
        except Exception as exc:  # any decoder failure on hostile input is the input's fault
            raise _corrupt(exc) from None
    return DecodedImage(rgb, fmt, source_mode, frames, oriented)


def _too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> Exception:
    what = f"{size[0]}x{size[1]} pixels" if size else "too many pixels"
    return _rejected(
        f"The image declares {what}; the limit is {max_pixels} pixels.",
        "too_many_pixels",
        413,
        "Downscale the photo (e.g. to 4000 pixels on its longest side).",
    )


def _corrupt(exc: BaseException) -> Exception:
    return _rejected(
        f"The image cannot be decoded: {type(exc).__name__}: {str(exc)[:200]}",
        "corrupt",
        422,
        "Re-export the photo from a camera or image editor and upload it again.",
    )


def to_rgb(img: Image.Image) -> Image.Image:
    """8-bit RGB from any Pillow mode; transparency composited onto white."""
    mode = img.mode
    if mode == "RGB":
        return img.copy()
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "P":
        has_alpha = "transparency" in img.info or img.palette.mode == "RGBA"
        img = img.convert("RGBA" if has_alpha else "RGB")
        if not has_alpha:
            return img
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV
