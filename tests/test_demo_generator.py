"""The bundled demo workbook, checked on its raw tabs (no loader involved)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from learnloop.sources.demo import DEMO_TITLE, TAB_HEADERS, demo_tabs

# A mid-quarter day, quarter boundaries, a leap day and a year boundary.
TODAYS = [
    dt.date(2025, 11, 23),
    dt.date(2026, 1, 1),
    dt.date(2025, 12, 31),
    dt.date(2024, 2, 29),
    dt.date(2025, 6, 30),
    dt.date(2026, 8, 15),
]

HEADERS = {
    "themes": ["theme_id", "quarter", "title", "owner", "team", "definition_of_good", "status"],
    "sources": ["source_id", "name", "kind", "theme_id", "owner", "team", "url", "added_on",
                "last_engaged_on", "pruned_on", "notes"],
    "critiques": ["critique_id", "date", "artifact_type", "artifact", "format", "theme_id", "presenter",
                  "roles", "participants", "feedback", "follow_up", "team"],
    "commitments": ["commitment_id", "title", "kind", "audience", "theme_id", "owner", "committed_on",
                    "due_on", "shipped_on", "status", "url", "team"],
    "decisions": ["decision_id", "date", "category", "summary", "theme_id", "source_ids", "critique_ids",
                  "commitment_id", "impact", "owner", "team", "status", "supersedes"],
}

ENUMS = {
    ("themes", "status"): {"planned", "active", "done", "dropped"},
    ("sources", "kind"): {"person", "newsletter", "blog", "podcast", "book", "course", "community",
                          "event", "other"},
    ("critiques", "artifact_type"): {"experiment", "roadmap", "discovery_plan", "prototype", "strategy",
                                     "other"},
    ("critiques", "format"): {"peer_circle", "hackathon", "meetup", "workshop", "other"},
    ("commitments", "kind"): {"talk", "guide", "workshop", "post", "course", "other"},
    ("commitments", "audience"): {"internal", "public"},
    ("commitments", "status"): {"planned", "in_progress", "shipped", "dropped"},
    ("decisions", "category"): {"decision", "discovery_cadence", "bet"},
    ("decisions", "status"): {"active", "superseded", "reverted"},
}
ROLES = {"PM", "Design", "Eng", "Data", "Research", "Other"}

DATE_COLUMNS = {
    "sources": ["added_on", "last_engaged_on", "pruned_on"],
    "critiques": ["date"],
    "commitments": ["committed_on", "due_on", "shipped_on"],
    "decisions": ["date"],
}


def records(tabs: dict[str, list[list[object]]], name: str) -> list[dict[str, object]]:
    header, *rows = tabs[name]
    return [dict(zip(header, row, strict=True)) for row in rows]


def split(cell: object) -> list[str]:
    return [part.strip() for part in cell.split(",")] if cell else []


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def expected_quarters(today: dt.date) -> list[str]:
    year, q = today.year, (today.month - 1) // 3 + 1
    labels = []
    for _ in range(6):
        labels.append(f"{year}-Q{q}")
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return labels[::-1]


@pytest.fixture(scope="module", params=TODAYS, ids=str)
def case(request):
    today = request.param
    return today, demo_tabs(today)


# ---- shape and determinism -------------------------------------------------------------


def test_title():
    assert DEMO_TITLE == "Learning Loop demo"


def test_exact_tabs_and_headers(case):
    _, tabs = case
    assert list(tabs) == list(HEADERS)
    for name, header in HEADERS.items():
        assert tabs[name][0] == header
        assert TAB_HEADERS[name] == header
        assert all(len(row) == len(header) for row in tabs[name])


def test_cells_are_plain_scalars(case):
    _, tabs = case
    for rows in tabs.values():
        for row in rows[1:]:
            for cell in row:
                assert cell is None or type(cell) in (str, int, float, dt.date), repr(cell)
                assert cell != ""  # blanks are None, not empty strings


def test_same_today_same_output():
    today = dt.date(2025, 11, 23)
    assert demo_tabs(today) == demo_tabs(today)
    assert demo_tabs(dt.datetime(2025, 11, 23, 17, 30)) == demo_tabs(today)


def test_default_today_is_today():
    assert demo_tabs() == demo_tabs(dt.date.today())


def test_different_today_shifts_quarters():
    earlier = records(demo_tabs(dt.date(2025, 8, 10)), "themes")
    later = records(demo_tabs(dt.date(2025, 11, 10)), "themes")
    assert sorted({t["quarter"] for t in earlier}) == expected_quarters(dt.date(2025, 8, 10))
    assert sorted({t["quarter"] for t in later}) == expected_quarters(dt.date(2025, 11, 10))
    # Same playbook, one quarter later.
    assert [t["title"] for t in earlier] == [t["title"] for t in later]
    assert [t["theme_id"] for t in earlier] != [t["theme_id"] for t in later]


def test_sizes_are_in_range(case):
    _, tabs = case
    counts = {name: len(rows) - 1 for name, rows in tabs.items()}
    assert 10 <= counts["themes"] <= 14
    assert 40 <= counts["sources"] <= 60
    assert 80 <= counts["critiques"] <= 120
    assert 15 <= counts["commitments"] <= 25
    assert 40 <= counts["decisions"] <= 70


# ---- calendar ------------------------------------------------------------------------------


def test_six_quarters_ending_with_todays_quarter(case):
    today, tabs = case
    themes = records(tabs, "themes")
    assert sorted({t["quarter"] for t in themes}) == expected_quarters(today)
    for team in ("Checkout", "Growth"):
        assert {t["quarter"] for t in themes if t["team"] == team} == set(expected_quarters(today))


def test_nothing_dated_after_today(case):
    today, tabs = case
    for name, columns in DATE_COLUMNS.items():
        for row in records(tabs, name):
            for column in columns:
                if row[column] is not None:
                    assert isinstance(row[column], dt.date)
                    assert row[column] <= today, (name, column, row)


def test_nothing_dated_before_the_first_quarter(case):
    today, tabs = case
    first = expected_quarters(today)[0]
    for name, columns in DATE_COLUMNS.items():
        for row in records(tabs, name):
            for column in columns:
                if row[column] is not None:
                    assert quarter_of(row[column]) >= first


def test_events_lie_in_their_themes_quarter(case):
    _, tabs = case
    quarter = {t["theme_id"]: t["quarter"] for t in records(tabs, "themes")}
    events = {
        "sources": ["added_on", "pruned_on"],
        "critiques": ["date"],
        "commitments": ["committed_on", "due_on", "shipped_on"],
        "decisions": ["date"],
    }
    for name, columns in events.items():
        for row in records(tabs, name):
            if row["theme_id"] is None:
                continue
            for column in columns:
                if row[column] is not None:
                    assert quarter_of(row[column]) == quarter[row["theme_id"]], (name, column, row)


def test_theme_status_follows_the_calendar(case):
    today, tabs = case
    current = quarter_of(today)
    for theme in records(tabs, "themes"):
        if theme["quarter"] < current:
            assert theme["status"] in ("done", "dropped")
        else:
            assert theme["status"] in ("active", "planned")


def test_source_dates_are_ordered(case):
    today, tabs = case
    for source in records(tabs, "sources"):
        assert source["added_on"] <= source["last_engaged_on"] <= today
        if source["pruned_on"] is not None:
            assert source["added_on"] <= source["pruned_on"]
            assert source["last_engaged_on"] <= source["pruned_on"]
        assert source["url"].startswith("https://")


def test_commitment_dates_follow_status(case):
    _, tabs = case
    for commitment in records(tabs, "commitments"):
        if commitment["due_on"] is not None:
            assert commitment["committed_on"] <= commitment["due_on"]
        if commitment["status"] == "shipped":
            assert commitment["shipped_on"] is not None
            assert commitment["shipped_on"] >= commitment["committed_on"]
            assert commitment["url"].startswith("https://")
        else:
            assert commitment["shipped_on"] is None


# ---- enums and references ------------------------------------------------------------------


def test_every_enum_value_appears(case):
    _, tabs = case
    for (name, column), allowed in ENUMS.items():
        seen = {row[column] for row in records(tabs, name)}
        assert seen == allowed, (name, column, allowed ^ seen)
    roles = {role for c in records(tabs, "critiques") for role in split(c["roles"])}
    assert roles == ROLES


def test_ids_are_unique_and_well_formed(case):
    _, tabs = case
    prefixes = {"themes": "T-", "sources": "S-", "critiques": "C-", "commitments": "CM-",
                "decisions": "D-"}
    for name, prefix in prefixes.items():
        column = HEADERS[name][0]
        ids = [row[column] for row in records(tabs, name)]
        assert len(ids) == len(set(ids))
        assert all(i.startswith(prefix) for i in ids)


def test_all_references_resolve(case):
    _, tabs = case
    themes = {t["theme_id"] for t in records(tabs, "themes")}
    sources = {s["source_id"]: s for s in records(tabs, "sources")}
    critiques = {c["critique_id"]: c for c in records(tabs, "critiques")}
    commitments = {c["commitment_id"] for c in records(tabs, "commitments")}
    decisions = {d["decision_id"]: d for d in records(tabs, "decisions")}
    for name in ("sources", "critiques", "commitments", "decisions"):
        for row in records(tabs, name):
            assert row["theme_id"] is None or row["theme_id"] in themes
    for decision in decisions.values():
        for source_id in split(decision["source_ids"]):
            assert sources[source_id]["added_on"] <= decision["date"]
        for critique_id in split(decision["critique_ids"]):
            assert critiques[critique_id]["date"] <= decision["date"]
        if decision["commitment_id"] is not None:
            assert decision["commitment_id"] in commitments
        if decision["supersedes"] is not None:
            assert decisions[decision["supersedes"]]["date"] < decision["date"]


def test_people_stay_in_their_team(case):
    _, tabs = case
    team_of: dict[str, str] = {}
    for name, column in [("themes", "owner"), ("sources", "owner"), ("critiques", "presenter"),
                         ("commitments", "owner"), ("decisions", "owner")]:
        for row in records(tabs, name):
            assert team_of.setdefault(row[column], row["team"]) == row["team"], (name, row)
    assert len(team_of) == 8
    assert Counter(team_of.values()) == {"Checkout": 4, "Growth": 4}
    for critique in records(tabs, "critiques"):
        participants = split(critique["participants"])
        assert critique["presenter"] == participants[0]


def test_impact_is_an_int_from_1_to_5(case):
    _, tabs = case
    impacts = [d["impact"] for d in records(tabs, "decisions")]
    assert all(type(i) is int and 1 <= i <= 5 for i in impacts)
    assert len(set(impacts)) >= 4


# ---- the stories ---------------------------------------------------------------------------


def full_months(today: dt.date) -> list[str]:
    """Months of the six quarters that ended before today's month."""
    year, q = (int(part) for part in expected_quarters(today)[0].replace("-Q", " ").split())
    month = dt.date(year, 3 * q - 2, 1)
    months = []
    while (month.year, month.month) < (today.year, today.month):
        months.append(f"{month:%Y-%m}")
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def test_checkout_critiques_monthly_growth_has_gaps(case):
    today, tabs = case
    months = full_months(today)
    seen = Counter((c["team"], f"{c['date']:%Y-%m}") for c in records(tabs, "critiques"))
    assert all(seen["Checkout", m] > 0 for m in months)
    assert sum(seen["Growth", m] == 0 for m in months) >= 3


