"""Hostile photos for the upload fuzzer: random bytes, and valid JPEG/PNG/GIF/WebP files
truncated, bit-flipped, with lying headers or declaring huge dimensions. Seeded."""

from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
from PIL import Image

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def valid(fmt: str, size: int = 96, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    arr = np.full((size, size, 3), 230, np.uint8)
    arr[size // 4 : -size // 4, size // 4 : -size // 4] = rng.integers(0, 255, 3)
    out = io.BytesIO()
    Image.fromarray(arr).save(out, fmt)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge(fmt: str) -> bytes:
    """A small file whose header declares an enormous picture."""
    data = bytearray(valid(fmt))
    if fmt == "PNG":  # IHDR with a correct CRC: 100000 x 100000
        ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
        rest = bytes(data[33:])
        return bytes(data[:8]) + _png_chunk(b"IHDR", ihdr) + rest
    if fmt == "JPEG":  # every SOFn frame header: 65500 x 65500
        for marker in (b"\xff\xc0", b"\xff\xc2"):
            at = data.find(marker)
            if at > 0:
                data[at + 5 : at + 9] = struct.pack(">HH", 65500, 65500)
        return bytes(data)
    if fmt == "GIF":  # logical screen and first image descriptor
        data[6:10] = struct.pack("<HH", 65535, 65535)
        at = data.find(b"\x2c")
        data[at + 5 : at + 9] = struct.pack("<HH", 65535, 65535)
        return bytes(data)
    # WebP: a VP8X header declaring a 16384 x 16384 canvas in front of the bitstream
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0" + (16383).to_bytes(3, "little") * 2
    body = b"WEBP" + vp8x + bytes(data[12:])
    return b"RIFF" + struct.pack("<I", len(body)) + body


def bomb() -> bytes:
    """A real 12000 x 12000 PNG (144 M pixels) of a few kB."""
    out = io.BytesIO()
    Image.new("L", (12000, 12000), 7).save(out, "PNG", optimize=False)
    return out.getvalue()


def cases(seed: int = 20261126) -> list[tuple[str, bytes, str]]:
    """(name, bytes, declared content type) of every hostile upload."""
    rng = random.Random(seed)
    out: list[tuple[str, bytes, str]] = []
    for n in (1, 16, 700, 20_000):
        out.append((f"random-{n}", rng.randbytes(n), rng.choice(list(FORMATS.values()))))
    for fmt, ctype in FORMATS.items():
        good = valid(fmt, seed=len(out))
        for cut in (8, len(good) // 3, len(good) - 5):
            out.append((f"{fmt}-truncated-{cut}", good[:cut], ctype))
        for flips in (1, 8, 64):
            data = bytearray(good)
            for _ in range(flips):
                at = rng.randrange(len(data))
                data[at] ^= 1 << rng.randrange(8)
            out.append((f"{fmt}-bitflip-{flips}", bytes(data), ctype))
        lie = next(t for t in FORMATS.values() if t != ctype)
        out.append((f"{fmt}-declared-as-{lie}", good, lie))
        out.append((f"{fmt}-magic-then-noise", good[:12] + rng.randbytes(400), ctype))
        out.append((f"{fmt}-huge-dimensions", huge(fmt), ctype))
    out.append(("PNG-decompression-bomb", bomb(), "image/png"))
    return out
