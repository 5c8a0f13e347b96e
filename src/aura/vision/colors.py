"""Dominant colours of a garment: k-means in CIE Lab over the foreground, named and shared.

Lab is used because Euclidean distance there tracks perceived difference, so clusters are
colours a person would tell apart; names come from the nearest entry of a fashion palette
by CIEDE2000, and each colour reports that distance so a client can see how good the name
is. Shares are of the garment's pixels (background excluded, see :mod:`.background`).

A garment gets its 1-3 main colours (each at least ``MAIN_SHARE`` of it, the largest
always), one entry per name (clusters that get the same name are merged, shares summed),
each with its family from :func:`aura.taxonomy.colour_family` ("mustard" → yellow) and
``hex``, the cluster's own colour (a swatch of "denim" is the blue the photo shows).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

# scipy and scikit-image (about 30 MiB resident) are imported where they are used: by the
# first photo, not on load
import numpy as np
from PIL import Image

from aura.taxonomy import colour_family
from aura.taxonomy.colours import NAMING_PALETTE
from aura.vision.background import estimate_foreground

WORK_SIDE = 160  # colours are a global property: 160 px on the long side is plenty
MERGE_DELTA_E = 8.0  # clusters closer than this are one colour
MIN_SHARE = 0.03
MAIN_SHARE = 0.12  # a colour below this share of the garment is a detail, not a main colour
MAX_MAIN = 3


def _hex_to_rgb01(value: str) -> np.ndarray:
    return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)], float) / 255.0


_NAMES = list(NAMING_PALETTE)


@functools.cache
def _palette_lab() -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.stack([_hex_to_rgb01(NAMING_PALETTE[n]) for n in _NAMES])[None, :, :])[0]


@dataclass(frozen=True)
class Colour:
    name: str
    hex: str
    share: float
    lab: tuple[float, float, float]
    name_delta_e: float  # CIEDE2000 distance from the cluster colour to its name's colour

    @property
    def family(self) -> str | None:
        return colour_family(self.name)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "family": self.family,
            "hex": self.hex,
            "share": round(self.share, 4),
            "lab": [round(v, 2) for v in self.lab],
            "name_delta_e": round(self.name_delta_e, 2),
        }


def lab_to_hex(lab: np.ndarray) -> str:
    from skimage.color import lab2rgb

    rgb = np.clip(lab2rgb(np.asarray(lab, float)[None, None, :])[0, 0], 0, 1)
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)


def name_colour(lab: np.ndarray) -> tuple[str, float]:
    from skimage.color import deltaE_ciede2000

    distances = deltaE_ciede2000(np.broadcast_to(lab, _palette_lab().shape), _palette_lab())
    best = int(np.argmin(distances))
    return _NAMES[best], float(distances[best])


def working_array(image: Image.Image, side: int = WORK_SIDE) -> np.ndarray:
    img = image.convert("RGB")
    scale = side / max(img.size)
    if scale < 1:
        img = img.resize(
            (max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BOX
        )
    return np.asarray(img)


def dominant_colours(
    image: Image.Image, mask: np.ndarray | None = None, k: int = 5, seed: int = 0
) -> list[Colour]:
    """Up to ``k`` colours, largest share first. ``mask`` (bool, any size) marks the garment;
    without one the background is estimated from the border."""
    from scipy.cluster.vq import kmeans2
    from skimage.color import deltaE_ciede2000, rgb2lab

    rgb = working_array(image)
    lab = rgb2lab(rgb)
    if mask is None:
        fg = estimate_foreground(rgb, lab).mask
    else:
        fg = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(rgb.shape[1::-1])) > 127
    pixels = lab[fg] if fg.sum() >= 16 else lab.reshape(-1, 3)
    pixels = pixels.reshape(-1, 3)
    k = max(1, min(k, len(np.unique(np.round(pixels), axis=0))))
    centroids, labels = kmeans2(pixels, k, minit="++", seed=seed)
    clusters = [(centroids[i], int((labels == i).sum())) for i in range(k) if (labels == i).any()]
    clusters = _merge(clusters)
    total = sum(n for _, n in clusters)
    named: dict[str, tuple[np.ndarray, int]] = {}  # one entry per name: shares merged
    for centre, n in clusters:
        name, _ = name_colour(centre)
        if name in named:
            other, m = named[name]
            centre, n = (other * m + centre * n) / (m + n), m + n
        named[name] = (centre, n)
    out = []
    for name, (centre, n) in sorted(named.items(), key=lambda kv: -kv[1][1]):
        share = n / total
        if share < MIN_SHARE:
            continue
        distance = float(deltaE_ciede2000(centre, _palette_lab()[_NAMES.index(name)]))
        lab_t = (float(centre[0]), float(centre[1]), float(centre[2]))
        out.append(Colour(name, lab_to_hex(centre), share, lab_t, distance))
    return out


def main_colours(colours: list[Colour]) -> list[Colour]:
    """The 1-3 colours a person would name: the largest, then any with ``MAIN_SHARE``."""
    return [c for i, c in enumerate(colours) if i == 0 or c.share >= MAIN_SHARE][:MAX_MAIN]


def _merge(clusters: list[tuple[np.ndarray, int]]) -> list[tuple[np.ndarray, int]]:
    """Merge clusters closer than MERGE_DELTA_E (k-means splits one colour under shading)."""
    from skimage.color import deltaE_ciede2000

    clusters = list(clusters)
    merged = True
    while merged and len(clusters) > 1:
        merged = False
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                (ci, ni), (cj, nj) = clusters[i], clusters[j]
                if float(deltaE_ciede2000(ci, cj)) < MERGE_DELTA_E:
                    clusters[i] = ((ci * ni + cj * nj) / (ni + nj), ni + nj)
                    del clusters[j]
                    merged = True
                    break
            if merged:
                break
    return clusters
