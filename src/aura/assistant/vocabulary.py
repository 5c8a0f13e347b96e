"""Words the assistant recognises in questions and item descriptions: colours (with their
families), garment categories (with their groups) and occasions (with synonyms).

Kept apart from the ranking code so the vocabulary can grow without touching the logic.
"""

from __future__ import annotations

import re

# colour word -> family (a question for "blue" also finds navy and denim items)
COLOURS: dict[str, str] = {
    "black": "black", "white": "white", "ivory": "white", "cream": "white",
    "grey": "grey", "gray": "grey", "charcoal": "grey", "silver": "grey",
    "blue": "blue", "navy": "blue", "denim": "blue", "cobalt": "blue", "teal": "blue",
    "red": "red", "burgundy": "red", "maroon": "red", "crimson": "red",
    "pink": "pink", "blush": "pink", "fuchsia": "pink",
    "green": "green", "olive": "green", "khaki": "green", "emerald": "green", "sage": "green",
    "yellow": "yellow", "mustard": "yellow", "gold": "yellow",
    "orange": "orange", "rust": "orange", "coral": "orange",
    "purple": "purple", "lilac": "purple", "lavender": "purple", "plum": "purple",
    "brown": "brown", "tan": "brown", "camel": "brown", "chocolate": "brown",
    "beige": "beige", "nude": "beige", "sand": "beige", "stone": "beige",
}  # fmt: skip

# category word -> (canonical category, group)
CATEGORIES: dict[str, tuple[str, str]] = {
    "shirt": ("shirt", "top"), "blouse": ("blouse", "top"), "tee": ("t-shirt", "top"),
    "t-shirt": ("t-shirt", "top"), "tshirt": ("t-shirt", "top"), "top": ("top", "top"),
    "sweater": ("sweater", "top"), "jumper": ("sweater", "top"), "knit": ("sweater", "top"),
    "cardigan": ("cardigan", "top"), "hoodie": ("hoodie", "top"), "polo": ("polo", "top"),
    "jeans": ("jeans", "bottom"), "trousers": ("trousers", "bottom"),
    "pants": ("trousers", "bottom"), "chinos": ("chinos", "bottom"),
    "skirt": ("skirt", "bottom"), "shorts": ("shorts", "bottom"),
    "leggings": ("leggings", "bottom"),
    "dress": ("dress", "dress"), "gown": ("dress", "dress"), "jumpsuit": ("jumpsuit", "dress"),
    "coat": ("coat", "outerwear"), "jacket": ("jacket", "outerwear"),
    "blazer": ("blazer", "outerwear"), "parka": ("parka", "outerwear"),
    "trench": ("coat", "outerwear"), "raincoat": ("raincoat", "outerwear"),
    "suit": ("suit", "outerwear"), "vest": ("vest", "outerwear"),
    "sneakers": ("sneakers", "shoes"), "trainers": ("sneakers", "shoes"),
    "boots": ("boots", "shoes"), "loafers": ("loafers", "shoes"), "heels": ("heels", "shoes"),
    "sandals": ("sandals", "shoes"), "shoes": ("shoes", "shoes"), "oxfords": ("oxfords", "shoes"),
    "scarf": ("scarf", "accessory"), "belt": ("belt", "accessory"), "hat": ("hat", "accessory"),
    "bag": ("bag", "accessory"), "tie": ("tie", "accessory"),
    "tops": ("top", "top"), "bottoms": ("bottom", "bottom"),
    "outerwear": ("outerwear", "outerwear"),
    "footwear": ("shoes", "shoes"), "accessories": ("accessory", "accessory"),
}  # fmt: skip

# occasion word -> canonical occasion
OCCASIONS: dict[str, str] = {
    "work": "work", "office": "work", "business": "work", "meeting": "work",
    "interview": "work", "formal": "formal", "wedding": "formal", "gala": "formal",
    "ceremony": "formal", "funeral": "formal", "casual": "casual", "weekend": "casual",
    "brunch": "casual", "everyday": "casual", "party": "party", "date": "party",
    "cocktail": "party", "club": "party", "gym": "sport", "sport": "sport", "running": "sport",
    "workout": "sport", "hiking": "sport", "hike": "sport", "beach": "beach",
    "holiday": "beach", "vacation": "beach", "pool": "beach",
}  # fmt: skip

_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case words, with simple plural folding for the vocabularies above."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        out.append(word)
        if word.endswith("s") and word not in CATEGORIES and word[:-1] in CATEGORIES:
            out.append(word[:-1])
        elif word.endswith("es") and word[:-2] in CATEGORIES:
            out.append(word[:-2])
    return out
