"""Which category a detected garment becomes, and what the item records about why."""

from __future__ import annotations

from aura.wardrobe.from_photo import choose_category, garment_fields


def detection(label="garment", category=None, tags=()):
    return {
        "label": label,
        "confidence": 0.8,
        "bbox": [0, 0, 10, 10],
        "attributes": {
            "category": {"label": category, "confidence": 0.9} if category else None,
            "imagenet": {"tags": list(tags), "garment_mass": 0.5},
            "colors": [{"name": "navy", "hex": "#000080", "share": 0.9}],
            "pattern": {"label": "solid", "confidence": 0.7},
        },
    }


TEE = {"label": "jersey, T-shirt", "group": "top", "probability": 0.62}
UNSURE = {"label": "jean", "group": "bottom", "probability": 0.12}


def test_the_classifier_wins_over_everything():
    assert choose_category(detection("shoes", "T-shirt/top", [TEE])) == (
        "t-shirt/top",
        "classifier",
    )


def test_a_specific_detector_label_is_kept():
    assert choose_category(detection("shoes", None, [TEE])) == ("shoes", "detector")


def test_a_generic_garment_takes_a_confident_imagenet_group():
    assert choose_category(detection("garment", None, [TEE])) == ("top", "imagenet")


def test_an_unsure_backbone_leaves_it_a_garment():
    assert choose_category(detection("garment", None, [UNSURE])) == ("garment", "detector")
    assert choose_category(detection("garment", None, [])) == ("garment", "detector")


def test_the_item_says_where_its_category_came_from():
    fields = garment_fields(detection("garment", None, [TEE]), 0, "fp")
    assert fields["category"] == "top" and fields["description"] == "navy top"
    assert fields["attributes"]["category_source"] == "imagenet"
