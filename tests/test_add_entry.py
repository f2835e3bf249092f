"""The Add entry form in Streamlit's AppTest, on real files and the Sheets stand-in.

A submission is written once (sent again, it writes nothing more and says so); each problem shows
under its own field, in words; the form clears after a row is added and says where it went; a
required date left blank is an error, never today; a workbook that cannot take rows says why
instead of showing a form.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import load, ui
from learnloop.sources import files
from tests.fixtures.small import raw_tabs, second_raw_tabs
from tests.sheet_access import writable_sheet
from tests.sheets_standin import SheetsStandin
from tests.test_local_writes import chart_workbook

ROOT = Path(__file__).resolve().parent.parent
ADD_ENTRY = str(ROOT / "pages" / "add_entry.py")
ENVIRONMENT = ("LEARNLOOP_SOURCE", "LEARNLOOP_SHEET", "LEARNLOOP_API_KEY", "LEARNLOOP_SHEETS_API_URL",
               "GOOGLE_APPLICATION_CREDENTIALS", "LEARNLOOP_DAY_FIRST", "LEARNLOOP_REFRESH_SECONDS")
FIELDS = ("date", "artifact_type", "artifact", "format", "theme_id", "presenter", "roles", "participants",
          "feedback", "follow_up", "team")


def clear_caches() -> None:
    ui._load.clear()
    ui._reader.clear()
    ui._last_good.clear()


@pytest.fixture(autouse=True)
def fresh_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def team_xlsx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(path))
    return path


def open_form() -> AppTest:
    at = AppTest.from_file(ADD_ENTRY, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def fill(at: AppTest, artifact: str = "Checkout copy test") -> None:
    at.date_input(key="add-critiques-date").set_value(dt.date(2026, 3, 2))
    at.selectbox(key="add-critiques-artifact_type").select("experiment")
    at.text_input(key="add-critiques-artifact").input(artifact)
    at.selectbox(key="add-critiques-theme_id").select("T-A1")
    at.selectbox(key="add-critiques-presenter").select("Ana")  # picked from the people the workbook names
    at.multiselect(key="add-critiques-participants").select("Ana").select("Ben")
    at.multiselect(key="add-critiques-roles").select("PM").select("Design")
    at.selectbox(key="add-critiques-team").select("Alpha")


def submit(at: AppTest) -> None:
    at.button(key="add-critiques-submit").click().run()
    assert not at.exception


def form_values(at: AppTest) -> dict[str, object]:
    widgets = {widget.key: widget.value for kind in ("date_input", "selectbox", "text_input", "multiselect",
                                                     "text_area") for widget in getattr(at, kind)}
    return {name: widgets[f"add-critiques-{name}"] for name in FIELDS}


def artifacts(path: Path) -> list[str]:
    return list(load.workbook(str(path)).critiques["artifact"])


def test_a_row_is_added_the_form_clears_and_says_where(team_xlsx: Path) -> None:
    at = open_form()
    fill(at)
    submit(at)
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Added C-11 on row 12 of critiques in team.xlsx."]
    assert form_values(at) == dict.fromkeys(FIELDS, None) | {"artifact": "", "feedback": "", "follow_up": "",
                                                            "roles": [], "participants": []}
    row = load.workbook(str(team_xlsx)).critiques.set_index("critique_id").loc["C-11"]
    assert (row["date"], row["presenter"], row["participants"], row["team"]) == (
        dt.datetime(2026, 3, 2), "Ana", ("Ana", "Ben"), "Alpha")


def test_the_same_submission_sent_again_writes_nothing_more_and_says_so(team_xlsx: Path) -> None:
    at = open_form()
    fill(at)
    submit(at)
    fill(at)  # the same entry arrives again: a double click, or the button pressed twice
    submit(at)
    assert not at.success and not at.error
    assert [i.value for i in at.info] == ["C-11 was already added on row 12 of critiques in team.xlsx: nothing more "
                                          "was written."]
    assert artifacts(team_xlsx).count("Checkout copy test") == 1

    fill(at, artifact="Checkout copy test, round 2")  # a different entry is written as usual
    submit(at)
    assert [s.value for s in at.success] == ["Added C-12 on row 13 of critiques in team.xlsx."]


def test_each_problem_shows_under_its_field_in_words_and_the_entry_is_kept(team_xlsx: Path) -> None:
    before = team_xlsx.read_bytes()
    at = open_form()
    fill(at)
    at.date_input(key="add-critiques-date").set_value(None)  # a required date left blank
    at.selectbox(key="add-critiques-artifact_type").set_value(None)
    typed = form_values(at)
    submit(at)

    under: dict[str, list[str]] = {}
    for block in at.get("form")[0].children.values():  # type: ignore[union-attr]
        if str(block.key).startswith("field-add-critiques-"):
            under[block.key.removeprefix("field-add-critiques-")] = [
                child.value for child in list(block.children.values())[1:] if child.type == "error"]
    assert {name: messages for name, messages in under.items() if messages} == {
        "date": ["Date is required. Type a date like 2026-01-15."],
        "artifact_type": ["Artifact type is required. Type one of: experiment, roadmap, discovery\\_plan, prototype, "
                          "strategy, other."]}
    assert [e.value for e in at.error][-1] == "Nothing was written: fix the fields marked above and add it again."
    assert form_values(at) == typed, "what was typed is still there"
    assert team_xlsx.read_bytes() == before


@pytest.fixture
def google_sheet(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> str:
    """The app set to write to a Google Sheet (on the stand-in) titled "Alpha and Beta": its id."""
    sid = writable_sheet(sheets_standin, standin_service_account, raw_tabs(), title="Alpha and Beta")
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(standin_service_account), encoding="utf-8")
    monkeypatch.setenv("LEARNLOOP_SHEET", sid)
    monkeypatch.setenv("LEARNLOOP_SHEETS_API_URL", sheets_standin.base_url)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    return sid


def test_a_google_sheet_gets_the_row_once_with_a_link_to_it(sheets_standin: SheetsStandin, google_sheet: str) -> None:
    sid = google_sheet
    at = open_form()
    fill(at)
    submit(at)
    fill(at)
    submit(at)
    gid = sheets_standin.spreadsheet(sid).find_tab("critiques").sheet_id  # type: ignore[union-attr]
    assert [i.value for i in at.info] == [
        "C-11 was already added on row 12 of critiques in Alpha and Beta: nothing more was written. [Open the row "
        f"in Google Sheets](https://docs.google.com/spreadsheets/d/{sid}/edit#gid={gid}&range=A12)"]
    assert [a.applied for a in sheets_standin.batch_updates] == [True]
    assert sum("Checkout copy test" in row for row in sheets_standin.values(sid, "critiques")) == 1


def test_in_a_rollup_the_row_goes_to_the_workbook_picked_with_that_workbooks_next_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = files.write_xlsx(raw_tabs(), tmp_path / "team-a.xlsx")
    second = files.write_csv_folder(second_raw_tabs(), tmp_path / "team-b")
    at = AppTest.from_file(ADD_ENTRY, default_timeout=60)
    at.secrets["learnloop"] = {"sheets": [str(first), str(second)]}
    at.run()
    at.selectbox(key="add-target").select(str(second)).run()  # picking the workbook reruns the page
    at.date_input(key="add-critiques-date").set_value(dt.date(2026, 3, 2))
    at.selectbox(key="add-critiques-artifact_type").select("roadmap")
    at.text_input(key="add-critiques-artifact").input("Roadmap for team B")
    submit(at)
    assert [s.value for s in at.success] == ["Added C-11 on row 12 of critiques in team-b."]
    assert load.workbook(str(second)).critiques.set_index("critique_id").loc["C-11", "artifact"] == "Roadmap for team B"
    assert "Roadmap for team B" not in artifacts(first)


def test_a_workbook_with_charts_says_why_instead_of_a_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    chart_workbook(path)
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(path))
    at = open_form()
    assert not at.get("form")
    assert "team.xlsx holds charts" in " ".join(i.value for i in at.info)


def test_the_demo_shows_the_two_commands_to_try_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_form()
    assert not at.get("form")
    assert [code.value for code in at.code] == [
        ".venv/bin/learnloop demo my-team.xlsx\nLEARNLOOP_SOURCE=my-team.xlsx make run"]


def test_two_runs_submitting_at_once_write_the_entry_once(team_xlsx: Path) -> None:
    """A double click starts a second run of the page before Streamlit stops the first: both runs
    submit, on two threads at once. The entry is written once, and the second run says so."""
    import threading

    import streamlit as st

    from learnloop import forms

    wb = load.workbook(str(team_xlsx))
    values = {"date": dt.date(2026, 3, 2), "artifact_type": "experiment", "artifact": "Checkout copy test",
              "theme_id": "T-A1", "presenter": "Ana", "participants": [], "roles": [], "team": "Alpha"}
    for name, value in values.items():
        st.session_state[forms.field_key("add-critiques", name)] = value
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def run() -> None:
        start.wait()
        forms.submit("critiques", "add-critiques", str(team_xlsx), None, wb)
        outcomes.append(st.session_state.get("add-critiques-outcome"))

    runs = [threading.Thread(target=run) for _ in range(2)]
    try:
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(timeout=60)
    finally:  # the bare-mode session state is the process's: leave it as found
        for name in list(st.session_state):
            if str(name).startswith("add-critiques"):
                del st.session_state[name]
        forms._forms.pop(("", "add-critiques"), None)
    written = [row for row in load.workbook(str(team_xlsx)).critiques["artifact"] if row == "Checkout copy test"]
    assert len(written) == 1
    assert sorted(outcome.kind for outcome in outcomes) == ["added", "duplicate"]  # type: ignore[attr-defined]


def test_an_entry_sent_again_after_a_failed_write_that_landed_after_all_is_in_the_sheet_once(
    sheets_standin: SheetsStandin, google_sheet: str,
) -> None:
    """Google fails every try of a write; the entry stays in the form. One try was carried out after
    all, later than anyone looked. Sent again, the same row is looked for first: it is in the sheet once."""
    from learnloop import forms

    sid = google_sheet
    at = open_form()
    fill(at)
    sheets_standin.inject("500", endpoints="batch_update", times=None)
    submit(at)
    assert at.error and form_values(at)["artifact"] == "Checkout copy test"
    sheets_standin.clear_faults()
    [sent] = [form.pending.row for (_, key), form in forms._forms.items()
              if key == "add-critiques" and form.pending is not None]
    header, *rows = sheets_standin.values(sid, "critiques")
    for position, column in enumerate(header):
        sheets_standin.set_cell(sid, "critiques", len(rows) + 1, position, sent.get(column) or None)
    writes_before = sheets_standin.counts["batch_update"]
    submit(at)
    [added] = [s.value for s in at.success]
    assert added.startswith(f"Added {sent['critique_id']} on row {len(rows) + 2}")
    assert sheets_standin.counts["batch_update"] == writes_before
    assert sum("Checkout copy test" in row for row in sheets_standin.values(sid, "critiques")) == 1
