"""The ``learnloop`` command line: validate a workbook, write the demo workbook."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from data_schemas import TABS, ParseOptions
from learnloop import load, settings, writes
from learnloop import search as searching
from learnloop.errors import SourceError
from learnloop.safe import printable, quoted
from learnloop.sources import sheets
from learnloop.workbook import Workbook

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Learning Loop: check and chart a team's quarterly learning playbook.",
)

SourceArg = Annotated[str, typer.Argument(
    help="'demo', a path to an .xlsx workbook, a folder of CSV files, or a Google Sheet URL or key.")]
SourcesArg = Annotated[list[str], typer.Argument(
    help="'demo', a path to an .xlsx workbook, a folder of CSV files, or a Google Sheet URL or key. Give several "
         "(one per team) to read them together: blank team cells take the file's or sheet's name.")]


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print ``text`` with no escape sequence or control character from a sheet (tabs and newlines stay):
    a cell can never clear the terminal, retitle it, plant a link or write the clipboard."""
    typer.echo(printable(text), err=err, nl=nl)


def json_text(report: object) -> str:
    """One JSON document, every control character escaped (JSON leaves DEL and C1 characters raw)."""
    return _RAW_CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", json.dumps(report, ensure_ascii=False))


_RAW_CONTROLS = re.compile("[\x7f-\x9f]")


def _read(sources: list[str], options: ParseOptions, today: object = None) -> Workbook:
    """The workbook the sources make, merged as the app merges several sheets; exits with 2 when one
    cannot be read at all."""
    try:
        config = settings.from_environment()
        reader = load.reader_for(dataclasses.replace(config, source=sources[0], sheets=tuple(sources)))
        if len(sources) == 1:
            return load.workbook(sources[0], options, reader=reader, today=today)  # type: ignore[arg-type]
        return load.workbooks(sources, options, reader=reader)
    except SourceError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def validate(
    sources: SourcesArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    fiscal_year_start_month: Annotated[
        int, typer.Option(min=1, max=12, help="Month the fiscal year starts (1 = calendar quarters).")] = 1,
    day_first: Annotated[bool, typer.Option("--day-first", help="Read 03/04/2026 as 3 April.")] = False,
) -> None:
    """Check every tab and say exactly which cells to fix. Exit 1 when there are errors."""
    options = ParseOptions(day_first=day_first, fiscal_year_start_month=fiscal_year_start_month)
    wb = _read(sources, options)
    echo(json_text(report_json(wb)) if as_json else report_text(wb))
    raise typer.Exit(1 if wb.has_errors else 0)


@app.command()
def demo(
    out: Annotated[Path, typer.Argument(help="Where to write: a .xlsx file, or a folder for CSV files.")],
) -> None:
    """Write the demo workbook, ready to upload to Google Sheets or to edit and validate."""
    from learnloop.sources import files
    from learnloop.sources.demo import demo_tabs

    tabs = demo_tabs()
    written = files.write_xlsx(tabs, out) if out.suffix.lower() == ".xlsx" else files.write_csv_folder(tabs, out)
    rows = sum(len(rows) - 1 for rows in tabs.values())
    echo(f"Wrote the demo workbook ({len(tabs)} tabs, {rows} rows) to {written}.")


class ReportFormat(StrEnum):
    md = "md"
    html = "html"


