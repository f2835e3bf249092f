"""Cell values: how they are entered (RAW / USER_ENTERED) and rendered back.

The rendering rules come from the recorded responses: under ``UNFORMATTED_VALUE`` numbers are JSON
numbers and dates serial numbers (``2020-01-01`` -> 43831); under ``FORMATTED_VALUE`` everything is
a string, and a date keeps the pattern it was typed with (``"2020-01-01"`` stays ``"2020-01-01"``,
a date stored as a Python ``date`` shows in the locale's default, ``1/15/2026`` for en_US).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

Scalar = str | int | float | bool | dt.date | dt.datetime | None
"""What a test puts in a cell; ``None`` (or ``""``) is a blank cell."""

Number = int | float

ValueRender = Literal["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"]
DateTimeRender = Literal["SERIAL_NUMBER", "FORMATTED_STRING"]
ValueInput = Literal["RAW", "USER_ENTERED"]

VALUE_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_TIME_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
VALUE_INPUT_OPTIONS = ("RAW", "USER_ENTERED")

# Lotus 1-2-3's leap-year bug is why spreadsheet day 0 is 30 Dec 1899, not 31 Dec.
SERIAL_EPOCH = dt.datetime(1899, 12, 30)

# How FORMATTED_VALUE shows a number: "auto" is Sheets' automatic format; dates keep whether they
# were typed ISO-style or came in the locale's own style.
NumberFormat = Literal[
    "auto", "grouped", "percent", "date_iso", "datetime_iso", "date_locale", "datetime_locale"
]


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula cell for :meth:`SheetsStandin.add_spreadsheet`.

    ``value`` is what the formula evaluates to; leave it ``None`` to let the stand-in's tiny
    evaluator compute it (arithmetic on literals only; anything else shows ``#ERROR!``).
    """

    text: str
    value: Scalar = None


@dataclass(frozen=True, slots=True)
class Cell:
    """A non-blank cell. Blank cells are stored as ``None``, never as a Cell."""

    value: str | int | float | bool | dt.date | dt.datetime
    formula: str | None = None
    number_format: NumberFormat = "auto"


class InputError(ValueError):
    """A value in a request body that Google would reject (400 INVALID_ARGUMENT)."""


# ----------------------------------------------------------------------------------- locales ---


@dataclass(frozen=True)
class LocaleStyle:
    decimal: str
    group: str
    day_first: bool
    date_sep: str
    zero_pad: bool


_LOCALES: dict[str, LocaleStyle] = {
    "en_US": LocaleStyle(".", ",", False, "/", False),
    "en_GB": LocaleStyle(".", ",", True, "/", True),
    "en_AU": LocaleStyle(".", ",", True, "/", True),
    "de_DE": LocaleStyle(",", ".", True, ".", True),
    "fr_FR": LocaleStyle(",", "\u202f", True, "/", True),
    "nl_NL": LocaleStyle(",", ".", True, "-", False),
    "es_ES": LocaleStyle(",", ".", True, "/", False),
}


def locale_style(locale: str) -> LocaleStyle:
    """Unknown locales fall back to en_US, which is what a new spreadsheet gets by default."""
    return _LOCALES.get(locale, _LOCALES["en_US"])


# ------------------------------------------------------------------------------ serial dates ---


def to_serial(value: dt.date | dt.datetime) -> Number:
    """Days since 1899-12-30; datetimes carry the time of day as a fraction."""
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        delta = naive - SERIAL_EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return normalize_number(serial)
    return (value - SERIAL_EPOCH.date()).days


def normalize_number(value: Number) -> Number:
    """JSON has one number type: Google sends 2, not 2.0, so integral floats become ints."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# ----------------------------------------------------------------------------------- input ---


def from_python(value: object, *, user_entered: bool = False, locale: str = "en_US") -> Cell | None:
    """A test's Python value as a cell. Strings are kept as typed (RAW) unless ``user_entered``."""
    if value is None or isinstance(value, Cell):
        return value
    if isinstance(value, Formula):
        computed = value.value if value.value is not None else evaluate_formula(value.text)
        return _formula_cell(value.text, computed)
    if isinstance(value, bool):
        return Cell(value)
    if isinstance(value, dt.datetime):
        return Cell(value, number_format="datetime_locale")
    if isinstance(value, dt.date):
        return Cell(value, number_format="date_locale")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return Cell("#NUM!")
        return Cell(normalize_number(value))
    if isinstance(value, str):
        return parse_user_entered(value, locale) if user_entered else (Cell(value) if value != "" else None)
    raise TypeError(f"a cell cannot hold {type(value).__name__}: {value!r}")


