"""Raw tabs in, a validated :class:`Workbook` out — never an exception for bad data.

A raw tab is what every source produces: a list of rows, each a list of cells holding
Python scalars (str, int, float, bool, date/datetime, or None). The tab models in
``data_schemas`` parse and check the cells; this module finds the header, runs the models,
turns pandera's failure cases into issues an editor can act on, quarantines rows with
errors, drops values with warnings, and checks references between tabs.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import pandas as pd
import pandera.errors
import pyarrow as pa
from openpyxl.utils import get_column_letter
from pandas._libs import lib
from pandera.pandas import DataFrameSchema

from data_schemas import TABS, ParseOptions, TabModel, contract_titles, name_key, parse_options, parsers
from data_schemas.base import LIST_KINDS
from learnloop import frames
from learnloop.safe import quoted
from learnloop.words import and_list
from learnloop.workbook import Issue, Severity, Workbook

RawTab = Sequence[Sequence[Any]]
# Rows above the header that may hold a title or notes; the header is searched for in these.
HEADER_SEARCH_ROWS = 10
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class TabReading:
    """How a source read one tab, besides its cells (a CSV file's encoding and number format)."""

    #: Numbers are written with a decimal comma: "4,5" is 4.5 (a semicolon-separated CSV file).
    decimal_comma: bool = False
    #: Something the editor may want to know, with nothing to fix: an info issue on the tab.
    note: str | None = None


@dataclass(frozen=True)
class RawRead:
    """What a source read: raw tabs by title, and how it read the ones it has something to say about."""

    tabs: dict[str, RawTab]
    readings: dict[str, TabReading] = field(default_factory=dict)


def validate_workbook(
    raw_tabs: Mapping[str, RawTab],
    *,
    source: str,
    options: ParseOptions = ParseOptions(),
    sheet: str | None = None,
    titles: Sequence[str] | None = None,
    readings: Mapping[str, TabReading] | None = None,
) -> Workbook:
    """Validate every tab of the contract found in ``raw_tabs`` (titles matched loosely).

    ``titles`` lists every tab of the workbook, in its order, when ``raw_tabs`` holds only the tabs
    read (a Google Sheet is read only for the tabs it uses): two tabs for one part of the contract
    are an error wherever they are found. ``readings`` says how a source read some of the tabs, by
    title: the number format the tab is parsed with, and a note that becomes an info issue.
    """
    found: dict[str, str] = {}
    issues: list[Issue] = []
    for tab, candidates in contract_titles(raw_tabs if titles is None else titles).items():
        if candidates[0] in raw_tabs:
            found[tab] = candidates[0]
        if len(candidates) > 1:
            issues.append(Issue(tab, None, None, None, "error", duplicate_tabs_message(tab, candidates), sheet))

    results = {}
    for tab in TABS:
        if tab in found:
            reading = (readings or {}).get(found[tab], TabReading())
            if reading.note:
                issues.append(Issue(tab, None, None, None, "info", reading.note, sheet))
            tab_options = dataclasses.replace(options, decimal_comma=True) if reading.decimal_comma else options
            results[tab] = validate_tab(tab, raw_tabs[found[tab]], options=tab_options, sheet=sheet)
        else:
            results[tab] = _missing_tab(tab, sheet)
    _check_references(results, sheet)
    _release_memory(sum(result.kept.size for result in results.values()))
    # Ids belong to their sheet: every table says which sheet each row came from, so a roll-up of several
    # sheets (load.merge) never matches one sheet's S-003 with another's.
    from_sheet = pd.CategoricalDtype([sheet or source])

    for result in results.values():
        issues.extend(result.issues)
    return Workbook(
        source=source,
        tables={tab: result.kept.assign(sheet=pd.Categorical.from_codes(np.zeros(len(result.kept), dtype="int8"),
                                                                        dtype=from_sheet))
                for tab, result in results.items()},
        quarantined={tab: result.quarantined for tab, result in results.items()},
        issues=tuple(issues),
        options=options,
        tab_titles={tab: found.get(tab) for tab in TABS},
        ignored_columns={tab: tuple(result.ignored_columns) for tab, result in results.items()},
        column_letters={(sheet, tab): result.column_letters for tab, result in results.items() if result.column_letters},
    )


def duplicate_tabs_message(tab: str, titles: Sequence[str]) -> str:
    """What to do when several tabs stand for ``tab``; ``titles[0]`` is the one read."""
    read, left_out = quoted(titles[0]), _quoted_list(titles[1:])
    them, they = ("them", "they are") if len(titles) > 2 else ("it", "it is")
    return (f"The workbook has {len(titles)} tabs for {tab}: {_quoted_list(titles)}. Only {read} is read; the "
            f"rows in {left_out} are left out. Move the rows you need into {read}, then delete {left_out} or "
            f"rename {them} (e.g. {quoted(titles[1] + ' old')}) so {they} not read.")


def _quoted_list(titles: Sequence[str]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    return and_list([quoted(title) for title in titles])


@dataclass
class TabResult:
    kept: pd.DataFrame
    quarantined: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    #: Each contract column's letter in the sheet (``{"title": "C"}``), for links to a cell.
    column_letters: dict[str, str] = field(default_factory=dict)


def empty_table(tab: str) -> pd.DataFrame:
    """A tab with no rows but every column, typed, so metrics and charts need no special case."""
    frame = empty_table_for(TABS[tab].model)
    frame.index.name = "row"
    return frame


def _missing_tab(tab: str, sheet: str | None) -> TabResult:
    spec = TABS[tab]
    also = f" (also accepted: {', '.join(spec.aliases)})" if spec.aliases else ""
    message = f"The workbook has no {tab} tab. Add a tab named {tab}{also} with a header row."
    return TabResult(empty_table(tab), _quarantine_frame(tab, pd.DataFrame()),
                     [Issue(tab, None, None, None, "error", message, sheet)])


#: Kinds whose parser reads a cell only through :func:`parsers.text`: a column of text cells can be
#: handed to them as Arrow-backed ``string`` instead of Python objects, with the same result.
_TEXT_KINDS = frozenset({"id", "text", "name", "choice", "choice_list", "id_list", "name_list", "url", "quarter"})


def validate_tab(tab: str, rows: RawTab, *, options: ParseOptions = ParseOptions(),
                 sheet: str | None = None) -> TabResult:
    """Validate one tab's raw rows against its model.

    Each column is read once (:class:`parsers.Cells`: cell types, blanks, spreadsheet errors) and
    parsed as a whole; Python only runs per issue, and only the cells with an issue are shown.
    """
    model = TABS[tab].model
    declared = _declared(model)
    table = rows if isinstance(rows, ColumnarTab) else ColumnarTab.from_rows(rows)
    issues: list[Issue] = []
    letters: dict[str, str] = {}  # column -> its letter in the sheet, for A1 cell references

    def report(row: int | None, column: str | None, value: Any, severity: Severity, message: str) -> None:
        blank = value is None or (pd.api.types.is_scalar(value) and pd.isna(value))
        cell = f"{letters[column]}{row}" if row and column in letters else None
        issues.append(Issue(tab, row, column, None if blank else str(value), severity, message, sheet, cell))

    if not len(table) or not table.width:
        report(None, None, None, "warning", f"The {tab} tab is empty. Add a header row: {', '.join(declared)}.")
        return TabResult(empty_table(tab), _quarantine_frame(tab, pd.DataFrame()), issues)

    header_at = _find_header(table[:HEADER_SEARCH_ROWS], declared)
    columns, ignored = _map_header(pd.Series(table[header_at], dtype="object"), declared)
    letters.update({name: get_column_letter(at + 1) for name, at in columns.items()})
    for label in ignored.values():
        report(1 + header_at, str(label), None, "info",
               f"Column {quoted(label)} is not part of the {tab} tab and is ignored.")
    index = pd.RangeIndex(header_at + 2, len(table) + 1, name="row")
    cells = [parsers.Cells(column[header_at + 1:]) for column in table.columns]
    for column in cells:
        column.scan()
    keep = ~np.logical_and.reduce([column.blank for column in cells])
    index = index[keep]
    if not keep.all():
        cells = [column.subset(keep) for column in cells]
    by_name = {name: cells[position] for name, position in columns.items()}
    raw = _RawCells(by_name, index)

    missing = [name for name in model.required_columns() if name not in columns]
    if missing:
        for name in missing:
            report(None, name, None, "error",
                   f"The {tab} tab has no '{name}' column. Add a column headed {name}: it is required, "
                   f"so the tab cannot be read until it is there.")
        return TabResult(empty_table(tab), _quarantine_frame(tab, raw.frame()), issues,
                         list(map(str, ignored.values())))

    # Spreadsheet errors (#REF!, #N/A...) are never data: report them and parse the cell as blank.
    errors_found = {name: column.errors for name, column in by_name.items()}
    with parse_options(options):
        try:
            parsed = _schema(model).validate(raw.clean(errors_found, declared), lazy=True)
            failures = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
        except pandera.errors.SchemaErrors as exc:
            parsed = exc.data
            failures = exc.failure_cases
    unreadable = {name: ~(column.blank | errors_found[name]) & _missing(parsed[name], declared[name])
                  for name, column in by_name.items()}
    failing = [(int(failure.index), str(failure.check), str(failure.column))
               for failure in failures.itertuples(index=False)
               if not (failure.index is None or pd.isna(failure.index))]

    # The values as an editor reads them, for messages: only on rows that have something to say.
    problem_rows = {int(row) for masks in (errors_found, unreadable) for mask in masks.values()
                    for row in index[mask]}
    problem_rows.update(row for row, _, _ in failing)
    shown = raw.shown(sorted(problem_rows))

    cell_problems: dict[tuple[int, str], tuple[Severity, str]] = {}
    for name, mask in errors_found.items():
        for row in index[mask]:
            cell_problems[(row, name)] = ("error", f"The cell shows the spreadsheet error {shown.value(row, name)}. "
                                                   f"Fix the formula or type the value itself: "
                                                   f"{_what_to_type(declared[name])}.")
    for name, mask in unreadable.items():
        meta = declared[name]
        for row in index[mask]:
            cell_problems.setdefault((row, name), _severity_for(meta, _unreadable_message(name, meta, shown.value(row, name))))
    id_column = model._id_column
    if id_column and model._derived_id_prefix and id_column not in by_name and len(index):
        report(None, id_column, None, "info",
               f"The {tab} tab has no {id_column} column, so rows are known by their row number "
               f"({model._derived_id_prefix}-r2, {model._derived_id_prefix}-r3, …). Add the column to keep ids "
               f"stable when rows move.")
    elif id_column and model._derived_id_prefix and id_column in by_name:
        blank_ids = by_name[id_column].blank
        for row, derived in zip(index[blank_ids], parsed[id_column][blank_ids].to_numpy(dtype=object), strict=True):
            report(row, id_column, None, "info",
                   f"{id_column} is blank, so this row is known as {derived}. "
                   f"Type an id to keep it stable when rows move.")

    first_rows = _first_rows(parsed, id_column, [row for row, check, _ in failing if check == "unique_id"])
    for row, check, column_name in failing:
        rule = model._row_rules.get(check)
        if rule is not None:
            column_name = rule.column or id_column or ""
            value = shown.value(row, column_name) if column_name in shown else None
            first = first_rows.get(row) if check == "unique_id" else None
            text = rule.message.format(first=first, column=column_name)
            message = f"{quoted(value)} {text}." if value is not None and not pd.isna(value) else f"{column_name} {text}."
            cell_problems.setdefault((row, column_name), (rule.severity, message))
            continue
        name = column_name
        if name not in declared:
            continue
        meta = declared[name]
        if check == "not_nullable":
            problem = ("error", f"{name} is required. Type {_what_to_type(meta)}.")
        else:
            problem = _severity_for(meta, _check_message(name, meta, shown.value(row, name), parsed.at[row, name]))
        cell_problems.setdefault((row, name), problem)

    order = {name: position for position, name in enumerate(declared)}
    quarantined_rows = sorted({row for (row, _), (severity, _) in cell_problems.items() if severity == "error"})
    dropped: dict[str, list[int]] = {}
    for (row, name), (severity, message) in sorted(cell_problems.items(),
                                                   key=lambda item: (item[0][0], order.get(item[0][1], 0))):
        if severity == "error":
            consequence = " The row is left out until this is fixed."
        elif name in declared and declared[name]["kind"] == "choice_list":
            consequence = " The unknown items are left out; the rest of the row is kept."
        else:
            consequence = " The value is left out; the rest of the row is kept."
        report(row, name, shown.value(row, name) if name in shown else None, severity, message + consequence)
        if severity == "warning":
            dropped.setdefault(name, []).append(row)
    for name, rows_ in dropped.items():
        _drop_values(parsed, name, rows_, declared[name])
    for name, date_column in model._event_quarters.items():
        if date_column in dropped:  # the date a quarter was read from is left out: so is the quarter
            parsed[name] = parsers.quarter_of(parsed[date_column], options.fiscal_year_start_month)
    for name, column in by_name.items():
        if declared[name]["kind"] == "date" and column.strings.any():
            # Only a date typed as text can be ambiguous: the check reads the text cells alone.
            ambiguous = parsers.ambiguous_dates(raw.series(name, np.flatnonzero(column.strings)),
                                                day_first=options.day_first)
            typed = raw.shown(list(ambiguous.index))
            for row, read, other, by_day, by_month in ambiguous.itertuples():
                if (row, name) not in cell_problems:
                    report(row, name, typed.value(row, name), "warning",
                           _ambiguous_date_message(name, read, other, by_day, by_month, options.day_first))

    kept = parsed.drop(index=quarantined_rows) if quarantined_rows else parsed
    kept = _typed(model, kept)
    left_out = raw.frame(quarantined_rows) if quarantined_rows else pd.DataFrame(index=index[:0])
    quarantined = _quarantine_frame(tab, left_out)
    del parsed, cells, by_name, raw, shown
    _release_memory(len(table) * table.width)
    return TabResult(kept, quarantined, issues, list(map(str, ignored.values())), letters)


#: Cells read from a tab (or a workbook) from which on the memory Arrow freed while reading it is given back.
RELEASE_AFTER_CELLS = 1_000_000


def _release_memory(cells: int) -> None:
    """Give memory Arrow freed back to the system after reading ``cells`` cells: a tab at the sheet
    limit frees hundreds of MB, which the allocator would otherwise keep while the next tab is read.
    Below a million cells the freed memory is a few tens of MB, and giving it back cost more than
    keeping it (the next tab's arrays page it in again: ~13 ms of a load at 100,000 rows)."""
    if cells >= RELEASE_AFTER_CELLS:
        pa.default_memory_pool().release_unused()


def _declared(model: type[TabModel]) -> dict[str, dict[str, Any]]:
    """``model.columns()``, read once per model."""
    cached = _DECLARED.get(model)
    if cached is None:
        cached = _DECLARED[model] = model.columns()
    return cached


_DECLARED: dict[type[TabModel], dict[str, dict[str, Any]]] = {}


def _schema(model: type[TabModel]) -> DataFrameSchema:
    """``model``'s pandera schema without the columns' dtype checks, built once per model.

    ``parse_cells`` gives every column its kind's dtype, so the check could only pass (and a failure
    has no row, so it would never be reported), but for a ``string`` column pandera builds and prints a
    table of failure cases even when there are none: a fifth of its time on a tab.
    """
    cached = _SCHEMAS.get(model)
    if cached is None:
        schema = model.to_schema()
        cached = _SCHEMAS[model] = schema.update_columns({name: {"dtype": None} for name in schema.columns})
    return cached


_SCHEMAS: dict[type[TabModel], DataFrameSchema] = {}


class ColumnarTab(Sequence[list[Any]]):
    """A raw tab held column by column: a column of text only as an Arrow string array, any other
    as an array of its cells. Still a sequence of rows (padded with None to the widest row), so it
    is a raw tab like any other; the validator reads its columns directly.

    A sheet read keeps each tab this way from the moment its JSON is parsed: the cells' Python
    objects are dropped at once, so a sheet at the 10-million-cell limit is held once, not twice.
    """

    def __init__(self, columns: list[Any], length: int) -> None:
        self.columns = columns
        self.length = length

    @classmethod
    def from_rows(cls, rows: RawTab, *, compact: bool = False) -> ColumnarTab:
        """``rows`` by column; with ``compact``, text-only columns become Arrow arrays at once."""
        if not len(rows):
            return cls([], 0)
        grid = _grid(rows)
        columns = []
        for position in range(grid.shape[1]):
            # A column of text goes to Arrow straight from the grid; any other is copied out of it (so
            # the grid, a cell per row and column, can go).
            arrow = parsers.text_column(grid[:, position]) if compact else None
            columns.append(arrow if arrow is not None else grid[:, position].copy())
        del grid
        return cls(columns, len(rows))

    @property
    def width(self) -> int:
        return len(self.columns)

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, position: int) -> list[Any]: ...

    @overload
    def __getitem__(self, position: slice) -> list[list[Any]]: ...

    def __getitem__(self, position: int | slice) -> list[Any] | list[list[Any]]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self.length))]
        if position < 0:
            position += self.length
        if not 0 <= position < self.length:
            raise IndexError(position)
        return [column[position].as_py() if isinstance(column, pa.Array) else column[position]
                for column in self.columns]


