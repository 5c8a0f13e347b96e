# ruff: noqa: E501 - a table of labelled questions reads best one question per line
"""The assistant's evaluation set: three hand-written wardrobes (12, 18 and 30 items) and
questions labelled by hand with what a right answer contains.

Labels (never computed by the code under test):
* ``count``: the exact number the answer must state;
* ``items``: item names the answer must be about (all of them);
* ``any``: at least one of these names must be among the answer's items;
* ``first``: the answer's first item must be one of these names;
* ``props``: outfit properties ("core": a top and a bottom, or a one-piece; "shoes";
  "outerwear") of the answer's first outfit; ``says``: words the reply must contain;
* ``relevant``: for the retrieval part (recall@5), the items a search should find.
"""

from __future__ import annotations

from typing import Any


def item(category, colors, description="", pattern=None, **attributes) -> dict[str, Any]:
    return {
        "category": category,
        "colors": colors,
        "pattern": pattern,
        "description": description,
        "attributes": attributes,
    }


WARDROBES: dict[str, dict[str, dict[str, Any]]] = {
    "cleo": {
        "white t-shirt": item("t-shirt", ["white"], "cotton crew neck tee"),
        "striped shirt": item("shirt", ["navy", "white"], "breton cotton shirt", "striped"),
        "blue trousers": item("trousers", ["blue"], "slim cotton trousers"),
        "black jeans": item("jeans", ["black"], "skinny jeans"),
        "beige trench coat": item("trench coat", ["beige"], "water-resistant trench coat"),
        "denim jacket": item("jacket", ["blue"], "light denim jacket"),
        "grey blazer": item("blazer", ["grey"], "wool blazer", occasions=["work"]),
        "white sneakers": item("sneakers", ["white"], "canvas sneakers", occasions=["casual"]),
        "black loafers": item("loafers", ["black"], "leather loafers", occasions=["work"]),
        "brown belt": item("belt", ["brown"], "leather belt"),
        "red dress": item("dress", ["red"], "wrap dress", occasions=["party"]),
        "black tote": item("tote", ["black"], "leather tote bag"),
    },
    "ava": {
        "navy blazer": item("blazer", ["navy"], "wool, single-breasted", occasions=["work"]),
        "white shirt": item("shirt", ["white"], "cotton oxford shirt", occasions=["work"]),
        "charcoal trousers": item(
            "trousers", ["charcoal"], "tailored suit trousers", occasions=["work", "formal"]
        ),
        "black dress": item(
            "dress", ["black"], "silk slip dress for evenings", occasions=["party", "formal"]
        ),
        "black heels": item(
            "heels", ["black"], "patent leather pumps", occasions=["formal", "party"]
        ),
        "blue jeans": item("jeans", ["blue"], "straight leg, mid wash"),
        "white sneakers": item("sneakers", ["white"], "canvas low tops", occasions=["casual"]),
        "grey coat": item("coat", ["grey"], "long wool winter coat"),
        "beige trench": item("coat", ["beige"], "trench coat for rainy days"),
        "red scarf": item("scarf", ["red"], "cashmere", "plaid"),
        "brown boots": item("boots", ["brown"], "leather ankle boots"),
        "green hoodie": item("hoodie", ["olive"], "fleece hoodie", occasions=["gym", "casual"]),
        "running shorts": item("shorts", ["black"], "light running shorts", occasions=["sport"]),
        "pink swimsuit": item("swimsuit", ["pink"], "one-piece swimsuit", occasions=["beach"]),
        "yellow sundress": item(
            "dress",
            ["yellow"],
            "cotton sundress for summer holidays",
            "floral",
            occasions=["beach"],
        ),
        "burgundy sweater": item("sweater", ["burgundy"], "chunky knit jumper"),
        "cream blouse": item("blouse", ["cream"], "silk blouse", occasions=["work"]),
        "camel cardigan": item("cardigan", ["camel"], "soft wool cardigan"),
    },
    "ben": {
        "white oxford shirt": item("shirt", ["white"], "oxford cotton shirt", occasions=["work"]),
        "light blue shirt": item("shirt", ["light blue"], "poplin shirt", occasions=["work"]),
        "navy polo": item("polo", ["navy"], "pique polo", occasions=["casual"]),
        "grey t-shirt": item("t-shirt", ["grey"], "marl tee"),
        "black t-shirt": item("t-shirt", ["black"], "plain tee"),
        "white t-shirt": item("t-shirt", ["white"], "heavy cotton tee"),
        "green flannel shirt": item("shirt", ["green"], "flannel shirt", "plaid"),
        "burgundy jumper": item("jumper", ["burgundy"], "lambswool jumper", seasons=["winter"]),
        "navy sweater": item("sweater", ["navy"], "merino crew neck"),
        "dark jeans": item("jeans", ["indigo"], "raw denim jeans"),
        "black jeans": item("jeans", ["black"], "slim black jeans"),
        "khaki chinos": item("chinos", ["khaki"], "cotton chinos"),
        "grey trousers": item(
            "trousers", ["grey"], "wool suit trousers", occasions=["work", "formal"]
        ),
        "navy shorts": item("shorts", ["navy"], "chino shorts", seasons=["summer"]),
        "black joggers": item("joggers", ["black"], "track joggers", occasions=["sport"]),
        "navy blazer": item("blazer", ["navy"], "unstructured blazer", occasions=["work"]),
        "olive parka": item("parka", ["olive"], "padded hooded parka", seasons=["winter"]),
        "black leather jacket": item("jacket", ["black"], "leather biker jacket"),
        "camel overcoat": item(
            "overcoat", ["camel"], "wool overcoat", occasions=["work"], seasons=["winter"]
        ),
        "yellow raincoat": item("raincoat", ["yellow"], "waterproof raincoat"),
        "grey puffer": item("puffer jacket", ["grey"], "down puffer jacket", seasons=["winter"]),
        "brown brogues": item(
            "brogues", ["brown"], "leather brogues", occasions=["work", "formal"]
        ),
        "white sneakers": item("sneakers", ["white"], "leather sneakers"),
        "black chelsea boots": item("chelsea boots", ["black"], "suede chelsea boots"),
        "running shoes": item("running shoes", ["grey"], "mesh running shoes", occasions=["sport"]),
        "tan sandals": item("sandals", ["tan"], "leather sandals", seasons=["summer"]),
        "navy tie": item("tie", ["navy"], "silk tie", occasions=["formal"]),
        "brown belt": item("belt", ["brown"], "leather belt"),
        "grey beanie": item("beanie", ["grey"], "wool beanie", seasons=["winter"]),
        "black backpack": item("backpack", ["black"], "canvas backpack"),
    },
}

