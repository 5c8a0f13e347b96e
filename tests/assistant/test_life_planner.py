"""The planner's wardrobe-life intents, from people's words to the tools and back to an
answer built from their results only (items named, dates resolved against the session's
today), on SQLite and PostgreSQL; honest when there is nothing; another user's wears,
plans and trip never reach the answer. And the days and ranges words name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aura.assistant.planner import Planner, intent_of, parse
from aura.assistant.tools import default_toolbox
from aura.assistant.when import dates, day_name, span_of
from tests.assistant.conftest import LifeWardrobes


def _ask(w: LifeWardrobes, user: str, question: str):  # type: ignore[no-untyped-def]
    answer = Planner(default_toolbox()).answer(w.session(user), question)
    assert all(c.ok for c in answer.calls), [c.error for c in answer.calls]
    assert set(answer.item_ids) <= set(w.ids.get(user, {}).values())  # only the caller's
    return answer


def test_what_was_worn_on_a_day_in_a_week_and_when_an_item_was_last_worn(
    life_wardrobes: LifeWardrobes,
) -> None:
    w = life_wardrobes
    a = w.ids["ann"]
    yesterday = day_name(w.dates["yesterday"])
    got = _ask(w, "ann", "What did I wear yesterday?")
    assert got.intent == "wears" and [c.name for c in got.calls] == ["wear_history"]
    assert got.body == (
        f"Yesterday ({yesterday}) you wore your blue jeans, your white t-shirt and 1 borrowed item."
    )
    assert set(got.item_ids) == {a["blue jeans"], a["white t-shirt"]}
    week = _ask(w, "ann", "what did I wear last week?")
    assert week.body.startswith("Last week (")
    assert f"on {day_name(w.dates['last wednesday'])} your blue jeans" in week.body
    assert "t-shirt" not in week.body
    empty = _ask(w, "ben", "What did I wear last week?")
    assert empty.body.startswith("You have not logged any wears last week (") and not empty.item_ids
    quiet = w.today - timedelta(days=20)
    none = _ask(w, "ann", f"What did I wear on {quiet.isoformat()}?")
    assert none.body == f"You have not logged any wears on {day_name(quiet)}."
    last = _ask(w, "ann", "When did I last wear my blue jeans?")
    assert last.body == (
        f"You last wore your blue jeans yesterday ({yesterday}); 3 wears logged in all."
    )
    never = _ask(w, "ann", "How often have I worn my grey coat?")
    assert never.body == "You have not logged a wear of your grey coat yet."
    bens = _ask(w, "ben", "What did I wear yesterday?")
    assert "your black jeans and your white shirt" in bens.body and "blue" not in bens.body


def test_planned_days(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    got = _ask(w, "ann", "What have I planned?")  # the next 7 days
    assert got.intent == "plans"
    assert got.body.startswith("Planned in the next 7 days (")
    assert (
        f"on {day_name(w.dates['planned'])} (work, 8 °C, rain): your navy blazer, your black "
        "trousers and your brown loafers." in got.body
    )
    later = w.today + timedelta(days=20)
    nothing = _ask(w, "ann", f"What's planned for {later.isoformat()}?")
    assert nothing.body == f"You have nothing planned on {day_name(later)}."
    bens = _ask(w, "ben", "what's on my calendar?")
    assert "your black jeans" in bens.body and "blazer" not in bens.body


def test_the_trip_packing_list(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    got = _ask(w, "ann", "What should I pack for my Lisbon trip?")
    assert got.intent == "trip" and [c.name for c in got.calls] == ["trip_packing"] * 2
    trip = got.calls[-1].result["trip"]
    total = len(trip["checklist"])
    assert got.body.startswith("For your Lisbon trip (") and f"pack {total} items: " in got.body
    assert f"Packed so far: 1 of {total}; still to pack: " in got.body
    assert set(got.item_ids) == {c["item"]["id"] for c in trip["checklist"]}
    done = _ask(w, "ann", "Is my packing list done?")
    assert done.body.startswith(f"Not yet: 1 of {total} items packed for your Lisbon trip")
    for item in trip["to_pack"]:
        assert f"your {item['label']}" in done.body
    start = w.dates["trip start"]
    tokyo = _ask(w, "ann", "What should I pack for my Tokyo trip?")  # none: no guess
    lisbon = dates(start, start + timedelta(days=2))
    assert tokyo.body == f"You have no trip to Tokyo. Your trips: Lisbon ({lisbon})."
    assert not tokyo.item_ids


def test_not_worn_lately_most_worn_and_cost_per_wear(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    unworn = _ask(w, "ann", "What haven't I worn lately?")
    assert unworn.intent == "unworn"
    assert unworn.body.startswith("Not worn in the last 90 days (since ")
    assert "your grey coat (never worn); wear it again or declutter." in unworn.body
    assert "New and not worn yet (added in the last 90 days): " in unworn.body
    assert "your red dress" in unworn.body and "blue jeans" not in unworn.body
    bens = _ask(w, "ben", "What haven't I worn in 30 days?")
    assert bens.body.startswith("Nothing to declutter: everything else was worn in the last 30")
    most = _ask(w, "ann", "Which items are my most worn?")
    assert most.body.startswith("Your most worn: your blue jeans (3 times)")
    cost = _ask(w, "ann", "What's my cost per wear?")
    assert cost.intent == "cost"
    assert cost.body.startswith(
        "Across your 4 priced items (worth 480.00), the cost per wear is 96.00 on average."
    )
    assert "your grey coat (250.00 a wear, not worn yet)" in cost.body


def test_a_user_with_nothing_logged_is_told_so(life_wardrobes: LifeWardrobes) -> None:
    from aura.storage.users import create_user

    w = life_wardrobes
    w.users["dan"], _ = create_user(w.platform.db, "dan")  # type: ignore[attr-defined]
    answers = {q: _ask(w, "dan", q).body for q in (
        "What did I wear yesterday?", "What have I planned for this week?",
        "Is my packing list done?", "What's my cost per wear?", "What haven't I worn lately?",
    )}  # fmt: skip
    assert answers["What did I wear yesterday?"].startswith("You have not logged any wears yest")
    assert answers["What have I planned for this week?"].startswith("You have nothing planned")
    assert answers["Is my packing list done?"].startswith("You have no trips yet")
    assert answers["What's my cost per wear?"].startswith("Your wardrobe has no items yet")
    assert answers["What haven't I worn lately?"].startswith("Your wardrobe has no items yet")


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("What do I pack for a beach holiday?", "list"),  # no trip named: the wardrobe
        ("What should I wear on Friday?", "outfit"),
        ("How many tops do I have?", "count"),
        ("how many times have I worn my jeans?", "wears"),
        ("How much is my wardrobe worth?", "cost"),
        ("What's in my suitcase for the trip?", "trip"),
    ],
)
def test_intents(question: str, intent: str) -> None:
    assert intent_of(parse(question)) == intent


TUESDAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("words", "past", "first", "last"),
    [
        ("what did i wear yesterday", True, date(2026, 11, 30), date(2026, 11, 30)),
        ("what did i wear on monday", True, date(2026, 11, 30), date(2026, 11, 30)),
        ("what did i wear on tuesday", True, TUESDAY, TUESDAY),
        ("what did i wear last tuesday", True, date(2026, 11, 24), date(2026, 11, 24)),
        ("what did i wear on wednesday", True, date(2026, 11, 25), date(2026, 11, 25)),
        ("planned for friday", False, date(2026, 12, 4), date(2026, 12, 4)),
        ("planned for monday", False, date(2026, 12, 7), date(2026, 12, 7)),
        ("planned for next tuesday", False, date(2026, 12, 8), date(2026, 12, 8)),
        ("last week", True, date(2026, 11, 23), date(2026, 11, 29)),
        ("this week", False, date(2026, 11, 30), date(2026, 12, 6)),
        ("next week", False, date(2026, 12, 7), date(2026, 12, 13)),
        ("last month", True, date(2026, 11, 1), date(2026, 11, 30)),
        ("next month", False, date(2027, 1, 1), date(2027, 1, 31)),
        ("in the last 10 days", True, date(2026, 11, 22), TUESDAY),
        ("on 2026-02-03", True, date(2026, 2, 3), date(2026, 2, 3)),
        # a day and a month: the latest such day for the past, the next one to come
        ("what did i wear on 23 november", True, date(2026, 11, 23), date(2026, 11, 23)),
        ("what did i wear nov 23rd", True, date(2026, 11, 23), date(2026, 11, 23)),
        ("worn on the 25th of december", True, date(2025, 12, 25), date(2025, 12, 25)),
        ("planned for the 3rd of january", False, date(2027, 1, 3), date(2027, 1, 3)),
        ("planned for december 1", False, TUESDAY, TUESDAY),
        ("on 5 march 2025", True, date(2025, 3, 5), date(2025, 3, 5)),
    ],
)
def test_days_named_in_words(words: str, past: bool, first: date, last: date) -> None:
    span = span_of(words.split(), TUESDAY, past=past)
    assert span is not None and (span.start, span.end) == (first, last)


def test_no_day_named_and_an_impossible_date() -> None:
    assert span_of(["what", "did", "i", "wear"], TUESDAY, past=True) is None
    assert span_of(["on", "2026-02-30"], TUESDAY, past=True) is None
    assert span_of(["on", "30", "february"], TUESDAY, past=True) is None


def test_a_wear_told_in_the_chat_is_logged_once(life_wardrobes: LifeWardrobes) -> None:
    """Last in this module: it writes ben's wears of today."""
    w = life_wardrobes
    b = w.ids["ben"]

    def tell(text: str, *, writes: bool = True):  # type: ignore[no-untyped-def]
        answer = Planner(default_toolbox()).answer(w.session("ben", writes=writes), text)
        assert all(c.ok for c in answer.calls), [c.error for c in answer.calls]
        assert set(answer.item_ids) <= set(b.values())
        return answer

    def worn_today() -> list[int]:
        got = tell("What did I wear today?")
        return sorted(got.item_ids) if got.body.startswith("Today") else []

    assert worn_today() == []
    read_only = tell("I wore my black sneakers today", writes=False)
    assert read_only.intent == "log_wear" and "log_wear" not in [c.name for c in read_only.calls]
    assert "cannot change your wardrobe" in read_only.body and worn_today() == []

    got = tell("I wore my black sneakers today")
    assert [c.name for c in got.calls][-1] == "log_wear"
    assert got.body.startswith("Logged your black sneakers as worn today")
    assert got.item_ids == [b["black sneakers"]] and worn_today() == [b["black sneakers"]]
    again = tell("i wore my black sneakers today")
    assert again.body.startswith("Already logged: your black sneakers today")
    assert "log_wear" not in [c.name for c in again.calls]

    both = tell("Today I had on my black jeans and my white shirt")
    assert both.body.startswith("Logged your black jeans and your white shirt as worn today")
    assert worn_today() == sorted([b["black sneakers"], b["black jeans"], b["white shirt"]])
    yesterday = tell("Yesterday I wore my black jeans and white shirt")  # the fixture's wear
    assert yesterday.body.startswith("Already logged: your black jeans and your white shirt")

    for text, says in [
        ("I wore my purple scarf today", "find purple scarf like that"),
        ("I wore my black jeans and my red sneakers today", "find red sneakers like"),
        ("I wore my black jeans last week", "is several: say which"),
        ("I wore something nice today", "Which of your items did you wear?"),
    ]:
        answer = tell(text)
        assert says in answer.body, (text, answer.body)
        assert "log_wear" not in [c.name for c in answer.calls]
    assert len(worn_today()) == 3


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I wore my navy blazer today", "log_wear"),
        ("Yesterday I wore my jeans and white sneakers", "log_wear"),
        ("I'm wearing my grey coat", "log_wear"),
        ("What did I wear yesterday?", "wears"),
        ("When did I last wear my blue jeans?", "wears"),
        ("I wore my blazer to a wedding, what else goes with it?", "wears"),
    ],
)
def test_a_wear_told_is_not_a_question_about_wears(text: str, intent: str) -> None:
    assert intent_of(parse(text)) == intent