def _formula_cell(text: str, computed: Scalar) -> Cell:
    """A formula cell is never blank, even when its result is an empty string."""
    shown = from_python(computed)
    if shown is None:
        return Cell("", formula=text)
    return Cell(shown.value, formula=text, number_format=shown.number_format)


class _Skip:
    """A JSON ``null`` in a write: Google leaves that cell as it is."""


SKIP = _Skip()


def from_json(value: object, option: ValueInput, locale: str) -> Cell | _Skip | None:
    """One value of a request body's ``values`` under ``valueInputOption``."""
    if value is None:
        return SKIP
    if isinstance(value, bool):
        return Cell(value)
    if isinstance(value, int | float):
        return Cell(normalize_number(value))
    if isinstance(value, str):
        if option == "RAW":
            # RAW keeps text verbatim: a leading "=" or "'" is just a character.
            return Cell(value) if value != "" else None
        return parse_user_entered(value, locale)
    raise InputError(f"Invalid value {value!r}: only strings, numbers and booleans are allowed")


def from_serial(serial: Number, *, with_time: bool) -> dt.date | dt.datetime:
    """A serial number as the date (or date and time) it stands for: the inverse of :func:`to_serial`."""
    moment = SERIAL_EPOCH + dt.timedelta(days=float(serial))
    return moment if with_time else moment.date()


# Number format patterns that show a date the ISO way (Sheets' own patterns use yyyy, mm/MM and dd).
_ISO_DATE_PATTERNS = frozenset({"yyyy-mm-dd", "yyyy-MM-dd"})


