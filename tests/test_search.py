"""Search: each matching rule with the rows it must find, filters, trails (a roll-up included), and
queries made of anything at all.

The small workbook (tests/fixtures/small.py) gets a few notes and feedback written for these rules
(:func:`search_tabs`); on the demo workbook the expected rows come from a plain scan of every text
cell (:func:`scanned`), so the index is checked against an independent reading of the same rule.
"""

from __future__ import annotations

import dataclasses
import re
import string
import unicodedata

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnloop import load, search, trail
from learnloop.filters import Filters
from learnloop.validate import validate_workbook
from tests.fixtures.small import raw_tabs, rollup_workbook, small_workbook

#: Every text column of every tab: what a team lead expects a search to look through.
TEXT_COLUMNS = {
    "themes": ["theme_id", "title", "owner", "team", "definition_of_good"],
    "sources": ["source_id", "name", "owner", "team", "notes"],
    "critiques": ["critique_id", "artifact", "presenter", "participants", "feedback", "follow_up", "team"],
    "commitments": ["commitment_id", "title", "owner", "team"],
    "decisions": ["decision_id", "summary", "owner", "team"],
}
LONG_NOTE = "A long transcript. " * 1500 + "The needle is here, mid-way. " + "More words follow. " * 1500
SPECIALS = ['"', "'", "*", "-", ":", "(", ")", "()", "NEAR", "OR", "AND", "NOT", "^", "{", "}", "[", "]", "\\",
            "%", "_", "+", "~", "|", "&", "$", "#", "@", ";", ",", ".", "?", "!", "/", "<", ">", "=", "`", "\x00",
            "\x1b[2J", "\u200b", "🙂", "'; DROP TABLE cells; --", "pricing OR onboarding", "NEAR(pricing onboarding)",
            "pricing NOT onboarding", "-pricing", "pricing*", "*pricing", "title:pricing", "^pricing", '"pricing',
            'pricing"', '""', '"" pricing', "(pricing", "pricing)", "pricing AND", "AND pricing", "NEAR(pricing",
            "pricing:", "{title}: pricing", "p\"r\"i\"c\"i\"n\"g", "'pricing'"]


def set_cell(tabs, tab: str, row_id: str, column: str, value) -> None:
    header = tabs[tab][0]
    row = next(row for row in tabs[tab][1:] if row[0] == row_id)
    row[header.index(column)] = value


def search_tabs() -> dict:
    """The small workbook with the notes and feedback the matching rules are tried on."""
    tabs = raw_tabs()
    set_cell(tabs, "sources", "S-7", "notes", "Preisgestaltung im Café: Kunden zahlen lieber jährlich")
    set_cell(tabs, "sources", "S-8", "notes", "Met at the cafe after the churn review")
    set_cell(tabs, "sources", "S-9", "notes", LONG_NOTE)
    set_cell(tabs, "critiques", "C-1", "feedback", "Anchor the annual plan higher; nobody compares plans monthly")
    set_cell(tabs, "critiques", "C-1", "follow_up", "Rerun the annual plan test in May")
    set_cell(tabs, "critiques", "C-2", "feedback", "The plan is annual, not monthly")
    set_cell(tabs, "decisions", "D-3", "commitment_id", "K-2")
    return tabs


@pytest.fixture(scope="module")
def wb():
    return validate_workbook(search_tabs(), source="small")


@pytest.fixture(scope="module")
def demo():
    return load.workbook("demo")


def ids(found: search.Results) -> dict[str, set[str]]:
    """The ids found, per tab (tabs with none left out)."""
    out: dict[str, set[str]] = {}
    for hit in found.hits:
        out.setdefault(hit.tab, set()).add(hit.id)
    return out


def find(wb, query: str, f: Filters | None = None, **kwargs) -> search.Results:
    return search.search(wb, query, f, limit=None, **kwargs)


# ------------------------------------------------------------------------------ what is searched ---


def test_every_text_column_of_every_tab_is_searched():
    assert {tab: set(search.searched_columns(tab)) for tab in TEXT_COLUMNS} == \
        {tab: set(columns) for tab, columns in TEXT_COLUMNS.items()}


