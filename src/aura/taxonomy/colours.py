"""Colour families: the fixed list filters, search and the outfit rules use; one rule: a
colour name maps to at most one family.

A fine name ("mustard", "sky blue", "denim") keeps its nuance for display; its family
("yellow", "blue", "blue") is what a filter for "blue" matches and what colour-harmony
rules reason about. A multi-word name resolves by its last known word ("light grey" → grey,
"hot pink" → pink) unless the whole name is listed ("navy blue" → navy).
"""

from __future__ import annotations

from aura.taxonomy.slots import normalise

COLOUR_FAMILIES: tuple[str, ...] = (
    "black", "white", "grey", "beige", "brown", "red", "pink", "orange", "yellow", "green",
    "blue", "navy", "purple", "metallic", "multicolour",
)  # fmt: skip

# fine name -> family (every family's own name maps to itself)
_NAMES: dict[str, str] = {
    **{f: f for f in COLOUR_FAMILIES},
    "jet": "black", "onyx": "black", "ebony": "black",
    "ivory": "white", "cream": "white", "off-white": "white", "off white": "white",
    "ecru": "white", "snow": "white", "pearl": "white",
    "gray": "grey", "charcoal": "grey", "slate": "grey", "ash": "grey", "graphite": "grey",
    "heather": "grey", "light grey": "grey", "dark grey": "grey", "light gray": "grey",
    "beige": "beige", "nude": "beige", "sand": "beige", "stone": "beige", "khaki": "beige",
    "oatmeal": "beige", "taupe": "beige", "champagne": "beige", "ecru beige": "beige",
    "brown": "brown", "tan": "brown", "camel": "brown", "chocolate": "brown",
    "cognac": "brown", "chestnut": "brown", "mocha": "brown", "coffee": "brown",
    "rust": "orange", "terracotta": "orange", "dark brown": "brown", "caramel": "brown",
    "burgundy": "red", "maroon": "red", "crimson": "red", "scarlet": "red", "wine": "red",
    "oxblood": "red", "cherry": "red", "brick": "red", "ruby": "red",
    "blush": "pink", "fuchsia": "pink", "hot pink": "pink", "rose": "pink", "magenta": "pink",
    "salmon": "pink", "dusty pink": "pink", "baby pink": "pink",
    "coral": "orange", "peach": "orange", "apricot": "orange", "tangerine": "orange",
    "amber": "orange",
    "mustard": "yellow", "lemon": "yellow", "ochre": "yellow", "canary": "yellow",
    "butter": "yellow",
    "olive": "green", "emerald": "green", "sage": "green", "mint": "green", "lime": "green",
    "forest": "green", "khaki green": "green", "bottle green": "green", "jade": "green",
    "teal": "green", "army green": "green", "moss": "green",
    "denim": "blue", "cobalt": "blue", "royal blue": "blue", "sky blue": "blue",
    "light blue": "blue", "baby blue": "blue", "turquoise": "blue", "aqua": "blue",
    "cyan": "blue", "powder blue": "blue", "azure": "blue", "indigo": "blue",
    "cornflower": "blue", "petrol": "blue",
    "navy blue": "navy", "midnight": "navy", "midnight blue": "navy", "dark blue": "navy",
    "marine": "navy",
    "lilac": "purple", "lavender": "purple", "plum": "purple", "violet": "purple",
    "mauve": "purple", "aubergine": "purple", "eggplant": "purple", "grape": "purple",
    "gold": "metallic", "silver": "metallic", "bronze": "metallic", "copper": "metallic",
    "rose gold": "metallic",
    "multi": "multicolour", "multicolor": "multicolour", "multi-colour": "multicolour",
    "multi-color": "multicolour", "rainbow": "multicolour", "multicoloured": "multicolour",
    "multicolored": "multicolour",
}  # fmt: skip


def colour_words() -> dict[str, str]:
    """Every known colour name with its family (for parsers and the taxonomy route)."""
    return dict(_NAMES)


def colour_family(name: str) -> str | None:
    """The family of a colour name ("mustard" → "yellow"), or None for a non-colour word."""
    norm = normalise(name)
    if not norm:
        return None
    if norm in _NAMES:
        return _NAMES[norm]
    words = norm.split()
    for end in range(len(words), 0, -1):
        if end >= 2 and (pair := " ".join(words[end - 2 : end])) in _NAMES:
            return _NAMES[pair]
        if words[end - 1] in _NAMES:
            return _NAMES[words[end - 1]]
    return None


# The colour of each name a photo's colour is named by (its nearest entry, in CIEDE2000):
# also the value a swatch of that name shows, so "denim" is the blue a photo of denim has.
NAMING_PALETTE: dict[str, str] = {
    "black": "#111111",
    "charcoal": "#36454f",
    "grey": "#808080",
    "light grey": "#c8c8c8",
    "white": "#ffffff",
    "cream": "#fffdd0",
    "beige": "#e8dcc4",
    "khaki": "#c3b091",
    "camel": "#c19a6b",
    "tan": "#d2b48c",
    "brown": "#7b4a2a",
    "dark brown": "#4a2c17",
    "red": "#d0202a",
    "burgundy": "#800020",
    "pink": "#f4a6c0",
    "hot pink": "#ff69b4",
    "coral": "#ff7f50",
    "orange": "#f28c28",
    "mustard": "#e1ad01",
    "yellow": "#ffe135",
    "olive": "#708238",
    "khaki green": "#8a865d",
    "green": "#228b22",
    "mint": "#98e0b0",
    "teal": "#008080",
    "turquoise": "#40e0d0",
    "sky blue": "#87ceeb",
    "light blue": "#add8e6",
    "denim": "#3b5b92",
    "blue": "#1f4fd1",
    "royal blue": "#4169e1",
    "navy": "#1b2451",
    "purple": "#6a2c91",
    "lavender": "#c4b5e0",
    "magenta": "#c2185b",
}

_FAMILY_HEX = {"metallic": "#a8a9ad"}  # multicolour has no one value


def colour_hex(name: str) -> str | None:
    """The value a swatch of colour ``name`` shows: the palette's own entry ("camel" →
    #c19a6b), else its family's ("sky-blue shirt" words → blue), else None (unknown or
    multicolour: the caller picks a neutral)."""
    norm = normalise(name)
    if norm in NAMING_PALETTE:
        return NAMING_PALETTE[norm]
    family = colour_family(name)
    if family is None:
        return None
    return NAMING_PALETTE.get(family) or _FAMILY_HEX.get(family)
