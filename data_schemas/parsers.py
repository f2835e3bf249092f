"""Vectorised parsers for what people really type into a sheet.

Each parser takes a column of raw cells (``object`` dtype: str, int, float, bool,
date/datetime, or missing) and returns the parsed column. A cell that cannot be
parsed becomes missing; the loader compares raw and parsed cells to report it, so
parsers never raise and never need to know about issues.

A column of text only (``string`` dtype, or ``object`` cells that are all ``str`` or
missing) takes a fast path on Arrow-backed strings; any other mix of cell types is split
by each cell's exact type in one pass, never by a Python call per cell. Either way every
cell is read exactly as it would be on its own (``benchmarks/README.md`` tells the story).
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Callable
from functools import cached_property

import numpy as np
import pandas as pd

try:  # pandas' C helpers: one pass over a column of Python objects
    from pandas._libs import lib as _lib
except ImportError:  # pragma: no cover
    _lib = None

try:  # Arrow-backed strings: pandas' default string storage wherever pyarrow is installed
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - pandas falls back to Python strings, and so do these parsers
    pa = pc = None

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

#: Month names and their usual abbreviations in English, German, French, Spanish, Italian, Portuguese
#: and Dutch (with and without accents), as people type them: "15 März 2026", "15 janv. 2026".
_MONTH_WORDS = {
    1: "january jan januar jänner janvier janv enero ene gennaio gen janeiro januari",
    2: "february feb februar février fevrier févr fevr fév fev febrero febbraio fevereiro februari",
    3: "march mar märz marz mär mrz mars marzo março marco maart mrt",
    4: "april apr avril avr abril abr aprile",
    5: "may mai mayo maggio mag maio mei",
    6: "june jun juni juin junio giugno giu junho",
    7: "july jul juli juillet juil julio luglio lug julho",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre setiembre settembre set setembro",
    10: "october oct oktober okt octobre octubre ottobre ott outubro out",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember dez décembre déc diciembre dic dicembre dezembro",
}
MONTHS = {word: number for number, words in _MONTH_WORDS.items() for word in words.split()}
assert len(MONTHS) == sum(len(words.split()) for words in _MONTH_WORDS.values()), "a month word names two months"

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
#: Day and month as numbers before the year: with dots (12.03.2026) the day always comes first; with
#: slashes or dashes (03/04/2026, 03-04-2026) either can, and the column decides (:func:`date`).
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})[/.\-](?P<y>\d{4})$")
_DAY_MONTH = re.compile(rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s*[-\s]\s*(?:de\s+)?(?P<mon>{_MONTH_NAMES})\.?"
                        rf"(?:\s+de)?,?\s*[-\s]\s*(?P<y>\d{{4}})$", re.I)
_MONTH_DAY = re.compile(rf"^(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})$", re.I)
_QUARTER = re.compile(r"^(?:(?P<y1>\d{4})\s*[-_/ ]?\s*Q(?P<q1>[1-4])|Q(?P<q2>[1-4])\s*[-_/ ]?\s*(?P<y2>\d{4}))$", re.I)
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")


def _re2_class(predicate: Callable[[str], bool], below: int = 0x10000) -> str:
    """An RE2 character class of the code points below ``below`` for which ``predicate`` holds."""
    ranges: list[list[int]] = []
    for point in range(below):
        if predicate(chr(point)):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])
    return "[" + "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


# ``_LIST_SPLIT`` for Arrow (RE2). Python's ``\s`` is Unicode white space (what ``str.isspace`` says,
# none of it past U+3000), RE2's only ASCII: the class is spelt out so both split alike.
_SPACE_RE2 = _re2_class(str.isspace)
_LIST_SPLIT_RE2 = f"{_SPACE_RE2}*[,;]{_SPACE_RE2}*"
_NUMERIC_TYPES = (int, float, np.integer, np.floating)
_NOT_NUMERIC_TYPES = (bool, np.bool_)
# Cell types whose text is never blank (``str()`` of any such value has a visible character).
_NEVER_BLANK_TYPES = (bool, int, float, np.bool_, np.integer, np.floating, dt.date, dt.datetime, pd.Timestamp)


# --------------------------------------------------------------------------------------
# Cell types, in one pass over a column
# --------------------------------------------------------------------------------------


def _cells(raw: pd.Series) -> np.ndarray:
    return raw.to_numpy(dtype=object)


def _types(cells: np.ndarray) -> np.ndarray:
    """The exact type of every cell (``type(cell)``), in one C-level pass."""
    return np.fromiter(map(type, cells), dtype=object, count=len(cells))


def _of_type(types: np.ndarray, *classes: type) -> np.ndarray:
    """Cells whose type is exactly one of ``classes`` (what ``kinds.isin([...])`` asks)."""
    mask = np.zeros(len(types), dtype=bool)
    for cls in classes:
        boxed = np.empty((), dtype=object)  # compared as an object: numpy reads a bare np.float64 as a dtype
        boxed[()] = cls
        mask |= types == boxed
    return mask


def _where_type(types: np.ndarray, keep: Callable[[type], bool], distinct: list[type] | None = None) -> np.ndarray:
    """Cells whose type passes ``keep``, asked once per distinct type (``isinstance`` per cell, in effect)."""
    distinct = list(pd.unique(types)) if distinct is None else distinct
    kinds = [kind for kind in distinct if keep(kind)]
    if len(kinds) == len(distinct):  # every cell, or (no cells at all) none: no pass over the column
        return np.ones(len(types), dtype=bool)
    return _of_type(types, *kinds)


def _is_text_dtype(raw: pd.Series) -> bool:
    """``string`` dtype: every cell a str or ``pd.NA`` (``str`` dtype's NaN reads as a float cell)."""
    return isinstance(raw.dtype, pd.StringDtype) and raw.dtype.na_value is pd.NA


def _all_text(types: np.ndarray) -> bool:
    """Only ``str`` cells and ``None`` / ``pd.NA`` (the cells text() and friends treat alike)."""
    distinct = pd.unique(types)
    return all(kind is str or kind is type(None) or kind is type(pd.NA) for kind in distinct)


def _as_string(cells: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(cells, dtype="string"), index=index, copy=False)


def _arrow(values: pd.Series) -> pa.Array | None:
    """The Arrow array behind a ``string`` Series, or None when it is not Arrow-backed."""
    if pa is None:
        return None
    array = getattr(values.array, "_pa_array", None)
    if array is None:
        return None
    return unchunked(array)


def unchunked(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow array: a chunked array's only chunk as it is (``combine_chunks`` copies even one)."""
    if not isinstance(array, pa.ChunkedArray):
        return array
    return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()


def _true(mask: pa.Array) -> np.ndarray:
    """An Arrow boolean array as numpy booleans, null read as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _string_series(array: pa.Array, index: pd.Index) -> pd.Series:
    """A ``string`` Series over an Arrow string array (no copy)."""
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, copy=False)


def text_column(cells: np.ndarray) -> pa.Array | None:
    """``cells`` as an Arrow string array when every cell is a ``str`` or None, else None.

    Most columns of a sheet are text only. Arrow's own conversion tells: it infers ``string`` for
    exactly such a column and fails, or infers another type, for anything else, in the same pass that
    converts it (checking every cell first and converting after took a third longer).
    """
    if pa is None or not len(cells):
        return None
    first = cells[0]
    if first is not None and not isinstance(first, str):  # a number or a date cell: not a text column
        return None
    try:
        array = pa.array(cells)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if array.type not in (pa.string(), pa.large_string(), pa.null()):  # null: every cell blank
        return None
    return unchunked(array.cast(pa.large_string()))  # chunked: over 2 GB of text


class Cells:
    """One column of raw cells, read once: each cell's type, which cells are text, which are blank.

    What a validator asks of every column of a sheet (blank rows, spreadsheet errors, the text
    people see) comes from here without a Python call per cell; :func:`is_blank`,
    :func:`spreadsheet_errors` and :func:`text` give the same answers for a Series.
    """

    def __init__(self, cells: np.ndarray | pa.Array) -> None:
        if pa is not None and isinstance(cells, pa.Array):  # a column of text only, already in Arrow
            self.__dict__["arrow"] = cells
            self.__dict__["text_only"] = True
            return
        self.cells = cells
        arrow = text_column(cells)
        if arrow is not None:  # most columns are text only: they go straight to Arrow
            self.__dict__["arrow"] = arrow
            self.__dict__["text_only"] = True

    def __len__(self) -> int:
        return len(self.__dict__["arrow"]) if "cells" not in self.__dict__ else len(self.cells)

    @cached_property
    def cells(self) -> np.ndarray:
        """The cells as Python objects (str or None for a column read from Arrow)."""
        return self.arrow.to_numpy(zero_copy_only=False)

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The cells at ``positions``, as Python objects."""
        if "cells" not in self.__dict__ and self.__dict__.get("arrow") is not None:
            return self.arrow.take(pa.array(positions, type=pa.int64())).to_numpy(zero_copy_only=False)
        return self.cells[positions]

    def subset(self, keep: np.ndarray) -> Cells:
        """The cells where ``keep`` is True, with what was already worked out."""
        out = Cells.__new__(Cells)
        if "cells" in self.__dict__:
            out.cells = self.cells[keep]
        for name in ("types", "strings", "blank", "errors", "error_candidates"):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name][keep]
        for name in ("distinct_types", "text_only"):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name]
        if "arrow" in self.__dict__:
            arrow = self.__dict__["arrow"]
            out.__dict__["arrow"] = None if arrow is None else arrow.filter(pa.array(keep))
        if "text" in self.__dict__:  # some cells of trimmed text are trimmed text
            out.__dict__["text"] = trimmed_text(self.__dict__["text"].filter(pa.array(keep)))
        return out

    @cached_property
    def types(self) -> np.ndarray:
        """The exact type of every cell."""
        return _types(self.cells)

    @cached_property
    def distinct_types(self) -> list[type]:
        return list(pd.unique(self.types))

    @cached_property
    def text_only(self) -> bool:
        """Every cell a ``str`` or None (so the column reads the same as a ``string`` column)."""
        return all(kind is str or kind is type(None) for kind in self.distinct_types)

    @cached_property
    def strings(self) -> np.ndarray:
        """Cells that are ``str`` (or a subclass)."""
        if self.text_only and self.arrow is not None:
            return self.arrow.is_valid().to_numpy(zero_copy_only=False)
        return _where_type(self.types, lambda kind: issubclass(kind, str), self.distinct_types)

    @cached_property
    def arrow(self) -> pa.Array | None:
        """The ``str`` cells as an Arrow string array, null elsewhere (None without pyarrow)."""
        if pa is None:  # pragma: no cover
            return None
        if self.text_only:
            return pa.array(self.cells, type=pa.large_string())
        return pa.array(np.where(self.strings, self.cells, None), type=pa.large_string())

    def as_text(self, index: pd.Index, *, blank: np.ndarray | None = None) -> pd.Series:
        """The column as :func:`text` reads it (a ``string`` Series, trimmed, blanks missing), missing
        too where ``blank`` is True; only for :attr:`text_only` columns."""
        if self.arrow is None:  # pragma: no cover
            values = text(_as_string(self.cells, index))
            return values if blank is None else values.mask(blank)
        if blank is None:
            return _string_series(self.text, index)
        # Trimmed text with more cells null is still trimmed text.
        return _string_series(trimmed_text(pc.if_else(pa.array(blank), pa.scalar(None, type=self.text.type),
                                                      self.text)), index)

    @cached_property
    def text(self) -> pa.Array:
        """The text cells as :func:`text` reads them: trimmed (Arrow's white space is Python's
        ``str.isspace``), null when nothing is left; the very same array when nothing was trimmed."""
        return _trimmed(self.arrow)

    @cached_property
    def error_candidates(self) -> np.ndarray:
        """Text cells that start with "#" once trimmed: every error value does."""
        return _true(pc.starts_with(self.text, "#"))

    def scan(self) -> None:
        """Work out blanks and error candidates together (the parsers read the same trimmed text)."""
        if self.__dict__.get("arrow") is not None and "blank" not in self.__dict__:
            self.blank  # noqa: B018 - cached
            if self.strings.any():
                self.error_candidates  # noqa: B018 - cached

    @cached_property
    def blank(self) -> np.ndarray:
        """:func:`is_blank`: missing, or only white space."""
        if self.text_only and self.arrow is not None:  # None is Arrow's null
            return self.text.is_null().to_numpy(zero_copy_only=False)
        blank = pd.isna(self.cells)
        if self.strings.any():
            if self.arrow is not None:  # a text cell blank once trimmed
                blank |= self.strings & self.text.is_null().to_numpy(zero_copy_only=False)
            else:  # pragma: no cover
                strings = pd.Series(pd.array(self.cells[self.strings], dtype="string"))
                blank[self.strings] = strings.str.strip().eq("").to_numpy(dtype=bool)
        never = _where_type(self.types, lambda kind: issubclass(kind, (str, *_NEVER_BLANK_TYPES)), self.distinct_types)
        other = ~blank & ~never
        if other.any():  # any other object reads as the str() it has
            rest = pd.Series(self.cells[other], dtype="object")
            blank[other] = (rest.isna() | rest.astype("string").str.strip().eq("").fillna(True)).to_numpy(dtype=bool)
        return blank

    @cached_property
    def errors(self) -> np.ndarray:
        """:func:`spreadsheet_errors`: text cells holding ``#REF!``, ``#N/A`` and the like."""
        # Every error value starts with "#" once stripped: only those cells are read closely.
        if self.text_only and self.arrow is not None:
            candidates = self.error_candidates
        elif not self.strings.any():
            return np.zeros(len(self), dtype=bool)
        elif self.arrow is not None:
            candidates = self.error_candidates
        else:  # pragma: no cover
            candidates = self.strings & pd.Series(self.cells).map(lambda v: isinstance(v, str) and "#" in v).to_numpy()
        found = np.zeros(len(self), dtype=bool)
        if candidates.any():
            picked = pd.Series(self.take(np.flatnonzero(candidates)), dtype="object")
            found[candidates] = picked.str.strip().str.upper().isin(SPREADSHEET_ERRORS).to_numpy(dtype=bool)
        return found


