"""What the sidebar selects: a plain, hashable value every metric honours.

A :class:`Filters` is a quarter range, teams, people, themes and the date that counts as "today".
How each filter picks rows is defined once, in :mod:`learnloop.metrics.selection`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from learnloop.metrics.quarters import canonical_quarter, quarter_of_date


@dataclass(frozen=True)
class Filters:
    """The selection every metric honours.

    ``quarters`` is an inclusive range of quarter labels (``("2025-Q4", "2026-Q2")``) or None for
    every quarter in the workbook; ``teams``, ``people`` and ``themes`` (theme ids) are empty for
    "all"; ``as_of`` is the date that counts as today (None: the real today). ``as_of`` is the only
    place "now" enters the metrics, so tests and "as it stood on" views pass it explicitly.

    Labels are normalised on creation: the range is put in order and written as ``2026-Q1``,
    and blank or repeated names are dropped.
    """

    quarters: tuple[str, str] | None = None
    teams: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        if self.quarters is not None:
            first, last = (canonical_quarter(label) for label in self.quarters)
            object.__setattr__(self, "quarters", (min(first, last), max(first, last)))
        for name in ("teams", "people", "themes"):
            values = getattr(self, name)
            if isinstance(values, str):
                values = (values,)
            cleaned = (" ".join(str(value).split()) for value in values if value is not None)
            object.__setattr__(self, name, tuple(dict.fromkeys(value for value in cleaned if value)))
        if isinstance(self.as_of, dt.datetime):
            object.__setattr__(self, "as_of", self.as_of.date())

    def today(self) -> dt.date:
        """``as_of``, or the real today when it is None."""
        return self.as_of if self.as_of is not None else dt.date.today()

    @property
    def every_quarter(self) -> Filters:
        """These filters without the quarter range: for numbers that need history before the range,
        or look at a quarter of their own."""
        return self if self.quarters is None else replace(self, quarters=None)

    def in_quarters(self, first: str, last: str | None = None) -> Filters:
        """These filters with the range set to ``first`` .. ``last`` (one quarter when ``last`` is None)."""
        return replace(self, quarters=(first, last or first))


def current_quarter(f: Filters, fiscal_year_start_month: int = 1) -> str:
    """The quarter that contains ``f.as_of`` (today when None)."""
    return quarter_of_date(f.today(), fiscal_year_start_month)
