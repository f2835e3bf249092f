"""Load a workbook from wherever it lives: the demo, an .xlsx file, a CSV folder, or Google Sheets.

``workbook(source, options)`` is the one entry point the CLI and the app use; it never raises for
bad data (that becomes issues) and raises :class:`SourceError` only when the source itself cannot
be read. Several Google Sheets (one per team) are read concurrently and merged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from data_schemas import TABS, ParseOptions
from learnloop import collector
from learnloop.errors import SourceError
from learnloop.settings import Settings
from learnloop.sources import files, sheets
from learnloop.validate import RawRead, validate_workbook
from learnloop.workbook import Workbook

DEMO = "demo"


def reader_for(config: Settings) -> sheets.SheetReader | None:
    """A Google Sheets reader for the configured access, or None when no sheet is configured."""
    if not any(is_sheet(source) for source in config.sources):
        return None
    api_key = config.api_key
    if not (config.service_account or api_key) and config.sheets_api_url:
        api_key = "local"  # a stand-in or proxy at a base URL accepts any API key
    access = sheets.Access(service_account=config.service_account, api_key=api_key,
                           base_url=config.sheets_api_url, timeout=(min(5.0, config.http_timeout), config.http_timeout))
    return sheets.SheetReader(access, sheets.RetryPolicy(max_seconds=config.retry_seconds))


def from_settings(config: Settings, reader: sheets.SheetReader | None = None) -> Workbook:
    """The workbook (or merged workbooks) that ``config`` points at."""
    return workbooks(config.sources, config.options, reader=reader or reader_for(config))


def is_sheet(source: str) -> bool:
    """Whether ``source`` names a Google Sheet (a URL or a key) rather than the demo or a path."""
    return source != DEMO and not Path(source).expanduser().exists() and sheets.sheet_key(source) is not None


def read_raw(source: str, *, today: dt.date | None = None) -> RawRead:
    """The raw tabs of ``source``: ``demo``, a path to an .xlsx workbook, or a folder of CSV files."""
    if source == DEMO:
        from learnloop.sources.demo import demo_tabs

        return RawRead(demo_tabs(today))
    path = Path(source).expanduser()
    if not path.exists() and (problem := sheets.link_problem(source)):  # a Google link that cannot work
        raise SourceError(problem)
    if path.is_dir():
        return files.read_csv_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return RawRead(files.read_xlsx(path))
    if not path.exists():
        raise SourceError(f"Cannot find {source}. Give 'demo', a path to an .xlsx workbook, a folder of CSV "
                          "files, or a Google Sheet URL.")
    raise SourceError(f"{source} is not an .xlsx workbook or a folder of CSV files.")


def workbook(source: str, options: ParseOptions = ParseOptions(), *, reader: sheets.SheetReader | None = None,
             today: dt.date | None = None) -> Workbook:
    """Read and validate one ``source``; a Google Sheet needs a ``reader``."""
    if not is_sheet(source):
        with collector.paused():
            read = read_raw(source, today=today)
            wb = validate_workbook(read.tabs, source=source, options=options, readings=read.readings)
        return wb if source == DEMO else _rows_from(wb, Path(source).expanduser().name or source)
    if reader is None:
        raise SourceError(f"{source} looks like a Google Sheet, but no Google access is configured.")
    return sheet_workbook(sheets.sheet_key(source) or source, reader, options)


def sheet_workbook(key: str, reader: sheets.SheetReader, options: ParseOptions,
                   *, tag_sheet: bool = False) -> Workbook:
    """One Google Sheet, validated; its locale decides how ambiguous slash dates are read."""
    read = reader.read(key)  # its parse holds the collector off itself; the network wait need not
    sheet_options = dataclasses.replace(options, day_first=read.meta.day_first)
    with collector.paused():
        wb = validate_workbook(read.tabs, source=read.meta.title, options=sheet_options,
                               sheet=read.meta.title if tag_sheet else None, titles=list(read.meta.gids))
    by_tab = read.meta.contract_tabs()
    links = {(read.meta.title if tag_sheet else None, tab): sheets.edit_url(key, read.meta.gids[title])
             for tab, title in by_tab.items()}
    return dataclasses.replace(wb, tab_links=links)


def workbooks(sources: Sequence[str], options: ParseOptions = ParseOptions(), *,
              reader: sheets.SheetReader | None = None) -> Workbook:
    """Several sources (typically one Google Sheet per team) read concurrently and merged into one."""
    if len(sources) == 1:
        return workbook(sources[0], options, reader=reader)
    if reader is None and any(is_sheet(s) for s in sources):
        raise SourceError("Several Google Sheets are configured, but no Google access is.")

    def one(source: str) -> Workbook:
        if is_sheet(source):
            return sheet_workbook(sheets.sheet_key(source) or source, reader, options, tag_sheet=True)  # type: ignore[arg-type]
        wb = workbook(source, options)
        return _tag(wb, Path(source).stem or source)

    with ThreadPoolExecutor(max_workers=min(8, len(sources))) as pool:
        parts = list(pool.map(one, sources))
    return merge(parts, source=", ".join(wb.source for wb in parts), options=options)


def _tag(wb: Workbook, sheet: str) -> Workbook:
    """``wb`` known as ``sheet``: its source, its issues and every row's ``sheet``."""
    issues = tuple(dataclasses.replace(issue, sheet=sheet) for issue in wb.issues)
    return dataclasses.replace(_rows_from(wb, sheet), source=sheet, issues=issues)


