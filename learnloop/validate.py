"""Raw tabs in, a validated :class:`Workbook` out — never an exception for bad data.

A raw tab is what every source produces: a list of rows, each a list of cells holding
Python scalars (str, int, float, bool, date/datetime, or None). The tab models in
``data_schemas`` parse and check the cells; this module finds the header, runs the models,
turns pandera's failure cases into issues an editor can act on, quarantines rows with
errors, drops values with warnings, and checks references between tabs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.errors
from openpyxl.utils import get_column_letter

from data_schemas import TABS, ParseOptions, TabModel, name_key, parse_options, parsers, tab_for
from learnloop.workbook import Issue, Severity, Workbook

RawTab = Sequence[Sequence[Any]]
# Rows above the header that may hold a title or notes; the header is searched for in these.
HEADER_SEARCH_ROWS = 10
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def validate_workbook(
    raw_tabs: Mapping[str, RawTab],
    *,
    source: str,
    options: ParseOptions = ParseOptions(),
    sheet: str | None = None,
) -> Workbook:
    """Validate every tab of the contract found in ``raw_tabs`` (titles matched loosely)."""
    found: dict[str, str] = {}
    issues: list[Issue] = []
    for title in raw_tabs:
        tab = tab_for(title)
        if tab is None:
            continue
        if tab in found:
            issues.append(Issue(tab, None, None, None, "info",
                                f"Tab '{title}' is ignored: the {tab} tab was already read from '{found[tab]}'.",
                                sheet))
            continue
        found[tab] = title

    results = {}
    for tab in TABS:
        if tab in found:
            results[tab] = validate_tab(tab, raw_tabs[found[tab]], options=options, sheet=sheet)
        else:
            results[tab] = _missing_tab(tab, sheet)
    _check_references(results, sheet)

    for result in results.values():
        issues.extend(result.issues)
    return Workbook(
        source=source,
        tables={tab: result.kept for tab, result in results.items()},
        quarantined={tab: result.quarantined for tab, result in results.items()},
        issues=tuple(issues),
        options=options,
        tab_titles={tab: found.get(tab) for tab in TABS},
        ignored_columns={tab: tuple(result.ignored_columns) for tab, result in results.items()},
    )


@dataclass
class TabResult:
    kept: pd.DataFrame
    quarantined: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


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


def validate_tab(tab: str, rows: RawTab, *, options: ParseOptions = ParseOptions(),
                 sheet: str | None = None) -> TabResult:
    """Validate one tab's raw rows against its model."""
    model = TABS[tab].model
    declared = model.columns()
    width = max((len(row) for row in rows), default=0)  # rows of a CSV file or an API answer differ in length
    grid = pd.DataFrame([[*row, *[None] * (width - len(row))] for row in rows], dtype="object") if len(rows) \
        else pd.DataFrame(dtype="object")
    issues: list[Issue] = []
    positions: dict[str, int] = {}  # column -> 0-based position in the sheet, for A1 cell references

    def report(row: int | None, column: str | None, value: Any, severity: Severity, message: str) -> None:
        blank = value is None or (pd.api.types.is_scalar(value) and pd.isna(value))
        cell = f"{get_column_letter(positions[column] + 1)}{row}" if row and column in positions else None
        issues.append(Issue(tab, row, column, None if blank else str(value), severity, message, sheet, cell))

    if grid.empty:
        report(None, None, None, "warning", f"The {tab} tab is empty. Add a header row: {', '.join(declared)}.")
        return TabResult(empty_table(tab), _quarantine_frame(tab, pd.DataFrame()), issues)

    header_at = _find_header(grid, declared)
    columns, ignored = _map_header(grid.iloc[header_at], declared)
    positions.update(columns)
    for label in ignored.values():
        report(1 + header_at, str(label), None, "info",
               f"Column '{label}' is not part of the {tab} tab and is ignored.")
    data = grid.iloc[header_at + 1:]
    data.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(data), name="row")
    data = data.loc[~data.apply(parsers.is_blank).all(axis=1)]
    raw = pd.DataFrame({name: data[position] for name, position in columns.items()}, index=data.index,
                       dtype="object")

    missing = [name for name in model.required_columns() if name not in columns]
    if missing:
        for name in missing:
            report(None, name, None, "error",
                   f"The {tab} tab has no '{name}' column. Add a column headed {name}: it is required, "
                   f"so the tab cannot be read until it is there.")
        return TabResult(empty_table(tab), _quarantine_frame(tab, raw), issues, list(map(str, ignored.values())))

    shown = raw.apply(parsers.text)  # the values as an editor reads them, for messages

    # Spreadsheet errors (#REF!, #N/A...) are never data: report them and parse the cell as blank.
    errors_found = raw.apply(parsers.spreadsheet_errors)
    cell_problems: dict[tuple[int, str], tuple[Severity, str]] = {}
    for name in raw.columns:
        for row in raw.index[errors_found[name]]:
            cell_problems[(row, name)] = ("error", f"The cell shows the spreadsheet error {shown.at[row, name]}. "
                                                   f"Fix the formula or type the value itself: "
                                                   f"{_what_to_type(declared[name])}.")
    clean = raw.mask(errors_found)

    with parse_options(options):
        try:
            parsed = model.validate(clean, lazy=True)
            failures = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
        except pandera.errors.SchemaErrors as exc:
            parsed = exc.data
            failures = exc.failure_cases

    for name in raw.columns:
        meta = declared[name]
        unreadable = ~parsers.is_blank(clean[name]) & parsed[name].isna()
        for row in raw.index[unreadable]:
            cell_problems.setdefault((row, name), _severity_for(meta, _unreadable_message(name, meta, shown.at[row, name])))
    id_column = model._id_column
    if id_column and model._derived_id_prefix and id_column not in raw and len(raw):
        report(None, id_column, None, "info",
               f"The {tab} tab has no {id_column} column, so rows are known by their row number "
               f"({model._derived_id_prefix}-r2, {model._derived_id_prefix}-r3, …). Add the column to keep ids "
               f"stable when rows move.")
    elif id_column and model._derived_id_prefix and id_column in raw:
        for row in raw.index[parsers.is_blank(raw[id_column])]:
            report(row, id_column, None, "info",
                   f"{id_column} is blank, so this row is known as {parsed.at[row, id_column]}. "
                   f"Type an id to keep it stable when rows move.")

    for failure in failures.itertuples(index=False):
        if failure.index is None or pd.isna(failure.index):
            continue
        row = int(failure.index)
        check = str(failure.check)
        rule = model._row_rules.get(check)
        if rule is not None:
            column_name = rule.column or id_column or ""
            value = shown.at[row, column_name] if column_name in shown else None
            first = _first_row_with(parsed, column_name, row) if check == "unique_id" else None
            text = rule.message.format(first=first, column=column_name)
            message = f"'{value}' {text}." if value is not None and not pd.isna(value) else f"{column_name} {text}."
            cell_problems.setdefault((row, column_name), (rule.severity, message))
            continue
        name = str(failure.column)
        if name not in declared:
            continue
        meta = declared[name]
        if check == "not_nullable":
            problem = ("error", f"{name} is required. Type {_what_to_type(meta)}.")
        else:
            problem = _severity_for(meta, _check_message(name, meta, shown.at[row, name], parsed.at[row, name]))
        cell_problems.setdefault((row, name), problem)

    order = {name: position for position, name in enumerate(declared)}
    quarantined_rows = sorted({row for (row, _), (severity, _) in cell_problems.items() if severity == "error"})
    for (row, name), (severity, message) in sorted(cell_problems.items(),
                                                   key=lambda item: (item[0][0], order.get(item[0][1], 0))):
        if severity == "error":
            consequence = " The row is left out until this is fixed."
        elif name in declared and declared[name]["kind"] == "choice_list":
            consequence = " The unknown items are left out; the rest of the row is kept."
        else:
            consequence = " The value is left out; the rest of the row is kept."
        report(row, name, shown.at[row, name] if name in shown else None, severity, message + consequence)
        if severity == "warning":
            parsed.at[row, name] = _drop_value(parsed.at[row, name], declared[name])

    kept = parsed.drop(index=quarantined_rows)
    kept = _typed(model, kept)
    return TabResult(kept, _quarantine_frame(tab, raw.loc[quarantined_rows]), issues,
                     list(map(str, ignored.values())))


