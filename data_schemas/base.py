"""What every tab model shares: parse options, column declarations and the generic parser.

A tab model declares each column once with :func:`column`: its kind (how cells are parsed),
whether it is required, and its choices. The base model's dataframe parser turns raw cells
into typed values by kind, so each tab's module reads as its contract and keeps only the
parsing that is its own (defaults, derived ids, row rules).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera import extensions

from data_schemas import parsers

Kind = Literal["id", "text", "name", "choice", "choice_list", "date", "quarter", "number", "id_list", "name_list",
               "url"]
#: Kinds whose cells are lists: parsed into a tuple per cell (``()`` when blank), never re-split later.
LIST_KINDS = frozenset({"choice_list", "id_list", "name_list"})
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class ParseOptions:
    """How to read ambiguous cells: the workbook's date order and its fiscal calendar, and (per tab)
    whether numbers are written with a decimal comma."""

    day_first: bool = False
    fiscal_year_start_month: int = 1
    #: "4,5" is 4.5 and "1.234,5" is 1234.5: set per tab by the loader for a semicolon-separated CSV file.
    decimal_comma: bool = False


_options: contextvars.ContextVar[ParseOptions] = contextvars.ContextVar("parse_options", default=ParseOptions())


@contextlib.contextmanager
def parse_options(options: ParseOptions) -> Iterator[None]:
    """Parse with ``options`` inside the block (pandera parsers take no arguments of their own)."""
    token = _options.set(options)
    try:
        yield
    finally:
        _options.reset(token)


def current_options() -> ParseOptions:
    return _options.get()


@dataclass(frozen=True)
class RowRule:
    """A check across a row's cells: which column it blames, how bad it is, and what to do instead."""

    column: str
    severity: Severity
    message: str


def column(
    kind: Kind,
    *,
    required: bool = False,
    choices: tuple[Any, ...] | None = None,
    aliases: dict[str, str] | None = None,
    default: str | None = None,
    refers_to: str | None = None,
    example: str | None = None,
    help: str = "",
) -> Any:
    """Declare a sheet column. ``required`` columns must be present and filled in every row."""
    metadata = {
        "kind": kind,
        "required": required,
        "choices": choices,
        "aliases": aliases or {},
        "default": default,
        "refers_to": refers_to,
        "example": example,
        "help": help,
    }
    checks: dict[str, Any] = {}
    if choices is not None and kind in ("choice", "number"):
        checks["isin"] = list(choices)
    if choices is not None and kind == "choice_list":
        checks["items_in"] = list(choices)
    return pa.Field(nullable=not required, metadata=metadata, **checks)


@extensions.register_check_method(statistics=["allowed"], supported_types=pd.Series)
def items_in(values: pd.Series, *, allowed: list[str]) -> pd.Series:
    """Every item of a list cell is one of ``allowed``."""
    known = frozenset(allowed)
    # Cells with the same text share one tuple (parsers.item_list): each distinct one is checked once.
    cells = values.to_numpy(dtype=object)
    codes, distinct = pd.factorize(np.fromiter(map(id, cells), dtype=np.int64, count=len(cells)))
    ok = np.array([known.issuperset(cells[position]) for position in parsers.first_positions(codes, len(distinct))],
                  dtype=bool)
    return pd.Series(ok[codes], index=values.index)


def _dtype_for(kind: Kind) -> str:
    if kind in LIST_KINDS:
        return "object"
    return {"date": "datetime64[us]", "number": "float64"}.get(kind, "string")


class TabModel(pa.DataFrameModel):
    """Base of every tab model: parse raw cells by kind, then check choices and row rules."""

    #: The tab's own id column (checked for duplicates), if it has one.
    _id_column: ClassVar[str | None] = None
    #: Prefix of derived ids for rows whose optional id cell is blank ("C" -> "C-r7").
    _derived_id_prefix: ClassVar[str | None] = None
    #: The date column that places an event row in a quarter (themes type their quarter).
    _quarter_from: ClassVar[str | None] = None
    #: Other events a row records, placed in the quarter of their own date: column -> date column.
    _event_quarters: ClassVar[dict[str, str]] = {}
    #: Row rules by the name of their dataframe check.
    _row_rules: ClassVar[dict[str, RowRule]] = {
        "unique_id": RowRule("", "error", "is already used on row {first}; give each row its own {column}"),
    }

    class Config:
        strict = False
        coerce = False

    @classmethod
    def columns(cls) -> dict[str, dict[str, Any]]:
        """Column name -> declaration metadata, in the order the tab lists them."""
        return {name: col.metadata for name, col in cls.to_schema().columns.items()}

    @classmethod
    def required_columns(cls) -> list[str]:
        return [name for name, meta in cls.columns().items() if meta["required"]]

    @pa.dataframe_parser
    @classmethod
    def parse_cells(cls, raw: pd.DataFrame) -> pd.DataFrame:
        options = current_options()
        parsed = {}
        for name, meta in cls.columns().items():
            if name in raw:
                parsed[name] = _parse(raw[name], meta, options)
            elif meta["kind"] in LIST_KINDS:
                parsed[name] = pd.Series([()] * len(raw), index=raw.index, dtype=object)
            else:
                parsed[name] = pd.Series(None, index=raw.index, dtype=_dtype_for(meta["kind"]))
            if meta["default"] is not None:
                parsed[name] = parsed[name].fillna(meta["default"])
        if cls._id_column and cls._derived_id_prefix:
            ids = parsed[cls._id_column]
            blank = ids.isna().to_numpy(dtype=bool)
            if blank.any():  # only the rows without an id need one made from their row number
                rows = raw.index[blank]
                derived = cls._derived_id_prefix + "-r" + pd.Series(rows.astype(str), index=rows)
                parsed[cls._id_column] = ids.fillna(derived.astype("string"))
        if cls._quarter_from:
            parsed["quarter"] = parsers.quarter_of(parsed[cls._quarter_from], options.fiscal_year_start_month)
        for name, date_column in cls._event_quarters.items():
            parsed[name] = parsers.quarter_of(parsed[date_column], options.fiscal_year_start_month)
        return pd.DataFrame(parsed, index=raw.index, copy=False)  # the parsed columns are new: no copy

    @pa.dataframe_check
    @classmethod
    def unique_id(cls, df: pd.DataFrame) -> pd.Series:
        if not cls._id_column:
            return pd.Series(True, index=df.index)
        ids = df[cls._id_column]
        return ids.isna() | ~ids.duplicated(keep="first")


def _parse(raw: pd.Series, meta: dict[str, Any], options: ParseOptions) -> pd.Series:
    kind: Kind = meta["kind"]
    if kind == "date":
        return parsers.date(raw, day_first=options.day_first)
    if kind == "quarter":
        return parsers.quarter(raw)
    if kind == "number":
        return parsers.number(raw, decimal_comma=options.decimal_comma)
    if kind == "choice":
        return parsers.choice(raw, meta["aliases"]).astype("string")
    if kind == "choice_list":
        canonical = {parsers.enum_key(pd.Series([c])).iloc[0]: c for c in meta["choices"]}
        return parsers.item_list(raw, canonical)
    if kind == "id_list":
        return parsers.item_list(raw)
    if kind == "name_list":
        return parsers.item_list(raw, collapse=True)
    if kind == "name":
        return parsers.collapse_spaces(raw)
    if kind == "url":
        return parsers.url(raw)
    return parsers.text(raw)