def first_positions(codes: np.ndarray, count: int) -> np.ndarray:
    """Where each of ``count`` distinct values first appears, given each cell's code (``pd.factorize``)."""
    first = np.empty(count, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # written last to first: the first one stays
    return first


def _on_distinct(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn(values)``, with ``fn`` applied to each distinct value once and spread back: a column of
    choices, quarters or links repeats a few values many times. ``fn`` must work cell by cell."""
    if not _is_text_dtype(values) or len(values) < 64:
        return fn(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) * 2 > len(values):
        return fn(values)
    distinct = values.iloc[first_positions(codes, len(uniques))]
    done = fn(distinct)
    if done.dtype == values.dtype and done.array.equals(distinct.array):
        return values  # fn changes no value (names already spaced, choices already keys): nothing to spread
    result = done.iloc[codes]
    result.index = values.index
    return result


# --------------------------------------------------------------------------------------
# Blank cells and spreadsheet errors
# --------------------------------------------------------------------------------------


# What ``missing | text == ""`` gives: Arrow booleans where strings are Arrow-backed.
_BLANK_DTYPE = (pd.Series([False]) | pd.Series([""], dtype="string").eq("")).dtype


def is_blank(raw: pd.Series) -> pd.Series:
    """Missing cells and cells holding only white space."""
    if raw.dtype != object:
        return raw.isna() | raw.astype("string").str.strip().eq("").fillna(True)
    blank = Cells(_cells(raw)).blank
    return pd.Series(pd.array(blank, dtype=_BLANK_DTYPE), index=raw.index, name=raw.name)


def spreadsheet_errors(raw: pd.Series) -> pd.Series:
    """Cells that hold a spreadsheet error value such as ``#REF!``."""
    if raw.dtype != object:
        return _spreadsheet_errors(raw)
    cells = Cells(_cells(raw))
    if not cells.strings.any():
        return pd.Series(False, index=raw.index)
    return pd.Series(cells.errors, index=raw.index, name=raw.name)


def _spreadsheet_errors(raw: pd.Series) -> pd.Series:
    strings = raw.map(lambda value: isinstance(value, str))
    if not strings.any():
        return pd.Series(False, index=raw.index)
    return strings & raw.where(strings, "").str.strip().str.upper().isin(SPREADSHEET_ERRORS)


# --------------------------------------------------------------------------------------
# Text, choices and numbers
# --------------------------------------------------------------------------------------


def text(raw: pd.Series) -> pd.Series:
    """Trimmed text; numbers as typed (``4`` not ``4.0``), dates as ISO, blanks missing."""
    if _is_text_dtype(raw):
        array = _arrow(raw)
        if array is not None:
            return _string_series(_trimmed(array), raw.index)
        result = raw.astype("string").str.strip().rename(None)  # pragma: no cover
        return result.mask(result.eq(""))  # pragma: no cover
    if raw.dtype == object:
        cells = Cells(_cells(raw))
        if cells.text_only and cells.arrow is not None:
            return cells.as_text(raw.index)
        return _text_of(cells, raw)
    return _text_of(Cells(_cells(raw)), raw)


def _trimmed(array: pa.Array) -> pa.Array:
    """Strings trimmed (as ``.str.strip()`` trims them), empty ones null."""
    if _is_trimmed(array):
        return array
    stripped = pc.utf8_trim_whitespace(array)
    lengths = pc.binary_length(stripped)
    if pc.all(pc.equal(lengths, pc.binary_length(array))).as_py() is not False and \
            (pc.min(lengths).as_py() or 0) > 0:
        return trimmed_text(array)  # nothing trimmed and nothing empty: the very same strings, not a copy
    return trimmed_text(pc.if_else(pc.equal(stripped, ""), pa.scalar(None, type=stripped.type), stripped))


#: Arrow text known to be trimmed with blanks null (what :func:`_trimmed` returns), by the memory it
#: views, so a column scanned for blanks is not trimmed a second time when its parser reads it through
#: another Python object of the same array (pandas wraps it in a chunked array and hands a new one
#: back). An entry lives as long as the array it was made for, and that array holds its memory, so
#: while the entry exists no other text can be at the same place. Arrow arrays never change.
_TRIMMED: dict[tuple[object, ...], weakref.ref[pa.Array]] = {}


def _place(array: pa.Array) -> tuple[object, ...]:
    return (str(array.type), array.offset, len(array), *(0 if b is None else b.address for b in array.buffers()))


def trimmed_text(array: pa.Array) -> pa.Array:
    """``array``, remembered as text already trimmed with blanks null (the caller vouches for it)."""
    key = _place(array)

    def forget(ref: weakref.ref[pa.Array], key: tuple[object, ...] = key) -> None:
        if _TRIMMED.get(key) is ref:
            del _TRIMMED[key]

    _TRIMMED[key] = weakref.ref(array, forget)
    return array


def _is_trimmed(array: pa.Array) -> bool:
    known = _TRIMMED.get(_place(array))
    return known is not None and known() is not None


def _text_of(cells: Cells, raw: pd.Series) -> pd.Series:
    values, kinds = cells.cells, cells.types
    out = np.full(len(values), pd.NA, dtype=object)
    strings = _of_type(kinds, str)
    out[strings] = values[strings]
    floats = _of_type(kinds, float, np.float64)
    if floats.any():
        numbers = pd.Series(values[floats].astype(float))
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
        out[floats] = numbers.map(repr).where(~whole, numbers[whole].astype("int64").astype(str)).to_numpy(dtype=object)
    others = ~strings & ~floats & ~pd.isna(values)
    if others.any():
        ints = others & _of_type(kinds, int)
        if ints.any():  # str(int), as _scalar_text gives it
            out[ints] = pd.Series(values[ints], dtype="object").astype(str).to_numpy(dtype=object)
        rest = others & ~ints
        if rest.any():
            out[rest] = [_scalar_text(value) for value in values[rest]]
    result = pd.Series(out, index=raw.index, dtype="object").astype("string").str.strip()
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
    return _on_distinct(values, _enum_key)


_ENUM_SEPARATORS = r"[\s\-]+"
_ENUM_SEPARATORS_RE2 = f"[{_SPACE_RE2[1:-1]}\\-]+"  # Python's Unicode \s spelt out for RE2


def _enum_key(values: pd.Series) -> pd.Series:
    array = _arrow(values)
    if array is None:
        return values.str.lower().str.replace(_ENUM_SEPARATORS, "_", regex=True)
    # Arrow directly, as pandas' str.lower does, then RE2: pandas' str.replace reparses the pattern on
    # every call (and then runs Python's re, for its Unicode \s), more than the replacing itself costs.
    return _string_series(pc.replace_substring_regex(pc.utf8_lower(array), _ENUM_SEPARATORS_RE2, "_"), values.index)


def choice(raw: pd.Series, aliases: dict[str, str] | None = None) -> pd.Series:
    """A choice from a fixed list, in its canonical spelling; unknown choices are kept for the check."""
    return _on_distinct(text(raw), lambda values: _choice_key(values, aliases))


def _choice_key(values: pd.Series, aliases: dict[str, str] | None) -> pd.Series:
    keys = _enum_key(values)
    return keys.replace(aliases) if aliases else keys


# A number written with thousands separators: "1,234" or "1,234.5" (a decimal point).
_THOUSANDS_COMMA = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
# A number written with a decimal comma: "4,5", "1.234,5", "1 234,5" (a space or no-break space
# between thousands, as French spreadsheets write them).
_DECIMAL_COMMA = r"^[+-]?(?:\d{1,3}(?:[. \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?$"


def number(raw: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """A number from a numeric cell or text such as ``"4"``; anything else is missing.

    Text may group thousands: ``"1,234.5"``, or with ``decimal_comma`` (a semicolon-separated CSV
    file, as Excel saves it where the comma is the decimal mark) ``"1.234,5"`` and ``"4,5"``. Without
    it a comma that does not group thousands (``"4,5"``) makes the cell unreadable, never 45.
    """
    cells = _cells(raw)
    kinds = _types(cells)
    numeric = _where_type(kinds, lambda kind: issubclass(kind, _NUMERIC_TYPES)
                          and not issubclass(kind, _NOT_NUMERIC_TYPES))
    out = np.full(len(cells), np.nan, dtype="float64")
    if numeric.any():
        out[numeric] = cells[numeric].astype("float64")
    rest = ~numeric & raw.notna().to_numpy()
    if rest.any():
        typed = pd.to_numeric(_plain_number_text(text(raw[rest]), decimal_comma), errors="coerce")
        out[rest] = typed.astype("Float64").to_numpy("float64", na_value=np.nan)
    result = pd.Series(out, index=raw.index, dtype="float64")
    return result.where(np.isfinite(result))


def _plain_number_text(typed: pd.Series, decimal_comma: bool) -> pd.Series:
    """Number text with its thousands separators taken out and a decimal point: "1.234,5" -> "1234.5"."""
    if decimal_comma:
        grouped = typed.str.fullmatch(_DECIMAL_COMMA).fillna(False).astype(bool)
        plain = typed[grouped].str.replace(r"[. \u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    else:
        grouped = typed.str.fullmatch(_THOUSANDS_COMMA).fillna(False).astype(bool)
        plain = typed[grouped].str.replace(",", "", regex=False)
    return typed.mask(grouped, plain)


# --------------------------------------------------------------------------------------
# Dates and quarters
# --------------------------------------------------------------------------------------


def date(raw: pd.Series, *, day_first: bool = False) -> pd.Series:
    """A calendar date from a date cell, a serial number, or text in one of the accepted forms.

    Accepted text: ``2026-01-15`` (also with ``/`` or ``.``); day and month as numbers before the
    year: ``15.01.2026`` (dots: always day first), ``15/01/2026``, ``01/15/2026``, ``15-01-2026``;
    and a month's name in English, German, French, Spanish, Italian, Portuguese or Dutch:
    ``15 Jan 2026``, ``Jan 15, 2026``, ``15. März 2026``, ``15 janv. 2026``, ``15 de marzo de 2026``.

    A slash or dash date whose parts are both 12 or less reads in the column's own order: day first
    when some date of the column can only be read day first (``15/01/2026``), month first when some
    can only be read month first (``01/15/2026``), else (none, or both kinds) the workbook's order
    (``day_first``: the sheet's locale, or the setting). :func:`ambiguous_dates` lists the cells of a
    column whose dates are written both ways.
    """
    # Filled in as a numpy array and made a Series once: pandas' setitem costs more than the dates.
    out = np.full(len(raw), np.datetime64("NaT", "us"))
    if raw.empty:
        return pd.Series(out, index=raw.index)
    cells = _cells(raw)
    kinds = _types(cells)
    present = set(pd.unique(kinds))

    def of_type(*classes: type) -> np.ndarray:  # only the types the column has are looked for
        return _of_type(kinds, *(cls for cls in classes if cls in present))

    days = of_type(dt.date)
    if days.any():  # date cells (an .xlsx, the demo): midnight of that day
        out[days] = pd.to_datetime(pd.Series(cells[days], dtype="object")).to_numpy(dtype="datetime64[us]")
    stamps = of_type(dt.datetime, pd.Timestamp)
    if stamps.any():
        out[stamps] = pd.to_datetime(raw[stamps].map(_as_datetime)).dt.normalize().to_numpy(dtype="datetime64[us]")

    numeric = of_type(int, float, np.int64, np.float64)
    if numeric.any():
        serial = cells[numeric].astype("float64")
        plausible = (serial >= PLAUSIBLE_SERIALS[0]) & (serial <= PLAUSIBLE_SERIALS[1])
        days = np.floor(serial[plausible]).astype("int64").astype("timedelta64[D]")
        out[np.flatnonzero(numeric)[plausible]] = np.datetime64(SERIAL_EPOCH.date(), "us") + days

    typed = _typed_dates(cells, of_type(str))
    if typed is not None:
        positions, codes, texts, forms = typed
        day_first_here = _column_order(texts, forms, day_first)[0]
        parsed = np.array([_day(form, day_first_here) for form in forms], dtype="datetime64[us]")
        out[positions] = parsed[codes]
    return pd.Series(out, index=raw.index)


def ambiguous_dates(raw: pd.Series, *, day_first: bool = False) -> pd.DataFrame:
    """The cells of a date column whose slash or dash dates are written both ways (some only readable
    day first, some only month first), that could be read either way: ``read`` (as :func:`date`
    reads it), ``other`` (the other reading), and one cell of each kind as an example
    (``day_first_example``, ``month_first_example``). Empty when the column is consistent."""
    columns = ["read", "other", "day_first_example", "month_first_example"]
    cells = _cells(raw)
    typed = _typed_dates(cells, _of_type(_types(cells), str)) if len(raw) else None
    if typed is None:
        return pd.DataFrame(columns=columns, index=raw.index[:0])
    positions, codes, texts, forms = typed
    day_first_here, examples = _column_order(texts, forms, day_first)
    if examples is None:
        return pd.DataFrame(columns=columns, index=raw.index[:0])
    either = np.array([form is not None and form[0] == "numeric" and form[2] <= 12 and form[3] <= 12
                       and form[2] != form[3] for form in forms], dtype=bool)
    hit = either[codes]  # the cells that could be read either way
    # Each distinct text is read both ways once, then spread back to its cells.
    readings = {code: (_day(forms[code], day_first_here), _day(forms[code], not day_first_here), *examples)
                for code in np.flatnonzero(either)}
    return pd.DataFrame([readings[code] for code in codes[hit]], index=raw.index[positions[hit]], columns=columns)


#: What a date typed as text says: ("ymd", year, month, day) when it can be read one way only,
#: ("numeric", year, first, second) for day and month as numbers in an order still to decide.
DateForm = tuple[str, int, int, int]


def _typed_dates(cells: np.ndarray, strings: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, list[str], list[DateForm | None]] | None:
    """The text cells of a date column: their positions, each one's code into its distinct texts, those
    texts, and what each says (:data:`DateForm`; None when it is no date we can read)."""
    if not strings.any():
        return None
    filled = strings.copy()
    filled[strings] = cells[strings] != ""  # an empty cell is no date: skip it
    if not filled.any():
        return None
    positions = np.flatnonzero(filled)
    # Trimmed once per distinct cell, not per cell: a column repeats its dates many times.
    raw_codes, raw_distinct = pd.factorize(cells[positions])
    text_codes, distinct = pd.factorize(np.array([cell.strip() for cell in raw_distinct], dtype=object))
    codes = text_codes[raw_codes]
    texts = [str(text_) for text_ in distinct]
    return positions, codes, texts, [_date_form(text_) for text_ in texts]


def _date_form(text_: str) -> DateForm | None:
    if found := _ISO.match(text_):
        return ("ymd", int(found["y"]), int(found["m"]), int(found["d"]))
    if found := _NUMERIC.match(text_):
        a, b, year = int(found["a"]), int(found["b"]), int(found["y"])
        return ("ymd", year, b, a) if found["sep"] == "." else ("numeric", year, a, b)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if found := pattern.match(text_):
            return ("ymd", int(found["y"]), MONTHS[found["mon"].lower()], int(found["d"]))
    return None


def _column_order(texts: list[str], forms: list[DateForm | None], day_first: bool) -> tuple[bool, tuple[str, str] | None]:
    """Whether the column's slash and dash dates read day first; when they are written both ways, one
    cell of each kind as typed ((only day first, only month first), else None)."""
    day_first_only = [text_ for text_, form in zip(texts, forms, strict=True)
                      if form and form[0] == "numeric" and form[2] > 12 >= form[3]]
    month_first_only = [text_ for text_, form in zip(texts, forms, strict=True)
                        if form and form[0] == "numeric" and form[3] > 12 >= form[2]]
    if day_first_only and not month_first_only:
        return True, None
    if month_first_only and not day_first_only:
        return False, None
    if day_first_only and month_first_only:
        return day_first, (day_first_only[0], month_first_only[0])
    return day_first, None


def _day(form: DateForm | None, day_first: bool) -> np.datetime64:
    """The date a form says, the numeric ones read day first or month first (NaT when there is no such day)."""
    if form is None:
        return np.datetime64("NaT", "us")
    kind, year, first, second = form
    if kind == "ymd":
        month, day = first, second
    elif first > 12 or (second <= 12 and day_first):
        day, month = first, second
    else:
        month, day = first, second
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return np.datetime64("NaT", "us")
    try:  # numpy reads the same calendar as to_datetime (year 0 included, unlike datetime)
        return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "us")
    except ValueError:  # no such day in that month
        return np.datetime64("NaT", "us")


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)  # type: ignore[attr-defined]


def quarter(raw: pd.Series) -> pd.Series:
    """A quarter label in its canonical form ``2026-Q1``; accepts ``2026 Q1``, ``Q1-2026`` and the like."""
    return _on_distinct(text(raw), _quarter_from_text).rename(None)


def _quarter_from_text(values: pd.Series) -> pd.Series:
    found = values.str.extract(_QUARTER)
    year = found["y1"].fillna(found["y2"])
    # ``\d`` matches the digits of every script ("٢٠٢٦ Q1"): the label is always in ASCII digits.
    other_digits = year.notna() & ~year.fillna("").str.isascii()
    if other_digits.any():
        year = year.mask(other_digits, year[other_digits].map(lambda digits: str(int(digits))))
    number_ = found["q1"].fillna(found["q2"])
    return (year + "-Q" + number_).astype("string")


#: The calendar every quarter of Learning Loop is on: pandas' quarterly periods, whose fiscal years are
#: named by the calendar year in which they end (``Q-MAR``: 2027-Q1 is April to June 2026).
_MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def quarter_freq(fiscal_year_start_month: int = 1) -> str:
    """The pandas frequency of quarters in a year starting in ``fiscal_year_start_month``: ``Q-DEC``
    for calendar quarters, ``Q-MAR`` for a fiscal year starting in April."""
    return f"Q-{_MONTH_ABBR[(fiscal_year_start_month - 2) % 12]}"


def quarter_label(period: pd.Period) -> str:
    """A quarterly period as its label: ``2026-Q2``."""
    return f"{period.qyear}-Q{period.quarter}"


def quarter_of(dates: pd.Series, fiscal_year_start_month: int = 1) -> pd.Series:
    """The quarter a date falls in (a label such as ``2026-Q2``); fiscal years are named by the
    calendar year in which they end."""
    periods = dates.dt.to_period(quarter_freq(fiscal_year_start_month))
    # Each quarter present is labelled once (a column holds a few dozen among thousands of dates).
    codes, distinct = pd.factorize(periods)
    labels = pd.array([quarter_label(period) for period in distinct], dtype="string")
    return pd.Series(labels.take(codes, allow_fill=True), index=dates.index, name=dates.name)


# --------------------------------------------------------------------------------------
# Lists and links
# --------------------------------------------------------------------------------------


def item_list(raw: pd.Series, canonical: dict[str, str] | None = None, *, collapse: bool = False) -> pd.Series:
    """A comma (or semicolon) list as a tuple of its items per cell (``()`` when blank), each item
    trimmed and kept once, where it first appears; with ``canonical``, items are matched
    case-insensitively to their canonical spelling (unknown items are kept for the check); with
    ``collapse``, runs of white space inside an item are one space. Cells that hold the same text
    share one tuple."""
    values = text(raw)
    if values.isna().all():
        return pd.Series([()] * len(values), index=values.index, dtype=object)
    return _on_distinct(values, lambda distinct: _item_tuples(distinct, canonical, collapse))


def _item_tuples(values: pd.Series, canonical: dict[str, str] | None, collapse: bool) -> pd.Series:
    array = _arrow(values)
    # Split every cell at once, then work on (row, item) pairs: no Python call per cell or per row.
    lists = pc.split_pattern_regex(array, _LIST_SPLIT_RE2)
    items = pc.list_flatten(lists)
    rows = pc.list_parent_indices(lists).to_numpy()
    filled = pc.not_equal(items, "")
    items, rows = items.filter(filled).cast(pa.large_string()), rows[filled.to_numpy(zero_copy_only=False)]
    if canonical is not None and len(items):
        keys = enum_key(pd.Series(pd.array(items, dtype="string")))
        items = pa.array(keys.map(canonical).fillna(keys).to_numpy(dtype=object), type=pa.large_string())
    if collapse and len(items):
        items = pc.replace_substring_regex(items, f"{_SPACE_RE2}+", " ")
    if len(items):  # a repeated item is kept where it first appears in its cell
        codes = pc.dictionary_encode(items).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        first = ~pd.Series(rows.astype(np.int64) * (int(codes.max()) + 1) + codes).duplicated().to_numpy()
        if not first.all():
            items, rows = items.filter(pa.array(first)), rows[first]
    counts = np.bincount(rows, minlength=len(values))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), type=pa.int64())
    cells = pa.LargeListArray.from_arrays(offsets, items).to_pylist()
    return pd.Series(np.fromiter(map(tuple, cells), dtype=object, count=len(cells)), index=values.index, dtype=object)