def test_checkout_circles_always_have_pm_design_eng(case):
    _, tabs = case
    for critique in records(tabs, "critiques"):
        if critique["team"] == "Checkout" and critique["format"] == "peer_circle":
            assert {"PM", "Design", "Eng"} <= set(split(critique["roles"]))


def test_growth_has_a_past_quarter_without_a_write_up(case):
    today, tabs = case
    written = {(d["team"], quarter_of(d["date"])) for d in records(tabs, "decisions")}
    past = expected_quarters(today)[:-1]
    assert all(("Checkout", q) in written for q in past)
    assert any(("Growth", q) not in written for q in past)
    dropped = [t for t in records(tabs, "themes") if t["status"] == "dropped"]
    assert len(dropped) == 1 and (dropped[0]["team"], dropped[0]["quarter"]) not in written


def test_commitment_outcomes(case):
    today, tabs = case
    commitments = records(tabs, "commitments")
    shipped = [c for c in commitments if c["status"] == "shipped"]
    assert any(c["shipped_on"] <= c["due_on"] for c in shipped)  # on time
    assert any(c["shipped_on"] > c["due_on"] for c in shipped)  # late
    assert any(c["status"] == "dropped" for c in commitments)
    open_now = [c for c in commitments if c["status"] in ("planned", "in_progress")]
    assert open_now and all(quarter_of(c["committed_on"]) == quarter_of(today) for c in open_now)


