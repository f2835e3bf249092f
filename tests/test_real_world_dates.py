"""Dates as people across the world type them: never read the wrong way without a word.

Each rule of the README's dates list, on a CSV folder, an .xlsx file and (where a sheet's locale
decides) a Google Sheet through the stand-in.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data_schemas import ParseOptions
from learnloop import cli, load
from learnloop.sources import files
from learnloop.workbook import Workbook
from tests.sheet_access import shared_sheet, sheet_reader
from tests.sheets_standin import SheetsStandin

HEADER = ["source_id", "name", "kind", "added_on"]


def sources(*dates: str) -> dict[str, list[list[object]]]:
    return {"sources": [HEADER, *[[f"S-{n}", f"Source {n}", "blog", day] for n, day in enumerate(dates, start=1)]]}


def added(wb: Workbook) -> dict[str, dt.date]:
    return {sid: day.date() for sid, day in zip(wb.sources["source_id"], wb.sources["added_on"], strict=True)}


def date_issues(wb: Workbook) -> list[tuple[int | None, str, str]]:
    return [(i.row, i.severity, i.message) for i in wb.issues if i.tab == "sources" and i.column == "added_on"]


@pytest.fixture(params=["csv", "xlsx"])
def as_file(request, tmp_path: Path):
    def read(tabs, options: ParseOptions = ParseOptions()) -> Workbook:
        path = (files.write_csv_folder(tabs, tmp_path / "team") if request.param == "csv"
                else files.write_xlsx(tabs, tmp_path / "team.xlsx"))
        return load.workbook(str(path), options)
    return read


def test_dotted_dates_are_read_day_first(as_file):
    wb = as_file(sources("12.03.2026", "15.01.2026", "01.02.2026"))
    assert added(wb) == {"S-1": dt.date(2026, 3, 12), "S-2": dt.date(2026, 1, 15), "S-3": dt.date(2026, 2, 1)}
    assert date_issues(wb) == []


def test_a_dotted_date_with_a_month_past_12_is_not_guessed(as_file):
    wb = as_file(sources("03.15.2026", "12.03.2026"))
    assert list(added(wb)) == ["S-2"]
    assert [(row, severity) for row, severity, _ in date_issues(wb)] == [(2, "error")]


def test_the_issue_repro_dotted_dates_in_a_csv_folder(tmp_path: Path):
    folder = tmp_path / "pln"
    folder.mkdir()
    (folder / "sources.csv").write_text("source_id,name,kind,added_on\nS-1,Product Talk,blog,12.03.2026\n"
                                        "S-2,Lenny,podcast,15.01.2026\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["validate", str(folder), "--json"])
    wb = load.workbook(str(folder))
    assert added(wb) == {"S-1": dt.date(2026, 3, 12), "S-2": dt.date(2026, 1, 15)}
    assert '"sources": {"rows": 2, "quarantined": 0}' in result.stdout


@pytest.mark.parametrize("separator", ["/", "-"])
def test_slash_and_dash_dates_follow_their_columns_unambiguous_dates(as_file, separator):
    def typed(day: str) -> str:
        return day.replace("/", separator)

    # 15/01 can only be day first, so 03/04 in the same column is 3 April, whatever the setting says.
    day_first = as_file(sources(typed("15/01/2026"), typed("03/04/2026")))
    assert added(day_first)["S-2"] == dt.date(2026, 4, 3) and date_issues(day_first) == []
    # 01/15 can only be month first: 03/04 is 4 March, even with day_first set.
    month_first = as_file(sources(typed("01/15/2026"), typed("03/04/2026")), ParseOptions(day_first=True))
    assert added(month_first)["S-2"] == dt.date(2026, 3, 4) and date_issues(month_first) == []


def test_a_column_with_no_unambiguous_date_follows_the_day_first_setting(as_file):
    assert added(as_file(sources("03/04/2026")))["S-1"] == dt.date(2026, 3, 4)
    assert added(as_file(sources("03/04/2026"), ParseOptions(day_first=True)))["S-1"] == dt.date(2026, 4, 3)


def test_a_column_written_both_ways_warns_for_each_date_that_could_be_either(as_file):
    wb = as_file(sources("15/01/2026", "01/15/2026", "03/04/2026", "05/05/2026", "04/03/2026"))
    # The unambiguous ones read their only way; 05/05 is the same date both ways; 03/04 and 04/03 are
    # kept as the setting reads them (month first), each with a warning naming both readings.
    assert added(wb) == {"S-1": dt.date(2026, 1, 15), "S-2": dt.date(2026, 1, 15), "S-3": dt.date(2026, 3, 4),
                         "S-4": dt.date(2026, 5, 5), "S-5": dt.date(2026, 4, 3)}
    warnings = date_issues(wb)
    assert [(row, severity) for row, severity, _ in warnings] == [(4, "warning"), (6, "warning")]
    message = warnings[0][2]
    assert "4 March 2026 or 3 April 2026" in message and "'15/01/2026'" in message and "'01/15/2026'" in message
    assert "2026-03-04 or 2026-04-03" in message


@pytest.mark.parametrize(("typed", "expected"), [
    ("15 März 2026", dt.date(2026, 3, 15)), ("15. März 2026", dt.date(2026, 3, 15)),
    ("3 Okt 2026", dt.date(2026, 10, 3)), ("15 janv. 2026", dt.date(2026, 1, 15)),
    ("1er mars 2026", dt.date(2026, 3, 1)), ("20 août 2026", dt.date(2026, 8, 20)),
    ("15 de marzo de 2026", dt.date(2026, 3, 15)), ("7 dic 2026", dt.date(2026, 12, 7)),
    ("15 gennaio 2026", dt.date(2026, 1, 15)), ("2 giugno 2026", dt.date(2026, 6, 2)),
    ("15 de março de 2026", dt.date(2026, 3, 15)), ("4 mei 2026", dt.date(2026, 5, 4)),
    ("12 mrt 2026", dt.date(2026, 3, 12)), ("Jan 15, 2026", dt.date(2026, 1, 15)),
    ("15-Jan-2026", dt.date(2026, 1, 15)),
])
def test_month_names_in_european_languages(as_file, typed, expected):
    wb = as_file(sources(typed))
    assert added(wb) == {"S-1": expected} and date_issues(wb) == []


@pytest.mark.parametrize(("locale", "expected"), [("en_US", dt.date(2026, 3, 4)), ("en_GB", dt.date(2026, 4, 3)),
                                                   ("de_DE", dt.date(2026, 4, 3))])
def test_on_google_sheets_the_sheets_locale_decides_an_ambiguous_column(
        sheets_standin: SheetsStandin, standin_service_account, locale, expected):
    sid = shared_sheet(sheets_standin, standin_service_account, sources("03/04/2026", "12.03.2026"), locale=locale)
    wb = load.workbook(sid, reader=sheet_reader(sheets_standin, standin_service_account))
    assert added(wb) == {"S-1": expected, "S-2": dt.date(2026, 3, 12)}
