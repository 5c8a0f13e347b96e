"""Fixtures for the assistant: the real SmolLM2, loaded once per test session.

The transformers copy is converted from the packaged GGUF once per session into a shared
models folder (MODEL_PATH for the servers these tests start), exactly as `aura` does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aura.assistant.backends.llama_cpp_backend import LlamaCppBackend
from aura.assistant.hf_model import SMOLLM2_HF_NAME, ensure_converted
from aura.config import load_settings
from aura.layout import DataTree


@pytest.fixture(scope="session")
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("assistant-models")


@pytest.fixture(scope="session")
def converted_smollm2(shared_models_dir: Path) -> Path:
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path

    tree = DataTree(load_settings(model_path=shared_models_dir))
    return ensure_converted(
        default_gguf_path(tree.settings), tree.converted_model_dir(SMOLLM2_HF_NAME)
    )


@pytest.fixture(scope="session")
def llama_backend(shared_models_dir: Path) -> Iterator[LlamaCppBackend]:
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path

    gguf = default_gguf_path(load_settings(model_path=shared_models_dir))
    backend = LlamaCppBackend(gguf, context_tokens=2048, threads=2)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def tf_backend(converted_smollm2: Path) -> Iterator[object]:
    from aura.assistant.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(converted_smollm2, threads=2)
    yield backend
    backend.close()


@dataclass
class Wardrobes:
    """The evaluation wardrobes in a real platform (database, embedder, item index, the
    packaged model): users by name, and each user's item ids by item name."""

    platform: object
    users: dict[str, int]
    keys: dict[str, str]
    ids: dict[str, dict[str, int]]

    def name_of(self, user: str) -> dict[int, str]:
        return {v: k for k, v in self.ids[user].items()}


@pytest.fixture(scope="session")
def eval_wardrobes(
    tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path
) -> Iterator[Wardrobes]:
    """One in-process platform (the assistant's phases, the rule outfit scorer) with the
    three evaluation wardrobes of tests/assistant/eval_set.py; built once per session."""
    from aura.platform import Platform
    from aura.storage.users import create_user
    from tests.assistant.eval_set import WARDROBES

    data = tmp_path_factory.mktemp("eval-wardrobes") / "data"
    settings = load_settings(
        data_dir=data, model_path=shared_models_dir, service="conversational_ai", llm_threads=2
    )
    DataTree(settings).setup()
    platform = Platform(settings)
    state = platform.startup.run()
    assert state.status == "ready", state.to_dict()
    users, keys, ids = {}, {}, {}
    for name, items in WARDROBES.items():
        users[name], keys[name] = create_user(platform.db, name)
        made = platform.wardrobe.create_many(users[name], list(items.values()))
        ids[name] = {label: row["id"] for label, row in zip(items, made, strict=True)}
    yield Wardrobes(platform, users, keys, ids)
    platform.close()


@dataclass
class LifeWardrobes:
    """Two users' wardrobes with wears, planned days and trips, all made through the
    wardrobe services on one database; ``today`` is the day they were made relative to."""

    platform: object
    users: dict[str, int]
    ids: dict[str, dict[str, int]]
    today: object
    dates: dict[str, object]
    trips: dict[str, int]

    def session(self, user: str, *, writes: bool = False):  # type: ignore[no-untyped-def]
        from aura.assistant.tools import ToolSession

        deps = self.platform.tool_deps()  # type: ignore[attr-defined]
        return ToolSession(deps, self.users[user], today=self.today, allow_writes=writes)