def test_sources_are_added_pruned_and_some_dormant(case):
    today, tabs = case
    sources = records(tabs, "sources")
    assert len({quarter_of(s["added_on"]) for s in sources}) >= 5
    assert any(s["pruned_on"] is not None for s in sources)
    dormant = [s for s in sources
               if s["pruned_on"] is None and (today - s["last_engaged_on"]).days > 90]
    assert dormant
    assert Counter(s["team"] for s in dormant)["Growth"] > Counter(s["team"] for s in dormant)["Checkout"]


def test_superseded_and_reverted_decisions(case):
    _, tabs = case
    decisions = {d["decision_id"]: d for d in records(tabs, "decisions")}
    replaced = {d["supersedes"]: d for d in decisions.values() if d["supersedes"]}
    for status in ("superseded", "reverted"):
        old = [d for d in decisions.values() if d["status"] == status]
        assert old
        for decision in old:
            assert decision["decision_id"] in replaced
            assert replaced[decision["decision_id"]]["team"] == decision["team"]


def test_decisions_trace_to_sources_and_critiques(case):
    _, tabs = case
    decisions = records(tabs, "decisions")

    def traced_share(team: str, column: str) -> float:
        rows = [d for d in decisions if d["team"] == team]
        return sum(bool(d[column]) for d in rows) / len(rows)

    for column in ("source_ids", "critique_ids"):
        assert traced_share("Checkout", column) > traced_share("Growth", column)
    assert any(len(split(d["source_ids"])) > 1 for d in decisions)
    assert any(d["commitment_id"] for d in decisions)