Q = dict[str, Any]
QUESTIONS: list[Q] = [
    # ---- the four questions (wardrobe cleo) ----
    {"w": "cleo", "q": "What should I wear to a job interview tomorrow?",
     "props": ["core", "shoes"], "says": ["interview"]},
    {"w": "cleo", "q": "It's going to rain and be 8 °C, what jacket should I take?",
     "first": ["beige trench coat"], "says": ["rain"]},
    {"w": "cleo", "q": "Which of my items go with my blue trousers?",
     "items": ["blue trousers"], "props": ["core", "shoes"]},
    {"w": "cleo", "q": "How many tops do I have?", "count": 2,
     "items": ["white t-shirt", "striped shirt"]},
    # ---- counts ----
    {"w": "cleo", "q": "How many pairs of shoes do I have?", "count": 2},
    {"w": "cleo", "q": "How many black items do I own?", "count": 3},
    {"w": "cleo", "q": "How many items are in my wardrobe?", "count": 12},
    {"w": "cleo", "q": "How many blue things do I have?", "count": 2},
    {"w": "cleo", "q": "How many dresses do I have?", "count": 1, "items": ["red dress"]},
    {"w": "cleo", "q": "How many bags do I have?", "count": 1},
    {"w": "cleo", "q": "How many striped items do I have?", "count": 1},
    {"w": "cleo", "q": "How many accessories do I have?", "count": 1},
    {"w": "cleo", "q": "How many bottoms do I own?", "count": 2},
    {"w": "cleo", "q": "How many pairs of jeans do I have?", "count": 1},
    {"w": "ava", "q": "How many tops do I have?", "count": 5},
    {"w": "ava", "q": "How many dresses do I own?", "count": 2},
    {"w": "ava", "q": "How many black items do I have?", "count": 3},
    {"w": "ava", "q": "How many coats do I have?", "count": 2},
    {"w": "ava", "q": "How many pairs of shoes do I have?", "count": 3},
    {"w": "ava", "q": "How many white things do I have?", "count": 3},
    {"w": "ava", "q": "How many items do I have for work?", "count": 4},
    {"w": "ava", "q": "How many red items do I have?", "count": 2},
    {"w": "ava", "q": "How many one-pieces do I have?", "count": 3},
    {"w": "ava", "q": "How many sweaters do I have?", "count": 1},
    {"w": "ava", "q": "How many items are in my wardrobe?", "count": 18},
    {"w": "ava", "q": "How many floral items do I have?", "count": 1},
    {"w": "ava", "q": "How many outerwear pieces do I have?", "count": 3},
    {"w": "ben", "q": "How many t-shirts do I have?", "count": 3},
    {"w": "ben", "q": "How many shirts do I own?", "count": 3},
    {"w": "ben", "q": "How many tops do I have?", "count": 9},
    {"w": "ben", "q": "How many pairs of jeans do I have?", "count": 2},
    {"w": "ben", "q": "How many navy items do I have?", "count": 5},
    {"w": "ben", "q": "How many jackets do I have?", "count": 2},
    {"w": "ben", "q": "How many winter items do I have?", "count": 5},
    {"w": "ben", "q": "How many pairs of shoes do I have?", "count": 5},
    {"w": "ben", "q": "How many accessories do I have?", "count": 3},
    {"w": "ben", "q": "How many bags do I have?", "count": 1},
    {"w": "ben", "q": "How many items do I have for work?", "count": 6},
    {"w": "ben", "q": "How many black items do I have?", "count": 6},
    {"w": "ben", "q": "How many plaid items do I own?", "count": 1},
    {"w": "ben", "q": "How many items are in my wardrobe?", "count": 30},
    {"w": "ben", "q": "How many green items do I have?", "count": 2},
    {"w": "ben", "q": "How many brown items do I have?", "count": 4},
    {"w": "ben", "q": "How many bottoms do I have?", "count": 6},
    # ---- list / filter ----
    {"w": "cleo", "q": "Which of my items are black?",
     "items": ["black jeans", "black loafers", "black tote"]},
    {"w": "cleo", "q": "Show me my shoes", "items": ["white sneakers", "black loafers"]},
    {"w": "cleo", "q": "Do I have a dress?", "items": ["red dress"]},
    {"w": "cleo", "q": "Which outerwear do I have?",
     "items": ["beige trench coat", "denim jacket", "grey blazer"]},
    {"w": "ava", "q": "Which of my items are for the gym?",
     "items": ["green hoodie", "running shorts"]},
    {"w": "ava", "q": "What do I have for the beach?", "items": ["pink swimsuit", "yellow sundress"]},
    {"w": "ava", "q": "Which coats do I have?", "items": ["grey coat", "beige trench"]},
    {"w": "ava", "q": "Show me my red items", "items": ["red scarf", "burgundy sweater"]},
    {"w": "ava", "q": "Do I own any boots?", "items": ["brown boots"]},
    {"w": "ava", "q": "Which of my things are white?",
     "items": ["white shirt", "white sneakers", "cream blouse"]},
    {"w": "ava", "q": "Which items can I wear to a formal event?",
     "items": ["charcoal trousers", "black dress", "black heels"]},
    {"w": "ben", "q": "Show me my t-shirts", "items": ["grey t-shirt", "black t-shirt",
                                                      "white t-shirt"]},
    {"w": "ben", "q": "Which of my items are waterproof?", "items": ["yellow raincoat"]},
    {"w": "ben", "q": "Which jeans do I have?", "items": ["dark jeans", "black jeans"]},
    {"w": "ben", "q": "List my winter items",
     "items": ["burgundy jumper", "olive parka", "camel overcoat", "grey puffer", "grey beanie"]},
    {"w": "ben", "q": "What navy things do I own?",
     "items": ["navy polo", "navy sweater", "navy shorts", "navy blazer", "navy tie"]},
    {"w": "ben", "q": "Which shoes do I have for work?", "items": ["brown brogues"]},
    {"w": "ben", "q": "Do I have a tie?", "items": ["navy tie"]},
    {"w": "ben", "q": "Which of my items are grey?",
     "items": ["grey t-shirt", "grey trousers", "grey puffer", "grey beanie", "running shoes"]},
    {"w": "ben", "q": "Tell me about my yellow raincoat", "items": ["yellow raincoat"]},
    {"w": "ava", "q": "Tell me about my red scarf", "items": ["red scarf"]},
    # ---- outfits, choosing, pairing ----
    {"w": "ava", "q": "What should I wear to the office on Monday?", "props": ["core", "shoes"]},
    {"w": "ava", "q": "What should I wear to a wedding?", "props": ["core", "shoes"]},
    {"w": "ava", "q": "What should I wear on a cold rainy day?",
     "props": ["core", "shoes", "outerwear"], "says": ["rain"]},
    {"w": "ben", "q": "What should I wear for a run?", "props": ["core", "shoes"]},
    {"w": "ben", "q": "What should I wear to a formal dinner?", "props": ["core", "shoes"]},
    {"w": "cleo", "q": "What should I wear this weekend?", "props": ["core", "shoes"]},
    {"w": "ben", "q": "It's 2 °C and snowing, what coat should I wear?",
     "first": ["olive parka", "grey puffer", "camel overcoat"]},
    {"w": "ben", "q": "It's raining today, which jacket should I take?",
     "first": ["yellow raincoat"], "says": ["rain"]},
    {"w": "ava", "q": "Which coat should I take for the rain?", "first": ["beige trench"]},
    {"w": "ben", "q": "What goes with my khaki chinos?",
     "items": ["khaki chinos"], "props": ["core", "shoes"]},
    {"w": "ben", "q": "What goes with my navy blazer?", "items": ["navy blazer"],
     "props": ["core"]},
    {"w": "ava", "q": "What goes with my blue jeans?", "items": ["blue jeans"],
     "props": ["core", "shoes"]},
    {"w": "cleo", "q": "What goes well with my red dress?", "items": ["red dress"],
     "props": ["core", "shoes"]},
    {"w": "ben", "q": "Which is warmer, my olive parka or my yellow raincoat?",
     "items": ["olive parka", "yellow raincoat"], "says": ["warmer"]},
    {"w": "ava", "q": "Compare my grey coat and my beige trench",
     "items": ["grey coat", "beige trench"]},
    # ---- describe, advice ----
    {"w": "ava", "q": "Describe my wardrobe", "says": ["18"]},
    {"w": "ben", "q": "What's in my wardrobe?", "says": ["30"]},
    {"w": "cleo", "q": "How should I dress for a black tie event?", "no_items": True},
    {"w": "ava", "q": "How do I layer clothes for cold weather?", "no_items": True},
]  # fmt: skip