LIFE_ITEMS = {
    "ann": {
        "blue jeans": ("jeans", ["blue"], "straight leg", 60.0, None),
        "white t-shirt": ("t-shirt", ["white"], "cotton tee", 20.0, None),
        "navy blazer": ("blazer", ["navy"], "wool blazer", 150.0, None),
        "black trousers": ("trousers", ["black"], "tailored trousers", None, None),
        "white sneakers": ("sneakers", ["white"], "canvas sneakers", None, None),
        "brown loafers": ("loafers", ["brown"], "leather loafers", None, None),
        "grey coat": ("coat", ["grey"], "long wool coat", 250.0, 200),  # bought 200 days ago
        "red dress": ("dress", ["red"], "party dress", None, None),
    },
    "ben": {
        "black jeans": ("jeans", ["black"], "skinny jeans", 80.0, None),
        "green hoodie": ("hoodie", ["green"], "fleece hoodie", None, None),
        "white shirt": ("shirt", ["white"], "oxford shirt", None, None),
        "black sneakers": ("sneakers", ["black"], "running shoes", None, None),
    },
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def life_wardrobes(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    shared_models_dir: Path,
) -> Iterator[LifeWardrobes]:
    """A platform (wardrobe service, rule outfit scorer; no language model) on SQLite or
    PostgreSQL, with ann's and ben's wardrobe life: ben shares his hoodie with ann and she
    wears it once; both log wears yesterday, plan the day after tomorrow and plan a trip to
    Lisbon."""
    from datetime import date, timedelta

    from aura.platform import Platform
    from aura.startup import Startup
    from aura.storage.users import create_user
    from aura.wardrobe.calendar import Calendar
    from aura.wardrobe.households import Households
    from aura.wardrobe.trips import Trips
    from aura.wardrobe.wear import WearLog
    from tests.databases import drop_postgres_database, fresh_postgres_database

    url = None
    if request.param == "postgres":
        base = request.getfixturevalue("postgres_url")
        url = fresh_postgres_database(base)
    data = tmp_path_factory.mktemp(f"life-{request.param}") / "data"
    settings = load_settings(
        data_dir=data,
        model_path=shared_models_dir,
        service="conversational_ai",
        database_url=url,
    )
    DataTree(settings).setup()
    platform = Platform(settings)
    phases = [p for p in platform.phases() if p.name != "assistant model load"]
    state = Startup(phases).run()
    assert state.status == "ready", state.to_dict()
    today = date.today()
    users, ids = {}, {}
    for name, items in LIFE_ITEMS.items():
        users[name], _ = create_user(platform.db, name)
        fields = [
            {
                "category": c,
                "colors": colours,
                "pattern": None,
                "description": d,
                "attributes": {},
                "purchase_price": price,
                "purchase_date": today - timedelta(days=age) if age else None,
            }
            for c, colours, d, price, age in items.values()
        ]
        made = platform.wardrobe.create_many(users[name], fields)
        ids[name] = {label: row["id"] for label, row in zip(items, made, strict=True)}
    a, b = ids["ann"], ids["ben"]
    homes = Households(platform.db)
    home = homes.create(users["ben"], "Flat")
    homes.join(users["ann"], homes.invite(users["ben"], home["id"])["code"])
    homes.share(users["ben"], home["id"], everything=None, share=[b["green hoodie"]], unshare=[])
    monday = today - timedelta(days=today.weekday())
    days = {
        "yesterday": today - timedelta(days=1),
        "last wednesday": monday - timedelta(days=5),  # Wednesday of last week
        "long ago": today - timedelta(days=40),
        "planned": today + timedelta(days=2),
        "trip start": today + timedelta(days=10),
    }
    log = WearLog(platform.db)
    log.wear(users["ann"], day=days["long ago"], item_ids=[a["blue jeans"], a["navy blazer"]])
    log.wear(users["ann"], day=days["last wednesday"], item_ids=[a["blue jeans"]], note="office")
    log.wear(
        users["ann"],
        day=days["yesterday"],
        item_ids=[a["blue jeans"], a["white t-shirt"], b["green hoodie"]],
    )
    log.wear(users["ben"], day=days["yesterday"], item_ids=[b["black jeans"], b["white shirt"]])
    calendar = Calendar(platform.db)
    rain = {"temperature_c": 8.0, "raining": True}
    calendar.plan(
        users["ann"],
        day=days["planned"],
        occasion="work",
        weather=rain,
        item_ids=[a["navy blazer"], a["black trousers"], a["brown loafers"]],
    )
    calendar.plan(users["ben"], day=days["planned"], item_ids=[b["black jeans"]])
    trips = Trips(platform.db, platform.outfit_service())
    start = days["trip start"]
    trip_days = [
        {
            "date": start,
            "occasions": ["casual"],
            "weather": {"temperature_c": 9.0, "raining": True},
        },
        {"date": start + timedelta(days=1), "occasions": ["work"], "weather": None},
    ]
    made_trips = {}
    for who in ("ann", "ben"):
        made_trips[who] = trips.create(
            users[who], destination="Lisbon", start=start, end=start + timedelta(days=2),
            days=trip_days,
        )["id"]  # fmt: skip
    first = trips.get(users["ann"], made_trips["ann"])["checklist"][0]["item_id"]
    trips.tick(users["ann"], made_trips["ann"], [first], [])
    yield LifeWardrobes(platform, users, ids, today, days, made_trips)
    platform.close()
    if url is not None:
        drop_postgres_database(base, url)
