"""Carrier calendars: business days, the collection day a cut-off gives, transit days.

Pure and clock-free, so rate shopping is tested on any day we like: a parcel ready at
17:05 on a Friday is collected on Monday, and two business days from a Thursday is the
Monday after.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta


def is_business_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_business_day(day: date, holidays: frozenset[date] = frozenset()) -> date:
    day += timedelta(days=1)
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def ship_date_for(
    now: datetime, cutoff: time, holidays: frozenset[date] = frozenset()
) -> tuple[date, bool]:
    """The day the carrier collects a parcel ready ``now`` (warehouse wall-clock time).

    Ready by the cut-off on a business day: today. Otherwise the next business day --
    a parcel packed at 17:05 on a Friday goes out on Monday. The flag says whether the
    cut-off (not a weekend) was what pushed it.
    """
    today = now.date()
    if is_business_day(today, holidays) and now.time() <= cutoff:
        return today, False
    return next_business_day(today, holidays), is_business_day(today, holidays)


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    day = start
    for _ in range(days):
        day = next_business_day(day, holidays)
    return day
