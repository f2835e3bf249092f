"""Vectorised parsers for what people really type into a sheet.

Each parser takes a column of raw cells (``object`` dtype: str, int, float, bool,
date/datetime, or missing) and returns the parsed column. A cell that cannot be
parsed becomes missing; the loader compares raw and parsed cells to report it, so
parsers never raise and never need to know about issues.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

# Google Sheets' and Excel's error values, as they arrive through the API or openpyxl.
SPREADSHEET_ERRORS = frozenset(
    {"#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!", "#SPILL!", "#CALC!",
     "#GETTING_DATA", "#N/A!", "#BLOCKED!", "#UNKNOWN!", "#FIELD!", "#CONNECT!", "#BUSY!"}
)

# Serial day 0 of Google Sheets and Excel (1900 date system, after the 1900 leap-year bug).
SERIAL_EPOCH = pd.Timestamp("1899-12-30")
# A bare number in a date column is only taken as a date cell when it lands in this span;
# otherwise "2026" or "4" would silently become a date in 1905 or 1900.
PLAUSIBLE_SERIALS = (32874.0, 73051.0)  # 1990-01-01 .. 2100-01-01

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (dt.date(2000, number, 1).strftime("%b").lower(), dt.date(2000, number, 1).strftime("%B").lower())
}
MONTHS["sept"] = 9

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SLASH = re.compile(r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})$")
_DAY_MONTH = re.compile(rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ -](?P<mon>{_MONTH_NAMES})\.?,?[ -](?P<y>\d{{4}})$", re.I)
_MONTH_DAY = re.compile(rf"^(?P<mon>{_MONTH_NAMES})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>\d{{4}})$", re.I)
_QUARTER = re.compile(r"^(?:(?P<y1>\d{4})\s*[-_/ ]?\s*Q(?P<q1>[1-4])|Q(?P<q2>[1-4])\s*[-_/ ]?\s*(?P<y2>\d{4}))$", re.I)
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")


def is_blank(raw: pd.Series) -> pd.Series:
    """Missing cells and cells holding only white space."""
    text = raw.astype("string")
    return raw.isna() | text.str.strip().eq("").fillna(True)


def spreadsheet_errors(raw: pd.Series) -> pd.Series:
    """Cells that hold a spreadsheet error value such as ``#REF!``."""
    strings = raw.map(lambda value: isinstance(value, str))
    if not strings.any():
        return pd.Series(False, index=raw.index)
    return strings & raw.where(strings, "").str.strip().str.upper().isin(SPREADSHEET_ERRORS)


def text(raw: pd.Series) -> pd.Series:
    """Trimmed text; numbers as typed (``4`` not ``4.0``), dates as ISO, blanks missing."""
    kinds = raw.map(type)
    out = pd.Series(pd.NA, index=raw.index, dtype="object")
    strings = kinds.eq(str)
    out[strings] = raw[strings]
    floats = kinds.isin([float, np.float64])
    if floats.any():
        values = raw[floats].astype(float)
        whole = np.isfinite(values) & (values == np.floor(values))
        out[floats] = values.map(repr).where(~whole, values[whole].astype("int64").astype(str))
    others = ~strings & ~floats & raw.notna()
    if others.any():
        out[others] = raw[others].map(_scalar_text)
    result = out.astype("string").str.strip()
    return result.mask(result.eq(""))


