"""The request's context, from what the user or the client said: occasion, date, weather
(temperature, rain), season. Parsed from words only ("tomorrow", "8 °C", "rain",
"job interview"); nothing is looked up anywhere, so the context is exactly what was given.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import BaseModel, Field

from aura.assistant.vocabulary import OCCASIONS, words
from aura.outfits.scorer import Context

_TEMP = re.compile(r"(-?\d{1,2}(?:[.,]\d)?)\s*(?:°\s*|º\s*|degrees?\s*)?(c|f|celsius|fahrenheit)\b"
                   r"|(-?\d{1,2}(?:[.,]\d)?)\s*(?:°|º|degrees?)", re.IGNORECASE)  # fmt: skip
RAIN_WORDS = frozenset(
    {"rain", "raining", "rainy", "wet", "showers", "drizzle", "storm", "downpour"}
)
SNOW_WORDS = frozenset({"snow", "snowing", "snowy", "sleet"})
COLD_WORDS = {"freezing": 0.0, "cold": 6.0, "chilly": 10.0, "cool": 14.0}
WARM_WORDS = {"mild": 18.0, "warm": 24.0, "hot": 30.0, "heatwave": 33.0, "sunny": 24.0}
SEASON_WORDS = {"spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn",
                "winter": "winter"}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Northern-hemisphere meteorological seasons by month
_MONTH_SEASON = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
                 6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn",
                 11: "autumn"}  # fmt: skip
# words that name an occasion more precisely than the scorer's six
EVENT_OCCASIONS = {"interview": "work", "wedding": "formal", "funeral": "formal", "gala": "formal",
                   "office": "work", "meeting": "work", "conference": "work",
                   "dinner": "date", "date": "date", "party": "party", "gym": "sport",
                   "hike": "sport", "hiking": "sport", "beach": "casual", "run": "sport",
                   "running": "sport", "jog": "sport", "workout": "sport",
                   "holiday": "casual", "weekend": "casual"}  # fmt: skip
SCORER_OCCASIONS = ("casual", "work", "formal", "party", "date", "sport")


class RequestContextView(BaseModel):
    """The context a reply was built for (what the user or client said, nothing guessed)."""

    occasion: str | None = Field(None, description="casual, work, formal, party, date, sport")
    event: str | None = Field(None, description="The word that named it, e.g. 'interview'")
    date: str | None = Field(None, description="ISO date, when a day was named")
    season: str | None = None
    temperature_c: float | None = None
    temperature_word: str | None = Field(
        None, description="The word the temperature was read from ('cold'), if not a number"
    )
    raining: bool = False
    snowing: bool = False
    weather: str | None = Field(None, description="The weather as given, in words")
    location: str | None = None

    def outfit_context(self) -> Context:
        occasion = self.occasion if self.occasion in SCORER_OCCASIONS else None
        return Context(occasion, self.season, self.temperature_c, self.raining or self.snowing)

    def weather_words(self) -> str | None:
        bits = []
        if self.temperature_word:
            bits.append(f"{self.temperature_word} weather")
        elif self.temperature_c is not None:
            bits.append(f"{self.temperature_c:g} °C")
        if self.raining:
            bits.append("rain")
        if self.snowing:
            bits.append("snow")
        return " and ".join(bits) or self.weather


def _temperature(text: str) -> float | None:
    m = _TEMP.search(text)
    if m is None:
        return None
    raw = (m.group(1) or m.group(3)).replace(",", ".")
    value = float(raw)
    if (m.group(2) or "").lower().startswith("f"):
        value = round((value - 32) * 5 / 9, 1)
    return value


def _day(ws: list[str], today: date) -> date | None:
    if "tomorrow" in ws:
        return today + timedelta(days=1)
    if "today" in ws or "tonight" in ws:
        return today
    for n, name in enumerate(WEEKDAYS):
        if name in ws:
            ahead = (n - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    return None


def parse_context(
    text: str,
    *,
    occasion: str | None = None,
    weather: str | None = None,
    location: str | None = None,
    today: date | None = None,
) -> RequestContextView:
    """The context of ``text`` (the question) plus what the client sent alongside it;
    the client's fields win where both say something."""
    today = today or date.today()
    both = " ".join(t for t in (text, weather or "", occasion or "") if t)
    ws = words(both)
    event = next((w for w in ws if w in EVENT_OCCASIONS), None)
    named = next((OCCASIONS[w] for w in ws if w in OCCASIONS), None)
    occ = (occasion or "").strip().lower() or None
    if occ is not None:
        occ = OCCASIONS.get(occ, EVENT_OCCASIONS.get(occ, occ))
    if occ is None and "formal" in ws:  # "a formal dinner" is formal, whatever the event
        occ = "formal"
    occ = occ or (EVENT_OCCASIONS[event] if event else None) or named
    temperature = _temperature(both)
    temperature_word = None
    if temperature is None:
        temperature_word = next((w for w in {**COLD_WORDS, **WARM_WORDS} if w in ws), None)
        if temperature_word:
            temperature = {**COLD_WORDS, **WARM_WORDS}[temperature_word]
    day = _day(ws, today)
    season = next((SEASON_WORDS[w] for w in ws if w in SEASON_WORDS), None)
    if season is None and day is not None:
        season = _MONTH_SEASON[day.month]
    return RequestContextView(
        occasion=occ,
        event=event,
        date=day.isoformat() if day else None,
        season=season,
        temperature_c=temperature,
        temperature_word=temperature_word,
        raining=bool(RAIN_WORDS & set(ws)),
        snowing=bool(SNOW_WORDS & set(ws)),
        weather=weather,
        location=location,
    )
