"""The web app on a phone (390×844, Chromium): the System page's tables fit the screen (wide
ones become one card per row) and the Chat page keeps the message box in view while a long
conversation scrolls inside its own box. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from tests.server import AuraServer
from tests.test_web_e2e import CHROMIUM, ENV, PHONE, SHOTS, TIMEOUT_MS, nav, signin_token

pytestmark = pytest.mark.slow
TURNS = 30  # a conversation far longer than one screen


def _long_conversation(data_dir: Path) -> None:
    """User `local` (whom the sign-in link signs in) with one long conversation."""
    from aura.assistant.db_memory import DatabaseConversationStore
    from aura.assistant.memory import StoredMessage
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.storage.db import Database
    from aura.storage.migrate import upgrade_to_head
    from aura.storage.users import create_user

    tree = DataTree(load_settings(data_dir=data_dir))
    tree.setup()
    db = Database(tree.database_url)
    try:
        upgrade_to_head(db)
        user_id = str(create_user(db, "local")[0])
        store = DatabaseConversationStore(db)
        conversation = store.create(user_id)
        now = time.time()
        messages = []
        for turn in range(TURNS):
            messages.append(
                StoredMessage("user", f"Question {turn}: what goes with navy chinos?", now)
            )
            messages.append(
                StoredMessage(
                    "assistant",
                    f"Answer {turn}: a white oxford shirt and brown loafers work well with "
                    "navy chinos; add a grey knit when it is cold.",
                    now,
                )
            )
        store.append(user_id, conversation.id, messages)
    finally:
        db.close()


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: install Debian's chromium (.ci/apt-packages)")
    data_dir = tmp_path_factory.mktemp("phone") / "data"
    _long_conversation(data_dir)
    errors: list[str] = []
    with AuraServer(data_dir, ENV) as server, sync_playwright() as pw:
        server.wait_ready(timeout=240)
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.goto(f"{server.url}/#signin={signin_token(server)}")
            page.get_by_role("heading", name="Wardrobe", exact=True).wait_for()
            yield page
        finally:
            browser.close()
    assert not errors, errors


def fits_horizontally(page: Any) -> dict[str, Any]:
    """The page's width, and every element wider than the screen or cut by its box."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const cut = [...document.querySelectorAll('main *')]
            .filter((el) => el.getBoundingClientRect().width > 1)  // not visually hidden
            .filter((el) => el.getBoundingClientRect().right > width + 1
              || (el.scrollWidth > el.clientWidth + 1
                  && getComputedStyle(el).overflowX !== 'visible' && el.tagName !== 'TEXTAREA'))
            .map((el) => `${el.tagName}.${el.className}: ${(el.textContent || '').slice(0, 40)}`);
          return {scrollWidth: document.documentElement.scrollWidth, width, cut};
        }"""
    )


def test_the_system_page_fits_a_phone(phone: Any) -> None:
    nav(phone, "System").click()
    phone.get_by_role("table", name="Models in the store").wait_for()
    phone.get_by_role("table", name="Storage per service", exact=False).wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "system-phone-layout.png"), full_page=True)
    layout = fits_horizontally(phone)
    assert layout["scrollWidth"] <= PHONE["width"], layout
    assert layout["cut"] == [], layout["cut"]
    # the wide tables are cards: each value beside its column's name, nothing cut
    card = phone.get_by_role("table", name="Models in the store").get_by_role("row").nth(1)
    assert card.evaluate("(tr) => getComputedStyle(tr).display") == "block"
    labels = card.evaluate(
        "(tr) => [...tr.querySelectorAll('td')]"
        ".map((td) => getComputedStyle(td, '::before').content)"
    )
    assert labels == ['"size"', '"state"', '"verified"'], labels


def test_the_chat_keeps_the_composer_in_view_on_a_phone(phone: Any) -> None:
    nav(phone, "Chat").click()
    phone.locator(".conversations a", has_text="Question 0").click()
    phone.locator(".msg.assistant", has_text=f"Answer {TURNS - 1}:").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "chat-phone-layout.png"), full_page=True)
    layout = fits_horizontally(phone)
    assert layout["scrollWidth"] <= PHONE["width"], layout
    box = phone.get_by_role("textbox", name="Message").bounding_box()
    send = phone.get_by_role("button", name="Send").bounding_box()
    for rect in (box, send):  # the message box and its button, on screen without scrolling
        assert rect is not None and rect["y"] >= 0 and rect["y"] + rect["height"] <= PHONE["height"]
    # The page stays about one screen tall: the messages scroll inside their own box,
    # which opens at the newest message.
    heights = phone.evaluate(
        """() => { const t = document.querySelector('.thread');
          return {page: document.documentElement.scrollHeight, inner: t.scrollHeight,
                  shown: t.clientHeight}; }"""
    )
    assert heights["page"] <= PHONE["height"] * 1.2, heights
    assert heights["inner"] > 3 * heights["shown"], heights
    newest = phone.locator(".msg.assistant", has_text=f"Answer {TURNS - 1}:").bounding_box()
    assert newest is not None and newest["y"] + newest["height"] <= box["y"] + 1, newest
    assert newest["y"] >= 0


def test_every_page_is_in_the_phone_navigation_without_scrolling(phone: Any) -> None:
    links = phone.evaluate(
        """() => [...document.querySelectorAll('#nav a')].map((a) => {
          const r = a.getBoundingClientRect();
          return {name: a.textContent, left: r.left, right: r.right, height: r.height};
        })"""
    )
    assert len(links) == 8, links
    for link in links:  # each link whole on the screen: none hidden past the edge
        assert link["left"] >= 0 and link["right"] <= PHONE["width"], link
    nav_box = phone.locator("#nav").evaluate("(n) => [n.scrollWidth, n.clientWidth]")
    assert nav_box[0] <= nav_box[1], nav_box
