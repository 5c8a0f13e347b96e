"""Guards on model-written text: no repeated sentence, never cut mid-word, and the small
model's opening line may state no fact (garments, colours, numbers, quantities)."""

from __future__ import annotations

from aura.assistant.phrasing import FALLBACK, acceptable_lead, lead_in, sentences, tidy


def test_tidy_drops_repeats_and_cuts_back_to_a_sentence_end() -> None:
    looped = "You have a lot of tops. So, I'm going to give you options. " * 20
    assert tidy(looped) == "You have a lot of tops. So, I'm going to give you options."
    assert tidy("Wear the blazer. Then the professio", cut=True) == "Wear the blazer."
    assert tidy("It is all about profession", cut=True) == "It is all about…"
    assert sentences("One. Two! Three?") == ["One.", "Two!", "Three?"]


def test_an_opening_line_may_state_no_fact() -> None:
    assert acceptable_lead("Let me check your wardrobe.")
    assert acceptable_lead("Happy to help you choose!")
    for line in (
        "You have a lot of tops.",
        "Your navy blazer is perfect.",
        "I have 3 ideas for you.",
        "I'm so sorry to hear about your loss.",
        "Red is a great choice today.",
        "Yes.",
    ):
        assert not acceptable_lead(line), line


def test_the_packaged_model_writes_a_checked_line(llama_backend) -> None:
    for question, intent in (
        ("How many tops do I have?", "count"),
        ("What should I wear to a job interview tomorrow?", "outfit"),
    ):
        line, own = lead_in(llama_backend, question, intent)
        assert line.endswith((".", "!")) and len(sentences(line)) == 1
        assert acceptable_lead(line) if own else line == FALLBACK[intent]
