"""Adding rows to a workbook on disk: an .xlsx file and a folder of CSV files, real files only.

The row lands in the tab the reader reads, in its header's order, typed (date cells in .xlsx), with
the tab's next id; everything else stays as it was (cell for cell in .xlsx, byte for byte in CSV);
two processes writing at once lose and duplicate nothing; a writer killed mid-write leaves the
original intact; what openpyxl would drop is never saved over.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.table import Table

from learnloop import load, local_writes, writes
from learnloop.sources import files
from tests.fixtures.messy import MESSY_TABS
from tests.fixtures.small import raw_tabs

ROOT = Path(__file__).resolve().parent.parent


def critique(wb: Any = None, **values: Any) -> dict[str, Any]:
    base = {"date": dt.date(2026, 3, 2), "artifact_type": "experiment", "artifact": "Pricing page test",
            "roles": ["PM", "Eng"]}
    return writes.prepare("critiques", {**base, **values}, wb)


def xlsx_cells(path: Path) -> dict[tuple[str, str], tuple[object, str, str]]:
    """Every cell with a value or a style: its value (formulas as formulas), number format and type."""
    book = openpyxl.load_workbook(path)
    return {(sheet.title, cell.coordinate): (cell.value, cell.number_format, cell.data_type)
            for sheet in book.worksheets for line in sheet.iter_rows() for cell in line
            if cell.value is not None or cell.has_style}


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {file.name: file.read_bytes() for file in folder.iterdir() if file.is_file()}


# ------------------------------------------------------------------------------ .xlsx ---


@pytest.fixture
def messy_xlsx(tmp_path: Path) -> Path:
    """The messy workbook (aliases, reordered headers, title rows, a Notes tab) with a formula in Notes."""
    path = files.write_xlsx(MESSY_TABS, tmp_path / "team.xlsx")
    book = openpyxl.load_workbook(path)
    book["Notes"]["C1"] = "=1+1"  # formulas outside the workbook's tabs are kept as they are
    book.save(path)
    return path


def test_a_row_lands_in_the_xlsx_and_nothing_else_changes(messy_xlsx: Path) -> None:
    before = xlsx_cells(messy_xlsx)
    wb = load.workbook(str(messy_xlsx))
    done = writes.add_row(str(messy_xlsx), "critiques", critique(wb, theme_id="T-ONBOARD", artifact="=1+1 is text",
                                                                  presenter="Aisha Bello"))

    after = xlsx_cells(messy_xlsx)
    added = {where: cell for where, cell in after.items() if where not in before}
    assert {where: after[where] for where in before} == before, "every other cell is as it was"
    assert done.id == "C-008" and done.row_number == 10 and done.title == "Peer Circle"  # after C-007 on row 9
    # Peer Circle: Date, Artifact Type, Artifact, Critique ID, Format, Roles, Theme_ID, Presenter, Participants
    assert {where[1]: cell[0] for where, cell in added.items()} == {
        "A10": dt.datetime(2026, 3, 2), "B10": "experiment", "C10": "=1+1 is text", "D10": "C-008",
        "F10": "PM, Eng", "G10": "T-ONBOARD", "H10": "Aisha Bello"}
    assert added[("Peer Circle", "A10")][1:] == ("yyyy-mm-dd", "d"), "a date cell"
    assert added[("Peer Circle", "C10")][2] == "s", "text, never a formula"

    again = load.workbook(str(messy_xlsx))
    row = again.critiques.set_index("critique_id").loc["C-008"]
    assert (row["date"], row["artifact"], row["roles"]) == (dt.datetime(2026, 3, 2), "=1+1 is text", ("PM", "Eng"))
    assert len(again.critiques) == len(wb.critiques) + 1
    assert [issue for issue in again.issues if issue.row == 10 and issue.tab == "critiques"] == []


def test_a_value_for_a_column_the_tab_lacks_is_refused_not_dropped(messy_xlsx: Path) -> None:
    before = messy_xlsx.read_bytes()
    wb = load.workbook(str(messy_xlsx))
    with pytest.raises(writes.WriteRefused) as refused:
        writes.add_row(str(messy_xlsx), "critiques", critique(wb, team="Checkout"))
    assert list(refused.value.problems) == ["team"] and "no team column" in refused.value.problems["team"]
    assert messy_xlsx.read_bytes() == before


def test_an_excel_table_grows_to_take_the_row_and_the_row_takes_its_style(tmp_path: Path) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["critiques"]
    sheet.add_table(Table(displayName="Critiques", ref=f"A1:L{sheet.max_row}"))
    sheet.cell(row=sheet.max_row, column=2).number_format = "dd/mm/yyyy"  # the team's own date format
    book.save(path)

    done = writes.add_row(str(path), "critiques", critique())
    sheet = openpyxl.load_workbook(path)["critiques"]
    assert sheet.tables["Critiques"].ref == f"A1:L{done.row_number}"
    assert sheet.cell(row=done.row_number, column=2).number_format == "dd/mm/yyyy"  # type: ignore[arg-type]


def chart_workbook(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    chart = BarChart()
    chart.add_data(Reference(book["critiques"], min_col=1, min_row=1, max_row=3))
    book["themes"].add_chart(chart, "J2")
    book.save(path)


def image_workbook(path: Path) -> None:
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    picture = path.with_suffix(".png")
    Picture.new("RGB", (8, 8), "red").save(picture)
    book = openpyxl.load_workbook(path)
    book["themes"].add_image(Image(str(picture)), "J2")
    book.save(path)


def formula_workbook(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    book["critiques"]["L2"] = '=IF(F2="T-A1","Alpha","")'
    book.save(path)


@pytest.mark.parametrize(("damage", "words"), [
    (chart_workbook, "holds charts, which Learning Loop cannot keep when it saves an Excel file"),
    (image_workbook, "holds images, which Learning Loop cannot keep when it saves an Excel file"),
    (formula_workbook, "has formulas in its critiques tab (the first at L2)"),
])
def test_a_workbook_openpyxl_would_damage_is_refused_and_left_as_it_was(tmp_path: Path, damage: Any,
                                                                        words: str) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    damage(path)
    before = path.read_bytes()
    with pytest.raises(writes.WriteFailed) as failed:
        writes.add_row(str(path), "critiques", critique())
    assert words in str(failed.value)
    assert path.read_bytes() == before
    assert not (tmp_path / ".learnloop" / "backups").exists() or not any((tmp_path / ".learnloop" / "backups").iterdir())


def test_the_add_entry_check_names_the_charts_before_anyone_types(tmp_path: Path) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    assert local_writes.refusal(path) is None
    chart_workbook(path)
    assert "team.xlsx holds charts" in (local_writes.refusal(path) or "")


def test_a_workbook_open_in_excel_is_not_written(tmp_path: Path) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    (tmp_path / "~$team.xlsx").write_bytes(b"owner")
    before = path.read_bytes()
    with pytest.raises(writes.WriteFailed) as failed:
        writes.add_row(str(path), "critiques", critique())
    assert "team.xlsx is open in a spreadsheet program" in str(failed.value) and "~$team.xlsx" in str(failed.value)
    assert path.read_bytes() == before


def test_the_last_few_versions_are_kept_as_backups(tmp_path: Path) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    versions = [path.read_bytes()]
    for i in range(local_writes.BACKUPS_KEPT + 2):
        writes.add_row(str(path), "critiques", critique(artifact=f"test {i}"))
        versions.append(path.read_bytes())
    backups = sorted((tmp_path / ".learnloop" / "backups").iterdir())
    assert len(backups) == local_writes.BACKUPS_KEPT
    assert [backup.read_bytes() for backup in backups] == versions[-local_writes.BACKUPS_KEPT - 1:-1]


def test_an_id_taken_since_the_row_was_checked_is_refused(tmp_path: Path) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    wb = load.workbook(str(path))
    row = critique(wb, critique_id="C-50")
    writes.add_row(str(path), "critiques", critique(wb, critique_id="C-50", artifact="someone else's"))
    with pytest.raises(writes.WriteRefused) as refused:
        writes.add_row(str(path), "critiques", row)
    assert "'C-50' is already used" in refused.value.problems["critique_id"]


# ------------------------------------------------------------------------------- CSV ---


def dialect_folder(tmp_path: Path, *, encoding: str, delimiter: str, newline: str, bom: bytes = b"") -> Path:
    """The small workbook as CSV, its critiques saved the way a spreadsheet program saves it."""
    folder = files.write_csv_folder(raw_tabs(), tmp_path / "team")
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator=newline).writerows(
        [["" if cell is None else cell for cell in line] for line in raw_tabs()["critiques"]])
    (folder / "critiques.csv").write_bytes(bom + text.getvalue().replace("Ana", "Anaïs").encode(encoding))
    return folder


@pytest.mark.parametrize(("encoding", "delimiter", "newline", "bom"), [
    ("utf-8", ",", "\n", b""),
    ("utf-8", ",", "\r\n", codecs.BOM_UTF8),  # Excel's CSV UTF-8
    ("cp1252", ";", "\r\n", b""),  # Excel's CSV where the comma is the decimal mark, in Western Europe
    ("utf-16-le", "\t", "\r\n", codecs.BOM_UTF16_LE),  # Excel's Unicode text
], ids=["utf8", "utf8-bom-crlf", "cp1252-semicolon", "utf16-tab"])
def test_a_row_is_added_to_the_end_of_the_csv_in_its_own_dialect(tmp_path: Path, encoding: str, delimiter: str,
                                                                 newline: str, bom: bytes) -> None:
    folder = dialect_folder(tmp_path, encoding=encoding, delimiter=delimiter, newline=newline, bom=bom)
    before = folder_bytes(folder)
    wb = load.workbook(str(folder))
    done = writes.add_row(str(folder), "critiques", critique(wb, theme_id="T-A1", presenter="Zoë",
                                                             participants=["Zoë", "Ana"], artifact="+1 for this"))

    after = folder_bytes(folder)
    assert {name: data for name, data in after.items() if name != "critiques.csv"} == \
        {name: data for name, data in before.items() if name != "critiques.csv"}, "other files: byte for byte"
    old, new = before["critiques.csv"], after["critiques.csv"]
    assert new.startswith(old), "every earlier byte as it was"
    added = new[len(old):].decode(encoding)
    assert added.endswith(newline) and added.count(newline) == 1
    assert next(csv.reader([added.removesuffix(newline)], delimiter=delimiter)) == [
        "C-11", "2026-03-02", "experiment", "'+1 for this", "", "T-A1", "Zoë", "PM, Eng", "Zoë, Ana", "", "", ""]
    assert (done.id, done.row_number) == ("C-11", len(raw_tabs()["critiques"]) + 1)

    again = load.workbook(str(folder))
    row = again.critiques.set_index("critique_id").loc["C-11"]
    assert (row["date"], row["presenter"], row["participants"]) == (dt.datetime(2026, 3, 2), "Zoë", ("Zoë", "Ana"))
    assert len(again.critiques) == len(wb.critiques) + 1


def test_a_character_the_files_encoding_cannot_hold_is_refused_on_its_field(tmp_path: Path) -> None:
    folder = dialect_folder(tmp_path, encoding="cp1252", delimiter=";", newline="\r\n")
    before = folder_bytes(folder)
    with pytest.raises(writes.WriteRefused) as refused:
        writes.add_row(str(folder), "critiques", critique(artifact="Pricing → packaging"))
    assert list(refused.value.problems) == ["artifact"]
    assert "Windows-1252, which cannot hold '→'" in refused.value.problems["artifact"]
    assert folder_bytes(folder) == before


def test_a_csv_file_without_a_final_line_break_gets_one_before_the_row(tmp_path: Path) -> None:
    folder = files.write_csv_folder(raw_tabs(), tmp_path / "team")
    file = folder / "critiques.csv"
    file.write_bytes(file.read_bytes().rstrip(b"\r\n"))
    writes.add_row(str(folder), "critiques", critique())
    assert len(load.workbook(str(folder)).critiques) == len(raw_tabs()["critiques"])


# ---------------------------------------------------------------- processes at once ---


def writer(path: Path, count: int, tag: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.local_writer", str(path), str(count), tag, *extra],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_two_processes_adding_a_hundred_rows_each_lose_and_duplicate_nothing(tmp_path: Path, kind: str) -> None:
    path = (files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx") if kind == "xlsx"
            else files.write_csv_folder(raw_tabs(), tmp_path / "team"))
    before = load.workbook(str(path))
    processes = [writer(path, 100, tag) for tag in ("first", "second")]
    outputs = [process.communicate(timeout=240) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _, err in outputs]

    after = load.workbook(str(path))
    added = after.critiques[~after.critiques["critique_id"].isin(before.critiques["critique_id"])]
    artifacts = Counter(added["artifact"])
    assert artifacts == Counter(f"{tag} {i}" for tag in ("first", "second") for i in range(100)), "none lost or doubled"
    given = [line for out, _ in outputs for line in out.split()]
    assert sorted(given) == sorted(added["critique_id"]) and len(set(given)) == 200
    assert sorted(int(i.removeprefix("C-")) for i in given) == list(range(11, 211)), "the tab's next ids, in turn"
    assert [issue for issue in after.issues if issue.tab == "critiques" and issue.severity != "info"] == []


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_writer_killed_after_writing_its_temporary_file_leaves_the_original_intact(tmp_path: Path,
                                                                                     kind: str) -> None:
    path = (files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx") if kind == "xlsx"
            else files.write_csv_folder(raw_tabs(), tmp_path / "team"))
    file = path if kind == "xlsx" else path / "critiques.csv"
    original = file.read_bytes()
    marker = tmp_path / "about-to-replace"
    process = writer(path, 1, "crash", "--stop-before-replace", str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), process.stderr.read() if process.stderr else ""
    temporary = Path(marker.read_text(encoding="utf-8"))
    assert temporary.exists() and temporary.read_bytes() != original, "the new file was written in full"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    assert file.read_bytes() == original
    assert len(load.workbook(str(path)).critiques) == len(raw_tabs()["critiques"]) - 1
    # The lock died with the writer: the next write goes through, and tidies what the crash left.
    done = writes.add_row(str(path), "critiques", critique())
    assert done.id == "C-11" and not temporary.exists()
