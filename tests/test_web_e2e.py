"""The web app end to end in headless Chromium (Debian's ``chromium``, driven by Playwright)
against the real `aura serve`: sign in with the printed one-time link, reject a file that is
not a photo, upload a photo and save its garment, see it in the grid, edit and delete items,
get outfits, chat with a streamed reply that shows the items it drew on, read the system
page, restart the server and find the conversation again; sign in with a pasted key.

Any console error or page error fails the test (the few a step provokes on purpose, a 4xx
answer the page then explains, are named and checked). Screenshots of every page at phone
and desktop size go to test-artifacts/screenshots/ (named in the README)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.server import AuraServer
from tests.synthetic import encode, garment_on_backdrop
from tests.wardrobe_client import create_user

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ENV = {
    "AURA_LLM_MAX_TOKENS": "24",
    "AURA_LLM_THREADS": "2",
    "AURA_RATE_LIMIT_PER_MINUTE": "100000",
}
TIMEOUT_MS = 45_000
pytestmark = pytest.mark.slow


@dataclass
class Web:
    data_dir: Path
    server: AuraServer
    browser: Any
    page: Any
    errors: list[str] = field(default_factory=list)
    key: str = ""
    pasted_key: str = ""

    def watch(self, page: Any) -> None:
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"),
        )

    def expect_errors(self, *statuses: int) -> None:
        """The console errors a step provoked on purpose: only these failed loads."""
        pattern = re.compile(r"status of (\d+)")
        unexpected = [
            e
            for e in self.errors
            if not ((m := pattern.search(e)) and int(m[1]) in statuses and "Failed to load" in e)
        ]
        assert not unexpected, unexpected
        self.errors.clear()

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url + "/api/v1",
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=60,
        )


def signin_token(server: AuraServer, timeout: float = 10) -> str:
    """The link's token: printed once start-up is over, just after /health/ready turns 200."""
    deadline = time.monotonic() + timeout
    while not (tokens := re.findall(r"/#signin=([A-Za-z0-9_-]+)", server.output())):
        assert time.monotonic() < deadline, server.output()[-2000:]
        time.sleep(0.05)
    return tokens[-1]


def sign_in_with_key(page: Any, url: str, key: str) -> None:
    """Open the web app at ``url`` and sign in by pasting ``key``; returns on the Wardrobe page."""
    page.goto(url + "/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Wardrobe", exact=True).wait_for()


@contextlib.contextmanager
def signed_in(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    items: list[dict[str, Any]],
    *,
    timeout: float = 240,
) -> Iterator[Web]:
    """A server with user ``name`` owning ``items``, and Chromium signed in as them at the
    desktop size (downloads accepted); no page error may have happened by the end."""
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: install Debian's chromium (.ci/apt-packages)")
    data_dir = tmp_path_factory.mktemp(f"web-{name}") / "data"
    key = create_user(data_dir, {}, name)
    server = AuraServer(data_dir, ENV).start()
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM))
    try:
        server.wait_ready(timeout=timeout)
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        web = Web(data_dir, server, browser, context.new_page(), key=key)
        web.watch(web.page)
        with web.api() as client:
            for item in items:
                made = client.post("/wardrobe/items", json=item)
                assert made.status_code == 201, made.text
        sign_in_with_key(web.page, server.url, key)
        yield web
        assert not web.errors, web.errors
    finally:
        browser.close()
        pw.stop()
        server.stop()


def shoot(page: Any, name: str) -> None:
    """The page at phone and desktop size (the desktop size is the one tests run at)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)


def nav(page: Any, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby') && !(el.textContent || '').trim())
  .map((el) => el.outerHTML.slice(0, 120))"""


def assert_labelled(page: Any) -> None:
    assert page.evaluate(UNLABELLED) == []


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: install Debian's chromium (.ci/apt-packages)")
    data_dir = tmp_path_factory.mktemp("web-e2e") / "data"
    pasted = create_user(data_dir, {}, "pat")  # sets up the tree and the database too
    server = AuraServer(data_dir, ENV).start()
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM))
    web: Web | None = None
    try:
        server.wait_ready(timeout=240)
        context = browser.new_context(viewport=DESKTOP)
        web = Web(data_dir, server, browser, context.new_page(), pasted_key=pasted)
        web.watch(web.page)
        yield web
        assert not web.errors, web.errors
    finally:
        browser.close()
        pw.stop()
        running = web.server if web is not None else server  # the restart test swaps it
        if running.proc is not None and running.proc.poll() is None:
            running.stop()


