"""Synthetic garments and textures with known colours and patterns (test fixtures).

Every generator is seeded, adds sensor-like noise and mild shading, and returns the truth
alongside the picture, so tests compare Aura's answer with a known answer.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

PATTERN_KINDS = ("solid", "striped", "checked", "dotted", "printed")


def _two_colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    while True:
        a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        if abs(int(a.mean()) - int(b.mean())) > 60:  # a visible pattern, not a near-solid
            return a.astype(float), b.astype(float)


def _finish(arr: np.ndarray, rng: np.random.Generator, noise: float = 3.0) -> Image.Image:
    w = arr.shape[1]
    shade = 1.0 + 0.06 * np.linspace(-1, 1, w)[None, :, None]  # soft light fall-off
    arr = arr * shade + rng.normal(0, noise, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def texture(kind: str, seed: int, size: int = 256) -> Image.Image:
    """A fabric close-up of ``kind`` (one of PATTERN_KINDS)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    a, b = _two_colours(rng)
    if kind == "solid":
        return _finish(np.broadcast_to(a, (size, size, 3)).copy(), rng)
    if kind == "striped":
        theta = rng.uniform(0, np.pi)
        period = rng.uniform(12, 36)
        u = xx * np.cos(theta) + yy * np.sin(theta)
        on = (u % period) < period * rng.uniform(0.35, 0.65)
        return _finish(np.where(on[..., None], a, b), rng)
    if kind == "checked":
        period = rng.uniform(16, 40)
        theta = rng.choice([0.0, np.pi / 4]) + rng.uniform(-0.1, 0.1)
        u = xx * np.cos(theta) + yy * np.sin(theta)
        v = -xx * np.sin(theta) + yy * np.cos(theta)
        su, sv = (u % period) < period / 2, (v % period) < period / 2
        if rng.random() < 0.5:  # hard checkerboard
            on = su ^ sv
            return _finish(np.where(on[..., None], a, b), rng)
        mix = (su.astype(float) + sv.astype(float))[..., None] / 2  # gingham: three tones
        return _finish(a * mix + b * (1 - mix), rng)
    if kind == "dotted":
        spacing = rng.uniform(20, 40)
        radius = spacing * rng.uniform(0.15, 0.27)
        img = Image.new("RGB", (size, size), tuple(int(v) for v in b))
        draw = ImageDraw.Draw(img)
        stagger = rng.random() < 0.5
        for row, y in enumerate(np.arange(spacing / 2, size + spacing, spacing)):
            offset = spacing / 2 if stagger and row % 2 else 0.0
            for x in np.arange(spacing / 2 + offset - spacing, size + spacing, spacing):
                draw.ellipse(
                    (x - radius, y - radius, x + radius, y + radius), fill=tuple(int(v) for v in a)
                )
        return _finish(np.asarray(img, float), rng)
    if kind == "printed":
        img = Image.new("RGB", (size, size), tuple(int(v) for v in b))
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(25, 45))):
            colour = tuple(int(v) for v in rng.integers(0, 256, 3))
            cx, cy = rng.uniform(0, size, 2)
            n = int(rng.integers(3, 9))
            radii = rng.uniform(4, 45) * rng.uniform(0.3, 1.0, n)
            angles = np.sort(rng.uniform(0, 2 * np.pi, n))
            pts = [
                (cx + r * np.cos(t), cy + r * np.sin(t)) for r, t in zip(radii, angles, strict=True)
            ]
            draw.polygon(pts, fill=colour)
        return _finish(np.asarray(img, float), rng)
    raise ValueError(kind)


def garment_on_backdrop(
    colour: tuple[int, int, int],
    seed: int = 0,
    size: tuple[int, int] = (480, 640),
    backdrop: tuple[int, int, int] = (245, 245, 242),
    accent: tuple[int, int, int] | None = None,
) -> Image.Image:
    """A flat-lay T-shirt silhouette of ``colour`` (with an optional chest band of ``accent``)
    on a near-white backdrop."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = Image.new("RGB", size, backdrop)
    draw = ImageDraw.Draw(img)
    body = [
        (0.30 * w, 0.15 * h),
        (0.42 * w, 0.12 * h),
        (0.58 * w, 0.12 * h),
        (0.70 * w, 0.15 * h),
        (0.92 * w, 0.32 * h),
        (0.82 * w, 0.42 * h),
        (0.72 * w, 0.35 * h),
        (0.72 * w, 0.88 * h),
        (0.28 * w, 0.88 * h),
        (0.28 * w, 0.35 * h),
        (0.18 * w, 0.42 * h),
        (0.08 * w, 0.32 * h),
    ]
    draw.polygon(body, fill=colour)
    if accent is not None:
        draw.rectangle((0.28 * w, 0.45 * h, 0.72 * w, 0.60 * h), fill=accent)
    return _finish(np.asarray(img, float), rng, noise=2.0)


def encode(img: Image.Image, fmt: str = "PNG", **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def patterned_garment(kind: str, seed: int) -> Image.Image:
    """The flat-lay silhouette filled with a ``kind`` texture, on a near-white backdrop."""
    fabric = np.asarray(texture(kind, seed, size=480))
    canvas = np.asarray(garment_on_backdrop((0, 0, 0), seed=seed, size=(480, 640))).copy()
    inside = canvas.mean(axis=2) < 100
    padded = np.zeros_like(canvas)
    padded[80:560] = fabric
    canvas[inside] = padded[inside]
    return Image.fromarray(canvas)