@app.command()
def report(
    sources: SourcesArg,
    quarter: Annotated[str | None, typer.Option(
        help="The quarter to write up, like 2026-Q3. Default: the last complete quarter.")] = None,
    format: Annotated[ReportFormat | None, typer.Option(
        "--format", help="md: the one-page Markdown write-up; html: a self-contained report with charts. "
                         "Default: from the output file's name, else md.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="The file to write. Default: print to the terminal.")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Only this team (repeat for several).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day that counts as today, like 2026-10-02 (for dormant sources and overdue "
                        "commitments). Default: today.")] = None,
    fiscal_year_start_month: Annotated[
        int, typer.Option(min=1, max=12, help="Month the fiscal year starts (1 = calendar quarters).")] = 1,
    day_first: Annotated[bool, typer.Option("--day-first", help="Read 03/04/2026 as 3 April.")] = False,
) -> None:
    """Write a quarter's retro write-up: theme, scorecard, what changed, and what's next."""
    import datetime as dt

    from learnloop import filters, reports
    from learnloop.metrics import quarters

    try:
        today = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise typer.BadParameter(f"'{as_of}' is not a date; write it like 2026-10-02.", param_hint="--as-of") from exc
    f = filters.Filters(teams=tuple(team or ()), as_of=today)
    try:
        label = quarters.canonical_quarter(quarter) if quarter else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--quarter") from exc
    options = ParseOptions(day_first=day_first, fiscal_year_start_month=fiscal_year_start_month)
    wb = _read(sources, options, today)
    label = label or reports.last_complete_quarter(wb, f)
    kind = format or (ReportFormat.html if out is not None and out.suffix.lower() in (".html", ".htm")
                      else ReportFormat.md)
    text = (reports.quarter_report_html if kind is ReportFormat.html else reports.quarter_writeup_markdown)(
        wb, f, label)
    if wb.has_errors:
        echo(f"note: {wb.count('error')} row(s) with errors are left out; `learnloop validate "
                   f"{' '.join(sources)}` lists them.", err=True)
    if out is None:
        echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    echo(f"Wrote the {label} {'report' if kind is ReportFormat.html else 'write-up'} to {out}.", err=True)


@app.command("init-sheet")
def init_sheet(
    sheet: Annotated[str, typer.Argument(help="The Google Sheet URL or key.")],
) -> None:
    """Add the missing tabs and header rows to an existing Google Sheet. Tabs with data are never touched."""
    key = sheets.sheet_key(sheet)
    if key is None:
        echo(f"error: {sheets.link_problem(sheet) or f'{sheet} is not a Google Sheet URL or key.'}", err=True)
        raise typer.Exit(2)
    try:
        config = dataclasses.replace(settings.from_environment(), source=sheet, sheets=())
        reader = load.reader_for(config)
        if reader is None or (not reader.access.service_account and not config.sheets_api_url):
            raise SourceError("Adding tabs needs a service account with Editor access: set "
                              "GOOGLE_APPLICATION_CREDENTIALS to its JSON key file.")
        done = writes.init_sheet(reader, key)
    except SourceError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    echo("\n".join(done) if done else "Nothing to do: every tab is there with its header row.")


class SearchTab(StrEnum):
    themes = "themes"
    sources = "sources"
    critiques = "critiques"
    commitments = "commitments"
    decisions = "decisions"


