"""The Search page in-process (Streamlit's AppTest): a search is a link (``?q=``), the sidebar's filters
apply, results come grouped by tab with counts and trails, and sheet text (or a hostile link's query)
is only ever text: the only markup is the page's own layout and the ``<mark>`` around each match."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import load, search
from learnloop.filters import Filters
from learnloop.sources import files
from tests.apptest import APP
from tests.fixtures.small import raw_tabs, second_raw_tabs
from tests.test_injection import MARKUP, PAYLOAD, planted_tabs, rendered_markdown

PAGE = "pages/search.py"
LABELS = {"themes": "Themes", "sources": "Sources", "critiques": "Critiques", "commitments": "Commitments",
          "decisions": "Decisions"}
#: The tags the page writes around sheet text; anything else would have come from the sheet.
OWN_TAGS = {"div", "span", "mark", "br", "p", "b", "q", "a", "style"}


def open_search(query: dict[str, object] | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [str(e.value) for e in at.exception]
    return at


def groups(at: AppTest) -> dict[str, int]:
    """Each results heading on the page: tab label -> count."""
    out = {}
    for heading in at.subheader:
        label, _, count = heading.value.partition(" · ")
        if count:
            out[label] = int(count)
    return out


def bodies(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.html]


def summary(at: AppTest) -> str:
    """The line above the results (what was found), as a reader sees it."""
    return next("".join(parsed(body).text) for body in bodies(at) if "<style" not in body and "ll-hits" not in body)


def cards_per_group(at: AppTest) -> list[int]:
    return [body.count('class="ll-hit"') for body in bodies(at) if "<style" not in body and "ll-hits" in body]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(body: str) -> Tags:
    tags = Tags()
    tags.feed(body)
    return tags


# --------------------------------------------------------------------------------- the page ---


def test_pricing_shows_every_tab_about_it_with_counts_and_trails(demo_workbook):
    at = open_search({"q": "pricing"})
    found = search.search(load.workbook("demo"), "pricing")
    assert groups(at) == {LABELS[tab]: count for tab, count in found.counts.items() if count}
    assert set(groups(at)) == set(LABELS.values()), "every theme, source, critique, commitment and decision"
    cards = "".join(bodies(at))
    assert cards.count('class="ll-hit"') == found.total
    assert cards.count("<mark>") >= found.total
    for label in ("Sources:", "Critiques:", "Decisions:", "Cited by:", "Learned from:", "Theme:"):
        assert label in html.unescape(cards), label


def test_a_decisions_card_shows_what_it_learned_from(demo_workbook):
    at = open_search({"q": "pricing"})
    wb = load.workbook("demo")
    decision = next(hit for hit in search.search(wb, "pricing", limit=None).hits if hit.tab == "decisions")
    row = wb.decisions.iloc[decision.position]
    card = next(card for card in "".join(bodies(at)).split('<div class="ll-hit">')
                if f'<span class="ll-id">{decision.id.replace("-", "&#45;")}</span>' in card)
    text = "".join(parsed(card).text)
    for source_id in row["source_ids"]:
        assert source_id in text
    for critique_id in row["critique_ids"]:
        assert critique_id in text


def test_the_search_is_read_from_the_link_and_kept_in_it(demo_workbook):
    at = open_search({"q": "annual plan"})
    box = at.text_input(key="q")
    assert box.value == "annual plan"
    assert box.proto.query_param_key == "q", "the box writes what is typed into the address as ?q="
    assert at.query_params["q"] == "annual plan"
    found = search.search(load.workbook("demo"), "annual plan")
    assert groups(at) == {LABELS[tab]: count for tab, count in found.counts.items() if count}
    box.input("onboarding").run()
    assert groups(at) == {LABELS[tab]: count for tab, count in
                          search.search(load.workbook("demo"), "onboarding").counts.items() if count}


def test_the_sidebar_filters_apply(demo_workbook):
    at = open_search({"q": "pricing", "team": "Growth"})
    assert at.multiselect(key="team").value == ["Growth"]
    found = search.search(load.workbook("demo"), "pricing", Filters(teams=("Growth",)))
    assert groups(at) == {LABELS[tab]: count for tab, count in found.counts.items() if count}
    assert found.total < search.search(load.workbook("demo"), "pricing").total
    assert "in the rows the filters select" in summary(at)


def test_a_typo_says_what_was_searched_instead(demo_workbook):
    at = open_search({"q": "onbording"})
    assert "Nothing matched onbording: showing results for onboarding." in summary(at)
    assert groups(at)


def test_an_empty_box_explains_how_a_search_matches(demo_workbook):
    at = open_search()
    assert not at.html and not groups(at)
    assert any("double quotes" in caption.value for caption in at.caption)


@pytest.mark.parametrize("q", ['"', "*", "-", ":", "NEAR", "OR", "(", ")", "x" * 10_000, "(" * 10_000,
                               'NEAR(pricing "annual', "pricing OR -onboarding*"])
def test_any_query_in_the_link_renders(demo_workbook, q):
    open_search({"q": q})


def test_a_tab_with_more_results_than_shown_says_so(demo_workbook):
    at = open_search({"q": "checkout"})
    counts = groups(at)
    notes = {caption.value for caption in at.caption if caption.value.startswith("The best")}
    cards = cards_per_group(at)
    assert len(cards) == len(counts)
    for (label, count), shown in zip(counts.items(), cards, strict=True):
        assert shown <= count
        if shown < count:
            assert f"The best {shown} of {count}: add a word or a filter to narrow them." in notes, label
    assert any(shown < count for shown, count in zip(cards, counts.values(), strict=True))


# -------------------------------------------------------------------------------- a roll-up ---


def test_a_rollups_results_say_which_sheet_each_is_from(tmp_path, monkeypatch):
    monkeypatch.delenv("LEARNLOOP_SOURCE", raising=False)
    sources = [str(files.write_xlsx(raw_tabs(), tmp_path / "team-a.xlsx")),
               str(files.write_csv_folder(second_raw_tabs(), tmp_path / "team-b"))]
    at = open_search({"q": "lenny"}, secrets={"learnloop": {"sheets": sources}})
    assert groups(at) == {"Sources": 2}
    cards = html.unescape("".join(bodies(at)))
    assert "team-a" in cards and "team-b" in cards
    # Each S-… is cited by its own sheet's decisions: team-a's S-1 by D-1; team-b's S-7 by D-1 and D-4.
    texts = ["".join(parsed(card).text) for card in "".join(bodies(at)).split('<div class="ll-hit">')[1:]]
    by_id = {text.split("row")[0].strip(): text for text in texts}
    assert "Cited by: D-1 Keep the price" in by_id["S-1"] and "D-4" not in by_id["S-1"]
    assert "D-1 Keep the price" in by_id["S-7"] and "D-4 Fortnightly interviews" in by_id["S-7"]


# ------------------------------------------------------------------------- never markup ---


@pytest.fixture
def injection_workbook(tmp_path, monkeypatch):
    tabs = planted_tabs()
    tabs["decisions"][1][tabs["decisions"][0].index("summary")] = "Keep the price"  # a formula is the CSV's concern
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(files.write_xlsx(tabs, tmp_path / "planted.xlsx")))


def assert_inert(at: AppTest) -> str:
    """Every HTML element the page drew holds only the page's own tags, no link but to Google Sheets,
    nothing Markdown would turn into markup; returns the text a reader sees."""
    seen = []
    for body in bodies(at):
        found = parsed(body)
        assert {tag for tag, _ in found.tags} <= OWN_TAGS, found.tags
        for tag, attrs in found.tags:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            if tag == "a":
                assert attrs["href"].startswith("https://docs.google.com/"), attrs
        assert not MARKUP.search(rendered_markdown(body)), body[:300]
        seen.append("".join(found.text))
    for element in [*at.markdown, *at.caption, *at.subheader]:
        assert not MARKUP.search(rendered_markdown(element.value)), element.value
    return "\n".join(seen)


def test_sheet_text_is_shown_as_typed_and_never_becomes_markup(injection_workbook):
    at = open_search({"q": "bold"})
    assert set(groups(at)) == set(LABELS.values())
    shown = assert_inert(at)
    assert shown.count(PAYLOAD) >= len(LABELS), "the planted text is on screen, as typed, in every tab"
    assert "javascript:alert(1)" in shown


@pytest.mark.parametrize("q", [PAYLOAD, "zzqx " + PAYLOAD, "onbordin " + PAYLOAD])
def test_a_hostile_query_in_a_shared_link_is_shown_as_typed(injection_workbook, q):
    at = open_search({"q": q})
    shown = assert_inert(at)
    assert PAYLOAD in shown


# ------------------------------------------------------------------- every shape of workbook ---


def test_an_empty_workbook_finds_nothing_and_says_so(empty_workbook):
    at = open_search({"q": "pricing"})
    assert not groups(at)
    assert summary(at) == "Nothing matches pricing."


def test_a_messy_workbook_is_searched_in_the_rows_it_keeps(messy_workbook):
    import os

    at = open_search({"q": "a"})
    found = search.search(load.workbook(os.environ["LEARNLOOP_SOURCE"]), "a")
    assert found.total and sum(groups(at).values()) == found.total


@pytest.mark.parametrize("query", [{}, {"team": "Gamma"}, {"team": ["Alpha", "Delta"], "quarters": ["2026-Q1", "2026-Q2"]},
                                   {"person": "Ana"}, {"theme": "T-A1"}],
                         ids=["all", "team", "teams and range", "person", "theme"])
def test_a_rollup_with_any_filter_counts_what_the_search_counts(tmp_path, monkeypatch, query):
    monkeypatch.delenv("LEARNLOOP_SOURCE", raising=False)
    sources = [str(files.write_xlsx(raw_tabs(), tmp_path / "team-a.xlsx")),
               str(files.write_csv_folder(second_raw_tabs(), tmp_path / "team-b"))]
    at = open_search({"q": "interview", **query}, secrets={"learnloop": {"sheets": sources}})
    as_list = {key: value if isinstance(value, list) else [value] for key, value in query.items()}
    f = Filters(quarters=tuple(as_list["quarters"]) if "quarters" in as_list else None,
                teams=tuple(as_list.get("team", ())), people=tuple(as_list.get("person", ())),
                themes=tuple(as_list.get("theme", ())))
    found = search.search(load.workbooks(sources), "interview", f)
    assert groups(at) == {LABELS[tab]: count for tab, count in found.counts.items() if count}
    assert found.total
