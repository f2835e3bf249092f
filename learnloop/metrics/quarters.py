"""One calendar for every number: quarters as pandas quarterly periods, fiscal years included.

A quarter is written ``2026-Q3``. With a fiscal year that starts in another month than January
(``fiscal_year_start_month``), a fiscal year is named by the calendar year in which it ends, as
pandas names it: with April starts ``2027-Q1`` is April to June 2026. Labels sort as text (years
have four digits), and the quarter before or after a label is the same in every calendar.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from data_schemas import parsers

_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")


def canonical_quarter(label: object) -> str:
    """``label`` written as ``2026-Q1`` (accepts ``2026 Q1``, ``Q1-2026`` and the like); ValueError otherwise."""
    text = str(label).strip()
    if _LABEL.match(text):
        return text
    parsed = parsers.quarter(pd.Series([text], dtype="object")).iloc[0]
    if pd.isna(parsed):
        raise ValueError(f"'{label}' is not a quarter; write it like 2026-Q1.")
    return str(parsed)


def period(label: str, fiscal_year_start_month: int = 1) -> pd.Period:
    """The quarter ``label`` as a pandas period of the workbook's calendar."""
    match = _LABEL.match(canonical_quarter(label))
    assert match is not None
    return pd.Period(year=int(match.group(1)), quarter=int(match.group(2)),
                     freq=parsers.quarter_freq(fiscal_year_start_month))


def previous_quarter(quarter: str) -> str:
    """The quarter before ``quarter``: ``2026-Q1`` -> ``2025-Q4``."""
    return parsers.quarter_label(period(quarter) - 1)


def next_quarter(quarter: str) -> str:
    """The quarter after ``quarter``: ``2025-Q4`` -> ``2026-Q1``."""
    return parsers.quarter_label(period(quarter) + 1)


def quarter_range(start: str, end: str) -> list[str]:
    """Every quarter from ``start`` to ``end``, both included; empty when ``start`` is after ``end``."""
    first, last = period(start), period(end)
    return [parsers.quarter_label(first + step) for step in range(max(0, last.ordinal - first.ordinal + 1))]


def quarter_bounds(quarter: str, fiscal_year_start_month: int = 1) -> tuple[dt.date, dt.date]:
    """The first and last day of ``quarter``."""
    p = period(quarter, fiscal_year_start_month)
    return p.start_time.date(), p.end_time.date()


def quarter_months(quarter: str, fiscal_year_start_month: int = 1) -> list[pd.Period]:
    """The three calendar months of ``quarter``, as monthly periods, in order."""
    first = period(quarter, fiscal_year_start_month).asfreq("M", "start")
    return [first + offset for offset in range(3)]


def quarter_of_date(day: dt.date, fiscal_year_start_month: int = 1) -> str:
    """The quarter ``day`` falls in."""
    return parsers.quarter_label(pd.Period(day, freq=parsers.quarter_freq(fiscal_year_start_month)))


def quarters_of(dates: pd.Series, fiscal_year_start_month: int = 1) -> pd.Series:
    """The quarter of each date of a column (missing for a blank date)."""
    return parsers.quarter_of(dates, fiscal_year_start_month)


def is_label(label: object) -> bool:
    """Whether ``label`` is a quarter written ``2026-Q1`` (four-digit year)."""
    return isinstance(label, str) and _LABEL.match(label) is not None