@app.command()
def search(
    sources: Annotated[list[str] | None, typer.Argument(
        metavar="SOURCE...", show_default=False,
        help="'demo', a path to an .xlsx workbook, a folder of CSV files, or a Google Sheet URL or key; several "
             "(one per team) are searched together.")] = None,
    query: Annotated[str, typer.Argument(
        metavar="QUERY", show_default=False,
        help="Words to find, all of them in a row, in any case and accent, each from its start (pric finds "
             "pricing); \"a phrase\" in double quotes. One typo is read when nothing matches.")] = "",
    tab: Annotated[list[SearchTab] | None, typer.Option(help="Only this tab (repeat for several).")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Only this team (repeat for several).")] = None,
    quarter: Annotated[list[str] | None, typer.Option(
        help="Only rows of this quarter, like 2026-Q3 (repeat for several).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many results, best first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    fiscal_year_start_month: Annotated[
        int, typer.Option(min=1, max=12, help="Month the fiscal year starts (1 = calendar quarters).")] = 1,
    day_first: Annotated[bool, typer.Option("--day-first", help="Read 03/04/2026 as 3 April.")] = False,
) -> None:
    """Find rows in every tab by the words in them, best first. Exit 1 when nothing matches."""
    from learnloop import filters
    from learnloop.metrics import quarters

    if not sources:
        raise typer.BadParameter("give the workbook to search, then what to find: learnloop search demo pricing",
                                 param_hint="SOURCE... QUERY")
    try:
        labels = [quarters.canonical_quarter(label) for label in quarter or ()]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--quarter") from exc
    wb = _read(sources, ParseOptions(day_first=day_first, fiscal_year_start_month=fiscal_year_start_month))
    found = searching.search(wb, query, filters.Filters(teams=tuple(team or ())), tabs=[str(t) for t in tab or ()],
                             quarters=labels, limit=limit)
    echo(json_text(search_json(found)) if as_json else search_text(wb, found))
    raise typer.Exit(0 if found.total else 1)


def search_json(found: searching.Results) -> dict[str, object]:
    """A search as JSON: the query as searched (after any typo was read), every match counted, the best listed."""
    return {
        "query": found.searched,
        "total": found.total,
        "results": [{"tab": hit.tab, "id": hit.id, "row": hit.row, "column": hit.column, "quarter": hit.quarter,
                     "team": hit.team, "snippet": hit.snippet_text(), "score": hit.score, "link": hit.link}
                    for hit in found.hits],
    }


def search_text(wb: Workbook, found: searching.Results) -> str:
    """A search for a terminal: what was searched, the count per tab, then each result with where it is."""
    from learnloop.words import and_list, plural

    shown = quoted(found.searched or found.typed)
    if not found.total:
        lines = [f"Nothing in {wb.source} matches {shown}."]
        if not found.searched:
            lines.append("Type a word: only letters and digits are searched.")
        return "\n".join(lines)
    per_tab = and_list([plural(count, tab[:-1], tab) for tab, count in found.counts.items() if count])
    lines = [f"{plural(found.total, 'row')} in {wb.source} {'matches' if found.total == 1 else 'match'} {shown}: "
             f"{per_tab}."]
    if found.corrected:
        lines.append(f"Nothing matched {quoted(found.typed)}: showing results for {quoted(found.corrected)}.")
    if found.dropped:
        lines.append(f"Only the first {searching.MAX_WORDS} words were searched ({found.dropped} left out).")
    if len(found.hits) < found.total:
        lines.append(f"The best {len(found.hits)}:")
    several = len(wb.sheets) > 1
    for number, hit in enumerate(found.hits, start=1):
        where = [f"{hit.sheet}," if several else "", hit.tab, hit.id, f"· row {hit.row}"]
        where += [f"· {hit.quarter}"] if hit.quarter else []
        where += [f"· {hit.team}"] if hit.team else []
        lines += ["", f"{number:>3}. {' '.join(part for part in where if part)}",
                  f"     {hit.column}: {printable(hit.snippet_text(), keep_lines=False)}",
                  f"     {hit.link or f'{hit.sheet}: the {hit.tab} tab, row {hit.row}'}"]
    return "\n".join(lines)


def report_json(wb: Workbook) -> dict[str, object]:
    return {
        "source": wb.source,
        "tabs": wb.summary(),
        "issues": [
            {key: value for key, value in issue.to_dict().items()
             if key != "cell" and (key != "sheet" or value is not None)}
            for issue in wb.issues
        ],
    }


def report_text(wb: Workbook) -> str:
    lines = [f"Learning Loop: {wb.source}", ""]
    summary = wb.summary()
    width = max(len(tab) for tab in TABS)
    for tab, counts in summary.items():
        title = wb.tab_titles.get(tab)
        where = f"  (tab '{title}')" if title and title != tab else ("  (missing)" if not title else "")
        left_out = f", {counts['quarantined']} left out" if counts["quarantined"] else ""
        lines.append(f"  {tab:<{width}}  {counts['rows']:>5} rows kept{left_out}{where}")
    errors, warnings = wb.count("error"), wb.count("warning")
    lines += ["", f"{errors} error(s), {warnings} warning(s), {wb.count('info')} note(s)."]
    for tab in TABS:
        tab_issues = [issue for issue in wb.issues if issue.tab == tab]
        if not tab_issues:
            continue
        lines += ["", f"{tab}:"]
        for issue in sorted(tab_issues, key=lambda i: (i.sheet or "", i.row or 0, i.severity)):
            where = f"row {issue.row}" if issue.row else "tab"
            if len(wb.sheets) > 1 and issue.sheet:
                where = f"{issue.sheet}, {where}"
            column = f", {issue.column}" if issue.column else ""
            lines.append(f"  {issue.severity:<7} {where}{column}: {issue.message}")
    if not wb.has_errors:
        lines += ["", "No errors: every row with data can be used."]
    return "\n".join(lines)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `learnloop validate demo | head`
        sys.exit(0)