def _grid(rows: RawTab) -> np.ndarray:
    """The rows as one 2-D array of cells, short rows padded with None (an API drops trailing blanks)."""
    rows = rows if isinstance(rows, list) else list(rows)
    try:
        return lib.to_object_array(rows)
    except (TypeError, ValueError):  # pragma: no cover - rows that are not lists of scalars
        width = max(len(row) for row in rows)
        grid = np.empty((len(rows), width), dtype=object)
        for i, row in enumerate(rows):
            grid[i, :len(row)] = list(row)
        return grid


class _RawCells:
    """A tab's data cells by column name (sheet row numbers as index), kept as :class:`parsers.Cells`."""

    def __init__(self, columns: dict[str, parsers.Cells], index: pd.Index) -> None:
        self.columns = columns
        self.index = index

    def series(self, name: str, positions: np.ndarray | None = None) -> pd.Series:
        if positions is None:
            return pd.Series(self.columns[name].cells, index=self.index, dtype="object", name=name)
        return pd.Series(self.columns[name].take(positions), index=self.index[positions], dtype="object", name=name)

    def frame(self, rows: list[int] | None = None) -> pd.DataFrame:
        """The raw cells (of ``rows`` only, when given) as an ``object`` frame."""
        positions = None if rows is None else self.index.get_indexer(rows)
        index = self.index if positions is None else self.index[positions]
        return pd.DataFrame({name: self.series(name, positions) for name in self.columns}, index=index,
                            dtype="object", copy=False)

    def shown(self, rows: list[int]) -> _Shown:
        """The cells of ``rows`` as an editor reads them (:func:`parsers.text`), column by column as asked."""
        return _Shown(self, rows)

    def clean(self, errors: Mapping[str, np.ndarray], declared: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
        """What the model parses: spreadsheet errors blanked (as NaN, as ``mask`` blanks them), and
        columns of text only as Arrow-backed strings where the parser reads nothing but text, already
        as :func:`parsers.text` reads them (the scan for blanks trimmed them)."""
        out = {}
        for name, column in self.columns.items():
            if column.text_only and declared[name]["kind"] in _TEXT_KINDS:
                # A column of text with an error cell stays Arrow text, the error a null: as a NaN among
                # Python objects, it would send the whole column through the parsers' mixed-cell path.
                out[name] = column.as_text(self.index, blank=errors[name] if errors[name].any() else None)
            elif errors[name].any():
                out[name] = self.series(name).mask(pd.Series(errors[name], index=self.index))
            else:
                out[name] = self.series(name)
        return pd.DataFrame(out, index=self.index, copy=False)  # the model reads it, never writes


class _Shown:
    """Cells of some rows as an editor reads them; each column is read when first asked for."""

    def __init__(self, raw: _RawCells, rows: list[int]) -> None:
        self.raw = raw
        self.positions = raw.index.get_indexer(rows)
        self.columns: dict[str, pd.Series] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.raw.columns

    def value(self, row: int, name: str) -> Any:
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = parsers.text(self.raw.series(name, self.positions))
        return column.at[row]


def _first_rows(parsed: pd.DataFrame, column: str | None, rows: list[int]) -> dict[int, int]:
    """For each of ``rows``, the first row holding the same ``column`` value (for duplicate ids)."""
    if not rows or not column:
        return {}
    values = parsed[column]
    wanted = values.loc[rows]
    same = values[values.isin(wanted.dropna().unique()).fillna(False).to_numpy(dtype=bool)]
    firsts = same[~same.duplicated(keep="first").to_numpy(dtype=bool)]
    first_of = dict(zip(firsts.to_numpy(dtype=object), firsts.index, strict=True))
    return {row: int(first_of[value]) for row, value in zip(rows, wanted.to_numpy(dtype=object), strict=True)
            if value in first_of}


def _drop_values(parsed: pd.DataFrame, name: str, rows: list[int], meta: Mapping[str, Any]) -> None:
    """What is left of cells with a warning: the known items of a list, otherwise nothing."""
    values = parsed[name].copy()
    positions = parsed.index.get_indexer(rows)
    if meta["kind"] in LIST_KINDS:
        cells = values.to_numpy(dtype=object, copy=True)
        for position in positions:
            cells[position] = _drop_value(cells[position], meta)
        parsed[name] = pd.Series(cells, index=parsed.index, dtype=object)
        return
    for position in positions:
        values.iloc[position] = _drop_value(values.iloc[position], meta)
    parsed[name] = values


def _find_header(grid: Sequence[Sequence[Any]], declared: Mapping[str, Any]) -> int:
    """The first row, among the first few, that names the most known columns (a title row may sit above)."""
    keys = {name_key(name) for name in declared}
    best, best_hits = 0, 0
    for position in range(min(HEADER_SEARCH_ROWS, len(grid))):
        hits = sum(name_key(cell) in keys for cell in grid[position] if isinstance(cell, str))
        if hits > best_hits:
            best, best_hits = position, hits
    return best


def _map_header(header: pd.Series, declared: Mapping[str, Any]) -> tuple[dict[str, int], dict[int, str]]:
    """Known column -> grid position (first of duplicates wins), and the positions of ignored labels."""
    by_key = {name_key(name): name for name in declared}
    columns: dict[str, int] = {}
    ignored: dict[int, str] = {}
    for position, label in header.items():
        if label is None or (isinstance(label, float) and pd.isna(label)) or str(label).strip() == "":
            continue
        name = by_key.get(name_key(label))
        if name is None or name in columns:
            ignored[int(position)] = str(label).strip() + ("" if name is None else " (duplicate)")
        else:
            columns[name] = int(position)
    return columns, ignored


def _long_date(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def _ambiguous_date_message(name: str, read: pd.Timestamp, other: pd.Timestamp, by_day: str, by_month: str,
                            day_first: bool) -> str:
    order = "day first" if day_first else "month first"
    return (f"This {name} could be {_long_date(read)} or {_long_date(other)}: the column has dates written day first "
            f"(like {quoted(by_day)}) and month first (like {quoted(by_month)}). It is read as {_long_date(read)}, {order} as the "
            f"workbook's date order says; type {read:%Y-%m-%d} or {other:%Y-%m-%d} to say which. The date is kept.")


def _what_to_type(meta: Mapping[str, Any]) -> str:
    kind = meta["kind"]
    if kind in ("choice", "choice_list", "number") and meta["choices"]:
        options = ", ".join(_plain(choice) for choice in meta["choices"])
        return f"one of: {options}" if kind != "choice_list" else f"a comma list of: {options}"
    example = meta.get("example")
    return {
        "date": f"a date like {example or '2026-01-15'}",
        "quarter": "a quarter like 2026-Q1",
        "number": "a number",
        "url": "a web address starting with https://",
        "id_list": f"a comma list of ids like {example}",
    }.get(kind, f"a value like {example}" if example else "a value")


def _plain(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _severity_for(meta: Mapping[str, Any], message: str) -> tuple[Severity, str]:
    return ("error" if meta["required"] else "warning", message)


def _unreadable_message(name: str, meta: Mapping[str, Any], value: object) -> str:
    noun = {"date": "a date", "quarter": "a quarter", "number": "a number", "url": "a web address"}.get(
        meta["kind"], "a value")
    return f"{quoted(value)} in {name} is not {noun} we can read. Type {_what_to_type(meta)}."


def _missing(parsed: pd.Series, meta: Mapping[str, Any]) -> np.ndarray:
    """Which parsed cells hold nothing: missing, or a list with no item."""
    if meta["kind"] in LIST_KINDS:
        return ~parsed.astype(bool).to_numpy(dtype=bool)
    return parsed.isna().to_numpy(dtype=bool)


def _check_message(name: str, meta: Mapping[str, Any], value: object, parsed: object) -> str:
    if meta["kind"] == "choice_list":
        unknown = [item for item in parsed if item not in meta["choices"]]  # type: ignore[attr-defined]
        return f"{quoted(', '.join(unknown))} in {name} is not known. Use {_what_to_type(meta)}."
    return f"{quoted(value)} is not a valid {name}. Use {_what_to_type(meta)}."


def _drop_value(value: object, meta: Mapping[str, Any]) -> object:
    """What is left of a cell with a warning: the known items of a list, otherwise nothing."""
    if meta["kind"] == "choice_list":
        return tuple(item for item in value if item in meta["choices"])  # type: ignore[attr-defined]
    if meta["kind"] in LIST_KINDS:
        return ()
    return pd.NA if meta["default"] is None else meta["default"]


def _typed(model: type[TabModel], frame: pd.DataFrame) -> pd.DataFrame:
    """Kept rows with one dtype per kind, the same as an empty tab's."""
    dtypes = {name: dtype for name, dtype in _empty(model).dtypes.items() if frame[name].dtype != dtype}
    return frame.astype(dtypes) if dtypes else frame


def empty_table_for(model: type[TabModel]) -> pd.DataFrame:
    return _empty(model).copy()


_EMPTY: dict[type[TabModel], pd.DataFrame] = {}


def _empty(model: type[TabModel]) -> pd.DataFrame:
    """The model's empty table, parsed once per model (callers copy it)."""
    cached = _EMPTY.get(model)
    if cached is None:
        with parse_options(ParseOptions()):
            cached = _EMPTY[model] = model.parse_cells(pd.DataFrame(columns=list(model.columns()), dtype="object"))
    return cached


def _quarantine_frame(tab: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows as typed in the sheet (text), under the tab's column names."""
    names = list(TABS[tab].model.columns())
    if len(raw):
        frame = pd.DataFrame({name: parsers.text(raw[name]) for name in raw.columns}, index=raw.index, copy=False)
    else:
        frame = pd.DataFrame(index=raw.index)
    frame = frame.reindex(columns=names)
    frame.index.name = "row"
    return frame


def _check_references(results: Mapping[str, TabResult], sheet: str | None) -> None:
    """Drop (with a warning) references to ids that no kept row of the other tab has; an id whose row
    is left out (it has an error) says so, with that row."""
    left_out_of: dict[str, dict[str, int]] = {}  # target tab -> its left-out ids, worked out once
    for tab, result in results.items():
        frame = result.kept
        for name, meta in _declared(TABS[tab].model).items():
            target = meta["refers_to"]
            if not target or frame.empty:
                continue
            target_id = TABS[target].model._id_column
            known = results[target].kept[target_id]
            if target not in left_out_of:
                left_out_of[target] = _rows_by_id(results[target].quarantined, target_id)
            left_out = left_out_of[target]
            if meta["kind"] == "id_list":
                _drop_unknown_items(tab, result, name, target, target_id, known, left_out, sheet)
                continue
            values = frame[name]
            unknown = values.notna().to_numpy(dtype=bool) & ~frames.isin(values, known)
            if unknown.any():
                for row, value in zip(frame.index[unknown], values[unknown].to_numpy(dtype=object), strict=True):
                    result.issues.append(Issue(
                        tab, int(row), name, str(value), "warning",
                        _unknown_reference(str(value), target, target_id, left_out) + " Use an id listed there, "
                        "or leave it blank. The value is left out; the rest of the row is kept.", sheet))
                frame[name] = values.mask(pd.Series(unknown, index=frame.index))


def _rows_by_id(quarantined: pd.DataFrame, id_column: str) -> dict[str, int]:
    """The first left-out row holding each id (as typed) of a tab."""
    if quarantined.empty or id_column not in quarantined:
        return {}
    ids = quarantined[id_column].dropna()
    return {str(value): int(row) for row, value in zip(ids.index[::-1], ids.to_numpy(dtype=object)[::-1], strict=True)}


def _unknown_reference(value: str, target: str, target_id: str, left_out: Mapping[str, int]) -> str:
    """Why ``value`` names no row of ``target``: it is on a row left out, or no row has it."""
    if value in left_out:
        return (f"{quoted(value)} is on row {left_out[value]} of {target}, which is left out: fix that row first "
                f"(Data health lists what is wrong with it).")
    return f"{quoted(value)} is not a {target_id} in the {target} tab."


def _drop_unknown_items(tab: str, result: TabResult, name: str, target: str, target_id: str, known: pd.Series,
                        left_out: Mapping[str, int], sheet: str | None) -> None:
    """Rewrite the list cells of ``name`` that name ids ``target`` has no row for without them, one
    warning per cell."""
    frame = result.kept
    cells = frame[name].to_numpy(dtype=object)
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    items = list(itertools.chain.from_iterable(cells))
    if not items:
        return
    found = frames.isin(pa.array(items, pa.large_string()), known)
    if found.all():
        return
    starts = np.cumsum(lengths) - lengths
    kept = cells.copy()
    for position in np.unique(np.repeat(np.arange(len(cells)), lengths)[~found]):
        listed = kept[position]
        known_here = found[starts[position]:starts[position] + len(listed)]
        missing = [item for item, ok in zip(listed, known_here, strict=True) if not ok]
        kept[position] = tuple(item for item, ok in zip(listed, known_here, strict=True) if ok)
        unknown = [item for item in missing if item not in left_out]
        why = " ".join([f"{quoted(', '.join(unknown))} in {name} is not a {target_id} in the {target} tab."] * bool(unknown)
                       + [_unknown_reference(item, target, target_id, left_out) for item in missing if item in left_out])
        result.issues.append(Issue(
            tab, int(frame.index[position]), name, ", ".join(missing), "warning",
            f"{why} Use ids listed there; until then they are left out of the cell and the rest of the row is kept.",
            sheet))
    frame[name] = pd.Series(kept, index=frame.index, dtype=object)
