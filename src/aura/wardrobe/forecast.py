"""Forecast providers behind one interface; the Open-Meteo client needs no key.

Off by default: ``AURA_FORECAST_URL`` (e.g. ``https://api.open-meteo.com``) turns it on.
When it is off or cannot be reached, planning goes on with the weather the user gives
(the calendar says which it used, and why the forecast was not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from aura.config import Settings
from aura.errors import DependencyUnavailable

RAIN_MM = 1.0  # a day with at least this much precipitation counts as rainy


@dataclass(frozen=True)
class DayWeather:
    temperature_c: float | None
    raining: bool

    def as_dict(self) -> dict[str, Any]:
        return {"temperature_c": self.temperature_c, "raining": self.raining}


class ForecastProvider(Protocol):
    name: str

    def daily(
        self, latitude: float, longitude: float, start: date, end: date
    ) -> dict[date, DayWeather]: ...


class OpenMeteo:
    """``GET {base}/v1/forecast``: daily maximum and minimum temperature and precipitation."""

    name = "open-meteo"

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def daily(
        self, latitude: float, longitude: float, start: date, end: date
    ) -> dict[date, DayWeather]:
        params: dict[str, str | float] = {
            "latitude": latitude,
            "longitude": longitude,
            "daily": "temperature_2m_max,temperature_2m_min,precipitation_sum",
            "timezone": "auto",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
        }
        import httpx  # a forecast is asked for rarely: not imported on the way to ready

        try:
            response = httpx.get(
                f"{self.base_url}/v1/forecast", params=params, timeout=self.timeout_s
            )
            response.raise_for_status()
            daily = response.json()["daily"]
            out = {}
            for i, day in enumerate(daily["time"]):
                high = daily["temperature_2m_max"][i]
                low = daily["temperature_2m_min"][i]
                rain = daily.get("precipitation_sum", [None] * len(daily["time"]))[i]
                temps = [t for t in (high, low) if t is not None]
                out[date.fromisoformat(day)] = DayWeather(
                    round(sum(temps) / len(temps), 1) if temps else None,
                    rain is not None and rain >= RAIN_MM,
                )
            return out
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise DependencyUnavailable(
                f"The forecast at {self.base_url} did not answer usefully: "
                f"{type(exc).__name__}: {str(exc)[:200]}",
                fix="Give the expected weather yourself, or check AURA_FORECAST_URL.",
            ) from None


def provider_from(settings: Settings) -> ForecastProvider | None:
    if not settings.forecast_url:
        return None
    return OpenMeteo(settings.forecast_url, settings.forecast_timeout_s)
