"""Pattern (solid, striped, checked, dotted, printed) from texture measurements.

A transparent rule over three measurements of the garment's lightness (CIE L*), each one a
textbook texture cue, rather than a learned model we could not validate on real garments:

* ``detail``: standard deviation of L* after removing slow shading (a difference of
  Gaussians). Low detail → solid.
* orientation concentration: gradient directions (structure-tensor style, angles doubled so
  opposite edges agree), weighted by magnitude. Stripes put most edge energy in one
  direction; checks split it between two perpendicular directions.
* blobs: the Otsu-thresholded minority tone falls into many compact, similar-sized,
  separate spots for dots; into irregular, varied shapes for prints.

* periodicity: stripes repeat. The tone is averaged along the stripes' direction into a
  profile across them, and its autocorrelation must peak again (at the stripe period) with
  at least ``STRIPE_MIN_PERIODS`` periods across the garment. One strong edge (a shoe's sole,
  a coat's placket, a colour-block seam) concentrates the orientation too, but does not
  repeat: that is not "striped".
* repetition: every pattern repeats, either along a direction (the profile's
  autocorrelation peaks, ``REPEAT_PEAK``) or as many separate spots (``REPEAT_SPOTS``). Texture
  that does neither and is not busy (``PRINT_DETAIL``) — folds, seams, shading, a badge on a
  photo's garment — is solid.

The confidence of a decision is the product of how far each measurement on its path lies
past its threshold (a logistic of the margin), so borderline textures get low confidence.
The measurements are returned too, so a client (or a test) can see why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# scipy and scikit-image (about 30 MiB resident) are imported where they are used: by the
# first photo, not on load
import numpy as np
from PIL import Image

PATTERNS = ("solid", "striped", "checked", "dotted", "printed")
SIDE = 192
SOLID_DETAIL = 3.0  # L* units
STRIPE_CONCENTRATION = 0.55  # edge energy within ±15° of the main direction
CHECK_BALANCE = 0.45  # weaker/stronger of two perpendicular directions
CHECK_PAIR = 0.55  # energy of the two perpendicular directions together
CHECK_EVEN_SHARE = 0.33  # a lattice of spots whose tones split this evenly is a checkerboard
STRIPE_MIN_PEAK = 0.3  # autocorrelation at the stripe period
STRIPE_MIN_PERIODS = 2.5  # periods across the garment
REPEAT_PEAK = 0.4
REPEAT_SPOTS = 12
PRINT_DETAIL = 12.0  # above this, texture that does not repeat is a print (not folds)
DOT_MIN_COUNT = 4
DOT_MAX_AREA_CV = 0.6
DOT_MIN_EXTENT = 0.55


@dataclass(frozen=True)
class PatternResult:
    label: str
    confidence: float
    features: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "features": {k: round(v, 4) for k, v in self.features.items()},
        }


def _sure(margin: float, scale: float) -> float:
    """Logistic confidence that a measurement is on the side of its threshold it is on."""
    return 1.0 / (1.0 + math.exp(-abs(margin) / scale))


def _lab(image: Image.Image, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    from scipy import ndimage
    from skimage.color import rgb2lab

    # the longest side to SIDE, the proportions kept (squashing a belt turns checks to stripes)
    scale = SIDE / max(image.size)
    size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
    img = image.convert("RGB").resize(size, Image.BILINEAR)
    lab = rgb2lab(np.asarray(img))
    if mask is None:
        inner = np.ones(lab.shape[:2], bool)
    else:
        m = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.NEAREST)
        garment = np.asarray(m) > 127
        inner = ndimage.binary_erosion(garment, iterations=3)
        if inner.sum() < garment.size * 0.05:
            return lab, np.ones(lab.shape[:2], bool)
        # Paint the background with the garment's mean colour: the outline of the garment
        # is not its texture, and blurs must not mix the backdrop in.
        lab = lab.copy()
        lab[~garment] = lab[garment].mean(axis=0)
    return lab, inner


def principal_tone(lab: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Project Lab onto its direction of largest variance: one channel that carries the
    pattern whether it is a lightness or a hue contrast."""
    values = lab[inner]
    centred = values - values.mean(axis=0)
    _, _, vt = np.linalg.svd(centred[:: max(1, len(centred) // 4000)], full_matrices=False)
    return (lab - values.mean(axis=0)) @ vt[0]


def orientation_energy(lab: np.ndarray, inner: np.ndarray) -> tuple[float, float, float]:
    """(concentration in the main direction, in the perpendicular one, main angle in degrees).

    Uses the colour structure tensor, so an edge between two colours of equal lightness
    counts as much as a light/dark edge.
    """
    from scipy import ndimage

    jxx = jyy = jxy = 0.0
    for c in range(3):
        smooth = ndimage.gaussian_filter(lab[..., c], 1.0)
        gx, gy = ndimage.sobel(smooth, axis=1), ndimage.sobel(smooth, axis=0)
        jxx, jyy, jxy = jxx + gx * gx, jyy + gy * gy, jxy + gx * gy
    weight = np.sqrt(np.hypot(jxx - jyy, 2 * jxy))[inner]
    angle = (np.degrees(0.5 * np.arctan2(2 * jxy, jxx - jyy))[inner]) % 180.0
    total = weight.sum()
    if total <= 1e-9:
        return 0.0, 0.0, 0.0
    hist, _ = np.histogram(angle, bins=36, range=(0, 180), weights=weight)
    # window[j]: energy in the 7 bins (±15°) centred on bin j, wrapping at 180°
    window = np.array([hist.take(range(j - 3, j + 4), mode="wrap").sum() for j in range(36)])
    main = int(np.argmax(window))
    perpendicular = (main + 18) % 36
    return float(window[main] / total), float(window[perpendicular] / total), main * 5.0 + 2.5


def periodicity(tone: np.ndarray, inner: np.ndarray, angle_deg: float) -> tuple[float, float]:
    """(autocorrelation peak, periods across the garment) of the tone's profile along the
    direction ``angle_deg`` (the main gradient direction: across the stripes)."""
    from scipy import ndimage

    ys, xs = np.nonzero(inner)
    if len(xs) < 64:
        return 0.0, 0.0
    theta = math.radians(angle_deg)
    u = xs * math.cos(theta) + ys * math.sin(theta)
    bins = np.round(u - u.min()).astype(int)
    counts = np.bincount(bins)
    sums = np.bincount(bins, weights=tone[ys, xs])
    keep = counts >= 3
    if keep.sum() < 16:
        return 0.0, 0.0
    profile = np.interp(np.arange(len(counts)), np.nonzero(keep)[0], sums[keep] / counts[keep])
    profile = profile - ndimage.uniform_filter1d(profile, max(9, len(profile) // 3))
    profile = profile - profile.mean()
    energy = float((profile * profile).sum())
    if energy <= 1e-9:
        return 0.0, 0.0
    n = len(profile)
    ac = np.correlate(profile, profile, "full")[n - 1 :] / energy
    below = np.nonzero(ac < 0)[0]
    if len(below) == 0:
        return 0.0, 0.0
    start = int(below[0])
    stop = max(start + 1, n // 2)
    if start >= stop:
        return 0.0, 0.0
    lag = start + int(np.argmax(ac[start:stop]))
    return float(ac[lag]), float(n / max(lag, 1))


def blob_stats(tone: np.ndarray, inner: np.ndarray) -> tuple[int, float, float, float]:
    """(count, area coefficient of variation, mean extent, minority share) of minority spots."""
    from scipy import ndimage
    from skimage.filters import threshold_otsu

    smooth = ndimage.gaussian_filter(tone, 1.0)
    values = smooth[inner]
    if values.max() - values.min() < 1e-6:
        return 0, 0.0, 0.0, 0.0
    cut = threshold_otsu(values)
    dark = (smooth < cut) & inner
    minority = dark if dark.sum() <= (inner.sum() - dark.sum()) else (~dark & inner)
    share = float(minority.sum() / max(1, inner.sum()))
    labels, n = ndimage.label(minority)
    if n == 0:
        return 0, 0.0, 0.0, share
    idx = np.arange(1, n + 1)
    areas = ndimage.sum_labels(np.ones_like(labels), labels, idx)
    keep = areas >= 4
    slices = ndimage.find_objects(labels)
    extents = np.array(
        [
            areas[i] / ((s[0].stop - s[0].start) * (s[1].stop - s[1].start))
            for i, s in enumerate(slices)
            if s is not None
        ]
    )
    touching = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    interior = np.array([keep[i] and (i + 1) not in touching for i in range(n)])
    if interior.sum() == 0:
        return 0, 0.0, 0.0, share
    a = areas[interior]
    return int(interior.sum()), float(a.std() / a.mean()), float(extents[interior].mean()), share


def classify_pattern(image: Image.Image, mask: np.ndarray | None = None) -> PatternResult:
    from scipy import ndimage

    lab, inner = _lab(image, mask)
    fine = np.stack([ndimage.gaussian_filter(lab[..., c], 0.8) for c in range(3)], -1)
    coarse = np.stack([ndimage.gaussian_filter(lab[..., c], 10.0) for c in range(3)], -1)
    detail = float(np.sqrt(((fine - coarse)[inner].var(axis=0)).sum()))
    main, perp, angle = orientation_energy(lab, inner)
    tone = principal_tone(lab, inner)
    count, area_cv, extent, minority = blob_stats(tone, inner)
    peak, periods = periodicity(tone, inner, angle)
    features = {
        "detail": detail,
        "orientation_concentration": main,
        "perpendicular_concentration": perp,
        "main_angle_deg": angle,
        "spots": float(count),
        "spot_area_cv": area_cv,
        "spot_extent": extent,
        "minority_share": minority,
        "period_peak": peak,
        "periods": periods,
    }
    if detail < SOLID_DETAIL:
        return PatternResult("solid", _sure(SOLID_DETAIL - detail, 0.6), features)
    textured = _sure(detail - SOLID_DETAIL, 0.6)
    if peak < REPEAT_PEAK and count < REPEAT_SPOTS and detail < PRINT_DETAIL:
        # texture that does not repeat and is not busy: folds, seams, shading, a badge
        sure = _sure(REPEAT_PEAK - peak, 0.08) * _sure(PRINT_DETAIL - detail, 2.0)
        return PatternResult("solid", sure, features)
    if main >= STRIPE_CONCENTRATION and perp < CHECK_BALANCE * main:
        sure = _sure(main - STRIPE_CONCENTRATION, 0.05) * _sure(CHECK_BALANCE * main - perp, 0.05)
        repeats = _sure(peak - STRIPE_MIN_PEAK, 0.08) * _sure(periods - STRIPE_MIN_PERIODS, 0.5)
        if peak >= STRIPE_MIN_PEAK and periods >= STRIPE_MIN_PERIODS:
            return PatternResult("striped", textured * sure * repeats, features)
        # one direction, no repetition: an edge or two (a sole, a placket), not stripes
        return PatternResult("solid", 0.5 + 0.5 * (1 - textured * sure) * repeats, features)
    if main + perp >= CHECK_PAIR and perp >= CHECK_BALANCE * main:
        sure = _sure(main + perp - CHECK_PAIR, 0.05) * _sure(perp - CHECK_BALANCE * main, 0.05)
        return PatternResult("checked", textured * sure, features)
    dots = count >= DOT_MIN_COUNT and area_cv <= DOT_MAX_AREA_CV and extent >= DOT_MIN_EXTENT
    sure = (
        _sure(count - DOT_MIN_COUNT + 0.5, 2.0)
        * _sure(DOT_MAX_AREA_CV - area_cv, 0.1)
        * _sure(extent - DOT_MIN_EXTENT, 0.05)
    )
    if dots and minority >= CHECK_EVEN_SHARE:
        return PatternResult(
            "checked", textured * sure * _sure(minority - CHECK_EVEN_SHARE, 0.03), features
        )
    if dots:
        return PatternResult(
            "dotted", textured * sure * _sure(CHECK_EVEN_SHARE - minority, 0.03), features
        )
    return PatternResult("printed", textured * (1.0 - 0.5 * sure), features)
