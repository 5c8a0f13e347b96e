"""Procedural garment silhouettes for the kinds Fashion-MNIST lacks: skirt, shorts, hat, belt.

Fashion-MNIST has no skirt, shorts or accessory, so the classifier learns these from drawn
silhouettes: each kind is a parametric outline (an A-line or pencil skirt, shorts with a
crotch and two legs, a brimmed hat, a cap or a beanie, a belt with a buckle and holes) with
seeded random proportions, and a tone (the negated grey of Fashion-MNIST: garment light on
black) with shading and the kind's details (waistband, pleats, seams, holes). Rendered through
:func:`aura.vision.silhouette.from_arrays`, the path a photo's garment takes.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

KINDS: tuple[str, ...] = ("skirt", "shorts", "hat", "belt")
RENDER_SIDE = 96  # drawn at this size (longest side), then reduced like a photo


def _canvas(aspect: float) -> tuple[int, int]:
    """(width, height) with the longest side RENDER_SIDE; aspect = height / width."""
    if aspect >= 1:
        return max(8, round(RENDER_SIDE / aspect)), RENDER_SIDE
    return RENDER_SIDE, max(4, round(RENDER_SIDE * aspect))


def _poly(draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]], w: int, h: int, v: int):
    draw.polygon([(x * (w - 1), y * (h - 1)) for x, y in pts], fill=v)


def outline(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(mask, detail) of one random ``kind``: bool mask and a float detail map in [-1, 1]
    (lines and bands a garment of that kind has), both (h, w)."""
    if kind == "skirt":
        w, h = _canvas(rng.uniform(0.85, 1.35))
        waist = rng.uniform(0.16, 0.3)
        hem = rng.choice([rng.uniform(0.34, 0.5), waist + rng.uniform(0.03, 0.1)])
        sag = rng.uniform(0.0, 0.06)
        hem_pts = [
            (0.5 + hem * np.cos(t), 0.94 + sag * np.sin(t)) for t in np.linspace(0, np.pi, 9)
        ]
        pts = [(0.5 - waist, 0.0), (0.5 + waist, 0.0), *hem_pts]
        mask_img = Image.new("L", (w, h), 0)
        _poly(ImageDraw.Draw(mask_img), pts, w, h, 255)
        detail = Image.new("L", (w, h), 128)
        d = ImageDraw.Draw(detail)
        d.rectangle((0, 0, w, round(h * rng.uniform(0.05, 0.1))), fill=int(rng.choice([40, 220])))
        if rng.random() < 0.5:  # pleats
            for x in np.linspace(0.5 - waist, 0.5 + waist, int(rng.integers(3, 8)))[1:-1]:
                x2 = 0.5 + (x - 0.5) * hem / waist
                d.line([(x * w, 0.1 * h), (x2 * w, 0.95 * h)], fill=70, width=1)
    elif kind == "shorts":
        w, h = _canvas(rng.uniform(0.6, 1.0))
        crotch = rng.uniform(0.35, 0.6)
        leg = rng.uniform(0.8, 1.0)
        gap = rng.uniform(0.02, 0.12)
        flare = rng.uniform(0.0, 0.08)
        waist = rng.uniform(0.06, 0.14)
        pts = [
            (waist, 0.0),
            (1 - waist, 0.0),
            (1.0 - flare * 0, leg),
            (0.5 + gap, leg - rng.uniform(0.0, 0.08)),
            (0.5, crotch),
            (0.5 - gap, leg - rng.uniform(0.0, 0.08)),
            (0.0, leg),
        ]
        pts[2] = (min(1.0, 1.0 - waist * 0.3 + flare), leg)
        pts[-1] = (max(0.0, waist * 0.3 - flare), leg)
        mask_img = Image.new("L", (w, h), 0)
        _poly(ImageDraw.Draw(mask_img), pts, w, h, 255)
        detail = Image.new("L", (w, h), 128)
        d = ImageDraw.Draw(detail)
        d.rectangle((0, 0, w, round(h * rng.uniform(0.06, 0.12))), fill=int(rng.choice([40, 220])))
        d.line([(0.5 * w, 0.1 * h), (0.5 * w, crotch * h)], fill=60, width=1)
    elif kind == "hat":
        style = rng.choice(["brim", "cap", "beanie"])
        if style == "brim":
            w, h = _canvas(rng.uniform(0.45, 0.75))
            crown = rng.uniform(0.2, 0.32)
            brim_top = rng.uniform(0.62, 0.78)
            mask_img = Image.new("L", (w, h), 0)
            m = ImageDraw.Draw(mask_img)
            m.rounded_rectangle(
                ((0.5 - crown) * w, 0, (0.5 + crown) * w, (brim_top + 0.08) * h),
                radius=round(0.25 * h),
                fill=255,
            )
            m.ellipse((0, brim_top * h, w - 1, h - 1), fill=255)
            detail = Image.new("L", (w, h), 128)
            ImageDraw.Draw(detail).rectangle(
                (0, (brim_top - 0.14) * h, w, (brim_top - 0.02) * h),
                fill=int(rng.choice([40, 220])),
            )
        elif style == "cap":
            w, h = _canvas(rng.uniform(0.5, 0.75))
            dome = rng.uniform(0.55, 0.7)
            mask_img = Image.new("L", (w, h), 0)
            m = ImageDraw.Draw(mask_img)
            m.pieslice((0, 0, dome * w, 1.9 * h), 180, 360, fill=255)
            m.ellipse(((dome - 0.15) * w, 0.75 * h, w - 1, h - 1), fill=255)
            if rng.random() < 0.5:
                mask_img = mask_img.transpose(Image.FLIP_LEFT_RIGHT)
            detail = Image.new("L", (w, h), 128)
            ImageDraw.Draw(detail).line([(dome * w / 2, 0), (dome * w / 2, 0.95 * h)], fill=70)
        else:  # beanie
            w, h = _canvas(rng.uniform(0.65, 0.95))
            mask_img = Image.new("L", (w, h), 0)
            m = ImageDraw.Draw(mask_img)
            m.pieslice((0.04 * w, 0, 0.96 * w, 1.5 * h), 180, 360, fill=255)
            band = rng.uniform(0.5, 0.7)
            m.rounded_rectangle((0, band * h, w - 1, h - 1), radius=round(0.08 * h), fill=255)
            detail = Image.new("L", (w, h), 128)
            d = ImageDraw.Draw(detail)
            for x in np.linspace(0.05, 0.95, 9):
                d.line([(x * w, band * h), (x * w, h)], fill=80)
    elif kind == "belt":
        w, h = _canvas(1.0 / rng.uniform(5.0, 11.0))
        mask_img = Image.new("L", (w, h), 0)
        m = ImageDraw.Draw(mask_img)
        strap = rng.uniform(0.55, 0.75)
        top, bottom = (1 - strap) / 2 * h, (1 + strap) / 2 * h
        tip = rng.uniform(0.02, 0.05) * w
        m.polygon(
            [(0, top), (w - 1 - tip, top), (w - 1, h / 2), (w - 1 - tip, bottom), (0, bottom)],
            fill=255,
        )
        buckle = rng.uniform(0.06, 0.12) * w
        m.rectangle((0, 0, buckle, h - 1), fill=255)
        detail = Image.new("L", (w, h), 128)
        d = ImageDraw.Draw(detail)
        d.rectangle((0, 0, buckle, h - 1), outline=230, width=max(1, round(h * 0.12)))
        for x in np.linspace(0.6, 0.85, int(rng.integers(3, 6))):
            r = max(1, strap * h * 0.12)
            d.ellipse((x * w - r, h / 2 - r, x * w + r, h / 2 + r), fill=0)
    else:
        raise ValueError(f"unknown shape kind {kind!r}; one of {KINDS}")
    mask = np.asarray(mask_img) > 127
    return mask, (np.asarray(detail, np.float32) - 128.0) / 128.0


def tone(mask: np.ndarray, detail: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Fashion-MNIST-like negated grey for a silhouette: base tone, shading, details, noise."""
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(0.25, 0.9)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / max(w, 1) + np.sin(angle) * yy / max(h, 1)) * rng.uniform(0, 0.3)
    value = base + ramp + detail * rng.uniform(0.1, 0.3) + rng.normal(0, 0.02, (h, w))
    return np.where(mask, np.clip(value, 0.05, 1.0), 0.0).astype(np.float32)


def render(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(negated grey tone, mask) of one random ``kind`` at RENDER_SIDE."""
    mask, detail = outline(kind, rng)
    return tone(mask, detail, rng), mask


def training_pictures(kind: str, count: int, seed: int) -> np.ndarray:
    """(count, 28, 28) classifier inputs of ``kind`` (normalised silhouettes)."""
    from aura.vision.silhouette import from_arrays

    rng = np.random.default_rng(seed)
    out = np.empty((count, 28, 28), np.float32)
    for i in range(count):
        values, mask = render(kind, rng)
        out[i] = from_arrays(values, mask)
    return out