@pytest.mark.parametrize(("tab", "column"), [(tab, column) for tab, columns in TEXT_COLUMNS.items()
                                             for column in columns])
def test_a_word_in_any_text_column_finds_its_row_and_names_the_column(tab, column):
    tabs = raw_tabs()
    header = tabs[tab][0]
    row = tabs[tab][2]
    word = f"Zorblax{column.replace('_', '')}"
    row[header.index(column)] = f"{word}-9" if column.endswith("_id") else word
    planted = validate_workbook(tabs, source="planted")
    found = find(planted, word.lower())
    assert [(hit.tab, hit.column) for hit in found.hits] == [(tab, column)]
    assert found.hits[0].row == 3
    assert "«" + word in found.hits[0].snippet_text()


# ------------------------------------------------------------------------------ matching rules ---


@pytest.mark.parametrize("query", ["pricing", "PRICING", "Pricing", "pRiCiNg"])
def test_words_match_in_any_case(wb, query):
    assert ids(find(wb, query)) == {"themes": {"T-A1"}, "sources": {"S-3"}, "commitments": {"K-1"}}


@pytest.mark.parametrize("query", ["Preisgestaltung", "preisgestaltung", "PREISGESTALTUNG", "jahrlich", "jährlich"])
def test_a_german_word_matches_in_any_case_and_with_or_without_its_umlaut(wb, query):
    assert ids(find(wb, query)) == {"sources": {"S-7"}}


@pytest.mark.parametrize("query", ["cafe", "café", "CAFÉ", "Cafe\u0301"])
def test_accents_are_ignored_both_ways(wb, query):
    assert ids(find(wb, query)) == {"sources": {"S-7", "S-8"}}


def test_a_word_matches_the_start_of_longer_words(wb):
    assert ids(find(wb, "pric")) == {"themes": {"T-A1"}, "sources": {"S-3"}, "critiques": {"C-1"},
                                     "commitments": {"K-1"}, "decisions": {"D-1"}}
    assert ids(find(wb, "interview")) == {"themes": {"T-A2"}, "critiques": {"C-3", "C-9"}, "decisions": {"D-2", "D-4"}}
    assert ids(find(wb, "interviews")) == {"critiques": {"C-9"}, "decisions": {"D-2", "D-4"}}


def test_a_word_does_not_match_inside_another_word(wb):
    assert find(wb, "icing").total == 0
    assert find(wb, "view").total == 0


def two_sources(first: tuple[str, str], second: tuple[str, str]):
    """A workbook of two sources alike but for their (name, notes)."""
    tabs = raw_tabs()
    header = tabs["sources"][0]
    rows = [list(tabs["sources"][1]), list(tabs["sources"][1])]
    for row, source_id, (name, notes) in zip(rows, ("S-1", "S-2"), (first, second), strict=True):
        row[header.index("source_id")], row[header.index("name")], row[header.index("notes")] = source_id, name, notes
    tabs["sources"] = [header, *rows]
    return validate_workbook(tabs, source="two")


def test_a_whole_word_ranks_above_a_longer_word_it_starts():
    both = two_sources(("Blog", "prices went up"), ("Blog", "price went up"))
    assert [hit.id for hit in find(both, "price", tabs=["sources"]).hits] == ["S-2", "S-1"]
    reversed_ = two_sources(("Blog", "price went up"), ("Blog", "prices went up"))
    assert [hit.id for hit in find(reversed_, "price", tabs=["sources"]).hits] == ["S-1", "S-2"]
    assert [hit.id for hit in find(both, "prices", tabs=["sources"]).hits] == ["S-1"]


def test_a_match_in_a_rows_name_ranks_above_one_in_its_notes():
    both = two_sources(("Blog", "onboarding"), ("Onboarding", "blog"))
    assert [(hit.id, hit.column) for hit in find(both, "onboarding", tabs=["sources"]).hits] == [
        ("S-2", "name"), ("S-1", "notes")]


