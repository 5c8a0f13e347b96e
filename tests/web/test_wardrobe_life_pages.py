"""The wardrobe-life pages in headless Chromium against the real `aura serve`: wear and
laundry controls on an item, the calendar's week view (plan a day, an outfit suggested for
it), trips (a bad date range explained; a packing list whose checklist survives a reload),
insights with the charts the page draws itself, and "Your data" (CSV import with a bad row
explained, then a good one; the data ZIP downloaded). Screenshots at phone and desktop size
go to test-artifacts/screenshots/ like the other pages'."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_web_e2e import (
    Web,
    assert_labelled,
    nav,
    shoot,
    signed_in,
)

pytestmark = pytest.mark.slow
ITEMS = [
    {"category": "t-shirt", "colors": ["white"], "description": "cotton tee", "purchase_price": 20},
    {"category": "shirt", "colors": ["light blue"], "description": "oxford shirt"},
    {
        "category": "jeans",
        "colors": ["blue"],
        "description": "straight jeans",
        "purchase_price": 60,
    },
    {"category": "trousers", "colors": ["black"], "description": "tailored trousers"},
    {"category": "sneakers", "colors": ["white"], "description": "canvas sneakers"},
    {"category": "loafers", "colors": ["brown"], "description": "leather loafers"},
    {"category": "coat", "colors": ["camel"], "description": "wool coat", "purchase_price": 250},
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with signed_in(tmp_path_factory, "lee", ITEMS, timeout=300) as web:
        yield web


def test_wear_and_laundry_on_an_item(web: Web) -> None:
    page = web.page
    page.get_by_role("button", name=re.compile("white t-shirt: details")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Worn today").click()
    dialog.get_by_text(re.compile(r"Worn 1×, last on \d{4}-\d\d-\d\d")).wait_for()
    with page.expect_response(lambda r: r.url.endswith("/wardrobe/laundry")) as answer:
        dialog.get_by_label("Laundry", exact=True).select_option("in_wash")
    assert answer.value.status == 200
    with web.api() as client:
        items = client.get("/wardrobe/items", params={"limit": 100}).json()["items"]
    tee = next(i for i in items if i["category"] == "t-shirt")
    assert tee["times_worn"] == 1 and tee["laundry"] == "in_wash"
    assert_labelled(page)
    shoot(page, "item-wear-laundry")
    dialog.get_by_role("button", name="Close").click()
    nav(page, "Wardrobe").click()
    page.locator(".laundry-badge", has_text="in wash").wait_for()
    page.get_by_role("button", name="Back from the wash").click()
    expect(page.locator(".laundry-badge")).to_have_count(0)


def test_calendar_week_plans_a_day(web: Web) -> None:
    page = web.page
    nav(page, "Calendar").click()
    page.get_by_role("heading", name="Calendar", exact=True).wait_for()
    page.get_by_label("Occasion").select_option("work")
    page.get_by_label("Expected °C").fill("8")
    page.get_by_label("Rain expected").check()
    page.get_by_role("button", name="Plan an outfit").click()
    plan = page.locator(".week .plan").first
    plan.wait_for()
    assert "work" in plan.inner_text() and "8 °C, rain (yours)" in plan.inner_text()
    assert plan.locator("figure").count() >= 3  # a suggested outfit, with a layer
    assert page.locator(".week > li").count() == 7
    assert_labelled(page)
    shoot(page, "calendar")
    page.get_by_role("button", name="Next week").click()
    page.get_by_role("heading", name=re.compile("Week of")).wait_for()
    page.get_by_role("button", name="Previous week").click()
    page.locator(".week .plan").first.wait_for()


def test_trips_packing_list_and_checklist(web: Web) -> None:
    page = web.page
    nav(page, "Trips").click()
    page.get_by_role("heading", name="Trips", exact=True).wait_for()
    start = date.today() + timedelta(days=14)
    page.get_by_label("Destination").fill("Lisbon")
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_label("Last day").fill((start - timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Make the packing list").click()
    page.get_by_role("alert").get_by_text(re.compile("before it starts")).wait_for()
    web.expect_errors(422)
    page.get_by_label("Last day").fill((start + timedelta(days=3)).isoformat())
    page.get_by_label("Occasion").select_option("work")
    page.get_by_label("Expected °C").fill("12")
    page.get_by_role("button", name="Make the packing list").click()
    page.get_by_role("heading", name="Lisbon").wait_for()
    boxes = page.get_by_role("list", name="Packing checklist").get_by_role("checkbox")
    assert boxes.count() >= 3
    boxes.first.check()
    page.get_by_text(re.compile(r"1 of \d+ packed")).wait_for()
    assert_labelled(page)
    shoot(page, "trip")
    page.reload()
    page.get_by_role("heading", name="Lisbon").wait_for()
    expect(
        page.get_by_role("list", name="Packing checklist").get_by_role("checkbox").first
    ).to_be_checked()


def test_insights_charts_and_your_data(web: Web, tmp_path: Path) -> None:
    page = web.page
    nav(page, "Insights").click()
    page.get_by_role("heading", name="Insights", exact=True).wait_for()
    slots = page.get_by_role("img", name=re.compile("Items per slot"))
    assert "top 2" in slots.get_attribute("aria-label")
    assert slots.locator("rect").count() >= 8
    colours = page.get_by_role("img", name=re.compile("Items per colour family"))
    assert colours.locator("rect").count() >= 4
    assert "330.00" in page.locator(".stats").inner_text()  # the priced items' value
    costs = page.get_by_role("table", name="Cost per wear")
    assert costs.locator("tbody tr").count() == 3
    # a never-worn item has no cost per wear yet (not its whole price as if worn once)
    expect(costs.locator("tr", has_text="camel coat")).to_contain_text("not worn yet")
    expect(costs.locator("tr", has_text="white t-shirt")).to_contain_text("20.00")
    # every item was added today: none is a declutter candidate, the unworn ones are new
    page.get_by_text(re.compile(r"^Nothing to declutter: ")).wait_for()
    assert page.get_by_text("Everything was worn").count() == 0
    new = page.get_by_role("heading", name="New, not worn yet")
    expect(new).to_be_visible()
    expect(page.get_by_text("camel coat · new").first).to_be_visible()
    shoot(page, "insights")
    bad = tmp_path / "items.csv"
    bad.write_text("category,colors,purchase_price\nscarf,red,12\nhat,black,-5\n")
    page.get_by_label("Import a CSV of items or a data ZIP").set_input_files(str(bad))
    alert = page.get_by_role("alert")
    alert.locator("li", has_text="line 3: purchase_price").wait_for()
    web.expect_errors(422)
    good = tmp_path / "good.csv"
    good.write_text("category,colors,purchase_price\nscarf,red,12\n")
    page.get_by_label("Import a CSV of items or a data ZIP").set_input_files(str(good))
    page.get_by_text("Imported 1 items from good.csv.").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    saved = tmp_path / "data.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert {"items.json", "items.csv", "wears.json", "trips.json"} <= set(archive.namelist())
        assert archive.read("items.csv").count(b"\n") == len(ITEMS) + 2  # header, + scarf
    assert_labelled(page)