def collapse_spaces(raw: pd.Series) -> pd.Series:
    """:func:`text`, with every run of white space inside a value as one space: "Check  out" is "Check out"."""
    return _on_distinct(text(raw), _collapse_spaces)


def _collapse_spaces(values: pd.Series) -> pd.Series:
    array = _arrow(values)
    if array is None:  # pragma: no cover - Python-backed strings
        return values.str.replace(r"\s+", " ", regex=True)
    return _string_series(pc.replace_substring_regex(array, f"{_SPACE_RE2}+", " "), values.index)


def url(raw: pd.Series) -> pd.Series:
    """A web address; only http(s) links are kept so a cell can never become a script link."""
    values = text(raw)
    return values.where(_on_distinct(values, _is_url).fillna(False))


_URL = r"^https?://[^\s]+$"
# ``_URL`` for Arrow (RE2), with Python's Unicode ``\s`` spelt out. Python's ``$`` also matches before a
# final newline, RE2's does not; text() has trimmed every value, so none ends in one.
_URL_RE2 = f"^https?://[^{_SPACE_RE2[1:-1]}]+$"


def _is_url(values: pd.Series) -> pd.Series:
    array = _arrow(values)
    if array is None:  # pragma: no cover - Python-backed strings
        return values.str.match(_URL, case=False)
    # Arrow directly: pandas reparses the pattern on every call to see whether RE2 may run it, and that
    # took longer than matching every distinct link of a tab.
    return pd.Series(_true(pc.match_substring_regex(array, _URL_RE2, ignore_case=True)), index=values.index)