def test_every_word_is_required_in_any_order_and_any_column(wb):
    assert ids(find(wb, "weekly interviews")) == {"decisions": {"D-2"}}
    assert ids(find(wb, "interviews weekly")) == {"decisions": {"D-2"}}
    assert ids(find(wb, "annual plan")) == {"critiques": {"C-1", "C-2"}}
    # "Ana" presents C-1 (a name), "annual" is in its feedback (text): one row holds both.
    assert ids(find(wb, "ana annual")) == {"critiques": {"C-1", "C-2"}}
    assert ids(find(wb, "annual ben")) == {"critiques": {"C-1", "C-2"}}
    assert ids(find(wb, "annual eli")) == {}


def test_a_quoted_phrase_needs_its_words_side_by_side_and_whole(wb):
    assert ids(find(wb, '"annual plan"')) == {"critiques": {"C-1"}}
    assert ids(find(wb, '"plan annual"')) == {}
    assert ids(find(wb, '"price test"')) == {"themes": {"T-A1"}, "critiques": {"C-1"}}
    assert ids(find(wb, '"pric test"')) == {}, "a phrase's words are whole words"
    assert ids(find(wb, '"annual plan" may')) == {"critiques": {"C-1"}}


def test_commas_separate_words_and_other_punctuation_joins_them(wb):
    assert ids(find(wb, "weekly,interviews")) == ids(find(wb, "weekly; interviews")) == {"decisions": {"D-2"}}
    assert ids(find(wb, "lenny's")) == {"sources": {"S-1"}}
    assert ids(find(wb, "lenny-s")) == {"sources": {"S-1"}}, "a phrase of its parts, whatever joins them"
    assert ids(find(wb, "newsletter-lenny")) == {}, "the parts side by side, in order"


def test_an_id_is_found_by_typing_it(wb):
    assert ids(find(wb, "D-4")) == {"decisions": {"D-4"}}
    assert ids(find(wb, "t-b2")) == {"themes": {"T-B2"}}


def test_one_typo_in_a_longer_word_is_read_as_the_word_when_nothing_matches(wb):
    for typed in ("onbording", "onboardnig", "onboardingg", "0nboarding"):
        found = find(wb, typed)
        assert found.corrected == "onboarding", typed
        assert ids(found) == {"themes": {"T-A2"}, "sources": {"S-5"}, "commitments": {"K-2"}, "decisions": {"D-3"}}
    assert find(wb, "Podcsat").corrected == "podcast"
    assert ids(find(wb, "referal")) == ids(find(wb, "referral"))


def test_no_typo_is_read_when_something_matches_or_the_word_is_short(wb):
    assert find(wb, "podcast").corrected is None
    assert find(wb, "bokk").corrected is None and find(wb, "bokk").total == 0, "four letters: no typo"
    # "onboarding" is in the workbook, not in Beta's rows: no other word is tried for it.
    beta = find(wb, "onboarding", Filters(teams=("Beta",)))
    assert beta.total == 0 and beta.corrected is None
    # Two typos are not one.
    assert find(wb, "onbordnig").total == 0


def test_a_typo_with_a_correct_word_keeps_the_correct_word(wb):
    found = find(wb, "onbording bet")
    assert found.corrected == "onboarding bet"
    assert ids(found) == {"decisions": {"D-3"}}


@pytest.mark.parametrize("query", SPECIALS)
def test_any_special_character_is_a_query_never_syntax(wb, query):
    found = search.search(wb, query)
    assert found.total == sum(found.counts.values())


def test_operators_and_punctuation_are_searched_as_words(wb):
    assert ids(find(wb, "pricing*")) == ids(find(wb, "pricing")) == ids(find(wb, "-pricing"))
    assert ids(find(wb, "(pricing)")) == ids(find(wb, '"pricing')) == ids(find(wb, "pricing"))
    assert find(wb, "pricing OR onboarding").searched == "pricing OR onboarding"
    assert find(wb, "pricing OR onboarding").total == 0, "OR is a word that no row holds with the others"
    assert find(wb, "pricing NOT onboarding").total == 0
    assert find(wb, "NEAR").total == find(wb, "near").total
    assert find(wb, "*").total == find(wb, '"').total == find(wb, "()").total == 0