def from_cell_data(data: object, *, values: bool, formats: bool) -> Cell | None:
    """A ``CellData`` of ``batchUpdate``'s ``appendCells``/``updateCells`` as a stored cell.

    The value is typed (``userEnteredValue``: exactly one of ``stringValue``, ``numberValue``,
    ``boolValue``, ``formulaValue``): a string is text whatever it starts with, never parsed, never a
    formula. A number with a ``DATE`` (or ``DATE_TIME``) ``numberFormat`` is a date cell, the way a
    spreadsheet stores one: its serial number shown as a date. ``values``/``formats`` say whether the
    request's ``fields`` cover ``userEnteredValue`` and ``userEnteredFormat.numberFormat``.
    """
    if not isinstance(data, dict):
        raise InputError("Invalid value: each cell of 'values' must be a CellData object")
    entered = data.get("userEnteredValue")
    if not values or entered is None:
        return None
    if not isinstance(entered, dict) or len(entered) != 1:
        raise InputError("Invalid userEnteredValue: exactly one of stringValue, numberValue, boolValue or "
                         "formulaValue must be set")
    kind, value = next(iter(entered.items()))
    if kind == "stringValue" and isinstance(value, str):
        return Cell(value) if value != "" else None
    if kind == "boolValue" and isinstance(value, bool):
        return Cell(value)
    if kind == "formulaValue" and isinstance(value, str):
        return _formula_cell(value, evaluate_formula(value))
    if kind == "numberValue" and isinstance(value, int | float) and not isinstance(value, bool):
        number_format = (data.get("userEnteredFormat") or {}).get("numberFormat") or {} if formats else {}
        kind_of_number = number_format.get("type")
        if kind_of_number in ("DATE", "DATE_TIME"):
            iso = number_format.get("pattern") in _ISO_DATE_PATTERNS
            if kind_of_number == "DATE" and float(value).is_integer():
                return Cell(from_serial(value, with_time=False), number_format="date_iso" if iso else "date_locale")
            return Cell(from_serial(value, with_time=True), number_format="datetime_locale")
        return Cell(normalize_number(value))
    raise InputError(f"Invalid value at 'userEnteredValue.{kind}': {value!r}")


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PERCENT = re.compile(r"^([+-]?(\d+\.?\d*|\.\d+))\s*%$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ ](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_SLASH_DATETIME = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})[ ](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_user_entered(text: str, locale: str = "en_US") -> Cell | None:
    """What Sheets does with text typed into a cell (the USER_ENTERED input option).

    Covers what a learning-log sheet meets: a leading apostrophe forces text, ``=`` starts a
    formula, numbers (with thousands separators or a percent sign), TRUE/FALSE, ISO dates and the
    locale's slash dates. Everything else stays text.
    """
    if text == "":
        return None
    if text.startswith("'"):
        rest = text[1:]
        return Cell(rest) if rest else None
    if text.startswith("=") and len(text) > 1:
        return _formula_cell(text, evaluate_formula(text))
    stripped = text.strip()
    style = locale_style(locale)
    if stripped.upper() in ("TRUE", "FALSE"):
        return Cell(stripped.upper() == "TRUE")
    candidate = stripped
    if style.decimal == ",":
        # 1.234,5 -> 1234.5 in comma-decimal locales.
        candidate = stripped.replace(".", "").replace(",", ".") if "," in stripped else stripped
    if _NUMBER.match(candidate):
        return Cell(normalize_number(float(candidate)) if not re.fullmatch(r"[+-]?\d+", candidate) else int(candidate))
    if style.decimal == "." and _GROUPED.match(stripped):
        return Cell(normalize_number(float(stripped.replace(",", ""))), number_format="grouped")
    m = _PERCENT.match(candidate)
    if m:
        return Cell(normalize_number(float(m.group(1)) / 100), number_format="percent")
    parsed = _parse_date(stripped, style)
    if parsed is not None:
        return parsed
    return Cell(text)


def _parse_date(text: str, style: LocaleStyle) -> Cell | None:
    try:
        if m := _ISO_DATE.match(text):
            return Cell(dt.date(int(m[1]), int(m[2]), int(m[3])), number_format="date_iso")
        if m := _ISO_DATETIME.match(text):
            value = dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
            return Cell(value, number_format="datetime_iso")
        if m := _SLASH_DATE.match(text):
            first, second = int(m[1]), int(m[2])
            day, month = (first, second) if style.day_first else (second, first)
            return Cell(dt.date(int(m[3]), month, day), number_format="date_locale")
        if m := _SLASH_DATETIME.match(text):
            first, second = int(m[1]), int(m[2])
            day, month = (first, second) if style.day_first else (second, first)
            value = dt.datetime(int(m[3]), month, day, int(m[4]), int(m[5]), int(m[6] or 0))
            return Cell(value, number_format="datetime_locale")
    except ValueError:  # 2026-02-30 is text to Sheets, not an error
        return None
    return None


# --------------------------------------------------------------------------------- formulas ---


class _FormulaError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def evaluate_formula(text: str) -> Scalar:
    """Evaluate ``=<arithmetic>`` on literals (numbers, "strings", TRUE/FALSE, + - * / ^ & ( )).

    Good enough for ``=4/2`` and ``=1+1``; references and functions give ``#ERROR!`` because the
    stand-in does not recalculate a dependency graph. Tests that need a real formula's value use
    :class:`Formula` with an explicit ``value``.
    """
    try:
        parser = _FormulaParser(text[1:] if text.startswith("=") else text)
        result = parser.parse()
    except _FormulaError as err:
        return err.code
    if isinstance(result, float):
        return normalize_number(result)
    return result


class _FormulaParser:
    _TOKEN = re.compile(r'\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)|("(?:[^"]|"")*")|(TRUE|FALSE)\b|([-+*/^&()]))', re.I)

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = self._TOKEN.match(text, pos)
            if not m:
                raise _FormulaError("#ERROR!")
            kind = "num" if m.group(1) else "str" if m.group(2) else "bool" if m.group(3) else "op"
            self.tokens.append((kind, m.group(m.lastindex or 0)))
            pos = m.end()
        self.i = 0

    def parse(self) -> str | int | float | bool:
        value = self._concat()
        if self.i != len(self.tokens):
            raise _FormulaError("#ERROR!")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) and self.tokens[self.i][0] == "op" else None

    def _concat(self) -> str | int | float | bool:
        left = self._additive()
        while self._peek() == "&":
            self.i += 1
            right = self._additive()
            left = _as_text(left) + _as_text(right)
        return left

    def _additive(self) -> str | int | float | bool:
        left = self._term()
        while self._peek() in ("+", "-"):
            op = self.tokens[self.i][1]
            self.i += 1
            right = self._term()
            left = _num(left) + _num(right) if op == "+" else _num(left) - _num(right)
        return left

    def _term(self) -> str | int | float | bool:
        left = self._power()
        while self._peek() in ("*", "/"):
            op = self.tokens[self.i][1]
            self.i += 1
            right = self._power()
            if op == "*":
                left = _num(left) * _num(right)
            else:
                if _num(right) == 0:
                    raise _FormulaError("#DIV/0!")
                left = _num(left) / _num(right)
        return left

    def _power(self) -> str | int | float | bool:
        base = self._unary()
        if self._peek() == "^":
            self.i += 1
            exponent = self._power()
            try:
                return float(_num(base) ** _num(exponent))
            except (OverflowError, ZeroDivisionError):
                raise _FormulaError("#NUM!") from None
        return base

    def _unary(self) -> str | int | float | bool:
        if self._peek() in ("+", "-"):
            op = self.tokens[self.i][1]
            self.i += 1
            value = _num(self._unary())
            return -value if op == "-" else value
        return self._atom()

    def _atom(self) -> str | int | float | bool:
        if self.i >= len(self.tokens):
            raise _FormulaError("#ERROR!")
        kind, text = self.tokens[self.i]
        self.i += 1
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "bool":
            return text.upper() == "TRUE"
        if text == "(":
            value = self._concat()
            if self._peek() != ")":
                raise _FormulaError("#ERROR!")
            self.i += 1
            return value
        raise _FormulaError("#ERROR!")


