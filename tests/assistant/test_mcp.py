"""The MCP server, with the official SDK's client over both transports: streamable HTTP at
/mcp of a real Aura server (API key required) and stdio (`aura mcp --user NAME`). The same
tools as the chat, read-only unless writes are enabled, results holding only the caller's
items."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest

from tests.assistant.ids import item_ids
from tests.server import AuraServer, clean_environ
from tests.wardrobe_client import Client, create_user

ENV = {"AURA_LLM_THREADS": "1", "AURA_RATE_LIMIT_PER_MINUTE": "10000"}
ALICE = [
    dict(category="t-shirt", colors=["white"], description="cotton tee"),
    dict(category="shirt", colors=["blue"], description="oxford shirt"),
    dict(category="jeans", colors=["blue"], description="straight jeans"),
    dict(category="sneakers", colors=["white"], description="canvas"),
]
BOB = [dict(category="blouse", colors=["red"], description="silk")]


@dataclass
class Served:
    server: AuraServer
    data: Path
    alice: str
    bob: str
    alice_ids: set[int]
    bob_ids: set[int]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("mcp") / "data"
    env = {**ENV, "MODEL_PATH": str(shared_models_dir)}
    alice, bob = create_user(data, env, "alice"), create_user(data, env, "bob")
    with AuraServer(data, env) as server:
        server.wait_ready(timeout=240)
        a = {int(Client(server, alice).create(**f)["id"]) for f in ALICE}
        b = {int(Client(server, bob).create(**f)["id"]) for f in BOB}
        yield Served(server, data, alice, bob, a, b)


async def _exercise(read, write) -> dict:
    from mcp.client.session import ClientSession

    async with ClientSession(read, write) as session:
        await session.initialize()
        tools = await session.list_tools()
        names = {t.name for t in tools.tools}
        schema = next(t.input_schema for t in tools.tools if t.name == "count_items")
        count = await session.call_tool("count_items", {"slot": ["top"]})
        search = await session.call_tool("search_items", {"query": "blue", "limit": 10})
        bad = await session.call_tool("count_items", {"slot": "top", "colour": 3})
        write = await session.call_tool("save_outfit", {"item_ids": [1]})
        return {
            "names": names,
            "schema": schema,
            "count": count.structured_content,
            "count_text": count.content[0].text,
            "search": search.structured_content,
            "bad": (bad.is_error, bad.content[0].text),
            "write": (write.is_error, write.content[0].text),
        }


def _check(served: Served, out: dict) -> None:
    assert {"search_items", "count_items", "recommend_outfits", "get_context"} <= out["names"]
    assert {"wear_history", "calendar_plans", "trip_packing", "wardrobe_insights"} <= out["names"]
    assert not {"save_outfit", "outfit_feedback", "log_wear", "plan_day"} & out["names"]
    assert out["schema"]["type"] == "object" and "slot" in out["schema"]["properties"]
    assert out["count"]["count"] == 2  # the t-shirt and the shirt; bob's blouse is not hers
    assert json.loads(out["count_text"])["count"] == 2
    assert item_ids(out["search"]) and item_ids(out["search"]) <= served.alice_ids
    assert out["bad"][0] and "invalid arguments" in out["bad"][1]
    assert out["write"][0] and "writes are not enabled" in out["write"][1]


def test_streamable_http_needs_a_key_and_serves_the_callers_tools(served: Served) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    url = f"{served.server.url}/mcp"
    refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401 and "API key" in refused.text

    async def run() -> dict:
        headers = {"Authorization": f"Bearer {served.alice}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=120) as client,
            streamable_http_client(url, http_client=client) as (read, write),
        ):
            return await _exercise(read, write)

    _check(served, anyio.run(run))


def test_stdio_acts_as_the_named_user(served: Served, shared_models_dir: Path) -> None:
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = clean_environ(
        {"AURA_DATA_DIR": str(served.data), "MODEL_PATH": str(shared_models_dir), **ENV}
    )
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "aura", "mcp", "--user", "alice"], env=env
    )

    async def run() -> dict:
        async with stdio_client(params) as (read, write):
            return await _exercise(read, write)

    _check(served, anyio.run(run))