def test_a_ten_thousand_character_query_never_raises(wb):
    repeated = find(wb, ("pricing " * 1250)[:10_000])
    assert ids(repeated) == ids(find(wb, "pricing"))
    words = " ".join(f"word{n}" for n in range(2000))[:10_000]
    many = find(wb, words)
    assert many.total == 0 and many.dropped > 0
    assert len(many.searched.split()) == search.MAX_WORDS
    assert find(wb, "x" * 10_000).total == 0
    assert find(wb, "(" * 10_000).total == 0
    assert find(wb, '"' * 10_000).total == 0
    assert find(wb, "pric" + "*" * 9_996).total == find(wb, "pric").total


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(string.printable + "«»“”„éü🙂\u0301\x00ß") | st.characters(), max_size=200))
def test_any_text_at_all_is_a_query(typed):
    found = search.search(_SMALL, typed)
    assert found.total == sum(found.counts.values()) >= len(found.hits)


_SMALL = small_workbook()


# ----------------------------------------------------------------------------------- on the demo ---


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def scanned(wb, words: list[str]) -> dict[str, set[str]]:
    """The rows holding the start of every word in one of their text cells: a plain scan of each cell."""
    patterns = [re.compile(r"(?<![^\W_])" + re.escape(fold(word))) for word in words]
    out: dict[str, set[str]] = {}
    for tab, columns in TEXT_COLUMNS.items():
        frame = wb.tables[tab]
        for _, row in frame.iterrows():
            cells = [", ".join(value) if isinstance(value, tuple) else str(value) for value in row[columns]
                     if isinstance(value, tuple) or not pd.isna(value)]
            text = fold(" \n ".join(cells))
            if all(pattern.search(text) for pattern in patterns):
                out.setdefault(tab, set()).add(str(row[columns[0]]))
    return out


@pytest.mark.parametrize("words", [["pricing"], ["pric"], ["annual", "plan"], ["interview"], ["onboarding", "sales"],
                                   ["Checkout"], ["teardown"], ["Amara"]])
def test_on_the_demo_the_index_finds_what_a_scan_of_every_cell_finds(demo, words):
    assert ids(find(demo, " ".join(words))) == scanned(demo, words)


def test_on_the_demo_pricing_finds_rows_in_every_tab(demo):
    found = find(demo, "pricing")
    assert all(found.counts[tab] for tab in TEXT_COLUMNS), found.counts
    assert found.total == len(found.hits)


def test_results_come_best_first_with_every_match_counted(demo):
    found = search.search(demo, "pricing", limit=5)
    assert len(found.hits) == 5 and found.total > 5
    scores = [hit.score for hit in found.hits]
    assert scores == sorted(scores, reverse=True)
    per_tab = search.search(demo, "pricing", limit=2, per_tab=True)
    assert per_tab.counts == found.counts
    assert all(len(per_tab.in_tab(tab)) == min(2, count) for tab, count in found.counts.items())


# ------------------------------------------------------------------------------------- filters ---


def test_the_sidebar_filters_narrow_the_results(wb):
    assert ids(find(wb, "pric", Filters(teams=("Beta",)))) == {}
    assert ids(find(wb, "interview", Filters(teams=("beta",)))) == {"critiques": {"C-9"}}
    assert ids(find(wb, "pric", Filters(quarters=("2026-Q1", "2026-Q1")))) == {
        "themes": {"T-A1"}, "sources": {"S-3"}, "critiques": {"C-1"}, "commitments": {"K-1"}, "decisions": {"D-1"}}
    assert ids(find(wb, "interview", Filters(quarters=("2026-Q3", "2026-Q3")))) == {"decisions": {"D-4"}}
    assert ids(find(wb, "interview", Filters(people=("Ben",)))) == {"themes": {"T-A2"}, "critiques": {"C-3"},
                                                                   "decisions": {"D-2"}}
    assert ids(find(wb, "interview", Filters(themes=("T-B1",)))) == {"critiques": {"C-9"}}


