"""Two tabs for one part of the workbook ("sources" and its alias "PLN", "Themes" and "themes").

Whatever the source (an .xlsx file, a folder of CSV files, a Google Sheet over HTTP), one rule
picks the tab read: the exact name, then another spelling of it, then the aliases in the order the
tab lists them, ties in the workbook's order. The others are an error naming every title, word for
word the same everywhere; the rows of the tab read still load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data_schemas import contract_titles
from learnloop import load
from learnloop.sources import files, sheets
from learnloop.sources.demo import TAB_HEADERS
from learnloop.workbook import Workbook
from tests.fixtures.small import SOURCES, raw_tabs
from tests.sheet_access import shared_sheet, sheet_reader
from tests.sheets_standin import SheetsStandin

SOURCE_IDS = [row[0] for row in SOURCES]
# An older copy of the network, kept as a second tab under the alias: its rows must not be read.
OLD_PLN = [list(TAB_HEADERS["sources"]), ["S-900", "Old copy", "blog", None, None, None, None, "2025-01-01"]]
DUPLICATE_SOURCES = (
    "The workbook has 2 tabs for sources: 'sources' and 'PLN'. Only 'sources' is read; the rows in 'PLN' are "
    "left out. Move the rows you need into 'sources', then delete 'PLN' or rename it (e.g. 'PLN old') so it "
    "is not read."
)


def with_old_pln() -> dict[str, list[list[object]]]:
    """The small workbook with the old network tab first, so the workbook's order would pick it."""
    return {"PLN": OLD_PLN, **raw_tabs()}


def tab_errors(wb: Workbook) -> list[tuple[str, str]]:
    return [(issue.tab, issue.message) for issue in wb.issues if issue.row is None and issue.severity == "error"]


def from_xlsx(tabs: dict[str, list[list[object]]], tmp_path: Path) -> Workbook:
    return load.workbook(str(files.write_xlsx(tabs, tmp_path / "team.xlsx")))


def from_csv(tabs: dict[str, list[list[object]]], tmp_path: Path) -> Workbook:
    return load.workbook(str(files.write_csv_folder(tabs, tmp_path / "team")))


def test_duplicate_tabs_are_an_error_naming_both_on_xlsx_csv_and_google(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], tmp_path: Path,
) -> None:
    tabs = with_old_pln()
    sid = shared_sheet(sheets_standin, standin_service_account, tabs)
    sheets_standin.reset_counts()
    read = {
        "xlsx": from_xlsx(tabs, tmp_path),
        "csv": from_csv(tabs, tmp_path),
        "google": load.workbook(sid, reader=sheet_reader(sheets_standin, standin_service_account)),
    }
    # PLN.csv sorts before sources.csv, and PLN is the first tab of the workbook and of the sheet.
    assert sorted(path.name for path in (tmp_path / "team").iterdir())[0] == "PLN.csv"
    for source, wb in read.items():
        assert tab_errors(wb) == [("sources", DUPLICATE_SOURCES)], source
        assert wb.tab_titles["sources"] == "sources", source
        assert list(wb.sources["source_id"]) == SOURCE_IDS, source
        assert wb.has_errors, source
    # Google: the duplicate was seen in the sheet's tab list, at no extra request.
    assert {endpoint: n for endpoint, n in sheets_standin.counts.items()
            if n and endpoint not in ("token", "allowed_locations")} == {"metadata": 1, "batch_get": 1}
    assert sheets_standin.requests[-1].query["ranges"] == [sheets.quote_range(t) for t in
                                                           ("themes", "sources", "critiques", "commitments",
                                                            "decisions")]


def test_a_tab_and_its_other_spelling_in_a_csv_folder_read_the_exact_name(tmp_path: Path) -> None:
    # Only a folder can hold both: Excel and Google Sheets refuse two tab names that differ in case.
    tabs = {"Themes": [list(TAB_HEADERS["themes"]), ["T-OLD", "2025-Q4", "Old theme"]], **raw_tabs()}
    wb = from_csv(tabs, tmp_path)
    assert wb.tab_titles["themes"] == "themes"
    assert list(wb.themes["theme_id"]) == ["T-A1", "T-A2", "T-A3", "T-B1", "T-B2"]
    [(tab, message)] = tab_errors(wb)
    assert tab == "themes"
    assert message.startswith("The workbook has 2 tabs for themes: 'themes' and 'Themes'. Only 'themes' is read")


@pytest.mark.parametrize(("titles", "read"), [
    (["PLN", "sources"], "sources"),  # the exact name first
    (["PLN", "Sources"], "Sources"),  # then another spelling of it
    (["Learning network", "PLN"], "PLN"),  # then the aliases in the order the tab lists them
    (["learning-network", "Learning Network"], "learning-network"),  # ties: the workbook's order
    (["SOURCES", "Sources "], "SOURCES"),
])
def test_which_title_is_read(titles: list[str], read: str) -> None:
    assert contract_titles(titles)["sources"][0] == read
    assert sorted(contract_titles(titles)["sources"]) == sorted(titles)


def test_three_tabs_for_one_are_all_named(tmp_path: Path) -> None:
    tabs = {**with_old_pln(), "Learning Network": OLD_PLN}
    [(_, message)] = tab_errors(from_xlsx(tabs, tmp_path))
    assert message == (
        "The workbook has 3 tabs for sources: 'sources', 'PLN' and 'Learning Network'. Only 'sources' is read; "
        "the rows in 'PLN' and 'Learning Network' are left out. Move the rows you need into 'sources', then "
        "delete 'PLN' and 'Learning Network' or rename them (e.g. 'PLN old') so they are not read.")


def test_the_sheet_metadata_picks_the_same_tab_as_the_validator() -> None:
    meta = sheets.SheetMeta("k", "t", "en_US", {"PLN": 1, "Peer circle": 2, "sources": 3, "Critiques": 4})
    assert meta.contract_tabs() == {"sources": "sources", "critiques": "Critiques"}