def _scalar_text(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def enum_key(values: pd.Series) -> pd.Series:
    """Case-, space- and hyphen-insensitive form of a choice: "Peer-Circle" -> "peer_circle"."""
    return values.str.lower().str.replace(r"[\s\-]+", "_", regex=True)


def choice(raw: pd.Series, aliases: dict[str, str] | None = None) -> pd.Series:
    """A choice from a fixed list, in its canonical spelling; unknown choices are kept for the check."""
    keys = enum_key(text(raw))
    return keys.replace(aliases) if aliases else keys


def number(raw: pd.Series) -> pd.Series:
    """A number from a numeric cell or text such as ``"4"``; anything else is missing."""
    numeric = raw.map(lambda value: isinstance(value, int | float | np.integer | np.floating)
                      and not isinstance(value, bool | np.bool_))
    out = pd.Series(np.nan, index=raw.index, dtype="float64")
    if numeric.any():
        out[numeric] = raw[numeric].astype("float64")
    rest = ~numeric & raw.notna()
    if rest.any():
        typed = pd.to_numeric(text(raw[rest]).str.replace(",", "", regex=False), errors="coerce")
        out[rest] = typed.astype("Float64").to_numpy("float64", na_value=np.nan)
    return out.where(np.isfinite(out))


def date(raw: pd.Series, *, day_first: bool = False) -> pd.Series:
    """A calendar date from a date cell, a serial number, or text in one of the accepted forms.

    Accepted text: ``2026-01-15``, ``2026/01/15``, ``15 Jan 2026``, ``Jan 15, 2026`` and
    ``15/01/2026`` or ``01/15/2026``. When both parts of a slash date are 12 or less, the
    workbook's date order (``day_first``) decides; otherwise the only possible reading wins.
    """
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if raw.empty:
        return out
    kinds = raw.map(type)

    stamps = kinds.isin([dt.datetime, pd.Timestamp, dt.date])
    if stamps.any():
        out[stamps] = pd.to_datetime(raw[stamps].map(_as_datetime)).dt.normalize()

    numeric = kinds.isin([int, float, np.int64, np.float64])
    if numeric.any():
        serial = raw[numeric].astype("float64")
        plausible = serial.between(*PLAUSIBLE_SERIALS)
        days = np.floor(serial[plausible])
        out[days.index] = SERIAL_EPOCH + pd.to_timedelta(days, unit="D")

    strings = kinds.eq(str)
    if strings.any():
        out[strings] = _date_from_text(raw[strings].str.strip(), day_first=day_first)
    return out


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)  # type: ignore[attr-defined]


def _date_from_text(values: pd.Series, *, day_first: bool) -> pd.Series:
    year = pd.Series(np.nan, index=values.index)
    month = year.copy()
    day = year.copy()

    def fill(found: pd.DataFrame, y: pd.Series, m: pd.Series, d: pd.Series) -> None:
        hit = found.notna().all(axis=1)
        year[hit[hit].index] = y[hit].astype(float)
        month[hit[hit].index] = m[hit].astype(float)
        day[hit[hit].index] = d[hit].astype(float)

    iso = values.str.extract(_ISO)
    fill(iso, iso["y"], iso["m"], iso["d"])

    slash = values.str.extract(_SLASH)
    a, b = slash["a"].astype(float), slash["b"].astype(float)
    month_first = (a > 12) | ((a <= 12) & (b <= 12) & day_first)
    fill(slash, slash["y"], b.where(month_first, a), a.where(month_first, b))

    for pattern in (_DAY_MONTH, _MONTH_DAY):
        named = values.str.extract(pattern)
        fill(named, named["y"], named["mon"].str.lower().map(MONTHS), named["d"])

    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    found = parts.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if found.any():
        out[found] = pd.to_datetime(parts[found].astype("int64"), errors="coerce")
    return out


def quarter(raw: pd.Series) -> pd.Series:
    """A quarter label in its canonical form ``2026-Q1``; accepts ``2026 Q1``, ``Q1-2026`` and the like."""
    found = text(raw).str.extract(_QUARTER)
    year = found["y1"].fillna(found["y2"])
    number_ = found["q1"].fillna(found["q2"])
    return (year + "-Q" + number_).astype("string")


def quarter_of(dates: pd.Series, fiscal_year_start_month: int = 1) -> pd.Series:
    """The quarter a date falls in; fiscal years are named by the calendar year in which they end."""
    months_in = (dates.dt.month - fiscal_year_start_month) % 12
    fiscal_year = dates.dt.year + ((fiscal_year_start_month != 1) & (dates.dt.month >= fiscal_year_start_month))
    label = fiscal_year.astype("Int64").astype("string") + "-Q" + (months_in // 3 + 1).astype("Int64").astype("string")
    return label.where(dates.notna())


def item_list(raw: pd.Series, canonical: dict[str, str] | None = None) -> pd.Series:
    """A comma (or semicolon) list, normalised to ``"a, b"``; with ``canonical``, items are matched
    case-insensitively to their canonical spelling and unknown items are kept for the check."""
    values = text(raw)
    present = values.dropna()
    if present.empty:
        return values
    items = present.str.split(_LIST_SPLIT).explode()
    items = items[items.ne("")]
    if canonical is not None:
        items = enum_key(items).map(lambda key: canonical.get(key, key))
    joined = items.groupby(level=0, sort=False).agg(lambda group: ", ".join(dict.fromkeys(group)))
    return joined.reindex(values.index).astype("string")


def list_items(values: pd.Series) -> pd.Series:
    """The items of a normalised list column, one per row of the result (index repeated)."""
    return values.dropna().str.split(", ").explode()


def url(raw: pd.Series) -> pd.Series:
    """A web address; only http(s) links are kept so a cell can never become a script link."""
    values = text(raw)
    return values.where(values.str.match(r"^https?://[^\s]+$", case=False).fillna(False))