def test_a_blank_team_takes_its_themes_team(wb):
    """C-10 has no team: it is Beta's through its theme T-B2, as the team filter reads it."""
    found = find(wb, "referral test", Filters(teams=("Beta",)))
    assert ids(found) == {"themes": {"T-B2"}, "critiques": {"C-10"}}
    assert {hit.team for hit in found.hits} == {"Beta"}


def test_an_unknown_tab_or_quarter_is_an_error_not_every_row(wb):
    with pytest.raises(ValueError, match="'decision' is not a tab"):
        search.search(wb, "pricing", tabs=["decision"])
    with pytest.raises(ValueError):
        search.search(wb, "pricing", quarters=["Q5 2026"])


def test_tabs_and_quarters_narrow_the_results(wb):
    assert ids(find(wb, "pric", tabs=["decisions", "critiques"])) == {"critiques": {"C-1"}, "decisions": {"D-1"}}
    assert ids(find(wb, "interview", quarters=["Q1 2026"])) == {"critiques": {"C-3", "C-9"}, "decisions": {"D-2"}}
    assert ids(find(wb, "interview", quarters=["2026-Q1", "2026-Q3"], tabs=["decisions"])) == {
        "decisions": {"D-2", "D-4"}}
    counted = find(wb, "interview", tabs=["decisions"])
    assert counted.counts == {"themes": 0, "sources": 0, "critiques": 0, "commitments": 0, "decisions": 2}


# ------------------------------------------------------------------------------ what a hit holds ---


def test_a_hit_says_where_it_is(wb):
    hit = find(wb, "fortnightly").hits[0]
    assert (hit.tab, hit.id, hit.row, hit.column, hit.quarter, hit.team) == ("decisions", "D-4", 5, "summary",
                                                                             "2026-Q3", "Alpha")
    assert hit.link is None, "a workbook read from a file has no cell to link to"
    assert hit.snippet_text() == "«Fortnightly» interviews"
    assert hit.snippet_text(("[", "]")) == "[Fortnightly] interviews"


def test_a_snippet_of_a_long_cell_shows_the_match_with_what_is_left_out_marked(wb):
    hit = find(wb, "needle").hits[0]
    text = hit.snippet_text()
    assert hit.column == "notes" and "«needle»" in text
    assert text.startswith("…") and text.endswith("…")
    assert len(text) <= search.SNIPPET_CHARS + 4
    assert search.marked(hit.title) == "Design meetup"


def test_every_match_of_every_word_is_marked(wb):
    hit = find(wb, "annual plan", tabs=["critiques"]).hits[0]
    assert hit.id == "C-1"
    assert hit.snippet_text() == "Anchor the «annual» «plan» higher; nobody compares «plans» monthly"
    phrase = find(wb, '"annual plan"').hits[0]
    assert "«annual plan»" in phrase.snippet_text() and "«plans»" not in phrase.snippet_text()


def test_the_index_is_built_once_per_workbook_and_kept_with_it():
    first = small_workbook()
    index = search.index(first)
    search.search(first, "pricing")
    search.search(first, "onboarding")
    assert search.index(first) is index
    again = dataclasses.replace(first)  # another read: another workbook
    assert search.index(again) is not index


# --------------------------------------------------------------------------------------- trails ---


def legs(wb, tab: str, row_id: str) -> dict[str, list[str]]:
    frame = wb.tables[tab]
    position = list(frame[TEXT_COLUMNS[tab][0]]).index(row_id)
    return {leg.label: [row.id for row in leg.rows] for leg in trail.trail(wb, tab, position)}


def test_a_decisions_trail_is_the_learning_it_cites(wb):
    assert legs(wb, "decisions", "D-1") == {"Theme": ["T-A1"], "Learned from": ["S-1", "S-2"],
                                           "Learned with": ["C-1"]}
    assert legs(wb, "decisions", "D-3") == {"Theme": ["T-A2"], "Learned with": ["C-4", "C-5"], "Commitment": ["K-2"]}
    assert legs(wb, "decisions", "D-6") == {"Theme": ["T-B2"]}