def _rows_from(wb: Workbook, sheet: str) -> Workbook:
    """``wb`` with every row's ``sheet`` read as ``sheet`` (a file's name rather than its whole path)."""
    named = pd.CategoricalDtype([sheet])
    tables = {tab: frame.assign(sheet=pd.Categorical.from_codes(frame["sheet"].cat.codes, dtype=named))
              for tab, frame in wb.tables.items()}
    return dataclasses.replace(wb, tables=tables)


def merge(parts: Sequence[Workbook], *, source: str, options: ParseOptions) -> Workbook:
    """One workbook from several. Every row keeps its sheet (ids belong to their sheet: one sheet's
    S-003 is not another's), and a blank ``team`` takes the team of the row's theme in the same sheet,
    else the sheet's own name. Two parts with the same name are told apart as "name (2)"."""
    names: list[str] = []
    for wb in parts:
        name, n = wb.source, 1
        while name in names:
            n += 1
            name = f"{wb.source} ({n})"
        names.append(name)
    parts = [_tag(wb, name) if name != wb.source else wb for wb, name in zip(parts, names, strict=True)]
    every_sheet = pd.CategoricalDtype(names)
    tables, quarantined = {}, {}
    for tab in TABS:
        frames = []
        for wb in parts:
            frame = wb.tables[tab].assign(sheet=lambda f: f["sheet"].astype(str).astype(every_sheet))
            if tab != "themes":
                frame["team"] = frame["team"].fillna(_theme_team(frame, wb.tables["themes"]))
            frame["team"] = frame["team"].fillna(wb.source)
            frames.append(frame)
        tables[tab] = pd.concat(frames)
        quarantined[tab] = pd.concat([wb.quarantined[tab].assign(sheet=wb.source) for wb in parts])
    return Workbook(
        source=source,
        tables=tables,
        quarantined=quarantined,
        issues=tuple(issue for wb in parts for issue in wb.issues),
        options=options,
        tab_titles={tab: next((wb.tab_titles.get(tab) for wb in parts if wb.tab_titles.get(tab)), None)
                    for tab in TABS},
        ignored_columns={tab: tuple(dict.fromkeys(c for wb in parts for c in wb.ignored_columns.get(tab, ())))
                         for tab in TABS},
        tab_links={key: link for wb in parts for key, link in wb.tab_links.items()},
        column_letters={key: letters for wb in parts for key, letters in wb.column_letters.items()},
    )


def _theme_team(frame: pd.DataFrame, themes: pd.DataFrame) -> pd.Series:
    """Each row's theme's team (blank when it has no theme, or the theme no team), rows of one sheet."""
    teams = themes.drop_duplicates("theme_id").set_index("theme_id")["team"]
    return pd.Series(frame["theme_id"].map(teams).array, index=frame.index, dtype="string")
