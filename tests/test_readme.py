"""The README stays true: its workbook format is the schemas' and its two set-up commands exist."""

import re
from pathlib import Path

from learnloop.contract import format_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_readme_workbook_format_matches_the_schemas():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- workbook-format:start[^>]*-->\n(.*?)<!-- workbook-format:end -->", readme, re.S)
    assert section, "README.md lost its workbook-format markers"
    assert section.group(1) == format_markdown(), (
        "README.md's workbook format is out of date: paste learnloop.contract.format_markdown() between the markers")


def test_readme_shows_the_two_setup_commands_and_make_defines_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_metrics_list_matches_the_definitions():
    from learnloop.metrics.catalog import markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- metrics:start[^>]*-->\n(.*?)<!-- metrics:end -->", readme, re.S)
    assert section, "README.md lost its metrics markers"
    assert section.group(1) == markdown(), (
        "README.md's metric list is out of date: paste learnloop.metrics.catalog.markdown() between the markers")
