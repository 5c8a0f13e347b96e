"""The ImageNet-1k classes that name garments, shoes, bags and accessories, by class index.

EfficientNet-Lite0's ImageNet head knows these; they serve as coarse tags beside Aura's own
Fashion-MNIST classifier (ImageNet has no "trousers" but has "jean"; Fashion-MNIST has no
"suit" or "kimono"). Names are WordNet lemmas of the ImageNet synsets; ``group`` is Aura's.
"""

from __future__ import annotations

import numpy as np

GARMENT_CLASSES: dict[int, tuple[str, str]] = {
    399: ("abaya", "dress"),
    400: ("academic gown", "outerwear"),
    411: ("apron", "top"),
    414: ("backpack", "bag"),
    445: ("bikini", "swimwear"),
    451: ("bolo tie", "accessory"),
    452: ("bonnet", "hat"),
    457: ("bow tie", "accessory"),
    459: ("brassiere", "underwear"),
    474: ("cardigan", "top"),
    501: ("cloak", "outerwear"),
    502: ("clog", "shoes"),
    514: ("cowboy boot", "shoes"),
    515: ("cowboy hat", "hat"),
    568: ("fur coat", "outerwear"),
    578: ("gown", "dress"),
    601: ("hoopskirt", "bottom"),
    608: ("jean", "bottom"),
    610: ("jersey, T-shirt", "top"),
    614: ("kimono", "dress"),
    617: ("lab coat", "outerwear"),
    630: ("loafer", "shoes"),
    636: ("mailbag", "bag"),
    638: ("maillot", "swimwear"),
    639: ("maillot, tank suit", "swimwear"),
    652: ("military uniform", "outerwear"),
    655: ("miniskirt", "bottom"),
    658: ("mitten", "accessory"),
    689: ("overskirt", "bottom"),
    697: ("pajama", "sleepwear"),
    735: ("poncho", "outerwear"),
    748: ("purse", "bag"),
    770: ("running shoe", "shoes"),
    774: ("sandal", "shoes"),
    775: ("sarong", "bottom"),
    806: ("sock", "accessory"),
    808: ("sombrero", "hat"),
    824: ("stole", "accessory"),
    834: ("suit", "outerwear"),
    837: ("sunglasses", "accessory"),
    841: ("sweatshirt", "top"),
    842: ("swimming trunks", "swimwear"),
    869: ("trench coat", "outerwear"),
    893: ("wallet", "bag"),
    906: ("Windsor tie", "accessory"),
}
_INDEX = np.array(sorted(GARMENT_CLASSES))


def garment_tags(probabilities: np.ndarray, top: int = 3, floor: float = 0.02) -> dict[str, object]:
    """The most probable garment classes of one image, and how much of ImageNet's
    probability mass is on garment classes at all (low: the crop may not be clothing)."""
    mass = probabilities[_INDEX]
    order = np.argsort(-mass)[:top]
    tags = [
        {
            "label": GARMENT_CLASSES[int(_INDEX[i])][0],
            "group": GARMENT_CLASSES[int(_INDEX[i])][1],
            "probability": round(float(mass[i]), 4),
        }
        for i in order
        if mass[i] >= floor
    ]
    return {"tags": tags, "garment_mass": round(float(mass.sum()), 4)}
