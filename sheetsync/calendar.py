"""Business days: weekends and the public holidays of the Settings' Holiday country."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


class BusinessCalendar:
    def __init__(self, country: str = "") -> None:
        """`country` must pass `check_country` (the engine checks and falls back to none)."""
        self.country = country.strip().upper()
        self._added: dict[tuple[dt.date, int], dt.date] = {}  # a tracker asks for few dates

    def _year(self, year: int) -> frozenset[dt.date]:
        return _holidays(self.country, year)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._year(day.year)

    def on_or_after(self, day: dt.date) -> dt.date:
        """The day itself when it is a business day, else the next one."""
        while not self.is_business_day(day):
            day += dt.timedelta(days=1)
        return day

    def add(self, day: dt.date, business_days: int) -> dt.date:
        """`business_days` business days after `day` (0 → `day` moved onto a business day)."""
        key = (day, business_days)
        found = self._added.get(key)
        if found is None:
            found = self._added[key] = self._add(day, business_days)
        return found

    def _add(self, day: dt.date, business_days: int) -> dt.date:
        day = self.on_or_after(day)
        for _ in range(business_days):
            day = self.on_or_after(day + dt.timedelta(days=1))
        return day


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    """Building a country's holidays takes milliseconds; a sync asks for a year or two."""
    if not country:
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=year))


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def check_country(country: str) -> str | None:
    """None when usable, else a plain reason."""
    code = country.strip().upper()
    if not code or code in supported_countries():
        return None
    return f'"{country}" is not a country code the holidays library knows (use e.g. US, GB, DE)'