def test_a_sources_or_critiques_trail_is_the_decisions_that_cite_it(wb):
    assert legs(wb, "sources", "S-3") == {"Theme": ["T-A1"], "Cited by": ["D-2", "D-4"]}
    assert legs(wb, "sources", "S-4") == {"Theme": ["T-A1"]}
    assert legs(wb, "sources", "S-10") == {}
    assert legs(wb, "critiques", "C-5") == {"Theme": ["T-A2"], "Cited by": ["D-3"]}
    assert legs(wb, "commitments", "K-2") == {"Theme": ["T-A2"], "Named by": ["D-3"]}


def test_a_themes_trail_is_everything_on_it(wb):
    assert legs(wb, "themes", "T-A1") == {"Sources": ["S-1", "S-2", "S-3", "S-4"], "Critiques": ["C-1", "C-2", "C-3"],
                                          "Commitments": ["K-1"], "Decisions": ["D-1", "D-2"]}


def test_a_trail_ignores_the_filters(wb):
    """A Q1 source found with the range set to Q1 still shows the Q3 decision it changed."""
    found = find(wb, "pricing book", Filters(quarters=("2026-Q1", "2026-Q1")))
    hit = found.hits[0]
    assert {leg.label: [row.id for row in leg.rows] for leg in trail.trail(wb, hit.tab, hit.position)} == {
        "Theme": ["T-A1"], "Cited by": ["D-2", "D-4"]}


def test_in_a_rollup_ids_repeat_across_sheets_and_each_trail_stays_in_its_sheet():
    rollup = rollup_workbook()
    found = find(rollup, "pricing")
    # team-b's S-3 is "Continuous Discovery": only team-a's is about pricing.
    assert {(hit.sheet, hit.tab, hit.id) for hit in found.hits} == {
        ("team-a", "themes", "T-A1"), ("team-a", "sources", "S-3"), ("team-a", "commitments", "K-1"),
        ("team-b", "themes", "T-A1"), ("team-b", "commitments", "K-1")}
    theme_b = next(hit for hit in found.hits if hit.sheet == "team-b" and hit.tab == "themes")
    theirs = trail.trail(rollup, "themes", theme_b.position)
    assert {leg.label for leg in theirs} == {"Sources", "Critiques", "Commitments", "Decisions"}
    assert all(set(rollup.tables[leg.tab]["sheet"].iloc[[row.position for row in leg.rows]].astype(str)) == {"team-b"}
               for leg in theirs)
    # Lenny is team-a's S-1 (cited by its D-1) and team-b's S-7 (cited by its D-1 and D-4).
    lenny = {hit.sheet: hit for hit in find(rollup, "lenny").hits}
    assert {sheet: hit.id for sheet, hit in lenny.items()} == {"team-a": "S-1", "team-b": "S-7"}
    assert {sheet: [(row.id, str(rollup.decisions["sheet"].iat[row.position])) for leg in
                    trail.trail(rollup, "sources", hit.position) if leg.label == "Cited by" for row in leg.rows]
            for sheet, hit in lenny.items()} == {"team-a": [("D-1", "team-a")],
                                                 "team-b": [("D-1", "team-b"), ("D-4", "team-b")]}
    # Each sheet's D-1 learned from its own S-1, S-2 or S-7.
    d1 = {hit.sheet: hit for hit in find(rollup, "keep price").hits}
    assert {sheet: [row.title for leg in trail.trail(rollup, "decisions", hit.position) if leg.label == "Learned from"
                    for row in leg.rows] for sheet, hit in d1.items()} == {
        "team-a": ["Lenny's Newsletter", "Teresa Torres"], "team-b": ["Lenny's Podcast"]}


def test_a_rollup_filtered_to_one_team_finds_only_its_sheets_rows():
    rollup = rollup_workbook()
    found = find(rollup, "pricing", Filters(teams=("Gamma",)))
    assert {hit.sheet for hit in found.hits} == {"team-b"} and found.total == 2
