"""A folder of CSV files as people's spreadsheets save them, read to exactly the same workbook.

Excel where the comma is the decimal mark saves "CSV" with semicolons (and "CSV UTF-8" with a byte
order mark too), its "Unicode Text" as UTF-16 with tabs, and plain "CSV" in Windows-1252;
LibreOffice asks and saves what it is told. Every file here is written byte for byte as those
programs write it, and read back through ``load.workbook`` as the app and the CLI read it.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from data_schemas import TABS, parsers
from learnloop import load
from learnloop.errors import SourceError
from learnloop.sources import files
from learnloop.workbook import Workbook
from tests.fixtures.small import raw_tabs

SAVE_AS_UTF8 = "Save it as CSV UTF-8 (Comma delimited) and try again."


def save_csv(path: Path, rows: list[list[object]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """``rows`` saved as a spreadsheet saves a CSV file: every row as wide as the widest, CRLF line ends,
    a cell quoted only when it holds the delimiter, a quote or a line break."""
    width = max(len(row) for row in rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row] + [""] * (width - len(row)))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def save_folder(folder: Path, tabs: dict[str, list[list[object]]], **dialect: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for title, rows in tabs.items():
        save_csv(folder / f"{title}.csv", rows, **dialect)
    return folder


def plain_utf8(tmp_path: Path, tabs: dict[str, list[list[object]]] | None = None) -> Workbook:
    """The same tabs as a comma-separated UTF-8 folder: what every other dialect must read like."""
    return load.workbook(str(files.write_csv_folder(tabs or raw_tabs(), tmp_path / "plain")))


def assert_same_tables(got: Workbook, expected: Workbook) -> None:
    for tab in TABS:
        pd.testing.assert_frame_equal(got.tables[tab].drop(columns="sheet"),
                                      expected.tables[tab].drop(columns="sheet"), obj=tab)
        pd.testing.assert_frame_equal(got.quarantined[tab], expected.quarantined[tab], obj=f"{tab} left out")


def notes(wb: Workbook) -> list[tuple[str, str]]:
    return [(issue.tab, issue.message) for issue in wb.issues if issue.severity == "info" and issue.row is None]


def test_a_semicolon_csv_with_a_bom_loads_every_row(tmp_path: Path) -> None:
    # Excel's "CSV UTF-8 (Comma delimited)" where the comma is the decimal mark: BOM, semicolons.
    folder = save_folder(tmp_path / "european", raw_tabs(), delimiter=";", encoding="utf-8-sig")
    assert (folder / "themes.csv").read_bytes().startswith(codecs.BOM_UTF8 + b"theme_id;quarter;title;")
    wb = load.workbook(str(folder))
    assert wb.summary() == {tab: {"rows": len(rows) - 1, "quarantined": 0} for tab, rows in raw_tabs().items()}
    assert wb.issues == ()
    assert_same_tables(wb, plain_utf8(tmp_path))


@pytest.mark.parametrize("file_name", ["sources.csv", "sources.txt"])
def test_utf16_and_windows_1252_csvs_load_with_a_note_naming_the_encoding(tmp_path: Path, file_name: str) -> None:
    tabs = raw_tabs()
    tabs["sources"][1][1] = "Lenny's Newsletter — “the best”"  # a dash and quotes Windows-1252 has too
    tabs["critiques"][1][3] = "Preistest für Cafés: naïve Ankerpreise, 5 €"
    folder = tmp_path / "mixed"
    save_folder(folder, {tab: rows for tab, rows in tabs.items() if tab not in ("sources", "critiques")})
    # Excel's "Unicode Text": UTF-16 little-endian with a byte order mark, tab-separated (.txt by default).
    save_csv(folder / file_name, tabs["sources"], delimiter="\t", encoding="utf-16")
    assert (folder / file_name).read_bytes().startswith(codecs.BOM_UTF16_LE)
    # Excel's "CSV (Comma delimited)" in Western Europe: Windows-1252.
    save_csv(folder / "critiques.csv", tabs["critiques"], encoding="cp1252")

    wb = load.workbook(str(folder))
    assert notes(wb) == [
        ("sources", f"{file_name} was read as UTF-16 (Unicode text). Nothing to fix: every character is kept."),
        ("critiques", "critiques.csv was read as Windows-1252 (Western European). Nothing to fix, but saving as "
                      "CSV UTF-8 keeps every character."),
    ]
    assert [issue.severity for issue in wb.issues] == ["info", "info"]
    assert wb.sources.loc[2, "name"] == "Lenny's Newsletter — “the best”"
    assert wb.critiques.loc[2, "artifact"] == "Preistest für Cafés: naïve Ankerpreise, 5 €"
    assert_same_tables(wb, plain_utf8(tmp_path, tabs))


def test_decimal_commas_in_a_semicolon_csv(tmp_path: Path) -> None:
    tabs = raw_tabs()
    impacts = {1: "3", 2: "4,0", 3: "4,5", 4: "2,00", 6: "1"}  # data row -> impact as Excel writes it
    for position, impact in impacts.items():
        tabs["decisions"][position][8] = impact
    wb = load.workbook(str(save_folder(tmp_path / "european", tabs, delimiter=";", encoding="cp1252")))
    assert numbers(wb.decisions["impact"]) == [3.0, 4.0, None, 2.0, None, 1.0]  # sheet rows 2 to 7
    [issue] = wb.issues
    assert (issue.tab, issue.row, issue.column, issue.value, issue.severity) == ("decisions", 4, "impact", "4,5",
                                                                                "warning")
    assert issue.message == ("'4,5' is not a valid impact. Use one of: 1, 2, 3, 4, 5. The value is left out; "
                             "the rest of the row is kept.")


def numbers(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(value) else value for value in values]


def test_a_comma_that_is_not_a_thousands_separator_is_never_read_away() -> None:
    typed = pd.Series(["4,5", "1,234", "1,234.5", "4.5", "1.234,5", "1 234,5", "4,0", "1\u00a0234,5"], dtype=object)
    # Where the comma groups thousands (a comma-separated file, a sheet): "4,5" is no number, never 45.
    assert numbers(parsers.number(typed)) == [None, 1234.0, 1234.5, 4.5, None, None, None, None]
    # Where it is the decimal mark (a semicolon-separated file): dots and spaces group thousands.
    assert numbers(parsers.number(typed, decimal_comma=True)) == [4.5, 1.234, None, 4.5, 1234.5, 1234.5, 4.0, 1234.5]


def test_a_comma_separated_impact_of_4_comma_5_is_refused_not_read_as_45(tmp_path: Path) -> None:
    tabs = raw_tabs()
    tabs["decisions"][1][8] = "4,5"
    wb = load.workbook(str(files.write_csv_folder(tabs, tmp_path / "plain")))
    [issue] = wb.issues
    assert (issue.row, issue.column, issue.value, issue.severity) == (2, "impact", "4,5", "warning")
    assert issue.message.startswith("'4,5' in impact is not a number we can read. Type one of: 1, 2, 3, 4, 5.")


@pytest.mark.parametrize(("text", "delimiter"), [
    ("theme_id\r\nT-1\r\nT-2\r\n", ","),  # one column: nothing to split
    ('title;note\r\n"Pricing; packaging";"a, b, c"\r\n"x;y";z\r\n', ";"),  # delimiters inside quotes
    ("title;summary\r\nPricing;Anchors, decoys, and more, and more\r\nOnboarding;Short\r\n", ";"),
    ("title,summary\r\nPricing,Anchors; decoys; and more; more\r\nOnboarding,Short\r\n", ","),
    ("title\tsummary\r\nPricing\tA, b; c\r\n", "\t"),
    ("Learning playbook;;\r\n;;\r\ntheme_id;quarter;title\r\nT-1;2026-Q1;Pricing, again\r\n", ";"),  # title rows
    ("", ","),
])
def test_the_delimiter_is_the_one_the_rows_agree_on(text: str, delimiter: str) -> None:
    assert files.delimiter_of(text) == delimiter


def test_an_unreadable_csv_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    def error_for(name: str, data: bytes) -> str:
        folder = tmp_path / name
        save_folder(folder, {tab: rows for tab, rows in raw_tabs().items() if tab != "themes"})
        (folder / "themes.csv").write_bytes(data)
        with pytest.raises(SourceError) as caught:
            load.workbook(str(folder))
        return str(caught.value)

    # Bytes no text encoding we read has (an old .xls, a picture): neither UTF-8, UTF-16 nor Windows-1252.
    binary = error_for("binary", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x81\x8d")
    assert binary == (f"{tmp_path / 'binary' / 'themes.csv'} cannot be read: it is not text in UTF-8, UTF-16 or "
                      f"Windows-1252. {SAVE_AS_UTF8}")
    # An .xlsx workbook saved under a .csv name.
    book = files.write_xlsx({"themes": raw_tabs()["themes"]}, tmp_path / "themes.xlsx").read_bytes()
    workbook = error_for("workbook", book)
    assert "themes.csv is an Excel workbook (.xlsx), not a CSV file" in workbook
    assert "save it as CSV UTF-8 (Comma delimited), then try again" in workbook
    # A quote that is never closed would swallow every later line into one cell.
    unclosed = error_for("quote", b'theme_id,quarter,title\r\nT-1,2026-Q1,Pricing\r\nT-2,2026-Q2,"Onboard\r\n'
                                  b"T-3,2026-Q3,Search\r\n")
    assert "themes.csv cannot be read: the quote (\") that opens a cell on line 3 is never closed" in unclosed
    assert "Close the quote or remove it" in unclosed


def test_files_that_are_not_tabs_are_not_read(tmp_path: Path) -> None:
    folder = save_folder(tmp_path / "team", raw_tabs())
    (folder / "notes.csv").write_bytes(b"\x00\x81 not text at all")
    (folder / "README.txt").write_text("Exported from Excel\n", encoding="utf-8")
    wb = load.workbook(str(folder))
    assert wb.issues == () and wb.summary()["themes"]["rows"] == 5


def test_a_stray_quote_inside_a_cell_is_read_as_a_spreadsheet_reads_it(tmp_path: Path) -> None:
    folder = save_folder(tmp_path / "team", {tab: rows for tab, rows in raw_tabs().items() if tab != "themes"})
    (folder / "Themes.CSV").write_bytes(b'theme_id,quarter,title\r\nT-1,2026-Q1,"Pricing" (old)\r\n'
                                        b'T-2,2026-Q2,Say "hi"\r\n')
    wb = load.workbook(str(folder))
    assert wb.themes["title"].tolist() == ["Pricing (old)", 'Say "hi"']


def test_a_utf8_byte_order_mark_on_windows_1252_text_is_not_part_of_the_header(tmp_path: Path) -> None:
    # Saved as CSV UTF-8, then edited and saved again by a program that wrote Windows-1252.
    folder = save_folder(tmp_path / "team", {tab: rows for tab, rows in raw_tabs().items() if tab != "themes"})
    (folder / "themes.csv").write_bytes(codecs.BOM_UTF8 + "theme_id;quarter;title\r\nT-1;2026-Q1;Café\r\n"
                                        .encode("cp1252"))
    wb = load.workbook(str(folder))
    assert wb.themes["title"].tolist() == ["Café"]
    assert notes(wb) == [("themes", "themes.csv was read as Windows-1252 (Western European). Nothing to fix, but "
                                    "saving as CSV UTF-8 keeps every character.")]


def test_a_comma_csv_whose_text_holds_semicolons_on_every_row_is_still_read_by_commas(tmp_path):
    # Every row has the same number of semicolons inside its text, so semicolons split every row alike
    # too: the header decides, as only commas cut it into column names.
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "themes.csv").write_text("theme_id,quarter,title\nT-1,2026-Q1,Pricing; packaging; bundles\n"
                                       "T-2,2026-Q2,Onboarding; activation; trials\n", encoding="utf-8")
    wb = load.workbook(str(folder))
    assert wb.themes["title"].tolist() == ["Pricing; packaging; bundles", "Onboarding; activation; trials"]
