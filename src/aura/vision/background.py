"""Background estimation for product, flat-lay and studio photos.

Such photos put the garment on a near-uniform backdrop that touches the picture's border.
So: take the border's median colour (CIE Lab); if most of the border is close to it, the
background is every pixel close to that colour *and connected to the border* (a white logo
inside a black shirt stays garment). When the border is not uniform (a close-up of a
fabric, a street photo), nothing is called background: no mask beats a wrong one.
A segmenter's person mask, where a back-end has one, replaces this estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

# scipy and scikit-image (about 30 MiB resident) are imported where they are used: by the
# first photo, not on load
import numpy as np

BORDER_MATCH_DELTA_E = 12.0  # a border pixel this close to the median is "backdrop"
BORDER_UNIFORM_SHARE = 0.6  # share of the border that must match for a backdrop
MIN_FOREGROUND_SHARE = 0.02


@dataclass(frozen=True)
class Foreground:
    mask: np.ndarray  # bool (h, w): True where the garment (or subject) is
    background_found: bool
    background_lab: tuple[float, float, float] | None
    border_uniformity: float  # share of the border matching the backdrop colour

    @property
    def share(self) -> float:
        return float(self.mask.mean())

    def bbox(self) -> tuple[int, int, int, int] | None:
        """[x1, y1, x2, y2) of the foreground in mask pixels, or None if empty."""
        ys, xs = np.nonzero(self.mask)
        if len(xs) == 0:
            return None
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def border_pixels(arr: np.ndarray) -> np.ndarray:
    return np.concatenate([arr[0, :], arr[-1, :], arr[1:-1, 0], arr[1:-1, -1]])


def estimate_foreground(rgb: np.ndarray, lab: np.ndarray | None = None) -> Foreground:
    """The garment/subject mask of an RGB uint8 array (downscale it first: this is O(pixels))."""
    from scipy import ndimage
    from skimage.color import deltaE_cie76, rgb2lab

    if lab is None:
        lab = rgb2lab(rgb)
    h, w = lab.shape[:2]
    everything = np.ones((h, w), bool)
    if h < 3 or w < 3:
        return Foreground(everything, False, None, 0.0)
    border = border_pixels(lab)
    ref = np.median(border, axis=0)
    uniformity = float((deltaE_cie76(border, ref) < BORDER_MATCH_DELTA_E).mean())
    if uniformity < BORDER_UNIFORM_SHARE:
        return Foreground(everything, False, None, uniformity)
    close = deltaE_cie76(lab, ref) < BORDER_MATCH_DELTA_E
    labels, _ = ndimage.label(close)
    touching = np.unique(border_pixels(labels))
    touching = touching[touching != 0]
    background = np.isin(labels, touching)
    foreground = ~background
    if foreground.mean() < MIN_FOREGROUND_SHARE:
        return Foreground(everything, False, None, uniformity)
    # Fill holes so that garment details matching the backdrop colour (buttons, prints
    # inside the garment outline) count as garment.
    foreground = ndimage.binary_fill_holes(foreground)
    ref_t = (float(ref[0]), float(ref[1]), float(ref[2]))
    return Foreground(foreground, True, ref_t, uniformity)
