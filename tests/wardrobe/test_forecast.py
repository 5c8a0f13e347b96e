"""The Open-Meteo client against a local server that answers in Open-Meteo's format, and
the calendar's weather when the forecast is off, unreachable or has no such day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aura.config import load_settings
from aura.errors import DependencyUnavailable
from aura.wardrobe.calendar import Calendar
from aura.wardrobe.forecast import OpenMeteo, provider_from
from tests.server import free_port
from tests.wardrobe.openmeteo import FakeOpenMeteo


def test_daily_forecast_in_open_meteos_format() -> None:
    start = date(2026, 12, 24)
    with FakeOpenMeteo(high=5.0, low=-1.0, rain_mm=0.4) as server:
        days = OpenMeteo(server.url).daily(59.91, 10.75, start, start + timedelta(days=2))
        asked = server.requests[-1]
    assert sorted(days) == [start + timedelta(days=n) for n in range(3)]
    assert days[start].temperature_c == 2.0 and days[start].raining is False  # 0.4 mm: dry
    assert asked["daily"] == ["temperature_2m_max,temperature_2m_min,precipitation_sum"]
    assert asked["start_date"] == ["2026-12-24"] and asked["end_date"] == ["2026-12-26"]


def test_unreachable_forecast_is_a_clear_error() -> None:
    client = OpenMeteo(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(DependencyUnavailable, match="did not answer") as err:
        client.daily(1.0, 2.0, date.today(), date.today())
    assert "weather yourself" in (err.value.fix or "")


def test_off_by_default_and_on_by_the_variable(tmp_path) -> None:
    assert provider_from(load_settings(data_dir=tmp_path)) is None
    on = provider_from(load_settings(data_dir=tmp_path, forecast_url="http://127.0.0.1:9"))
    assert isinstance(on, OpenMeteo) and on.base_url == "http://127.0.0.1:9"


def test_planning_uses_the_users_weather_when_the_forecast_is_off_or_unreachable() -> None:
    day, place = date.today() + timedelta(days=1), (48.85, 2.35)
    mine = {"temperature_c": 14.0, "raining": False}
    off = Calendar(db=None, forecast=None)  # type: ignore[arg-type]
    assert off.expected_weather(day, mine, place) == (mine, "user", None)
    weather, source, why = off.expected_weather(day, None, place)
    assert (weather, source) == (None, "none") and "AURA_FORECAST_URL" in (why or "")
    down = Calendar(db=None, forecast=OpenMeteo(f"http://127.0.0.1:{free_port()}", 2))  # type: ignore[arg-type]
    weather, source, why = down.expected_weather(day, None, place)
    assert (weather, source) == (None, "none") and "did not answer" in (why or "")
    assert down.expected_weather(day, mine, place) == (mine, "user", None)
    with FakeOpenMeteo(high=20.0, low=10.0, rain_mm=2.0) as server:
        up = Calendar(db=None, forecast=OpenMeteo(server.url))  # type: ignore[arg-type]
        assert up.expected_weather(day, None, place) == (
            {"temperature_c": 15.0, "raining": True},
            "open-meteo",
            None,
        )
        assert (
            up.expected_weather(day, None, None)[2]
            == "the plan names no place (latitude, longitude)"
        )