def test_signs_in_with_the_one_time_link(web: Web) -> None:
    page = web.page
    page.goto(f"{web.server.url}/")  # no key yet: the sign-in form
    page.get_by_label("API key").wait_for()
    shoot(page, "signin")
    token = signin_token(web.server)
    page.goto(f"{web.server.url}/#signin={token}")
    page.get_by_role("heading", name="Wardrobe", exact=True).wait_for()
    assert "signin" not in page.url  # the token left the address bar (and history)
    web.key = page.evaluate("sessionStorage.getItem('aura.apiKey')")
    assert web.key.startswith("aura_") and web.key not in page.url
    assert page.evaluate("document.cookie") == ""
    page.get_by_text("Your wardrobe is empty").wait_for()
    again = httpx.post(
        f"{web.server.url}/api/v1/session/local-signin", json={"token": token}, timeout=10
    )
    assert again.status_code == 403, again.text  # single use
    for log in web.data_dir.rglob("*.log"):  # a credential: printed once, never logged
        assert token not in log.read_text(errors="replace"), log
    headers = httpx.get(web.server.url + "/", timeout=10).headers
    assert "script-src 'self'" in headers["content-security-policy"]
    web.expect_errors()


def test_a_file_that_is_not_a_photo_is_refused_clearly(web: Web, tmp_path: Path) -> None:
    page = web.page
    nav(page, "Add").click()
    page.get_by_role("heading", name="Add from a photo").wait_for()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo at all\n" * 20)
    page.get_by_label("Choose a photo").set_input_files(str(notes))
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "notes.txt was not accepted" in alert.inner_text()
    assert len(alert.locator("p").inner_text()) > 10  # the fix, from the error body
    shoot(page, "add-rejected")
    web.expect_errors(415, 422)


def test_adds_a_garment_from_a_photo(web: Web, tmp_path: Path) -> None:
    page = web.page
    photo = tmp_path / "navy-tee.png"
    photo.write_bytes(encode(garment_on_backdrop((20, 40, 120), seed=3), "PNG"))
    page.get_by_label("Choose a photo").set_input_files(str(photo))
    page.get_by_role("heading", name=re.compile(r"Found \d+ garment")).wait_for()
    boxes = page.locator(".stage .box")
    ticks = page.get_by_role("checkbox")
    assert boxes.count() >= 1 and ticks.count() == boxes.count()
    assert "navy" in page.locator(".detections").inner_text()
    assert_labelled(page)
    page.get_by_label("Category of garment 1").fill("shirt")  # the detector said "garment"
    shoot(page, "add")
    page.get_by_role("button", name="Save the ticked garments").click()
    page.get_by_text(re.compile(r"Saved \d+ garments? to your wardrobe")).wait_for()
    page.get_by_role("link", name="See your wardrobe").click()
    card = page.locator(".grid .item-card").first
    card.wait_for()
    picture = card.locator("img")
    picture.wait_for()  # the crop of the uploaded photo, fetched with the key
    assert page.evaluate("(img) => img.naturalWidth", picture.element_handle()) > 10
    assert "navy" in page.locator(".grid").inner_text()