def _num(value: object) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    raise _FormulaError("#VALUE!")


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format_number(value, locale_style("en_US"))
    return str(value)


# -------------------------------------------------------------------------------- rendering ---


def render(
    cell: Cell, value_render: ValueRender, date_render: DateTimeRender, locale: str
) -> str | int | float | bool:
    """One cell under the request's render options (see the module docstring)."""
    if value_render == "FORMULA" and cell.formula is not None:
        return cell.formula
    if value_render == "FORMATTED_VALUE":
        return format_value(cell, locale)
    value = cell.value
    if isinstance(value, dt.date):  # datetime is a date subclass too
        if date_render == "FORMATTED_STRING":
            return format_value(cell, locale)
        return to_serial(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return normalize_number(value)
    return value


def format_value(cell: Cell, locale: str) -> str:
    """The string Sheets shows in the cell."""
    style = locale_style(locale)
    value = cell.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if cell.number_format == "datetime_iso":
            return value.strftime("%Y-%m-%d ") + f"{value.hour}:{value.minute:02d}:{value.second:02d}"
        return _locale_date(value, style) + " " + _locale_time(value, style)
    if isinstance(value, dt.date):
        if cell.number_format == "date_iso":
            return value.isoformat()
        return _locale_date(value, style)
    if isinstance(value, int | float):
        if cell.number_format == "percent":
            percent = round(value * 100, 10)
            digits = 0 if float(percent).is_integer() else 2
            return _with_separators(f"{percent:.{digits}f}", style, grouped=False) + "%"
        if cell.number_format == "grouped":
            digits = 0 if float(value).is_integer() else 2
            return _with_separators(f"{value:,.{digits}f}".replace(",", "\0"), style, grouped=True)
        return format_number(value, style)
    return value


def _locale_date(value: dt.date, style: LocaleStyle) -> str:
    day = f"{value.day:02d}" if style.zero_pad else str(value.day)
    month = f"{value.month:02d}" if style.zero_pad else str(value.month)
    first, second = (day, month) if style.day_first else (month, day)
    return f"{first}{style.date_sep}{second}{style.date_sep}{value.year}"


def _locale_time(value: dt.datetime, style: LocaleStyle) -> str:
    hour = f"{value.hour:02d}" if style.zero_pad else str(value.hour)
    return f"{hour}:{value.minute:02d}:{value.second:02d}"


def format_number(value: Number, style: LocaleStyle) -> str:
    """Sheets' automatic number format: no grouping, up to 10 decimals, E notation when huge."""
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return str(int(value)) if abs(value) < 1e15 else _scientific(float(value), style)
    if abs(value) >= 1e15 or abs(value) < 1e-9:
        return _scientific(value, style)
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return _with_separators(text, style, grouped=False)


def _scientific(value: float, style: LocaleStyle) -> str:
    mantissa, exponent = f"{value:.2E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    sign = "-" if exponent.startswith("-") else "+"
    return _with_separators(mantissa, style, grouped=False) + f"E{sign}{int(exponent.lstrip('+-'))}"


def _with_separators(text: str, style: LocaleStyle, *, grouped: bool) -> str:
    """Swap "." and the grouping placeholder for the locale's separators."""
    text = text.replace(".", "\1")
    if grouped:
        text = text.replace("\0", style.group)
    return text.replace("\1", style.decimal)


def python_value(cell: Cell | None) -> Scalar:
    """A stored cell back as the Python value a test would compare with."""
    return None if cell is None else cell.value
