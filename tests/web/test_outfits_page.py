"""The web app's Outfits page in headless Chromium against the real `aura serve`: every
outfit the server returns is shown with its score, reasons and missing-item notes, the
server's message says what the wardrobe lacks, and "What to buy next" lists the gaps for
the context asked. Helpers (sign-in, screenshots, console-error watch) are the e2e suite's
(tests/test_web_e2e.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.test_web_e2e import (
    Web,
    assert_labelled,
    nav,
    shoot,
    signed_in,
)

pytestmark = pytest.mark.slow
# no waterproof layer and no bag: the rain note and the gaps have something to say
WARDROBE = [
    {"category": "t-shirt", "colors": ["white"], "description": "cotton tee"},
    {"category": "shirt", "colors": ["navy"], "description": "oxford shirt"},
    {"category": "sweater", "colors": ["grey"], "description": "wool"},
    {"category": "jeans", "colors": ["blue"]},
    {"category": "trousers", "colors": ["black"], "description": "tailored"},
    {"category": "sneakers", "colors": ["white"]},
    {"category": "blazer", "colors": ["black"]},
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with signed_in(tmp_path_factory, "olive", WARDROBE, timeout=240) as web:
        yield web


def test_outfits_page_shows_every_outfit_the_notes_and_what_to_buy(web: Web) -> None:
    page = web.page
    nav(page, "Outfits").click()
    page.get_by_role("heading", name="What to buy next").wait_for()  # for any context
    page.get_by_label("Occasion").select_option("work")
    page.get_by_label("Season").select_option("autumn")
    page.get_by_label("Temperature (°C)").fill("8")
    page.get_by_label("Raining").check()
    page.get_by_role("button", name="Suggest outfits").click()
    page.get_by_role("listitem", name="Outfit 1").wait_for()
    with web.api() as client:
        served = client.post(
            "/outfit-recommendation/recommendations",
            json={"occasion": "work", "season": "autumn", "max_results": 4,
                  "weather": {"temperature_c": 8, "raining": True}},
        ).json()  # fmt: skip
        gaps = client.get(
            "/outfit-recommendation/gaps",
            params={"occasion": "work", "season": "autumn", "temperature_c": 8, "raining": "true"},
        ).json()["gaps"]
    assert len(served["outfits"]) == 4 and served["missing"] == ["outerwear"]
    cards = page.get_by_role("listitem", name=re.compile(r"^Outfit \d+$"))
    assert cards.count() == len(served["outfits"])  # all of them, not the first
    for n in range(cards.count()):
        card = cards.nth(n)
        assert re.search(r"\d+ / 100 · scored by\s+rules", card.inner_text())
        notes = card.get_by_role("list", name="Missing")
        assert "no waterproof layer" in notes.inner_text()
        assert card.locator(".explanation li").count() == 4
    message = page.locator("[data-missing]")
    assert message.get_attribute("data-missing") == "outerwear"
    assert "rain jacket" in message.inner_text()
    wanted = page.locator(".gaps li")
    page.wait_for_function(
        "n => document.querySelectorAll('.gaps li').length === n && "
        "document.querySelector('.gaps').textContent.includes('rain')",
        arg=len(gaps),
    )
    assert gaps and wanted.count() == len(gaps)
    shown = page.locator(".gaps").inner_text()
    assert all(g["reason"] in shown for g in gaps)
    assert any(g["waterproof"] and g["slot"] == "outerwear" for g in gaps)
    assert "waterproof" in shown
    assert_labelled(page)
    shoot(page, "outfits-gaps")
