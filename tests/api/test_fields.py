"""The request models accept what their published schema allows (schemathesis'
positive_data_acceptance runs against the live server in tests/test_fuzz_api.py; these are the
rules it found, checked in a millisecond)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from aura.api.routes.conversational_ai import ChatIn
from aura.api.routes.openai_compat import CompletionIn
from aura.api.routes.outfit_recommendation import (
    CompatibilityIn,
    CompleteIn,
    FeedbackIn,
    RecommendationsIn,
)


def test_the_schema_carries_json_schema_keywords_only(tmp_path) -> None:
    from aura.api.app import create_app
    from aura.config import load_settings

    text = json.dumps(create_app(load_settings(data_dir=tmp_path)).openapi())
    for leaked in ('"ge":', '"le":', '"gt":', '"lt":'):  # pydantic's names, not JSON Schema's
        assert leaked not in text
    schemas = json.loads(text)["components"]["schemas"]
    assert schemas["ChatIn"]["properties"]["message"]["minLength"] == 1
    assert schemas["CompatibilityIn"]["properties"]["item_ids"]["uniqueItems"] is True
    item = schemas["CompatibilityIn"]["properties"]["item_ids"]["items"]
    assert item["minimum"] == 1 and float(int(item["maximum"])) == item["maximum"]


def test_whole_number_floats_are_integers() -> None:
    assert FeedbackIn(outfit_id=3.0, rating=1.0).rating == 1
    assert RecommendationsIn(max_results=20.0).max_results == 20
    assert ChatIn(message="hi", max_tokens=8.0).max_tokens == 8
    assert (
        CompletionIn(messages=[{"role": "user", "content": "hi"}], max_tokens=4.0).max_tokens == 4
    )
    for bad in (1.5, True, "1", 6.0):
        with pytest.raises(ValidationError):
            FeedbackIn(outfit_id=1, rating=bad)


def test_ids_and_messages_follow_their_stated_rules() -> None:
    assert RecommendationsIn(seed_item_ids=[2, 1, 2]).seed_item_ids == [2, 1]
    assert CompleteIn(item_ids=[5, 5], target_category="shoes").item_ids == [5]
    with pytest.raises(ValidationError):
        CompatibilityIn(item_ids=[1, 2**53])  # above the documented maximum
    for blank in ("", "   \n"):
        with pytest.raises(ValidationError):
            ChatIn(message=blank)