def _find_header(grid: pd.DataFrame, declared: Mapping[str, Any]) -> int:
    """The first row, among the first few, that names the most known columns (a title row may sit above)."""
    keys = {name_key(name) for name in declared}
    best, best_hits = 0, 0
    for position in range(min(HEADER_SEARCH_ROWS, len(grid))):
        hits = sum(name_key(cell) in keys for cell in grid.iloc[position] if isinstance(cell, str))
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
    return f"'{value}' in {name} is not {noun} we can read. Type {_what_to_type(meta)}."


def _check_message(name: str, meta: Mapping[str, Any], value: object, parsed: object) -> str:
    if meta["kind"] == "choice_list":
        unknown = [item for item in str(parsed).split(", ") if item not in meta["choices"]]
        return f"'{', '.join(unknown)}' in {name} is not known. Use {_what_to_type(meta)}."
    return f"'{value}' is not a valid {name}. Use {_what_to_type(meta)}."


def _first_row_with(parsed: pd.DataFrame, column: str, row: int) -> int:
    same = parsed.index[parsed[column].eq(parsed.at[row, column]).fillna(False)]
    return int(same[0])


def _drop_value(value: object, meta: Mapping[str, Any]) -> object:
    """What is left of a cell with a warning: the known items of a list, otherwise nothing."""
    if meta["kind"] == "choice_list" and isinstance(value, str):
        known = [item for item in value.split(", ") if item in meta["choices"]]
        return ", ".join(known) if known else pd.NA
    return pd.NA if meta["default"] is None else meta["default"]


