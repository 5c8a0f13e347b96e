"""The assistant over real HTTP: a real `aura serve` with the real SmolLM2 (llama.cpp).

Replies are kept short (AURA_LLM_MAX_TOKENS=8): these tests are about the wiring, the
protocols and bad input, not about the model's taste.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from aura.assistant.backends.base import ChatMessage, GenerationParams
from aura.assistant.backends.openai_backend import OpenAIBackend
from aura.errors import DependencyUnavailable
from tests.server import AuraServer, free_port
from tests.wardrobe_client import create_user

PREFIX = "/api/v1/conversational-ai"
MODEL_ENV = {"AURA_LLM_MAX_TOKENS": "8", "AURA_LLM_THREADS": "2"}
KEYS: dict[str, str] = {}  # server url -> the API key of its test user


def _auth(server: AuraServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[server.url]}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuraServer]:
    data = tmp_path_factory.mktemp("assistant-api") / "data"
    key = create_user(data, {}, "tester")
    with AuraServer(data, env=MODEL_ENV) as srv:
        KEYS[srv.url] = key
        srv.wait_ready(timeout=180)
        yield srv
        assert srv.proc is not None and srv.proc.poll() is None, "the server died"


def _chat(server: AuraServer, **body: object) -> httpx.Response:
    return httpx.post(f"{server.url}{PREFIX}/chat", json=body, headers=_auth(server), timeout=120)


def test_chat_replies_and_the_conversation_continues(server: AuraServer) -> None:
    first = _chat(server, message="What goes with navy trousers?", context={"occasion": "work"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["reply"].strip()
    assert body["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert body["latency_ms"] > 0 and body["prompt_tokens"] > 0
    assert body["item_ids"] == [] and body["referenced_item_ids"] == []
    assert body["guidance_ids"]  # the guidance corpus was drawn on
    conv = body["conversation_id"]
    second = _chat(server, message="And shoes?", conversation_id=conv)
    assert second.status_code == 200 and second.json()["conversation_id"] == conv
    got = httpx.get(f"{server.url}{PREFIX}/conversations/{conv}", headers=_auth(server)).json()
    assert [m["role"] for m in got["messages"]] == ["user", "assistant", "user", "assistant"]
    assert got["messages"][2]["content"] == "And shoes?"
    listed = httpx.get(f"{server.url}{PREFIX}/conversations", headers=_auth(server)).json()[
        "conversations"
    ]
    assert conv in [c["id"] for c in listed]
    assert (
        httpx.delete(
            f"{server.url}{PREFIX}/conversations/{conv}", headers=_auth(server)
        ).status_code
        == 204
    )
    assert (
        httpx.get(f"{server.url}{PREFIX}/conversations/{conv}", headers=_auth(server)).status_code
        == 404
    )


@pytest.mark.parametrize("key", [None, "aura_not-a-key"])
def test_every_assistant_route_needs_a_valid_api_key(server: AuraServer, key: str | None) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    hi = {"message": "hi"}
    for method, path, body in [
        ("POST", f"{PREFIX}/chat", hi),
        ("POST", f"{PREFIX}/chat/stream", hi),
        ("POST", f"{PREFIX}/chat/batch", {"requests": [hi]}),
        ("GET", f"{PREFIX}/conversations", None),
        ("GET", f"{PREFIX}/conversations/1", None),
        ("DELETE", f"{PREFIX}/conversations/1", None),
        ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
        ("GET", "/v1/models", None),
    ]:
        response = httpx.request(method, server.url + path, json=body, headers=headers, timeout=30)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=key or "x", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    ws_url = server.url.replace("http://", "ws://") + f"{PREFIX}/ws/chat"
    query = f"?api_key={key}" if key else ""
    with pytest.raises(InvalidStatus), connect(ws_url + query, open_timeout=10):
        pass  # pragma: no cover - the handshake is refused
    # the query parameter is the other accepted way to send the key
    with connect(f"{ws_url}?api_key={KEYS[server.url]}", open_timeout=10) as ws:
        ws.send(json.dumps({"message": ""}))
        assert json.loads(ws.recv(timeout=30))["type"] == "error"


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({"message": ""}, 422, "at least 1 character"),  # the schema's minLength
        ({"message": "   \n"}, 422, "message is empty"),
        ({"message": "x" * 4001}, 422, "4000"),
        ({}, 422, "message"),
        ({"message": "hi", "max_tokens": 0}, 422, "max_tokens"),
        ({"message": "hi", "context": {"occasion": "o" * 201}}, 422, "occasion"),
        ({"message": "hi", "conversation_id": "nope"}, 404, "No conversation nope"),
    ],
)
def test_bad_chat_input_is_a_4xx_with_reasons(
    server: AuraServer, payload: dict, status: int, needle: str
) -> None:
    for path in ("/chat", "/chat/stream"):
        response = httpx.post(
            f"{server.url}{PREFIX}{path}", json=payload, headers=_auth(server), timeout=60
        )
        assert response.status_code == status, (path, response.text)
        assert needle in response.text


def test_malformed_json_is_422(server: AuraServer) -> None:
    response = httpx.post(
        f"{server.url}{PREFIX}/chat",
        content=b'{"message": "hi"',
        headers={"content-type": "application/json", **_auth(server)},
    )
    assert response.status_code == 422 and "json" in response.text.lower()


def test_sse_stream_sends_start_deltas_and_end(server: AuraServer) -> None:
    events: list[tuple[str, dict]] = []
    with httpx.stream(
        "POST",
        f"{server.url}{PREFIX}/chat/stream",
        json={"message": "Hi!"},
        headers=_auth(server),
        timeout=120,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    kinds = [k for k, _ in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and "delta" in kinds
    end = events[-1][1]
    assert "".join(d["text"] for k, d in events if k == "delta").strip() == end["reply"]
    assert end["conversation_id"] == events[0][1]["conversation_id"]
    assert end["first_token_ms"] is not None


def test_batch_answers_each_turn_and_reports_failures_per_turn(server: AuraServer) -> None:
    body = {"requests": [{"message": "Hi"}, {"message": "Hi", "conversation_id": "missing"}]}
    response = httpx.post(
        f"{server.url}{PREFIX}/chat/batch", json=body, headers=_auth(server), timeout=120
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["ok"] and first["reply"]
    assert not second["ok"] and second["error"] == "NotFound"
    too_many = {"requests": [{"message": "Hi"}] * 11}
    assert (
        httpx.post(
            f"{server.url}{PREFIX}/chat/batch", json=too_many, headers=_auth(server)
        ).status_code
        == 422
    )
    assert (
        httpx.post(
            f"{server.url}{PREFIX}/chat/batch", json={"requests": []}, headers=_auth(server)
        ).status_code
        == 422
    )


def test_websocket_chat_bad_input_and_a_client_leaving_mid_stream(server: AuraServer) -> None:
    ws_url = server.url.replace("http://", "ws://") + f"{PREFIX}/ws/chat"
    with connect(ws_url, open_timeout=10, additional_headers=_auth(server)) as ws:
        ws.send("not json")
        assert json.loads(ws.recv(timeout=30))["type"] == "error"
        ws.send(json.dumps({"message": " "}))
        error = json.loads(ws.recv(timeout=30))
        assert error["type"] == "error" and "message is empty" in json.dumps(error)
        ws.send(json.dumps({"message": "Hello"}))
        kinds = []
        while True:
            event = json.loads(ws.recv(timeout=120))
            kinds.append(event["type"])
            if event["type"] in ("end", "error"):
                break
        assert kinds[0] == "start" and kinds[-1] == "end", kinds
        end = event["data"]
        # the socket stays usable for the next turn of the same conversation
        ws.send(json.dumps({"message": "More?", "conversation_id": end["conversation_id"]}))
        while json.loads(ws.recv(timeout=120))["type"] != "end":
            pass
    # leave in the middle of a long reply: the server must stop generating and keep serving
    with (
        contextlib.suppress(Exception),
        connect(ws_url, open_timeout=10, additional_headers=_auth(server)) as ws,
    ):
        ws.send(json.dumps({"message": "Tell me a long story about coats.", "max_tokens": 400}))
        assert json.loads(ws.recv(timeout=60))["type"] == "start"
        ws.socket.close()  # abrupt: no close handshake
    began = time.monotonic()
    after = _chat(server, message="Still there?", max_tokens=4)
    assert after.status_code == 200, after.text
    assert time.monotonic() - began < 60
    assert server.proc is not None and server.proc.poll() is None


def test_the_event_loop_stays_free_while_the_model_generates(server: AuraServer) -> None:
    done = threading.Event()

    def long_reply() -> None:
        _chat(server, message="Describe ten outfits.", max_tokens=150)
        done.set()

    threading.Thread(target=long_reply, daemon=True).start()
    time.sleep(0.5)
    began = time.monotonic()
    assert httpx.get(f"{server.url}/health/live", timeout=5).status_code == 200
    assert time.monotonic() - began < 1.0
    assert done.wait(120)


def test_openai_client_gets_completions(server: AuraServer) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEYS[server.url], max_retries=0)
    messages = [{"role": "user", "content": "Name one colour."}]
    out = client.chat.completions.create(model="any", messages=messages, max_tokens=6)
    assert out.object == "chat.completion"
    assert out.choices[0].message.role == "assistant" and out.choices[0].message.content
    assert out.choices[0].finish_reason in ("stop", "length")
    assert out.usage.prompt_tokens > 0 and 0 < out.usage.completion_tokens <= 6
    chunks = list(
        client.chat.completions.create(model="any", messages=messages, max_tokens=6, stream=True)
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks).strip()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert client.models.list().data[0].id == "SmolLM2-135M-Instruct.Q4_1.gguf"
    with pytest.raises(openai.BadRequestError, match="context window"):
        client.chat.completions.create(
            model="any", messages=[{"role": "user", "content": "word " * 3000}], max_tokens=6
        )
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="any", messages=[], max_tokens=6)


def test_openai_backend_talks_to_an_openai_compatible_server(server: AuraServer) -> None:
    backend = OpenAIBackend(f"{server.url}/v1", "smollm2", api_key=KEYS[server.url], timeout_s=60)
    msgs = [ChatMessage("user", "Say hi.")]
    params = GenerationParams(max_tokens=5, temperature=0.0)
    assert backend.generate(msgs, params)
    assert "".join(backend.stream(msgs, params)).strip()
    assert backend.count_tokens(msgs) > 0
    dead = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "m", timeout_s=5)
    with pytest.raises(DependencyUnavailable, match="AURA_LLM_BASE_URL"):
        dead.generate(msgs, params)


def test_aura_serves_chat_through_the_openai_backend(server: AuraServer, tmp_path: Path) -> None:
    env = {
        "AURA_LLM_BACKEND": "openai",
        "AURA_LLM_BASE_URL": f"{server.url}/v1",
        "AURA_LLM_MODEL": "smollm2-remote",
        "AURA_LLM_API_KEY": KEYS[server.url],
        "AURA_LLM_MAX_TOKENS": "6",
    }
    front_key = create_user(tmp_path / "data", {}, "front")
    with AuraServer(tmp_path / "data", env=env) as front:
        KEYS[front.url] = front_key
        front.wait_ready(timeout=120)
        response = _chat(front, message="Hi!")
        assert response.status_code == 200, response.text
        assert response.json()["model"] == "smollm2-remote" and response.json()["reply"]
        assert KEYS[server.url] not in front.output()
