"""Reading Google Sheets: the real gspread client over HTTP against the local Sheets stand-in.

A sheet must read exactly like the same tabs saved as an .xlsx file, in as few requests as the
quota needs, with its own locale deciding slash dates, and with messages a person can act on.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from data_schemas import TABS, ParseOptions
from learnloop import cli, load
from learnloop.errors import SourceError
from learnloop.settings import Settings
from learnloop.sources import files, sheets
from learnloop.sources.demo import TAB_HEADERS, demo_tabs
from learnloop.workbook import Workbook
from tests.fixtures.messy import MESSY_KEPT_IDS, MESSY_TAB_TITLES, MESSY_TABS
from tests.fixtures.small import raw_tabs
from tests.sheet_access import shared_sheet as add_shared
from tests.sheet_access import sheet_reader as reader_for
from tests.sheets_standin import SheetsStandin

TODAY = dt.date(2026, 5, 20)
# Requests that are not reads of the spreadsheet itself.
NOT_READS = {"token", "allowed_locations"}


@pytest.fixture
def reader(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> sheets.SheetReader:
    return reader_for(sheets_standin, standin_service_account)


def reads(standin: SheetsStandin) -> dict[str, int]:
    """Requests per endpoint, auth traffic left out."""
    return {endpoint: n for endpoint, n in standin.counts.items() if n and endpoint not in NOT_READS}


def issue_keys(wb: Workbook) -> list[tuple[object, ...]]:
    return sorted(((i.tab, i.row or 0, i.column or "", i.severity, i.value or "") for i in wb.issues), key=repr)


def assert_same_workbook(got: Workbook, expected: Workbook) -> None:
    for tab in TABS:
        # Every row says which sheet (or file) it came from: a sheet's title, a file's name.
        pd.testing.assert_frame_equal(got.tables[tab].drop(columns="sheet"), expected.tables[tab].drop(columns="sheet"),
                                      obj=f"{tab} table")
        pd.testing.assert_frame_equal(got.quarantined[tab], expected.quarantined[tab], obj=f"{tab} quarantined")
    assert issue_keys(got) == issue_keys(expected)
    assert got.tab_titles == expected.tab_titles
    assert got.ignored_columns == expected.ignored_columns


# ------------------------------------------------------------------- the same as an .xlsx file ---


@pytest.mark.parametrize("name", ["demo", "messy"])
def test_a_sheet_reads_exactly_like_the_same_tabs_in_an_xlsx_file(
    name: str, sheets_standin: SheetsStandin, standin_service_account: dict[str, str],
    reader: sheets.SheetReader, tmp_path: Path,
) -> None:
    tabs = demo_tabs(TODAY) if name == "demo" else MESSY_TABS
    # Real date and datetime cells go in as they are: the API serves them as serial numbers.
    assert any(isinstance(cell, dt.date) for rows in tabs.values() for row in rows for cell in row)
    sid = add_shared(sheets_standin, standin_service_account, tabs, title=f"{name} sheet")

    from_sheet = load.workbook(sid, reader=reader)
    from_xlsx = load.workbook(str(files.write_xlsx(tabs, tmp_path / f"{name}.xlsx")))

    assert_same_workbook(from_sheet, from_xlsx)
    assert from_sheet.source == f"{name} sheet"
    assert from_sheet.sheets == [f"{name} sheet"] and from_xlsx.sheets == [f"{name}.xlsx"]
    assert sum(len(frame) for frame in from_sheet.tables.values()) > 20
    if name == "messy":
        assert {tab: list(from_sheet.tables[tab][TABS[tab].model._id_column]) for tab in TABS} == MESSY_KEPT_IDS
        assert from_sheet.tab_titles == MESSY_TAB_TITLES
    else:
        assert not from_sheet.has_errors


def test_a_cold_load_takes_two_requests_and_a_refresh_one(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = add_shared(sheets_standin, standin_service_account, demo_tabs(TODAY))

    first = load.workbook(sid, reader=reader)
    cold = reads(sheets_standin)
    assert cold == {"metadata": 1, "batch_get": 1}, "one metadata read and one values:batchGet for all five tabs"

    new_theme = ["T-NEW", "2026-Q2", "Written after the first read", "Maya Chen"]
    sheets_standin.set_cell(sid, "themes", len(demo_tabs(TODAY)["themes"]), 0, new_theme[0])
    sheets_standin.reset_counts()
    second = load.workbook(sid, reader=reader)
    assert reads(sheets_standin) == {"batch_get": 1}, "a refresh is one batchGet; metadata stays cached"
    # ...and the refresh really reads the sheet again.
    assert "T-NEW" not in set(first.themes["theme_id"])
    assert len(second.quarantined["themes"]) == len(first.quarantined["themes"]) + 1  # no quarter or title yet


# ------------------------------------------------------------------------------- locale ---


def slash_dates() -> dict[str, list[list[object]]]:
    return {"critiques": [
        ["critique_id", "date", "artifact_type", "artifact"],
        ["C-1", "03/04/2026", "experiment", "Typed with slashes"],
        ["C-2", dt.date(2026, 3, 4), "experiment", "A real date cell"],
    ]}


@pytest.mark.parametrize(("locale", "expected"), [("en_GB", dt.date(2026, 4, 3)), ("en_US", dt.date(2026, 3, 4))])
def test_the_sheet_locale_decides_how_slash_dates_read(
    locale: str, expected: dt.date, sheets_standin: SheetsStandin, standin_service_account: dict[str, str],
    reader: sheets.SheetReader,
) -> None:
    sid = add_shared(sheets_standin, standin_service_account, slash_dates(), locale=locale)
    # The configured option is for files; a sheet says itself how its people write dates.
    wb = load.workbook(sid, ParseOptions(day_first=locale == "en_US"), reader=reader)
    dates = wb.critiques.set_index("critique_id")["date"]
    assert dates["C-1"].date() == expected
    assert dates["C-2"].date() == dt.date(2026, 3, 4), "a date cell is the same date in every locale"
    assert wb.options.day_first is (locale == "en_GB")


# ------------------------------------------------------------------------- several sheets ---


def test_several_sheets_are_merged_with_rows_tagged_and_blank_teams_filled(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    checkout = raw_tabs()
    growth = {tab: [list(row) for row in rows] for tab, rows in raw_tabs().items()}
    for rows in growth.values():  # the Growth sheet leaves its team column blank
        team = rows[0].index("team")
        for row in rows[1:]:
            row[team] = None
    growth["themes"].append(["T-G9", "sometime", "Unreadable quarter", "Eli", None, None, "active"])
    a = add_shared(sheets_standin, standin_service_account, checkout, title="Checkout")
    b = add_shared(sheets_standin, standin_service_account, growth, title="Growth")

    config = Settings(sheets=(f"https://docs.google.com/spreadsheets/d/{a}/edit#gid=0", b))
    wb = load.from_settings(config, reader)

    assert wb.source == "Checkout, Growth"
    themes = wb.themes
    assert len(themes) == len(checkout["themes"]) - 1 + len(growth["themes"]) - 2
    assert set(themes["sheet"]) == {"Checkout", "Growth"}
    assert set(themes.loc[themes["sheet"] == "Growth", "team"]) == {"Growth"}
    assert set(themes.loc[themes["sheet"] == "Checkout", "team"]) == {"Alpha", "Beta"}  # typed teams are kept
    for tab in TABS:
        assert wb.tables[tab]["sheet"].notna().all(), tab
    bad = [i for i in wb.issues if i.severity == "error"]
    assert [(i.sheet, i.tab, i.row, i.column) for i in bad] == [("Growth", "themes", len(growth["themes"]), "quarter")]
    gids = {t.title: t.sheet_id for t in sheets_standin.spreadsheet(b).tabs}
    assert wb.tab_links[("Growth", "themes")] == f"https://docs.google.com/spreadsheets/d/{b}/edit#gid={gids['themes']}"
    assert reads(sheets_standin) == {"metadata": 2, "batch_get": 2}


# ---------------------------------------------------------------------------- access ---


def test_a_public_sheet_reads_with_an_api_key(sheets_standin: SheetsStandin) -> None:
    key = sheets_standin.add_api_key()
    sid = sheets_standin.add_spreadsheet(demo_tabs(TODAY), title="Public playbook", public=True)
    wb = load.workbook(sid, reader=reader_for(sheets_standin, api_key=key))
    assert wb.source == "Public playbook"
    assert len(wb.themes) == len(demo_tabs(TODAY)["themes"]) - 1

    private = sheets_standin.add_spreadsheet(demo_tabs(TODAY))
    with pytest.raises(sheets.SheetError) as caught:
        load.workbook(private, reader=reader_for(sheets_standin, api_key=key))
    assert caught.value.status == 403
    assert "not public" in str(caught.value) and "Anyone with the link" in str(caught.value)


@pytest.mark.parametrize(("change", "named"), [
    ({"private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"}, "service-account"),
    ({"client_email": ""}, "client_email"),
    ({"private_key": None}, "private_key"),
])
def test_a_broken_service_account_key_says_which_part_is_wrong(
        sheets_standin: SheetsStandin, standin_service_account: dict[str, str], change, named) -> None:
    account = {**standin_service_account, **change}
    with pytest.raises(SourceError, match="service-account credentials are incomplete") as caught:
        sheets.connect(sheets.Access(service_account=account, base_url=sheets_standin.base_url))
    assert named in str(caught.value)
    assert "not a key" not in str(caught.value)  # the key itself is never echoed


def test_a_wrong_api_key_is_reported_without_retrying(sheets_standin: SheetsStandin) -> None:
    sid = sheets_standin.add_spreadsheet(demo_tabs(TODAY), public=True)
    with pytest.raises(sheets.SheetError) as caught:
        load.workbook(sid, reader=reader_for(sheets_standin, api_key="AIza-not-a-real-key"))
    assert "API key not valid" in str(caught.value)
    assert not caught.value.transient
    assert reads(sheets_standin) == {"metadata": 1}


def test_a_sheet_not_shared_names_the_account_to_share_it_with(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = sheets_standin.add_spreadsheet(demo_tabs(TODAY))  # not shared
    with pytest.raises(SourceError) as caught:
        load.workbook(sid, reader=reader)
    message = str(caught.value)
    assert standin_service_account["client_email"] in message
    assert "Viewer" in message and sid in message
    assert caught.value.status == 403 and not caught.value.transient  # type: ignore[attr-defined]
    assert reads(sheets_standin) == {"metadata": 1}, "a refusal is not retried"


def test_an_unknown_key_says_the_key_is_wrong(sheets_standin: SheetsStandin, reader: sheets.SheetReader) -> None:
    key = "1" + "x" * 43
    with pytest.raises(SourceError) as caught:
        load.workbook(f"https://docs.google.com/spreadsheets/d/{key}/edit", reader=reader)
    assert f"no Google Sheet with the key {key}" in str(caught.value)
    assert "Check the sheet URL or key" in str(caught.value)
    assert reads(sheets_standin) == {"metadata": 1}


def test_an_xlsx_in_drive_says_save_as_google_sheets(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    # Uploaded to Drive and opened in the Sheets editor, an Excel file still is not a Google Sheet.
    sid = add_shared(sheets_standin, standin_service_account, demo_tabs(TODAY), excel_file=True)
    with pytest.raises(SourceError) as caught:
        load.workbook(f"https://docs.google.com/spreadsheets/d/{sid}/edit?rtpof=true&sd=true", reader=reader)
    assert str(caught.value) == (
        f"The link is to an Excel file stored in Drive, not a Google Sheet ({sid}): Google Sheets cannot read it. "
        "Open it and choose File → Save as Google Sheets, then use the new link.")
    assert caught.value.status == 400 and not caught.value.transient  # type: ignore[attr-defined]
    assert reads(sheets_standin) == {"metadata": 1}, "a refusal is not retried"


@pytest.mark.parametrize("link", [
    "https://docs.google.com/spreadsheets/d/abc/edit",  # too short
    "https://docs.google.com/spreadsheets/d/1AbC$dEf%GhIjKlMnOpQrStUvWxYz/edit#gid=0",  # not a key's characters
    "https://docs.google.com/spreadsheets/d//edit",
    "https://docs.google.com/spreadsheets/u/0/",  # the list of sheets, not one sheet
])
def test_a_link_with_a_malformed_key_says_so(link: str) -> None:
    with pytest.raises(SourceError) as caught:
        load.workbook(link)
    message = str(caught.value)
    assert message.startswith(f"{link} is a Google Sheets link, but this link has no valid spreadsheet key.")
    assert "The key is the part between /d/ and /edit" in message and "address bar" in message
    assert not load.is_sheet(link)


def test_other_google_links_say_which_link_to_use(tmp_path: Path) -> None:
    published = "https://docs.google.com/spreadsheets/d/e/2PACX-1vTq8x0aBcD-eFgH/pubhtml"
    with pytest.raises(SourceError, match=r"is a 'Publish to the web' link, which has no spreadsheet key"):
        load.workbook(published)
    drive = "https://drive.google.com/file/d/1AxzqfXfYSEiVVIdP2QYSVPr7bOG_jhOk/view?usp=sharing"
    with pytest.raises(SourceError, match=r"is a Google Drive link, not a Google Sheets link.*Save as Google Sheets"):
        load.workbook(drive)
    result = CliRunner().invoke(cli.app, ["init-sheet", "https://docs.google.com/spreadsheets/d/abc/edit"])
    assert result.exit_code == 2 and "this link has no valid spreadsheet key" in result.stderr
    assert sheets.link_problem(str(tmp_path)) is None and sheets.link_problem("demo") is None


def test_a_missing_tab_is_an_issue_naming_the_tab_and_its_aliases(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    tabs = {title: rows for title, rows in MESSY_TABS.items() if title != "PLN"}
    sid = add_shared(sheets_standin, standin_service_account, tabs)
    wb = load.workbook(sid, reader=reader)
    missing = [i for i in wb.issues if i.tab == "sources" and i.row is None]
    assert len(missing) == 1 and missing[0].severity == "error"
    assert all(word in missing[0].message for word in ("sources", "pln", "learning network"))
    assert wb.sources.empty and set(TAB_HEADERS["sources"]) <= set(wb.sources.columns)
    assert (None, "sources") not in wb.tab_links and (None, "themes") in wb.tab_links


def test_tab_links_open_each_tab(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = add_shared(sheets_standin, standin_service_account, MESSY_TABS)
    wb = load.workbook(sid, reader=reader)
    gids = {tab.title: tab.sheet_id for tab in sheets_standin.spreadsheet(sid).tabs}
    assert len(set(gids.values())) == len(gids)
    assert wb.tab_links == {
        (None, tab): f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid={gids[title]}"
        for tab, title in MESSY_TAB_TITLES.items()
    }
    assert sheets.edit_url(sid, gids["PLN"], "C7") == (
        f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid={gids['PLN']}&range=C7")
    assert sheets.edit_url(sid) == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    assert sheets.sheet_key(wb.tab_links[(None, "sources")]) == sid


def test_sheet_key_accepts_urls_and_bare_keys() -> None:
    key = "1AbC_d-" + "9" * 37
    assert sheets.sheet_key(f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=42") == key
    assert sheets.sheet_key(f"https://docs.google.com/a/example.com/spreadsheets/d/{key}/pubhtml") == key
    assert sheets.sheet_key(f"  {key}\n") == key
    assert sheets.sheet_key("team-learning.xlsx") is None
    assert sheets.sheet_key("demo") is None


# --------------------------------------------------------------------------------- CLI ---


@pytest.fixture
def cli_env(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("LEARNLOOP_SHEET", "LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY", "LEARNLOOP_DAY_FIRST"):
        monkeypatch.delenv(name, raising=False)
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(standin_service_account), encoding="utf-8")
    return {"LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
            "LEARNLOOP_RETRY_SECONDS": "2", "LEARNLOOP_HTTP_TIMEOUT": "2"}


def test_cli_validate_reads_a_sheet_url(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], cli_env: dict[str, str],
) -> None:
    sid = add_shared(sheets_standin, standin_service_account, MESSY_TABS, title="Team playbook")
    url = f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0"
    result = CliRunner().invoke(cli.app, ["validate", url, "--json"], env=cli_env)
    assert result.exit_code == 1, result.output  # the messy sheet has errors
    report = json.loads(result.stdout)
    assert report["source"] == "Team playbook"
    assert report["tabs"]["sources"] == {"rows": len(MESSY_KEPT_IDS["sources"]), "quarantined": 4}
    assert {"tab": "sources", "row": 9, "column": "added_on", "value": "#REF!", "severity": "error"}.items() <= next(
        issue for issue in report["issues"] if issue["tab"] == "sources" and issue["row"] == 9).items()


def test_cli_validate_says_why_a_sheet_cannot_be_read(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], cli_env: dict[str, str],
) -> None:
    sid = sheets_standin.add_spreadsheet(MESSY_TABS)  # not shared
    result = CliRunner().invoke(cli.app, ["validate", sid], env=cli_env)
    assert result.exit_code == 2
    assert standin_service_account["client_email"] in result.stderr
    assert "Traceback" not in result.output
