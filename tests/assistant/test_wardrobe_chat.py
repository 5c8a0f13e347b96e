"""Retrieval over the caller's own wardrobe, end to end over HTTP: items posted through the
wardrobe API are embedded into the index; chat questions naming colours, categories and
occasions get the right items in the reply's item ids, and never another user's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.server import AuraServer
from tests.wardrobe_client import Client, create_user

PREFIX = "/api/v1/conversational-ai"
ENV = {"AURA_LLM_MAX_TOKENS": "4", "AURA_LLM_THREADS": "2", "AURA_RATE_LIMIT_PER_MINUTE": "10000"}

# name -> item fields; a hand-written wardrobe with neighbours that could be confused
ALICE_ITEMS: dict[str, dict] = {
    "navy blazer": dict(
        category="blazer",
        colors=["navy"],
        description="wool, single-breasted",
        attributes={"occasions": ["work"]},
    ),
    "white shirt": dict(
        category="shirt",
        colors=["white"],
        description="cotton oxford shirt",
        attributes={"occasions": ["work"]},
    ),
    "charcoal trousers": dict(
        category="trousers",
        colors=["charcoal"],
        description="tailored suit trousers",
        attributes={"occasions": ["work", "formal"]},
    ),
    "black dress": dict(
        category="dress",
        colors=["black"],
        description="silk slip dress for evenings",
        attributes={"occasions": ["party", "formal"]},
    ),
    "black heels": dict(
        category="heels",
        colors=["black"],
        description="patent leather pumps",
        attributes={"occasions": ["formal", "party"]},
    ),
    "blue jeans": dict(category="jeans", colors=["blue"], description="straight leg, mid wash"),
    "white sneakers": dict(
        category="sneakers",
        colors=["white"],
        description="canvas low tops",
        attributes={"occasions": ["casual"]},
    ),
    "grey coat": dict(category="coat", colors=["grey"], description="long wool winter coat"),
    "beige trench": dict(
        category="coat", colors=["beige"], description="trench coat for rainy days"
    ),
    "red scarf": dict(category="scarf", colors=["red"], pattern="plaid", description="cashmere"),
    "brown boots": dict(category="boots", colors=["brown"], description="leather ankle boots"),
    "green hoodie": dict(
        category="hoodie",
        colors=["olive"],
        description="fleece hoodie",
        attributes={"occasions": ["gym", "casual"]},
    ),
    "running shorts": dict(
        category="shorts",
        colors=["black"],
        description="light running shorts",
        attributes={"occasions": ["sport"]},
    ),
    "pink swimsuit": dict(
        category="swimsuit",
        colors=["pink"],
        description="one-piece swimsuit",
        attributes={"occasions": ["beach"]},
    ),
    "yellow sundress": dict(
        category="dress",
        colors=["yellow"],
        pattern="floral",
        description="cotton sundress for summer holidays",
        attributes={"occasions": ["beach"]},
    ),
    "burgundy sweater": dict(
        category="sweater", colors=["burgundy"], description="chunky knit jumper"
    ),
}
BOB_ITEMS = [
    dict(
        category="blazer", colors=["navy"], description="wool", attributes={"occasions": ["work"]}
    ),
    dict(category="dress", colors=["black"], description="silk evening dress"),
    dict(category="sneakers", colors=["white"], description="leather trainers"),
]
# question -> the items that answer it (recall@5 is measured against these)
QUESTIONS: dict[str, set[str]] = {
    "Which navy blazer should I wear to the office?": {"navy blazer"},
    # the planner answers with outfits: the dress-with-trench one is a work outfit too
    "What should I wear to work on Monday?": {
        "navy blazer",
        "white shirt",
        "charcoal trousers",
        "black dress",
        "black heels",
        "beige trench",
    },
    "I have a wedding to go to: which dress and shoes?": {"black dress", "black heels"},
    "What goes with my blue jeans?": {"blue jeans"},
    "Which coat keeps me warm in winter?": {"grey coat", "beige trench"},
    "Something red to add colour?": {"red scarf", "burgundy sweater"},
    "What do I pack for a beach holiday?": {"pink swimsuit", "yellow sundress"},
    "What can I wear to the gym?": {"green hoodie", "running shorts"},
    "Which boots go with a skirt?": {"brown boots"},
    "My white sneakers for a casual weekend: what else?": {"white sneakers"},
}
MIN_RECALL_AT_5 = 0.8


@dataclass
class Served:
    server: AuraServer
    alice: str
    bob: str
    alice_ids: dict[str, str]
    bob_ids: set[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("wardrobe-chat") / "data"
    alice, bob = create_user(data, {}, "alice"), create_user(data, {}, "bob")
    with AuraServer(data, ENV) as server:
        server.wait_ready(timeout=180)
        alice_ids = {
            name: str(Client(server, alice).create(**fields)["id"])
            for name, fields in ALICE_ITEMS.items()
        }
        bob_ids = {str(Client(server, bob).create(**fields)["id"]) for fields in BOB_ITEMS}
        yield Served(server, alice, bob, alice_ids, bob_ids)


def _chat(served: Served, key: str, message: str) -> dict:
    response = httpx.post(
        f"{served.server.url}{PREFIX}/chat",
        json={"message": message, "max_tokens": 2},
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_replies_draw_on_the_right_items_of_the_callers_own_wardrobe(served: Served) -> None:
    names = {v: k for k, v in served.alice_ids.items()}
    recalls: dict[str, float] = {}
    for question, relevant in QUESTIONS.items():
        reply = _chat(served, served.alice, question)
        ids = reply["item_ids"]
        assert ids and set(ids) <= set(served.alice_ids.values()), (question, ids)
        assert set(reply["referenced_item_ids"]) <= set(ids)
        top = {names[i] for i in ids[:5]}
        recalls[question] = len(top & relevant) / len(relevant)
        assert names[ids[0]] in relevant, (question, [names[i] for i in ids])
    mean = sum(recalls.values()) / len(recalls)
    print(f"\nrecall@5 over {len(recalls)} questions: {mean:.3f} {recalls}")
    assert mean >= MIN_RECALL_AT_5, recalls


def test_another_users_items_never_appear(served: Served) -> None:
    # both wardrobes hold a navy work blazer, a black dress and white sneakers
    for question in ("My navy blazer for work and white sneakers?", "Which black dress?"):
        alice = _chat(served, served.alice, question)
        assert not set(alice["item_ids"]) & served.bob_ids
        bob = _chat(served, served.bob, question)
        assert set(bob["item_ids"]) <= served.bob_ids
        assert not set(bob["item_ids"]) & set(served.alice_ids.values())
    # the conversation read back names only the caller's items too
    reply = _chat(served, served.bob, "navy blazer")
    conv = httpx.get(
        f"{served.server.url}{PREFIX}/conversations/{reply['conversation_id']}",
        headers={"Authorization": f"Bearer {served.bob}"},
        timeout=30,
    ).json()
    assert set(conv["messages"][1]["meta"]["item_ids"]) <= served.bob_ids


def test_the_chat_reads_the_callers_wear_log(served: Served) -> None:
    """Wears logged through the API, asked about in words: the reply names the caller's
    items from the wear log (the planner's wear_history), never the other user's."""
    worn = [served.alice_ids["blue jeans"], served.alice_ids["white sneakers"]]
    for key, ids in ((served.alice, worn), (served.bob, sorted(served.bob_ids)[:1])):
        response = httpx.post(
            f"{served.server.url}/api/v1/wardrobe/wears",
            json={"item_ids": [int(i) for i in ids]},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
    reply = _chat(served, served.alice, "What did I wear today?")
    assert "you wore your blue jeans and your white sneakers." in reply["reply"]
    assert set(reply["item_ids"]) == set(worn)
    last = _chat(served, served.alice, "When did I last wear my blue jeans?")
    assert "You last wore your blue jeans today" in last["reply"]
    assert "1 wear logged in all" in last["reply"]
    bob = _chat(served, served.bob, "What did I wear today?")
    assert set(bob["item_ids"]) <= served.bob_ids and "jeans" not in bob["reply"]
