"""The tool-calling loop (a capable model behind the openai back-end): against a scripted
OpenAI-compatible server for exact sequences (validated arguments, malformed JSON, unknown
tools, refused writes, the round bound), and against a real `llama_cpp.server` process
with the packaged model for the transport."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aura.assistant.backends.openai_backend import OpenAIBackend
from aura.assistant.grounded import MAX_ROUNDS, ToolCallingDriver
from aura.assistant.memory import InProcessConversationStore
from aura.assistant.service import Assistant, ChatRequest
from aura.assistant.tools import ToolSession, default_toolbox
from tests.assistant.scripted_llm import ScriptedLLM, answer, tool_call


def _run(eval_wardrobes, script, question="How many tops do I have?", user="cleo"):
    with ScriptedLLM(script) as llm:
        backend = OpenAIBackend(llm.url, "scripted", timeout_s=30)
        session = ToolSession(eval_wardrobes.platform.assistant.tools, eval_wardrobes.users[user])
        events = list(ToolCallingDriver(backend, default_toolbox()).turn(session, question, []))
        backend.close()
    return events[-1][1], llm.requests


def _tool_messages(request: dict) -> list[dict]:
    return [m for m in request["messages"] if m["role"] == "tool"]


def test_an_exact_tool_call_sequence_and_an_answer_from_its_results(eval_wardrobes) -> None:
    def script(body, n):
        if n == 1:
            return tool_call("count_items", {"slot": ["top"]})
        result = json.loads(_tool_messages(body)[-1]["content"])
        named = ", ".join(f"{i['label']} [item:{i['id']}]" for i in result["items"])
        return answer(f"You have {result['count']} tops: {named}.")

    done, requests = _run(eval_wardrobes, script)
    assert [c.name for c in done.calls] == ["count_items"]
    assert done.calls[0].arguments == {"slot": ["top"]} and done.calls[0].ok
    names = eval_wardrobes.name_of("cleo")
    assert sorted(names[i] for i in done.item_ids) == ["striped shirt", "white t-shirt"]
    assert done.reply.startswith("You have 2 tops")
    # what the loop sent: the schemas, then the result under the call's id
    tools = {t["function"]["name"]: t["function"] for t in requests[0]["tools"]}
    assert tools["count_items"]["parameters"]["properties"]["slot"]
    assert "save_outfit" not in tools  # writes are opt-in
    assert requests[1]["messages"][-2]["tool_calls"][0]["id"] == "call_1"
    assert _tool_messages(requests[1])[0]["tool_call_id"] == "call_1"


@pytest.mark.parametrize(
    ("name", "arguments", "error"),
    [
        ("count_items", "{not json", "not valid JSON"),
        ("count_items", {"slot": "top", "colour": 3}, "invalid arguments"),
        ("delete_wardrobe", {}, "unknown tool"),
        ("save_outfit", {"item_ids": [1]}, "writes are not enabled"),
        ("get_item", {"item_id": 999999}, "No wardrobe item"),
    ],
)
def test_failures_go_back_to_the_model(eval_wardrobes, name, arguments, error) -> None:
    def script(body, n):
        if n == 1:
            return tool_call(name, arguments)
        return answer("Sorry, I could not look that up.")

    done, requests = _run(eval_wardrobes, script)
    assert len(requests) == 2
    sent = _tool_messages(requests[1])[0]["content"]
    assert error in json.loads(sent)["error"], sent
    assert not done.calls[0].ok and error in done.calls[0].error
    assert done.item_ids == []


def test_the_model_is_told_today_and_can_read_the_wear_log(eval_wardrobes) -> None:
    from datetime import date, timedelta

    def script(body, n):
        if n == 1:
            system = body["messages"][0]["content"]
            today = date.fromisoformat(re.search(r"Today is \w+ (\S+):", system).group(1))
            monday = today - timedelta(days=today.weekday() + 7)
            return tool_call(
                "wear_history",
                {"start": monday.isoformat(), "end": (monday + timedelta(days=6)).isoformat()},
            )
        result = json.loads(_tool_messages(body)[-1]["content"])
        return answer(f"You logged {result['total']} wears last week.")

    done, requests = _run(eval_wardrobes, script, "What did I wear last week?")
    assert date.today().isoformat() in requests[0]["messages"][0]["content"]
    assert done.calls[0].name == "wear_history" and done.calls[0].ok
    assert done.reply == "You logged 0 wears last week."
    tools = {t["function"]["name"] for t in requests[0]["tools"]}
    assert {"wear_history", "calendar_plans", "trip_packing", "wardrobe_insights"} <= tools
    assert not {"log_wear", "plan_day"} & tools


def test_the_loop_is_cut_at_its_bound(eval_wardrobes) -> None:
    def script(body, n):
        return tool_call("describe_wardrobe", {}, call_id=f"call_{n}")

    done, requests = _run(eval_wardrobes, script)
    assert len(requests) == MAX_ROUNDS + 1
    assert requests[-1]["tool_choice"] == "none"
    assert len(done.calls) == MAX_ROUNDS
    assert f"stopped after {MAX_ROUNDS} rounds" in done.reply


def test_a_looping_reply_cut_by_the_limit_is_tidied(eval_wardrobes) -> None:
    def script(body, n):
        looped = "It's all about professionalism. " * 4 + "Wear your navy str"
        return {**answer(looped), "_finish": "length"}

    done, _ = _run(eval_wardrobes, script, "What should I wear to a job interview?")
    assert done.reply == "It's all about professionalism."


def test_only_the_callers_items_reach_the_reply(eval_wardrobes) -> None:
    ben = eval_wardrobes.ids["ben"]

    def script(body, n):
        if n == 1:
            return tool_call("search_items", {"query": "navy", "limit": 3})
        # the model names an id it was never given (another user's item)
        return answer(f"Try your navy polo and item [item:{ben['navy tie']}].")

    done, _ = _run(eval_wardrobes, script, "Something navy?", user="ava")
    assert set(done.item_ids) <= set(eval_wardrobes.ids["ava"].values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(
    shared_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the packaged model (1 thread)."""
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path
    from aura.config import load_settings

    gguf = default_gguf_path(load_settings(model_path=shared_models_dir))
    port = _free_port()
    cmd = [
        *(sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)),
        *("--model_alias", "smollm2", "--chat_format", "chatml-function-calling"),
        *("--n_ctx", "2048", "--n_threads", "1", "--host", "127.0.0.1", "--port", str(port)),
    ]
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    out = log.open("w")  # a file, not a pipe: a full pipe would block the server's logging
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "llama_cpp.server did not come up"
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        out.close()


@pytest.mark.timeout(900)
def test_the_loop_over_a_real_llama_cpp_server(eval_wardrobes, llama_server) -> None:
    backend = OpenAIBackend(llama_server, "smollm2", timeout_s=120)
    assistant = Assistant(
        backend,
        InProcessConversationStore(),
        context_tokens=2048,
        default_max_tokens=24,
        tools=eval_wardrobes.platform.assistant.tools,
    )
    assert assistant.driver == "tools"
    user = eval_wardrobes.users["cleo"]
    result = assistant.chat(str(user), ChatRequest("How many tops do I have?", temperature=0.0))
    assert result.driver == "tools" and result.model == "smollm2"
    assert result.reply  # whatever the 135M model said, the exchange completed
    assert set(result.item_ids) <= {str(i) for i in eval_wardrobes.ids["cleo"].values()}
    for call in result.tool_calls:  # any call it made was validated and reported
        assert call["name"] and "summary" in call
    conv = assistant.store.get(str(user), result.conversation_id)
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    backend.close()