def test_wardrobe_filters_edit_and_delete(web: Web) -> None:
    with web.api() as client:
        extra = [
            {"category": "jeans", "colors": ["blue"], "description": "straight leg jeans"},
            {"category": "sneakers", "colors": ["white"], "description": "canvas sneakers"},
            {"category": "jacket", "colors": ["olive"], "description": "light field jacket"},
            {"category": "socks", "colors": ["red"], "pattern": "striped", "description": "old"},
        ]
        for i, fields in enumerate(extra):
            img = encode(garment_on_backdrop((30 + 50 * i, 90, 200 - 40 * i), seed=i), "PNG")
            up = client.post("/wardrobe/photos", content=img, headers={"Content-Type": "image/png"})
            assert up.status_code == 201, up.text
            made = client.post(
                "/wardrobe/items", json={**fields, "image_sha256": up.json()["sha256"]}
            )
            assert made.status_code == 201, made.text
    page = web.page
    nav(page, "Wardrobe").click()
    page.get_by_text("5 items").wait_for()
    page.get_by_label("Colour", exact=True).select_option("blue")
    page.get_by_text("1 item match").wait_for()
    assert page.locator(".grid .item-card").count() == 1
    page.get_by_label("Colour", exact=True).select_option("")
    page.get_by_text("5 items").wait_for()
    page.get_by_label("Search", exact=True).fill("field")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("1 item match").wait_for()
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("5 items").wait_for()
    assert_labelled(page)
    shoot(page, "wardrobe")

    # on second thoughts, the owner calls it what it is
    page.get_by_role("button", name=re.compile("navy shirt: details")).click()
    dialog = page.get_by_role("dialog")
    # no other photographed item yet: the items described like it, as thumbnails
    dialog.get_by_role("heading", name="Described like").wait_for()
    assert dialog.locator(".similar figure").count() == 4
    dialog.get_by_label("Category").fill("t-shirt")
    dialog.get_by_label("Description").fill("navy cotton tee")
    shoot(page, "item-detail")
    dialog.get_by_role("button", name="Save changes").click()
    dialog.wait_for(state="detached")
    page.get_by_role("button", name=re.compile("navy t-shirt: details")).wait_for()
    page.get_by_role("button", name=re.compile("red striped socks: details")).click()
    page.get_by_role("dialog").get_by_role("button", name="Delete item").click()
    page.get_by_role("button", name="Yes, delete it").click()
    page.get_by_text("4 items").wait_for()
    with web.api() as client:
        items = client.get("/wardrobe/items", params={"limit": 100}).json()["items"]
    by_category = {i["category"]: i for i in items}
    assert "socks" not in by_category
    assert by_category["t-shirt"]["description"] == "navy cotton tee"


def test_outfits_save_favourite_wear_and_complete(web: Web) -> None:
    page = web.page
    nav(page, "Outfits").click()
    page.get_by_label("Occasion").select_option("casual")
    page.get_by_label("Season").select_option("spring")
    page.get_by_label("Temperature (°C)").fill("17")
    page.get_by_role("button", name="Suggest outfits").click()
    first = page.get_by_role("listitem", name="Outfit 1")
    first.wait_for()
    text = first.inner_text()
    assert re.search(r"\d+ / 100 · scored by\s+\w+", text), text
    assert first.locator(".explanation li").count() >= 1
    assert first.locator("figure img").count() >= 2  # the items' pictures
    first.get_by_role("button", name="Save as favourite").click()
    first.get_by_text("Saved as a favourite.").wait_for()
    first.get_by_role("button", name="Mark worn").click()
    first.get_by_text("Worn 1×").wait_for()
    saved = page.locator("[data-outfit-id]").first
    saved.wait_for()
    assert saved.get_by_role("button", name="★ Favourite").get_attribute("aria-pressed") == "true"

    start = page.get_by_label("Start from")
    start.select_option(start.locator("option", has_text="navy t-shirt").get_attribute("value"))
    page.get_by_label("Find a").fill("shoes")
    page.get_by_role("button", name="Complete the outfit").click()
    page.get_by_text(re.compile("white sneakers")).first.wait_for()
    # each candidate is shown with the item it completes: the score is the pair's
    pair = page.get_by_role("listitem", name="With white sneakers")
    expect(pair.get_by_text("navy t-shirt")).to_be_visible()
    expect(pair.get_by_text("white sneakers")).to_be_visible()
    assert_labelled(page)
    shoot(page, "outfits")
    with web.api() as client:
        outfits = client.get("/outfit-recommendation/outfits").json()["outfits"]
    assert len(outfits) == 1 and outfits[0]["favorite"] and outfits[0]["times_worn"] == 1


