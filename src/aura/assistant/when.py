"""Days and date ranges named in people's words, resolved against a given today:
"yesterday", "on Monday", "last week", "this week", "next week", "this month",
"last month", "in the last 10 days", "2026-11-23", "23 November", "Nov 23rd", "the 3rd of
March 2026". Nothing is looked up; a question that
names no day gives None and the caller picks its own default.

Weekdays look back for the past ("what did I wear on Monday": the latest Monday, today
included) and ahead for the future ("what have I planned for Friday").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ISO = re.compile(r"\b(\d{4})[- ](\d{1,2})[- ](\d{1,2})\b")  # words split "2026-11-23" apart
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_DAY_MONTH = re.compile(rf"\b{_ORDINAL} (?:of )?{_MONTH}\b(?: (\d{{4}})\b)?")
_MONTH_DAY = re.compile(rf"\b{_MONTH} (?:the )?{_ORDINAL}\b(?:,? (\d{{4}})\b)?")
_SPAN = re.compile(r"\b(?:last|past|previous) (\d{1,3}) (day|days|week|weeks)\b")
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


@dataclass(frozen=True)
class Span:
    """A first and a last day (both included) and how a reply names them."""

    start: date
    end: date
    words: str  # "last week", "on Monday", "yesterday" ...

    @property
    def one_day(self) -> bool:
        return self.start == self.end

    def named(self) -> str:
        """The words with the dates: "last week (16–22 November)", "on Monday 23 November"."""
        if self.one_day:
            day = f"{self.start:%A} {self.start.day} {self.start:%B}"
            if self.words.startswith("on "):
                return f"on {day}"
            return f"{self.words} ({day})"
        return f"{self.words} ({dates(self.start, self.end)})"


def day_name(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def dates(start: date, end: date) -> str:
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {end:%B}"
    return f"{start.day} {start:%B} – {end.day} {end:%B}"


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month(day: date, back: int = 0) -> tuple[date, date]:
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _named_day(text: str, today: date, *, past: bool) -> date | None:
    """ "23 November", "nov 23rd", "the 3rd of march 2026": with no year, the latest such day
    up to today for the past, the next from today on for what is to come."""
    m = _DAY_MONTH.search(text)
    if m:
        day, month, year = m.group(1), m.group(2), m.group(3)
    else:
        m = _MONTH_DAY.search(text)
        if not m:
            return None
        month, day, year = m.group(1), m.group(2), m.group(3)
    n = _MONTHS.index(month) + 1
    try:
        if year:
            return date(int(year), n, int(day))
        found = date(today.year, n, int(day))
        if past and found > today:
            found = date(today.year - 1, n, int(day))
        elif not past and found < today:
            found = date(today.year + 1, n, int(day))
        return found
    except ValueError:  # "30 February"
        return None


def span_of(words: list[str], today: date, *, past: bool) -> Span | None:
    """The day or days ``words`` name; ``past`` says which way a bare weekday looks."""
    text = " ".join(words)
    m = _ISO.search(text)
    if m:
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return Span(day, day, "on " + day.isoformat())
    named = _named_day(text, today, past=past)
    if named is not None:
        return Span(named, named, f"on {day_name(named)}")
    m = _SPAN.search(text)
    if m:
        length = max(1, int(m.group(1)) * _UNITS[m.group(2)])
        return Span(today - timedelta(days=length - 1), today, f"in the last {m.group(1)} "
                    f"{m.group(2)}")  # fmt: skip
    if "yesterday" in words:
        return Span(today - timedelta(days=1), today - timedelta(days=1), "yesterday")
    if "today" in words or "tonight" in words:
        return Span(today, today, "today")
    if "tomorrow" in words:
        return Span(today + timedelta(days=1), today + timedelta(days=1), "tomorrow")
    for n, name in enumerate(WEEKDAYS):
        if name in words:
            before = words[words.index(name) - 1] if words.index(name) > 0 else ""
            if past:
                back = (today.weekday() - n) % 7 or (7 if before == "last" else 0)
                day = today - timedelta(days=back)
            else:
                ahead = (n - today.weekday()) % 7 or (7 if before == "next" else 0)
                day = today + timedelta(days=ahead)
            return Span(day, day, "on " + name.capitalize())
    for unit in ("week", "month"):
        for lead, shift in (("last", -1), ("previous", -1), ("this", 0), ("next", 1)):
            if re.search(rf"\b{lead} {unit}\b", text):
                if unit == "week":
                    first = _week_of(today) + timedelta(days=7 * shift)
                    return Span(first, first + timedelta(days=6), f"{lead} week")
                if shift < 0:
                    first, last = _month(today, 1)
                elif shift == 0:
                    first, last = _month(today)
                else:
                    first, last = _month(_month(today)[1] + timedelta(days=1))
                return Span(first, last, f"{lead} month")
    return None
