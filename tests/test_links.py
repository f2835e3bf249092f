"""A shared link says what it shows: themes by id, and a note for any part the data does not have."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from learnloop.sources import files
from tests.apptest import open_page
from tests.fixtures.small import raw_tabs


def opened(source: Path, query: dict[str, object], page: str | None = None, monkeypatch=None) -> AppTest:
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(source))
    at = open_page(page, query)
    assert not at.exception, at.exception
    return at


def note(at: AppTest) -> str:
    return " ".join(caption.value for caption in at.caption if "This link names" in caption.value)


def test_a_link_naming_what_the_data_does_not_have_says_which_part_was_ignored(tmp_path, monkeypatch):
    source = files.write_csv_folder(raw_tabs(), tmp_path / "team")
    at = opened(source, {"person": ["Nobody", "Ana"], "theme": "T-NOPE", "team": "Nowhere"}, monkeypatch=monkeypatch)
    said = note(at)
    assert "person 'Nobody'" in said and "theme 'T-NOPE'" in said and "team 'Nowhere'" in said
    assert "Ana" not in said  # the part the data has is used, and not named as ignored
    assert at.multiselect(key="person").value == ["Ana"]
    clean = opened(source, {"person": "Ana"}, monkeypatch=monkeypatch)
    assert note(clean) == ""


def test_the_theme_filter_is_kept_in_the_link_by_its_id(tmp_path, monkeypatch):
    source = files.write_csv_folder(raw_tabs(), tmp_path / "team")
    at = opened(source, {}, monkeypatch=monkeypatch)
    at.multiselect(key="theme").select("T-A2").run()
    assert at.query_params["theme"] in ("T-A2", ["T-A2"])
    # The same link after the theme is renamed in the sheet still picks it.
    tabs = raw_tabs()
    tabs["themes"][2][2] = "Onboarding, renamed"  # T-A2 (row 0 is the header)
    renamed = files.write_csv_folder(tabs, tmp_path / "renamed")
    again = opened(renamed, {"theme": "T-A2"}, monkeypatch=monkeypatch)
    assert again.multiselect(key="theme").value == ["T-A2"] and note(again) == ""
    assert "Onboarding, renamed (T-A2)" in again.multiselect(key="theme").format_func("T-A2")


def test_a_retro_link_to_a_quarter_the_data_does_not_have_says_so(tmp_path, monkeypatch):
    source = files.write_csv_folder(raw_tabs(), tmp_path / "team")
    at = opened(source, {"quarter": "1999-Q1", "slide": "9"}, page="pages/retro.py", monkeypatch=monkeypatch)
    assert "quarter '1999-Q1'" in note(at) and "slide '9'" in note(at)
    assert at.header[0].value.startswith("Playbook scorecard")