# the retrieval part: free-text questions and the items a search should find (recall@5)
RETRIEVAL: list[Q] = [
    {"w": "ava", "q": "Which navy blazer should I wear to the office?", "relevant": ["navy blazer"]},
    {"w": "ava", "q": "What should I wear to work on Monday?",
     "relevant": ["navy blazer", "white shirt", "charcoal trousers"]},
    {"w": "ava", "q": "I have a wedding to go to: which dress and shoes?",
     "relevant": ["black dress", "black heels"]},
    {"w": "ava", "q": "What goes with my blue jeans?", "relevant": ["blue jeans"]},
    {"w": "ava", "q": "Which coat keeps me warm in winter?", "relevant": ["grey coat", "beige trench"]},
    {"w": "ava", "q": "Something red to add colour?", "relevant": ["red scarf", "burgundy sweater"]},
    {"w": "ava", "q": "What do I pack for a beach holiday?",
     "relevant": ["pink swimsuit", "yellow sundress"]},
    {"w": "ava", "q": "What can I wear to the gym?", "relevant": ["green hoodie", "running shorts"]},
    {"w": "ava", "q": "Which boots go with a skirt?", "relevant": ["brown boots"]},
    {"w": "ava", "q": "My white sneakers for a casual weekend: what else?",
     "relevant": ["white sneakers"]},
    {"w": "ben", "q": "Something warm for a snowy walk?",
     "relevant": ["olive parka", "grey puffer", "camel overcoat"]},
    {"w": "ben", "q": "Shoes for a job interview?", "relevant": ["brown brogues"]},
    {"w": "ben", "q": "What keeps me dry in a downpour?", "relevant": ["yellow raincoat"]},
    {"w": "ben", "q": "Gear for a run in the park", "relevant": ["running shoes", "black joggers"]},
    {"w": "ben", "q": "Summer holiday clothes", "relevant": ["navy shorts", "tan sandals"]},
    {"w": "ben", "q": "My denim", "relevant": ["dark jeans", "black jeans"]},
    {"w": "cleo", "q": "Something for a party tonight", "relevant": ["red dress"]},
    {"w": "cleo", "q": "A bag for work", "relevant": ["black tote"]},
    {"w": "cleo", "q": "Which jacket is made of denim?", "relevant": ["denim jacket"]},
    {"w": "cleo", "q": "Smart shoes for the office", "relevant": ["black loafers"]},
]  # fmt: skip