def _typed(model: type[TabModel], frame: pd.DataFrame) -> pd.DataFrame:
    """Kept rows with one dtype per kind, the same as an empty tab's."""
    empty = empty_table_for(model)
    return frame.astype(empty.dtypes.to_dict())


def empty_table_for(model: type[TabModel]) -> pd.DataFrame:
    with parse_options(ParseOptions()):
        return model.parse_cells(pd.DataFrame(columns=list(model.columns()), dtype="object"))


def _quarantine_frame(tab: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows as typed in the sheet (text), under the tab's column names."""
    names = list(TABS[tab].model.columns())
    frame = raw.apply(parsers.text) if len(raw) else pd.DataFrame(index=raw.index)
    frame = frame.reindex(columns=names)
    frame.index.name = "row"
    return frame


def _check_references(results: Mapping[str, TabResult], sheet: str | None) -> None:
    """Drop (with a warning) references to ids that no kept row of the other tab has."""
    known = {
        tab: set(results[tab].kept[TABS[tab].model._id_column].dropna())
        for tab in TABS if TABS[tab].model._id_column
    }
    for tab, result in results.items():
        frame = result.kept
        for name, meta in TABS[tab].model.columns().items():
            target = meta["refers_to"]
            if not target or frame.empty:
                continue
            target_id = TABS[target].model._id_column
            values = frame[name]
            if meta["kind"] == "id_list":
                items = parsers.list_items(values)
                unknown = items[~items.isin(known[target])]
                rows = dict.fromkeys(unknown.index)
                for row in rows:
                    missing = ", ".join(unknown.loc[[row]])
                    kept_items = [i for i in values.at[row].split(", ") if i in known[target]]
                    frame.at[row, name] = ", ".join(kept_items) if kept_items else pd.NA
                    result.issues.append(Issue(
                        tab, int(row), name, missing, "warning",
                        f"'{missing}' in {name} is not a {target_id} in the {target} tab. Use ids listed there; "
                        f"the unknown ones are left out.", sheet))
            else:
                unknown = values.notna() & ~values.isin(known[target])
                for row in frame.index[unknown]:
                    result.issues.append(Issue(
                        tab, int(row), name, str(values.at[row]), "warning",
                        f"'{values.at[row]}' is not a {target_id} in the {target} tab. Use an id listed there, "
                        f"or leave it blank. The value is left out; the rest of the row is kept.", sheet))
                    frame.at[row, name] = pd.NA
