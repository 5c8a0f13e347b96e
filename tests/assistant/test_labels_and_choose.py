"""How the assistant names an item, and which questions ask it to choose one piece.

Found by trying it as a new user: items typed as "white tee" or "navy chinos" came back as
"your white white tee", "your navy navy chinos"; "what jacket for the rain?" listed the
one item called a jacket instead of choosing the best outer layer for rain."""

from __future__ import annotations

import pytest

from aura.assistant.planner import intent_of, parse
from aura.assistant.tools.items import item_label


@pytest.mark.parametrize(
    ("colour", "pattern", "category", "label"),
    [
        ("white", "", "white tee", "white tee"),
        ("navy", "", "Navy Chinos", "navy chinos"),
        ("brown", "", "brown chelsea boots", "brown chelsea boots"),
        ("denim", "", "denim jacket", "denim jacket"),
        ("light blue", "", "oxford shirt", "light blue oxford shirt"),
        ("navy", "striped", "shirt", "navy striped shirt"),
        ("red", "floral", "floral sundress", "red floral sundress"),
        ("off-white", "", "off white sweater", "off white sweater"),
        ("", "", "  Rain   Jacket ", "rain jacket"),
        ("blue", "", "blue-grey blazer", "blue-grey blazer"),
    ],
)
def test_a_label_says_each_word_once(colour, pattern, category, label) -> None:
    assert item_label(colour, pattern, category) == label


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("what jacket for the rain?", "choose"),
        ("Which shoes for a wedding?", "choose"),
        ("what coat for tomorrow", "choose"),
        ("which jacket should I take?", "choose"),
        ("which shirts do I have for work?", "list"),
        ("what tops for work do I have", "list"),
        ("Do I own anything red?", "list"),
        ("what goes with my navy chinos?", "pairs"),
    ],
)
def test_which_questions_choose_one_piece(question, intent) -> None:
    assert intent_of(parse(question)) == intent
