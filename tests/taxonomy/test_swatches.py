"""What a colour's swatch shows: the photo's own value, else the name's palette value, else
its family's; never a grey stand-in for a colour the palette knows (camel, denim)."""

from __future__ import annotations

from aura.outfits.item_features import swatch
from aura.taxonomy import colour_family, colour_hex
from aura.taxonomy.colours import NAMING_PALETTE
from aura.wardrobe.service import swatch_values


def _rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_every_palette_name_and_family_has_its_own_value() -> None:
    for name, value in NAMING_PALETTE.items():
        assert colour_hex(name) == value
        assert colour_hex(name.upper()) == value  # case does not matter
    assert colour_hex("denim") != colour_hex("grey")
    r, g, b = _rgb(colour_hex("denim") or "")
    assert b > r and b > g  # denim is blue
    # a name the palette lacks takes its family's value
    assert colour_family("cobalt") == "blue" and colour_hex("cobalt") == NAMING_PALETTE["blue"]
    assert colour_hex("metallic")
    assert colour_hex("multicolour") is None and colour_hex("plaid-ish") is None


def test_swatch_values_prefer_the_photo_and_fall_back_to_the_name() -> None:
    assert swatch_values(["camel", "navy"], {"color_hex": ["#a08060", "#101830"]}) == [
        "#a08060",
        "#101830",
    ]
    assert swatch_values(["camel", "navy"], {}) == [NAMING_PALETTE["camel"], NAMING_PALETTE["navy"]]
    # a malformed or mismatched photo list is ignored, not trusted
    assert swatch_values(["denim"], {"color_hex": ["blue", "#000000"]}) == [NAMING_PALETTE["denim"]]
    assert swatch_values(["denim"], {"color_hex": ["url(x)"]}) == [NAMING_PALETTE["denim"]]


def test_the_outfit_models_picture_of_a_photo_less_item_is_its_colour() -> None:
    centre = (32, 32)
    assert swatch("camel").getpixel(centre) == _rgb(NAMING_PALETTE["camel"])
    assert swatch("denim").getpixel(centre) == _rgb(NAMING_PALETTE["denim"])
    assert swatch("#123456").getpixel(centre) == (0x12, 0x34, 0x56)
    assert swatch("rebeccapurple").getpixel(centre) == (102, 51, 153)  # CSS still works
    assert swatch(None).getpixel(centre) == (128, 128, 128)
