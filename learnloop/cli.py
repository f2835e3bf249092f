"""The ``learnloop`` command line: validate a workbook, write the demo workbook, add a row."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from data_schemas import TABS, ParseOptions, name_key, tab_for
from learnloop import load, settings, writes
from learnloop import search as searching
from learnloop.errors import SourceError, WriteRefused
from learnloop.safe import printable, quoted
from learnloop.sources import sheets
from learnloop.workbook import Workbook

if TYPE_CHECKING:  # the digest's modules load only when the command runs
    from learnloop.deliver import Outcome, SentLog
    from learnloop.digest import Digest
    from learnloop.filters import Filters

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Learning Loop: check and chart a team's quarterly learning playbook.",
)

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


def _read(sources: list[str], options: ParseOptions, today: object = None,
          config: settings.Settings | None = None) -> Workbook:
    """The workbook the sources make, merged as the app merges several sheets; exits with 2 when one
    cannot be read at all. Google access comes from ``config`` (default: the environment)."""
    try:
        config = config or settings.from_environment()
        reader = load.reader_for(dataclasses.replace(config, source=sources[0], sheets=tuple(sources)))
        if len(sources) == 1:
            return load.workbook(sources[0], options, reader=reader, today=today)  # type: ignore[arg-type]
        return load.workbooks(sources, options, reader=reader)
    except SourceError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _note_left_out(wb: Workbook, sources: list[str]) -> None:
    """On stderr, when rows with errors were left out: how many, and the command that lists them."""
    if wb.has_errors:
        echo(f"note: {wb.count('error')} row(s) with errors are left out; `learnloop validate "
             f"{' '.join(sources)}` lists them.", err=True)


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
    _note_left_out(wb, sources)
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
        if reader is None or not config.service_account:
            raise SourceError(sheets.write_access_needed(bool(config.api_key)))
        done = writes.init_sheet(reader, key)
    except SourceError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    echo("\n".join(done) if done else "Nothing to do: every tab is there with its header row.")


@app.command()
def add(
    source: Annotated[str, typer.Argument(help="An .xlsx workbook, a folder of CSV files, or a Google Sheet URL or key.")],
    tab: Annotated[str, typer.Argument(help="The tab to add a row to: themes, sources, critiques, commitments or "
                                            "decisions (any case; 'Peer circle' and the other tab names work too).")],
    fields: Annotated[list[str] | None, typer.Argument(
        help="The row's values as FIELD=VALUE, one per field, named as in the workbook format (any case or "
             "spacing): artifact_type=experiment 'roles=PM, Eng' date=2026-03-02. A blank id gets the tab's next.",
        metavar="FIELD=VALUE...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    day_first: Annotated[bool, typer.Option("--day-first", help="Read 03/04/2026 as 3 April (files; a Google "
                                                                "Sheet's own locale decides for it).")] = False,
) -> None:
    """Add one row, checked as every read checks it. Exit 0 when written, 1 when refused (nothing written,
    every problem by field), 2 when the workbook cannot be read or written."""
    canonical = tab_for(tab)
    if canonical is None:
        _add_failed(f"{quoted(tab)} is not a tab of the workbook. Use one of: {', '.join(TABS)}.", as_json)
    values, problems = _field_values(canonical, fields or [])  # type: ignore[arg-type]
    try:
        config = settings.from_environment()
        options = dataclasses.replace(config.options, day_first=day_first or config.day_first)
        problem = writes.write_access_problem(source, config)
        if problem:
            raise SourceError(problem)
        reader = load.reader_for(dataclasses.replace(config, source=source, sheets=()))
        wb = load.workbook(source, options, reader=reader)
        try:
            row = writes.prepare(canonical, values, wb)  # type: ignore[arg-type]
        except WriteRefused as refused:
            problems = {**problems, **refused.problems}
        if problems:
            raise WriteRefused(problems)
        done = writes.add_row(source, canonical, row, reader=reader)  # type: ignore[arg-type]
    except WriteRefused as refused:
        _add_refused(refused.problems, as_json)
    except SourceError as exc:  # WriteFailed too: nothing was written
        _add_failed(str(exc), as_json)
    if as_json:
        echo(json_text({"written": True, "tab": done.tab, "row": done.row_number, "id": done.id}))
        return
    where = f"tab '{done.title}'" if done.title and done.title != done.tab else f"the {done.tab} tab"
    row_text = f" on row {done.row_number}" if done.row_number else ""
    echo(f"Added {done.id} to {where} of {done.workbook}{row_text}.")


def _field_values(tab: str, fields: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """FIELD=VALUE arguments as values by column (names matched as headers are); problems by field."""
    columns = {name_key(column): column for column in TABS[tab].model.columns()}
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    for argument in fields:
        name, equals, value = argument.partition("=")
        column = columns.get(name_key(name))
        if not equals:
            problems[argument] = f"Write each field as FIELD=VALUE, like {next(iter(columns.values()))}=…"
        elif column is None:
            problems[name] = f"{quoted(name)} is not a column of the {tab} tab. Its columns: {', '.join(columns.values())}."
        elif column in values:
            problems[column] = f"{column} is given twice. Give each field once (a list as 'roles=PM, Eng')."
        else:
            values[column] = value
    return values, problems


def _add_refused(problems: dict[str, str], as_json: bool) -> NoReturn:
    issues = [{"column": column or None, "message": message} for column, message in problems.items()]
    if as_json:
        echo(json_text({"written": False, "issues": issues}))
    else:
        echo("Nothing was written. Fix these fields and run it again:", err=True)
        for issue in issues:
            echo(f"  {issue['column'] or 'row'}: {issue['message']}", err=True)
    raise typer.Exit(1)


def _add_failed(message: str, as_json: bool) -> NoReturn:
    if as_json:
        echo(json_text({"written": False, "error": message}))
    echo(f"error: {message}", err=True)
    raise typer.Exit(2)


class DigestFormat(StrEnum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"


@app.command()
def digest(
    sources: SourcesArg,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day that counts as today, like 2026-11-20. Default: today.")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Only this team (repeat for several).")] = None,
    person: Annotated[str | None, typer.Option(help="Only the items for this person.")] = None,
    format: Annotated[DigestFormat, typer.Option(
        "--format", help="How to print it: text, md, html (the email) or json. With --send: how to print "
                         "what was sent (json for scripts).")] = DigestFormat.text,
    send: Annotated[bool, typer.Option(
        "--send", help="Deliver it to every target configured under [learnloop.digest] (email, Slack, "
                       "Teams), once per ISO week.")] = False,
    always: Annotated[bool, typer.Option(
        "--always", help="With --send: send even when nothing is due and nothing happened.")] = False,
    per_person: Annotated[bool, typer.Option(
        "--per-person", help="With --send: email each person only their own items, at their address in "
                             "[learnloop.people].")] = False,
    secrets: Annotated[Path | None, typer.Option(
        help="The secrets file to read. Default: ~/.streamlit/secrets.toml and ./.streamlit/secrets.toml, as "
             "the app reads them.")] = None,
    fiscal_year_start_month: Annotated[int | None, typer.Option(
        min=1, max=12, help="Month the fiscal year starts (1 = calendar quarters). Default: from settings.")] = None,
    day_first: Annotated[bool, typer.Option("--day-first", help="Read 03/04/2026 as 3 April.")] = False,
) -> None:
    """This week's digest: what is due before it is missed, and the wins since the last digest.

    Exit status: 0 when everything was sent (or there was nothing to send); 2 when the workbook or the
    settings cannot be read; 8 plus 1 when email failed, 2 when Slack failed, 4 when Teams failed
    (10: Slack only; 13: email and Teams)."""
    import datetime as dt

    from learnloop import deliver, filters
    from learnloop import digest as digests

    try:
        today = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError as exc:
        raise typer.BadParameter(f"'{as_of}' is not a date; write it like 2026-11-20.", param_hint="--as-of") from exc
    try:
        config = settings.from_secrets_files(secrets)
    except (SourceError, ValueError) as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if config.digest.problem:
        echo(f"error: {config.digest.problem}", err=True)
        raise typer.Exit(2)
    options = ParseOptions(day_first=day_first or config.day_first,
                           fiscal_year_start_month=fiscal_year_start_month or config.fiscal_year_start_month)
    wb = _read(sources, options, today, config)
    f = filters.Filters(teams=tuple(team or ()), people=(person,) if person else (), as_of=today)
    audience = deliver.audience(f)
    sent_log = deliver.SentLog(config.digest.sent_log)
    try:
        since = sent_log.last_digest(audience, digests.iso_week(today))
    except deliver.SentLogError as exc:
        if send:
            echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        since = None
    d = digests.build(wb, f, since=since, app_url=config.digest.app_url)
    _note_left_out(wb, sources)
    if not send:
        rendered = {DigestFormat.text: digests.render_text, DigestFormat.md: digests.render_markdown,
                    DigestFormat.html: digests.render_html}
        if format is DigestFormat.json:
            echo(json_text(digests.to_json(d)))
        else:
            echo(rendered[format](d), nl=False)
        return
    outcomes, unaddressed = _send_digest(d, config.digest, sent_log, f, audience, always=always,
                                         per_person=per_person, as_json=format is DigestFormat.json)
    if format is DigestFormat.json:
        echo(json_text({"week": d.week, "summary": d.summary, "deliveries": [o.to_dict() for o in outcomes],
                        "no_address": unaddressed}))
    else:
        echo(f"{d.title}: {d.summary}.")
        for outcome in outcomes:
            said = {"sent": "sent", "updated": "sent as an update", "skipped": "nothing sent",
                    "failed": "FAILED"}[outcome.status]
            echo(f"  {outcome.target}: {said}" + (f" ({outcome.detail})" if outcome.detail else ""))
        if unaddressed:
            echo(f"  No address in [learnloop.people], so nothing sent to: {', '.join(unaddressed)}")
    raise typer.Exit(deliver.exit_status(outcomes))


def _send_digest(d: Digest, config: settings.DigestSettings, sent_log: SentLog, f: Filters, audience: str, *,
                 always: bool, per_person: bool, as_json: bool) -> tuple[list[Outcome], list[str]]:
    """Deliver ``d`` for ``audience``, the sent-log's name for the filters ``f`` (to each person with
    ``per_person``); exits with 2 when there is nowhere to send it, and with 0 (saying so) when there is
    nothing to send."""
    from learnloop import deliver

    if per_person and not config.smtp_url:
        echo("error: --per-person sends email: set smtp_url under [learnloop.digest] or LEARNLOOP_SMTP_URL, and "
             "each person's address under [learnloop.people].", err=True)
        raise typer.Exit(2)
    if not per_person and not config.configured:
        echo("error: nowhere to send the digest. Set an SMTP URL and recipients (LEARNLOOP_SMTP_URL and "
             "LEARNLOOP_DIGEST_TO), LEARNLOOP_SLACK_WEBHOOK_URL or LEARNLOOP_TEAMS_WEBHOOK_URL, or the same "
             "under [learnloop.digest] in .streamlit/secrets.toml.", err=True)
        raise typer.Exit(2)
    if d.is_empty and not always:
        echo(json_text({"week": d.week, "summary": d.summary, "deliveries": [], "no_address": []}) if as_json else
             f"Nothing is due and nothing happened since {d.since:%Y-%m-%d}: nothing sent (--always sends it anyway).")
        raise typer.Exit(0)
    try:
        if per_person:
            return deliver.deliver_per_person(d, config, sent_log, lambda name: deliver.audience(f, name),
                                              always=always)
        return deliver.deliver(d, config, sent_log, audience), []
    except deliver.SentLogError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


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