def test_chat_streams_a_reply_with_the_items_it_drew_on(web: Web) -> None:
    page = web.page
    nav(page, "Chat").click()
    page.get_by_role("textbox", name="Message").fill(
        "What goes with my blue jeans for a casual day?"
    )
    page.evaluate(  # count the reply's text updates: streamed means many, not one
        """() => { window.replyUpdates = 0;
        new MutationObserver((changes) => { for (const c of changes)
          if (c.target.closest && c.target.closest('.msg.assistant .text')) window.replyUpdates++;
        }).observe(document.querySelector('.log'), {subtree: true, childList: true}); }"""
    )
    with page.expect_response(lambda r: r.url.endswith("/chat/stream")) as streamed:
        page.get_by_role("button", name="Send").click()
    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    reply = page.locator(".msg.assistant").last
    reply.locator(".used figure img").first.wait_for()
    expect(page.locator(".msg[aria-busy]")).to_have_count(0, timeout=TIMEOUT_MS)
    assert reply.locator(".text").inner_text().strip()
    assert page.evaluate("window.replyUpdates") >= 3  # delta by delta
    assert page.locator(".conversations a[aria-current=page]").count() == 1
    assert "/chat/" in page.url
    assert_labelled(page)
    shoot(page, "chat")


def test_system_page_shows_phases_models_index_and_storage(web: Web) -> None:
    page = web.page
    nav(page, "System").click()
    page.get_by_role("table", name="Start-up phases").wait_for()
    phases = page.get_by_role("table", name="Start-up phases").inner_text()
    # models load after ready (in the background): the phases are the path to ready
    assert "database migrate" in phases and "index load" in phases
    models = page.get_by_role("table", name="Models in the store").inner_text()
    assert "ok" in models and "sizes" in models
    assert "vectors" in page.get_by_role("table", name="Item index").inner_text()
    storage = page.get_by_role("table", name=re.compile("Storage per service")).inner_text()
    assert "conversational_ai" in storage
    assert page.locator(".badge.good").count() >= 4  # ready, and three services
    assert_labelled(page)
    shoot(page, "system")


def test_keyboard_reaches_and_drives_the_navigation(web: Web) -> None:
    page = web.page
    page.goto(f"{web.server.url}/#/wardrobe")
    page.reload()  # keyboard focus starts at the top of the document
    page.get_by_role("heading", name="Wardrobe", exact=True).wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(4):  # brand, Wardrobe, Add, Outfits
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Outfits"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Outfits", exact=True).wait_for()
    expect(page.locator("main h1")).to_be_focused()  # focus follows the page
    outline = page.evaluate(
        """() => { const a = document.querySelector('#nav a'); a.focus();
        return getComputedStyle(a).outlineStyle; }"""
    )
    assert outline not in ("", "none")


def test_after_a_restart_the_conversation_is_there(web: Web) -> None:
    assert web.server.stop() == 0
    web.server = AuraServer(web.data_dir, ENV).start()  # a new port: a new browser origin
    web.server.wait_ready(timeout=240)
    context = web.browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    web.watch(page)
    page.goto(f"{web.server.url}/#signin={signin_token(web.server)}")
    page.get_by_role("heading", name="Wardrobe", exact=True).wait_for()
    nav(page, "Chat").click()
    conversation = page.locator(".conversations a", has_text="What goes with my blue jeans")
    conversation.click()
    page.locator(".msg.user", has_text="What goes with my blue jeans").wait_for()
    page.locator(".msg.assistant .used figure img").first.wait_for()
    context.close()


def test_signs_in_with_a_pasted_key_and_signs_out(web: Web) -> None:
    context = web.browser.new_context(viewport=PHONE)
    page = context.new_page()
    web.watch(page)
    page.goto(web.server.url + "/")
    page.get_by_label("API key").fill("aura_not-a-key")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").get_by_text("Unknown or revoked API key").wait_for()
    web.expect_errors(401)
    page.get_by_label("API key").fill(web.pasted_key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Your wardrobe is empty").wait_for()  # pat's wardrobe, not local's
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").wait_for()
    assert page.evaluate("sessionStorage.length") == 0
    context.close()
