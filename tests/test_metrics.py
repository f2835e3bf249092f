"""Metrics and filters on a small hand-made workbook (tests/fixtures/small.py).

Every expected number is worked out by hand in the comment next to it, from the rows listed in
the fixture; "today" is AS_OF = 2026-09-15 unless a test says otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest

from learnloop import filters as fl
from learnloop import load
from learnloop import metrics as m
from learnloop.metrics import cache, playbook
from learnloop.metrics import quarters as q
from learnloop.metrics import selection as sel
from learnloop.sources.demo import TAB_HEADERS
from learnloop.validate import validate_workbook
from tests.fixtures.small import (
    AS_OF,
    EXPECTED_SCORES,
    EXPECTED_SCORES_ALPHA,
    EXPECTED_SCORES_BETA,
    fiscal_workbook,
    headers_only_workbook,
    small_workbook,
)

Q1, Q2, Q3 = "2026-Q1", "2026-Q2", "2026-Q3"
D = pd.Timestamp


@pytest.fixture(scope="module")
def wb():
    return small_workbook()


def F(**kwargs) -> fl.Filters:
    kwargs.setdefault("as_of", AS_OF)
    return fl.Filters(**kwargs)


ALL = F()
ALPHA = F(teams=("Alpha",))
BETA = F(teams=("Beta",))


def column(frame: pd.DataFrame, name: str) -> list:
    return frame[name].tolist()


# --------------------------------------------------------------------------------------
# Quarter arithmetic and filters
# --------------------------------------------------------------------------------------


def test_quarter_helpers():
    assert q.previous_quarter("2026-Q1") == "2025-Q4"
    assert q.previous_quarter("2026-Q3") == "2026-Q2"
    assert q.next_quarter("2025-Q4") == "2026-Q1"
    assert q.quarter_range("2025-Q3", "2026-Q2") == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert q.quarter_range("2026-Q2", "2026-Q1") == []
    assert q.quarter_bounds("2026-Q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert q.quarter_bounds("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert q.quarter_months("2026-Q2") == [pd.Period("2026-04", "M"), pd.Period("2026-05", "M"),
                                           pd.Period("2026-06", "M")]
    assert sorted(["2026-Q1", "2025-Q4", "2025-Q3"]) == ["2025-Q3", "2025-Q4", "2026-Q1"]


def test_fiscal_quarter_helpers():
    # Fiscal year from April, named by the year it ends in: FY2027 = Apr 2026 .. Mar 2027.
    assert q.quarter_bounds("2027-Q1", 4) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert q.quarter_bounds("2026-Q4", 4) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert q.quarter_bounds("2027-Q4", 4) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    # From February: FY2027 Q1 = Feb–Apr 2026; FY2026 Q4 = Nov 2025 – Jan 2026 (crosses the year).
    assert q.quarter_bounds("2027-Q1", 2) == (dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    assert q.quarter_bounds("2026-Q4", 2) == (dt.date(2025, 11, 1), dt.date(2026, 1, 31))
    assert q.quarter_months("2026-Q4", 2) == [pd.Period("2025-11", "M"), pd.Period("2025-12", "M"),
                                               pd.Period("2026-01", "M")]
    # 2026-09-15: calendar Q3; from April it is the 6th fiscal month of FY2027 -> Q2.
    assert fl.current_quarter(F(), 1) == "2026-Q3"
    assert fl.current_quarter(F(), 4) == "2027-Q2"
    assert fl.current_quarter(F(as_of=dt.date(2026, 3, 31)), 4) == "2026-Q4"
    assert fl.current_quarter(F(as_of=dt.date(2026, 4, 1)), 4) == "2027-Q1"


@pytest.mark.parametrize("fiscal", range(1, 13))
def test_every_date_lies_in_the_quarter_its_label_names(fiscal):
    # Every month from 1990 to 2030 for every fiscal start: the first and last day of a month fall in
    # the quarter the calendar labels them with, and each quarter starts the day after the one before ends.
    firsts = pd.date_range("1990-01-01", "2030-12-01", freq="MS")
    days = pd.Series(firsts.append(firsts + pd.offsets.MonthEnd(0)).append(pd.DatetimeIndex([pd.NaT])))
    labels = q.quarters_of(days, fiscal)
    assert pd.isna(labels.iloc[-1])
    for day, label in zip(days.iloc[:-1], labels.iloc[:-1], strict=True):
        start, end = q.quarter_bounds(label, fiscal)
        assert start <= day.date() <= end, (day, label)
    for label in ("1999-Q4", "2026-Q1", "2027-Q3"):
        assert q.quarter_bounds(q.next_quarter(label), fiscal)[0] == q.quarter_bounds(label, fiscal)[1] + dt.timedelta(1)


def test_a_quarter_range_picks_the_rows_whose_quarter_is_in_it(wb):
    for tab in sel.TABS:
        labels = wb.tables[tab]["quarter"]
        picked = sel.select(wb, F(quarters=(Q1, Q2))).tables[tab]
        assert picked.index.tolist() == labels.index[labels.isin([Q1, Q2]).fillna(False)].tolist(), tab


def test_filters_normalise_and_know_today():
    f = fl.Filters(quarters=("2026-Q3", "Q1 2026"), teams="Alpha", people=(" Ana ", "Ana", ""))
    assert f.quarters == ("2026-Q1", "2026-Q3")
    assert f.teams == ("Alpha",)
    assert f.people == ("Ana",)
    assert fl.Filters(as_of=dt.datetime(2026, 1, 2, 10, 30)).today() == dt.date(2026, 1, 2)
    assert fl.Filters().today() == dt.date.today()
    with pytest.raises(ValueError):
        fl.Filters(quarters=("soon", "2026-Q1"))
    assert hash(F(teams=("Alpha",))) == hash(F(teams=("Alpha",)))


def test_available_choices(wb):
    choices = sel.choices(wb)
    assert choices["quarters"] == [Q1, Q2, Q3]
    assert choices["teams"] == ["Alpha", "Beta"]
    assert choices["people"] == ["Ana", "Ben", "Cai", "Dee", "Eli"]
    # Ordered by quarter, then team, then id.
    assert choices["themes"] == {"T-A1": "Pricing", "T-B1": "Retention", "T-A2": "Onboarding",
                                 "T-B2": "Referrals", "T-A3": "Search"}


def test_filtered_rows_per_filter(wb):
    ids = lambda tab, f: sorted(sel.select(wb, f).tables[tab].iloc[:, 0].tolist())  # noqa: E731
    # C-10 has no team cell: it is Beta's through its theme T-B2.
    assert ids("critiques", BETA) == ["C-10", "C-9"]
    # Ana presents C-1, C-2, C-6, C-8 and takes part in C-4, C-7, C-9; names match ignoring case.
    assert ids("critiques", F(people=("ana",))) == ["C-1", "C-2", "C-4", "C-6", "C-7", "C-8", "C-9"]
    assert ids("decisions", F(themes=("T-A1",))) == ["D-1", "D-2"]
    # Sources by added_on quarter: S-4 (04-01), S-5, S-6, S-9 (06-30), S-10 (06-01).
    assert ids("sources", F(quarters=(Q2, Q2))) == ["S-10", "S-4", "S-5", "S-6", "S-9"]
    assert ids("themes", F(quarters=(Q2, Q3), teams=("Alpha",))) == ["T-A2", "T-A3"]
    view = sel.select(wb, F(teams=("Beta",)))
    assert sorted(view.decisions["decision_id"]) == ["D-5", "D-6"]
    assert len(view.critiques) == 2 and len(wb.critiques) == 10
    # Names match ignoring case and runs of spaces.
    assert ids("critiques", F(teams=("  beta ",))) == ["C-10", "C-9"]


# --------------------------------------------------------------------------------------
# Playbook scorecard
# --------------------------------------------------------------------------------------


def test_scorecard_all_teams_q1_steps(wb):
    card = m.scorecard(wb, ALL, Q1)
    assert card.quarter == Q1 and card.score == 5
    assert [s.number for s in card.steps] == [1, 2, 3, 4, 5]
    assert [s.name for s in card.steps] == ["Theme set", "PLN curated", "Peer circle monthly",
                                           "Artifact shipped", "Loop closed"]
    theme, pln, circle, artifact, loop = card.steps
    assert theme.detail["themes"] == ["T-A1", "T-B1"]
    # S-1, S-3 (added 03-31), S-7, S-8 (pruned only 06-30); not S-2 (pruned 03-31), not S-4 (added 04-01).
    assert sorted(pln.detail["source_ids"]) == ["S-1", "S-3", "S-7", "S-8"]
    assert pln.detail["added"] == 5 and pln.detail["pruned"] == 1
    assert circle.evidence == "Critiques in 3 of 3 months; PM, Design and Eng all present"
    assert artifact.detail["commitment_ids"] == ["K-1"]  # shipped 03-31, the last day of Q1
    assert loop.detail["decisions"] == 3  # D-1, D-2 (03-31), D-5


@pytest.mark.parametrize(("f", "expected"), [(ALL, EXPECTED_SCORES), (ALPHA, EXPECTED_SCORES_ALPHA),
                                             (BETA, EXPECTED_SCORES_BETA)])
def test_score_trend_by_team(wb, f, expected):
    trend = m.score_trend(wb, f)
    assert list(trend.columns) == m.SCORE_TREND_COLUMNS
    assert dict(zip(trend["quarter"], trend["score"], strict=True)) == expected


def test_scorecard_evidence_when_steps_fail(wb):
    alpha_q1 = m.scorecard(wb, ALPHA, Q1)
    assert not alpha_q1.steps[1].done
    # Alpha in Q1 added S-1, S-2, S-3 and pruned S-2; only S-1 and S-3 are active at 03-31.
    assert alpha_q1.steps[1].evidence == "2 active sources on this quarter's themes (3 needed); reviewed: 3 added, 1 pruned"
    alpha_q2 = m.scorecard(wb, ALPHA, Q2)
    assert alpha_q2.steps[2].evidence == "Critiques in 2 of 3 months; PM, Design and Eng all present"
    assert alpha_q2.steps[2].detail["months_with_critiques"] == 2
    beta_q1 = m.scorecard(wb, BETA, Q1)
    assert beta_q1.steps[2].evidence == "Critiques in 1 of 3 months; Design missing"
    assert beta_q1.steps[2].detail["roles_missing"] == ["Design"]
    beta_q2 = m.scorecard(wb, BETA, Q2)
    assert beta_q2.steps[0].evidence == "No theme set (1 theme dropped)"
    # Beta in Q2: S-10 added (06-01), S-8 pruned (06-30); no theme, so no source on a theme.
    assert beta_q2.steps[1].evidence == "0 active sources on this quarter's themes (3 needed); reviewed: 1 added, 1 pruned"
    q3 = m.scorecard(wb, ALL, Q3)
    assert q3.steps[1].evidence == "0 active sources on this quarter's themes (3 needed); not reviewed: nothing added or pruned"
    assert q3.steps[3].evidence == "No artifact shipped this quarter"
    assert q3.steps[4].evidence == "1 decision write-up"
    frame = q3.to_frame()
    assert column(frame, "done") == [True, False, True, False, True]


def test_scorecard_person_theme_and_range_filters(wb):
    # Ben in Q2: T-A2 ✓; his T-A2 sources S-5, S-9 = 2 ✗; only C-5 (May) ✗; K-2 ✓; D-3 ✓.
    ben = m.scorecard(wb, F(people=("Ben",)), Q2)
    assert [s.done for s in ben.steps] == [True, False, False, True, True]
    assert ben.score == 3
    # Theme T-A1 in Q1: only S-1 and S-3 active -> step 2 fails: 4 (5 for all themes).
    assert m.scorecard(wb, F(themes=("T-A1",)), Q1).score == 4
    trend = m.score_trend(wb, F(quarters=(Q2, Q3)))
    assert column(trend, "quarter") == [Q2, Q3]
    assert column(trend, "score") == [5, 3]
    assert column(trend, "pln_curated") == [True, False]


def test_fiscal_workbook_gives_the_same_scores_under_fiscal_labels():
    fwb = fiscal_workbook()
    # Fiscal from April: Jan–Mar 2026 = 2026-Q4, Apr–Jun = 2027-Q1, Jul–Sep = 2027-Q2.
    assert sel.choices(fwb)["quarters"] == ["2026-Q4", "2027-Q1", "2027-Q2"]
    trend = m.score_trend(fwb, ALL)
    assert dict(zip(trend["quarter"], trend["score"], strict=True)) == {"2026-Q4": 5, "2027-Q1": 5, "2027-Q2": 3}
    # S-3 added 03-31 counts at the end of fiscal 2026-Q4, S-4 added 04-01 does not.
    assert sorted(m.scorecard(fwb, ALPHA, "2026-Q4").steps[1].detail["source_ids"]) == ["S-1", "S-3"]
    assert column(m.decisions_per_quarter(fwb, ALL), "decisions") == [3, 2, 1]


def test_fiscal_year_from_february_moves_quarter_boundaries():
    feb = small_workbook(fiscal_year_start_month=2)
    f = F(quarters=("2027-Q1", "2027-Q2"))
    # FY2027 Q1 = Feb–Apr 2026: D-1 (02-20), D-2 (03-31), D-5 (03-10), D-6 (04-01) = 4;
    # Q2 = May–Jul 2026: D-3 (05-25), D-4 (07-20) = 2. (Calendar quarters: 3, 2, 1.)
    assert column(m.decisions_per_quarter(feb, f), "decisions") == [4, 2]
    # Feb C-2, Mar C-3, Apr C-4: 3 months; FY2026 Q4 = Nov, Dec, Jan: only January (C-1, C-9).
    assert m.scorecard(feb, ALL, "2027-Q1").steps[2].detail["months_with_critiques"] == 3
    assert m.scorecard(feb, ALL, "2026-Q4").steps[2].detail["months_with_critiques"] == 1


# --------------------------------------------------------------------------------------
# Cadence
# --------------------------------------------------------------------------------------


def test_critiques_per_month(wb):
    months = m.critiques_per_month(wb, ALL)
    assert list(months.columns) == ["month", "critiques"]
    assert column(months, "month") == [D(f"2026-{month:02d}-01") for month in range(1, 10)]
    # Jan C-1, C-9; Feb C-2; Mar C-3 (03-31); Apr C-4 (04-01); May C-5; Jun C-10; Jul C-6; Aug C-7; Sep C-8.
    assert column(months, "critiques") == [2, 1, 1, 1, 1, 1, 1, 1, 1]
    # Beta: C-9 (Jan) and C-10 (Jun, team from its theme); the other months show 0.
    assert column(m.critiques_per_month(wb, BETA), "critiques") == [1, 0, 0, 0, 0, 1, 0, 0, 0]
    # Only the months of Q2.
    assert column(m.critiques_per_month(wb, F(quarters=(Q2, Q2))), "critiques") == [1, 1, 1]
    # Today 2026-08-10: Beta's months stop at August (no later critique); all teams keep September
    # because C-8 is dated in it.
    assert len(m.critiques_per_month(wb, F(teams=("Beta",), as_of=dt.date(2026, 8, 10)))) == 8
    assert len(m.critiques_per_month(wb, F(as_of=dt.date(2026, 8, 10)))) == 9
    # Months after today are left out unless a critique is dated in them, even with a later one: Ben on
    # 2026-05-20 over Q2..Q3 has April (none of his), May (C-5), no June, July (C-6), no August or September.
    ben = F(people=("Ben",), quarters=(Q2, Q3), as_of=dt.date(2026, 5, 20))
    months = m.critiques_per_month(wb, ben)
    assert column(months, "month") == [D("2026-04-01"), D("2026-05-01"), D("2026-07-01")]
    assert column(months, "critiques") == [0, 1, 1]
    assert m.roles_coverage(wb, ben)["month"].unique().tolist() == column(months, "month")


def test_monthly_streak(wb):
    # Sep (C-8), Aug, Jul, Jun, May, Apr, Mar, Feb, Jan all have one; December 2025 has none.
    assert m.monthly_streak(wb, ALL) == 9
    # Alpha: Sep, Aug, Jul ✓, June ✗ (C-10 is Beta's).
    assert m.monthly_streak(wb, ALPHA) == 3
    # Beta: September is under way without one, so counting starts at August, which has none.
    assert m.monthly_streak(wb, BETA) == 0
    # October 5: October has none yet and does not break the streak: Sep .. Jan = 9.
    assert m.monthly_streak(wb, F(as_of=dt.date(2026, 10, 5))) == 9
    # August 10: C-8 (09-02) is in the future and ignored; Aug (C-7, 08-05) .. Jan = 8.
    assert m.monthly_streak(wb, F(as_of=dt.date(2026, 8, 10))) == 8
    # Ben: C-6 in July, nothing in June.
    assert m.monthly_streak(wb, F(people=("Ben",), as_of=dt.date(2026, 7, 31))) == 1


def test_sources_flow(wb):
    flow = m.sources_flow(wb, ALL)
    assert list(flow.columns) == m.SOURCES_FLOW_COLUMNS
    assert column(flow, "quarter") == [Q1, Q2, Q3]
    # Q1 added S-1, S-2, S-3, S-7, S-8; pruned S-2 (03-31); active 5 - 1 = 4.
    # Q2 added S-4, S-5, S-6, S-9, S-10; pruned S-8 (06-30); active 10 - 2 = 8. Q3: nothing, 8.
    assert column(flow, "added") == [5, 5, 0]
    assert column(flow, "pruned") == [1, 1, 0]
    assert column(flow, "active_at_end") == [4, 8, 8]
    # Alpha: Q1 +S-1,S-2,S-3 -S-2 -> 2; Q2 +S-4,S-5,S-6,S-9 -> 6.
    alpha = m.sources_flow(wb, ALPHA)
    assert column(alpha, "added") == [3, 4, 0] and column(alpha, "active_at_end") == [2, 6, 6]
    # A range from Q2 still counts the sources added before it.
    assert column(m.sources_flow(wb, F(quarters=(Q2, Q3))), "active_at_end") == [8, 8]


def test_commitments_per_quarter(wb):
    table = m.commitments_per_quarter(wb, ALL)
    assert list(table.columns) == m.COMMITMENTS_PER_QUARTER_COLUMNS
    # Committed: Q1 K-1, K-4, K-6; Q2 K-2, K-5; Q3 K-3, K-7.
    assert column(table, "committed") == [3, 2, 2]
    # Shipped: Q1 K-1 (03-31, due 03-15: late); Q2 K-2 (on its due date) and K-6 (04-01, no due date).
    assert column(table, "shipped") == [1, 2, 0]
    assert column(table, "shipped_on_time") == [0, 2, 0]
    rates = column(table, "on_time_rate")
    assert rates[:2] == [0.0, 1.0] and math.isnan(rates[2])
    beta = m.commitments_per_quarter(wb, BETA)
    assert column(beta, "committed") == [2, 1, 0]  # K-4, K-6 | K-5
    assert column(beta, "shipped") == [0, 1, 0]  # K-6 in Q2


def test_decisions_per_quarter(wb):
    assert column(m.decisions_per_quarter(wb, ALL), "decisions") == [3, 2, 1]  # D-1,D-2,D-5 | D-3,D-6 | D-4
    assert column(m.decisions_per_quarter(wb, ALPHA), "decisions") == [2, 1, 1]
    assert column(m.decisions_per_quarter(wb, BETA), "decisions") == [1, 1, 0]
    assert column(m.decisions_per_quarter(wb, F(themes=("T-A1",))), "decisions") == [2, 0, 0]
    assert column(m.decisions_per_quarter(wb, F(people=("Ben",))), "decisions") == [1, 1, 0]  # D-2 | D-3


# --------------------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------------------


def test_decisions_by_category(wb):
    table = m.decisions_by_category(wb, ALL)
    assert list(table.columns) == ["quarter", "category", "decisions"]
    got = {(q, c): n for q, c, n in table.itertuples(index=False)}
    # Q1: decision D-1, D-5; discovery_cadence D-2. Q2: bet D-3, D-6. Q3: discovery_cadence D-4.
    assert got == {
        (Q1, "decision"): 2, (Q1, "discovery_cadence"): 1, (Q1, "bet"): 0,
        (Q2, "decision"): 0, (Q2, "discovery_cadence"): 0, (Q2, "bet"): 2,
        (Q3, "decision"): 0, (Q3, "discovery_cadence"): 1, (Q3, "bet"): 0,
    }


def test_traced_share(wb):
    # Traced: D-1 (S, C), D-2 (S), D-3 (C), D-4 (S, C), D-5 (S); not D-6.
    assert m.traced_share(wb, ALL) == pytest.approx(5 / 6)
    assert m.traced_share(wb, ALL, Q1) == 1.0
    assert m.traced_share(wb, ALL, Q2) == 0.5  # D-3 yes, D-6 no
    assert m.traced_share(wb, BETA) == 0.5  # D-5 yes, D-6 no
    assert m.traced_share(wb, F(quarters=(Q2, Q3))) == pytest.approx(2 / 3)  # D-3, D-4 of D-3, D-4, D-6
    assert m.traced_share(wb, F(themes=("T-B2",))) == 0.0
    assert m.traced_share(wb, F(people=("Nobody",))) is None


def test_learning_mix(wb):
    mix = m.learning_mix(wb, ALL)
    assert list(mix.columns) == m.LEARNING_MIX_COLUMNS
    assert column(mix, "mix") == ["from", "with", "both"]
    # From only: D-2, D-5; with only: D-3; both: D-1, D-4. Of 5 traced.
    assert column(mix, "decisions") == [2, 1, 2]
    assert column(mix, "share") == pytest.approx([0.4, 0.2, 0.4])
    assert column(m.learning_mix(wb, BETA), "decisions") == [1, 0, 0]


def test_time_to_impact(wb):
    pairs = m.time_to_impact(wb, ALL)
    assert list(pairs.columns) == m.TIME_TO_IMPACT_COLUMNS
    got = [(k, i, d, n) for k, i, d, n in pairs[["kind", "id", "decision_id", "days"]].itertuples(index=False)]
    assert got == [
        ("critique", "C-1", "D-1", 36),  # 01-15 -> 02-20: 16 + 20
        ("source", "S-1", "D-1", 46),  # 01-05 -> 02-20: 26 + 20
        ("source", "S-2", "D-1", 10),  # 02-10 -> 02-20
        ("source", "S-7", "D-5", 49),  # 01-20 -> 03-10: 11 + 28 + 10
        ("source", "S-3", "D-2", 0),  # 03-31 -> 03-31
        ("critique", "C-4", "D-3", 54),  # 04-01 -> 05-25: 29 + 25
        ("critique", "C-5", "D-3", 5),  # 05-20 -> 05-25
        ("critique", "C-6", "D-4", 12),  # 07-08 -> 07-20
        ("source", "S-3", "D-4", 111),  # 03-31 -> 07-20: 30 + 31 + 30 + 20
    ]
    # Sources 0, 10, 46, 49, 111 -> 46; critiques 5, 12, 36, 54 -> (12 + 36) / 2 = 24.
    assert pairs.groupby("kind")["days"].median().to_dict() == {"source": 46.0, "critique": 24.0}
    assert column(m.time_to_impact(wb, BETA), "days") == [49]


def test_top_sources(wb):
    top = m.top_sources(wb, ALL)
    assert list(top.columns) == m.TOP_SOURCES_COLUMNS
    # S-3 by D-2 and D-4; S-1, S-2 by D-1; S-7 by D-5 (ties by id).
    assert column(top, "source_id") == ["S-3", "S-1", "S-2", "S-7"]
    assert column(top, "decisions") == [2, 1, 1, 1]
    assert top.iloc[0][["name", "kind"]].tolist() == ["Pricing book", "book"]
    assert column(m.top_sources(wb, ALL, n=2), "source_id") == ["S-3", "S-1"]
    # Q1 only: D-4 drops out, so S-3 counts once.
    assert column(m.top_sources(wb, F(quarters=(Q1, Q1))), "decisions") == [1, 1, 1, 1]


def test_dormant_sources(wb):
    dormant = m.dormant_sources(wb, ALL)
    assert list(dormant.columns) == m.DORMANT_COLUMNS
    # S-7 last 02-01: 27+31+30+31+30+31+31+15 = 226; S-3 never engaged, added 03-31: 30+31+30+31+31+15 = 168;
    # S-4 last 04-10: 20+31+30+31+31+15 = 158. S-10 is exactly 90 days (not more); S-2, S-8 are pruned.
    assert column(dormant, "source_id") == ["S-7", "S-3", "S-4"]
    assert column(dormant, "days_since") == [226, 168, 158]
    assert column(dormant, "last_engaged_on") == [D("2026-02-01"), D("2026-03-31"), D("2026-04-10")]
    # At 89 days S-10 (90) joins; at 60 also S-9 (06-30: 31+31+15 = 77) and S-6 (07-01: 30+31+15 = 76).
    assert column(m.dormant_sources(wb, ALL, days=89), "source_id") == ["S-7", "S-3", "S-4", "S-10"]
    assert column(m.dormant_sources(wb, ALL, days=60), "days_since") == [226, 168, 158, 90, 77, 76]
    assert column(m.dormant_sources(wb, ALPHA), "source_id") == ["S-3", "S-4"]
    assert column(m.dormant_sources(wb, F(people=("Dee",))), "source_id") == ["S-7"]


def test_reversals(wb):
    table = m.reversals(wb, ALL)
    assert list(table.columns) == m.REVERSALS_COLUMNS
    assert column(table, "decision_id") == ["D-2", "D-6"]
    assert column(table, "status") == ["superseded", "reverted"]
    first = table.iloc[0]
    assert (first["replaced_by"], first["replaced_on"], first["replaced_by_summary"]) == (
        "D-4", D("2026-07-20"), "Fortnightly interviews")
    assert first["days_in_force"] == 111  # 03-31 -> 07-20
    assert pd.isna(table.iloc[1]["replaced_by"]) and pd.isna(table.iloc[1]["days_in_force"])
    assert column(m.reversals(wb, BETA), "decision_id") == ["D-6"]
    assert m.reversals(wb, F(quarters=(Q3, Q3))).empty


# --------------------------------------------------------------------------------------
# Themes, KPIs, commitments
# --------------------------------------------------------------------------------------


def test_theme_summary(wb):
    table = m.theme_summary(wb, ALL)
    assert list(table.columns) == m.THEME_SUMMARY_COLUMNS
    counts = table.set_index("theme_id")[["sources", "critiques", "commitments", "shipped", "decisions"]]
    assert list(counts.index) == ["T-A1", "T-B1", "T-A2", "T-B2", "T-A3"]
    assert counts.loc["T-A1"].tolist() == [4, 3, 1, 1, 2]  # S-1..S-4 | C-1..C-3 | K-1 | K-1 | D-1, D-2
    assert counts.loc["T-B1"].tolist() == [2, 1, 2, 1, 1]  # S-7, S-8 | C-9 | K-4, K-6 | K-6 | D-5
    assert counts.loc["T-A2"].tolist() == [3, 2, 1, 1, 1]  # S-5, S-6, S-9 | C-4, C-5 | K-2 | K-2 | D-3
    assert counts.loc["T-B2"].tolist() == [0, 1, 1, 0, 1]  # - | C-10 | K-5 (dropped) | - | D-6
    assert counts.loc["T-A3"].tolist() == [0, 3, 2, 0, 1]  # - | C-6..C-8 | K-3, K-7 | - | D-4
    assert column(m.theme_summary(wb, F(quarters=(Q2, Q2))), "theme_id") == ["T-A2", "T-B2"]
    # Ben owns T-A2; his rows on it: S-5, S-9 | C-5 | K-2 | K-2 | D-3.
    ben = m.theme_summary(wb, F(people=("Ben",)))
    assert column(ben, "theme_id") == ["T-A2"]
    assert ben.iloc[0][["sources", "critiques", "commitments", "shipped", "decisions"]].tolist() == [2, 1, 1, 1, 1]


def test_kpis(wb):
    kpis = m.kpis(wb, ALL, Q2)
    assert [k.name for k in kpis] == ["Playbook score", "Critiques held", "Decisions written up", "Traced share"]
    assert [k.key for k in kpis] == ["playbook_score", "critiques_held", "decisions_written", "traced_share"]
    got = [(k.value, k.previous, k.delta) for k in kpis]
    # Score 5 vs 5; critiques C-4, C-5, C-10 vs C-1, C-2, C-3, C-9; decisions 2 vs 3; traced 1/2 vs 3/3.
    assert got == [(5, 5, 0), (3, 4, -1), (2, 3, -1), (0.5, 1.0, -0.5)]
    # Q3 is under way on 2026-09-15, its 77th day: it is compared with Q2 as it stood on its 77th day (06-16).
    alpha = m.kpis(wb, ALPHA, Q3)
    assert [k.name for k in alpha] == ["Playbook score to date", "Critiques held to date", "Decisions written up to date",
                                       "Traced share to date"]
    # Score: Q3 T-A3 ✓, no source ✗, Jul/Aug/Sep with all three roles ✓, nothing shipped ✗, D-4 ✓ = 3; Q2 by
    # 06-16: T-A2 ✓, only S-5 and S-6 added by then (2) ✗, Apr and May only ✗, K-2 ships 06-20 ✗, D-3 ✓ = 2.
    # Critiques C-6, C-7, C-8 vs C-4, C-5; decisions D-4 vs D-3 (05-25); both traced.
    assert [(k.value, k.previous, k.delta) for k in alpha] == [(3, 2, 1), (3, 2, 1), (1, 1, 0), (1.0, 1.0, 0.0)]
    assert "its first 77 days, against the first 77 days of 2026-Q2" in alpha[1].help
    # The whole of Q2 against the whole of Q1 once Q3 has closed.
    closed = [(k.value, k.previous, k.delta) for k in m.kpis(wb, F(teams=("Alpha",), as_of=dt.date(2026, 10, 2)), Q3)]
    assert closed == [(3, 4, -1), (3, 2, 1), (1, 1, 0), (1.0, 1.0, 0.0)]
    # Before the workbook starts there is nothing: traced share has no previous value, so no delta.
    first = m.kpis(wb, ALL, Q1)
    assert (first[0].previous, first[0].delta) == (0, 5)
    assert (first[3].value, first[3].previous, first[3].delta) == (1.0, None, None)
    assert all(k.help for k in kpis)


def test_commitment_ledger(wb):
    ledger = m.commitment_ledger(wb, ALL)
    assert list(ledger.columns) == m.LEDGER_COLUMNS
    states = dict(zip(ledger["commitment_id"], ledger["state"], strict=True))
    assert list(states) == ["K-1", "K-4", "K-6", "K-2", "K-5", "K-3", "K-7"]  # by committed_on
    assert states == {
        "K-1": "shipped_late",  # shipped 03-31, due 03-15
        "K-4": "overdue",  # planned, due 03-01
        "K-6": "shipped",  # no due date
        "K-2": "shipped",  # shipped on its due date
        "K-5": "dropped",
        "K-3": "in_progress",  # due 10-15
        "K-7": "planned",  # blank status, no due date
    }
    # Due on today is not overdue yet; the day after it is.
    on_due = m.commitment_ledger(wb, F(as_of=dt.date(2026, 10, 15)))
    after_due = m.commitment_ledger(wb, F(as_of=dt.date(2026, 10, 16)))
    assert on_due.set_index("commitment_id").loc["K-3", "state"] == "in_progress"
    assert after_due.set_index("commitment_id").loc["K-3", "state"] == "overdue"
    assert column(m.commitment_ledger(wb, F(quarters=(Q3, Q3))), "commitment_id") == ["K-3", "K-7"]
    assert column(m.commitment_ledger(wb, F(people=("Eli",))), "state") == ["shipped", "dropped"]  # K-6, K-5


def test_carried_over(wb):
    # Q1 (ends 03-31): K-1 shipped on 03-31; K-4 committed in Q1 and due in Q1; K-6 committed in Q1, no due date.
    assert m.carried_over(wb, ALL, Q1).empty
    assert list(m.carried_over(wb, ALL, Q1).columns) == m.CARRIED_OVER_COLUMNS
    # Q2: K-4 still open, committed in Q1. K-6 shipped 04-01, K-5 dropped, K-3 committed after Q2.
    q2 = m.carried_over(wb, ALL, Q2)
    assert column(q2, "commitment_id") == ["K-4"] and column(q2, "reason") == ["committed earlier"]
    # Q3 (ends 09-30): K-4 again; K-3 committed in Q3 but due 10-15; K-7 has no due date.
    q3 = m.carried_over(wb, ALL, Q3)
    assert column(q3, "commitment_id") == ["K-4", "K-3"]
    assert column(q3, "reason") == ["committed earlier", "due later"]
    assert column(q3, "state") == ["overdue", "in_progress"]
    assert column(m.carried_over(wb, ALPHA, Q3), "commitment_id") == ["K-3"]


# --------------------------------------------------------------------------------------
# Peer circle make-up and learning flows
# --------------------------------------------------------------------------------------


def test_roles_coverage(wb):
    table = m.roles_coverage(wb, ALL)
    assert list(table.columns) == ["month", "role", "critiques"]
    assert len(table) == 9 * 6  # Jan..Sep x PM, Design, Eng, Data, Research, Other
    january = table[table["month"].eq(D("2026-01-01"))]
    assert dict(zip(january["role"], january["critiques"], strict=True)) == {
        "PM": 2, "Design": 1, "Eng": 2, "Data": 0, "Research": 0, "Other": 0}  # C-1 (PM, Design, Eng), C-9 (PM, Eng)
    # PM: C-1, C-2, C-4, C-6, C-7, C-8, C-9; Design: C-1, C-2, C-3, C-5, C-6; Eng: C-1, C-3, C-4, C-6, C-7, C-9, C-10.
    assert table.groupby("role")["critiques"].sum().to_dict() == {
        "Data": 0, "Design": 5, "Eng": 7, "Other": 0, "PM": 7, "Research": 0}
    beta = m.roles_coverage(wb, BETA)
    assert beta["critiques"].sum() == 3  # C-9 PM, Eng; C-10 Eng


def test_artifact_types(wb):
    table = m.artifact_types(wb, ALL)
    assert list(table.columns) == ["artifact_type", "critiques"]
    # experiment C-1, C-5, C-6, C-10; roadmap C-2, C-7; discovery_plan C-3, C-9; prototype C-4; strategy C-8.
    assert dict(zip(table["artifact_type"], table["critiques"], strict=True)) == {
        "experiment": 4, "roadmap": 2, "discovery_plan": 2, "prototype": 1, "strategy": 1, "other": 0}
    assert column(m.artifact_types(wb, BETA), "critiques") == [1, 0, 1, 0, 0, 0]


def test_learning_flows(wb):
    flows = m.learning_flows(wb, ALL)
    assert list(flows.columns) == m.LEARNING_FLOWS_COLUMNS
    got = {(s, t, v) for s, t, v in flows[["source_label", "target_label", "value"]].itertuples(index=False)}
    # D-1 (Pricing, decision): S-1 newsletter, S-2 person, C-1; D-2 (Pricing, discovery cadence): S-3 book;
    # D-3 (Onboarding, bet): C-4, C-5; D-4 (Search, discovery cadence): S-3 book, C-6; D-5 (Retention,
    # decision): S-7 blog; D-6 names nothing and is left out.
    assert got == {
        ("Newsletter", "Pricing", 1), ("Person", "Pricing", 1), ("Peer critique", "Pricing", 1),
        ("Book", "Pricing", 1), ("Peer critique", "Onboarding", 2), ("Book", "Search", 1),
        ("Peer critique", "Search", 1), ("Blog", "Retention", 1),
        ("Pricing", "Decision", 3), ("Pricing", "Discovery cadence", 1), ("Onboarding", "Bet", 2),
        ("Search", "Discovery cadence", 2), ("Retention", "Decision", 1),
    }
    # What flows into the themes flows out of them: 9 citations.
    assert flows.groupby("source_stage")["value"].sum().to_dict() == {"learning": 9, "theme": 9}
    beta = m.learning_flows(wb, BETA)
    assert {(s, t, v) for s, t, v in beta[["source_label", "target_label", "value"]].itertuples(index=False)} == {
        ("Blog", "Retention", 1), ("Retention", "Decision", 1)}


def test_peer_roles_share(wb):
    table = m.peer_roles_share(wb, ALL)
    assert list(table.columns) == m.PEER_ROLES_SHARE_COLUMNS
    # Q1: C-1 (PM, Design, Eng) of C-1, C-2, C-3, C-9; Q2: none of C-4 (Eng, PM), C-5 (Design), C-10 (Eng);
    # Q3: C-6 (PM, Design, Eng) of C-6, C-7, C-8.
    assert column(table, "quarter") == [Q1, Q2, Q3]
    assert column(table, "critiques") == [4, 3, 3]
    assert column(table, "all_present") == [1, 0, 1]
    assert column(table, "share") == pytest.approx([1 / 4, 0, 1 / 3])
    # Alpha in Q1: C-1 of C-1, C-2, C-3. Beta has no critique in Q3: no share rather than 0%.
    assert m.peer_roles_share(wb, ALPHA)["share"].iloc[0] == pytest.approx(1 / 3)
    beta = m.peer_roles_share(wb, BETA)
    assert column(beta, "critiques") == [1, 1, 0] and column(beta, "all_present") == [0, 0, 0]
    assert beta["share"].iloc[:2].tolist() == [0.0, 0.0] and pd.isna(beta["share"].iloc[2])
    # The same three-line reading, by hand: the share of each quarter's critiques listing all three roles.
    critiques = wb.critiques
    by_hand = critiques["roles"].map(m.PEER_ROLES.issubset).groupby(critiques["quarter"]).mean()
    assert by_hand.tolist() == pytest.approx(column(table, "share"))


def test_month_columns_are_dates_even_when_empty():
    empty = headers_only_workbook()
    for frame in (m.critiques_per_month(empty, ALL), m.roles_coverage(empty, ALL),
                  m.critiques_per_month(empty, F(quarters=(Q1, Q1), as_of=dt.date(2025, 1, 1)))):
        assert pd.api.types.is_datetime64_any_dtype(frame["month"]), frame.dtypes


# --------------------------------------------------------------------------------------
# Edge shapes (the full matrix of workbooks and filters is in tests/test_metric_shapes.py)
# --------------------------------------------------------------------------------------


def test_a_sparse_workbook_with_missing_tabs():
    # Only critiques and decisions; no themes, sources or commitments tab at all.
    sparse = validate_workbook({
        "critiques": [list(TAB_HEADERS["critiques"]),
                      ["C-1", "2026-05-04", "roadmap", "Roadmap", None, None, None, None, None, None, None, "Solo"]],
        "decisions": [list(TAB_HEADERS["decisions"]),
                      ["D-1", "2026-05-06", "bet", "A bet", None, None, "C-1", None, None, None, "Solo",
                       "reverted", None]],
    }, source="sparse")
    f = F(as_of=dt.date(2026, 5, 20))
    # D-1 is reverted and nothing replaces it.
    table = m.reversals(sparse, f)
    assert column(table, "decision_id") == ["D-1"] and pd.isna(table.iloc[0]["replaced_by"])
    # C-1 (05-04) -> D-1 (05-06): 2 days; the decision has no theme.
    assert column(m.time_to_impact(sparse, f), "days") == [2]
    flows = m.learning_flows(sparse, f)
    assert column(flows, "source_label") == ["Peer critique", "No theme"]
    assert column(flows, "target_label") == ["No theme", "Bet"]
    # Only May, the month of today, in the one quarter present.
    assert column(m.critiques_per_month(sparse, f), "critiques") == [0, 1]
    assert m.monthly_streak(sparse, f) == 1
    assert m.scorecard(sparse, f, Q2).steps[2].evidence == "Critiques in 1 of 3 months; PM, Design and Eng missing"


def test_filters_that_match_nothing_give_empty_results(wb):
    nobody = F(people=("Nobody",))
    assert m.scorecard(wb, nobody, Q2).score == 0
    assert m.critiques_per_month(wb, nobody)["critiques"].sum() == 0
    assert m.theme_summary(wb, nobody).empty and m.commitment_ledger(wb, nobody).empty
    assert m.traced_share(wb, nobody) is None


def test_metrics_do_not_modify_the_workbook(wb):
    book = small_workbook()
    before = {tab: frame.copy() for tab, frame in book.tables.items()}
    for name in m.__all__:
        metric = getattr(m, name)
        if hasattr(metric, "definition"):
            metric(book, ALL, Q2) if "quarter" in metric.definition.__code__.co_varnames[:3] else metric(book, ALL)
    for tab, frame in book.tables.items():
        pd.testing.assert_frame_equal(frame, before[tab])


# --------------------------------------------------------------------------------------
# One definition behind every step
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("workbook", ["demo", "messy", "small", "fiscal"])
def test_the_score_trend_agrees_with_each_quarters_scorecard(workbook):
    # The trend is computed for every quarter at once; each row must say what that quarter's
    # scorecard says, step by step, whichever filters are chosen.
    from tests.fixtures.messy import MESSY_TABS

    books = {"demo": lambda: load.workbook("demo", today=dt.date(2026, 11, 23)),
             "messy": lambda: validate_workbook(MESSY_TABS, source="messy"),
             "small": small_workbook, "fiscal": fiscal_workbook}
    book = books[workbook]()
    choices = sel.choices(book)
    selections = [F(), F(teams=tuple(choices["teams"][:1])), F(people=tuple(choices["people"][:2])),
                  F(themes=tuple(list(choices["themes"])[:3]))]
    checked = 0
    for f in selections:
        trend = m.score_trend(book, f)
        numbers = m.quarter_numbers(book, f)
        for row, counts in zip(trend.itertuples(index=False), numbers.itertuples(index=False), strict=True):
            card = m.scorecard(book, f, row.quarter)
            assert row.score == card.score == counts.score, (f, row.quarter)
            assert [getattr(row, key) for _, key, _ in m.STEPS] == [step.done for step in card.steps]
            # The scorecard's evidence lists what its done flags were judged on.
            detail = {step.key: step.detail for step in card.steps}
            assert (len(detail["theme_set"]["themes"]) >= 1) == row.theme_set
            assert len(detail["artifact_shipped"]["commitment_ids"]) == detail["artifact_shipped"]["shipped"] == counts.shipped
            assert (counts.shipped >= 1) == row.artifact_shipped
            assert len(detail["loop_closed"]["decision_ids"]) == counts.decisions
            assert (counts.decisions >= 1) == row.loop_closed
            assert detail["peer_circle"]["critiques"] == counts.critiques
            assert len(detail["pln_curated"]["source_ids"]) == detail["pln_curated"]["active_sources"]
            checked += 1
    assert checked >= len(selections)


# --------------------------------------------------------------------------------------
# One cache: a selection and an answer worked out once per workbook, filters and day
# --------------------------------------------------------------------------------------


def test_a_selection_is_worked_out_once_and_callers_get_their_own_tables():
    book = small_workbook()
    assert len(cache.store(book)) == 0
    f = F(teams=("Alpha",))
    first = sel.select(book, f)
    assert sel.select(book, f) is first and sel.select(book, F(teams=("Beta",))) is not first
    assert sorted(first.sources["source_id"]) == ["S-1", "S-2", "S-3", "S-4", "S-5", "S-6", "S-9"]
    ledger = m.commitment_ledger(book, f)
    ledger["state"] = "changed by a caller"
    assert "changed by a caller" not in m.commitment_ledger(book, f)["state"].tolist()
    # The unfiltered selection is the workbook's own tables, never a copy.
    assert sel.select(book, F()).sources is book.sources


def test_a_metric_is_worked_out_once_per_workbook_filters_and_day(monkeypatch):
    # Page reruns read a metric back; a caller changing its copy changes nothing kept, and other filters,
    # another day or another workbook are worked out afresh.
    book = small_workbook()
    worked = []
    definition = m.commitment_ledger.definition
    monkeypatch.setattr(cache, "_KERNELS", {**cache._KERNELS, definition: lambda *a: worked.append(a) or definition(*a)})
    first = m.commitment_ledger(book, F())
    assert len(worked) == 1
    first["state"] = "changed by a caller"
    again = m.commitment_ledger(book, F())
    assert len(worked) == 1
    assert "changed by a caller" not in again["state"].tolist()
    for other in (F(teams=("Alpha",)), F(as_of=dt.date(2026, 12, 1))):
        m.commitment_ledger(book, other)
    m.commitment_ledger(small_workbook(), F())
    assert len(worked) == 4


def test_what_is_kept_is_bounded_and_goes_with_its_workbook(monkeypatch):
    import gc

    store = cache.Store()
    for n in range(cache.MAX_ENTRIES + 10):
        store.get(("key", n), lambda n=n: n)
    assert len(store) == cache.MAX_ENTRIES
    assert store.get(("key", 0), lambda: "recomputed") == "recomputed"  # the oldest went first
    monkeypatch.setattr(cache, "MAX_BYTES", 3_000)
    store = cache.Store()
    for n in range(5):
        store.get(("table", n), lambda: pd.DataFrame({"n": range(100)}))  # 800 bytes of int64
    assert len(store) == 3 and store.bytes == 2_400
    store.get("huge", lambda: pd.DataFrame({"n": range(1_000)}))
    assert len(store) == 1 and store.bytes == 8_000  # the newest stays, however large
    import weakref

    book = small_workbook()
    m.score_trend(book, F())
    kept = weakref.ref(cache.store(book))
    assert len(kept()) > 0
    del book
    gc.collect()
    assert kept() is None, "what was kept for a workbook goes with it"


def _active_by_hand(book) -> list[tuple[str, str]]:
    """(quarter, source_id) of every source active at the end of a quarter on one of its kept themes."""
    out = set()
    for theme in book.themes.itertuples():
        if theme.status == "dropped" or pd.isna(theme.quarter):
            continue
        end = pd.Timestamp(q.quarter_bounds(theme.quarter)[1])
        for source in book.sources.itertuples():
            if pd.isna(source.theme_id) or pd.isna(source.added_on) or source.theme_id != theme.theme_id:
                continue
            if source.added_on <= end and (pd.isna(source.pruned_on) or source.pruned_on > end):
                out.add((theme.quarter, source.source_id))
    return sorted(out)


@pytest.mark.parametrize("repeat_a_theme", [False, True])
def test_active_sources_are_counted_for_every_quarter_a_theme_is_kept_in(wb, repeat_a_theme):
    # A theme id can be kept in two quarters (a second row for it is an error, but a merged copy of the
    # same sheet is not): its sources count in both.
    book = wb
    if repeat_a_theme:
        themes = wb.themes
        again = themes.iloc[[0]].assign(quarter=q.next_quarter(themes.iloc[0]["quarter"]))
        book = dataclasses.replace(wb, tables={**wb.tables, "themes": pd.concat([themes, again])})
    active = playbook.active_sources(book, F())
    assert sorted(zip(active["quarter"], active["source_id"], strict=True)) == _active_by_hand(book)
    assert len(active) > 0


@pytest.mark.parametrize(("day", "under_way"), [(dt.date(2026, 10, 1), True), (dt.date(2026, 12, 31), True),
                                                (dt.date(2027, 1, 1), False), (dt.date(2026, 9, 30), False)])
def test_a_quarter_is_under_way_from_its_first_day_to_its_last(day, under_way):
    wb = load.workbook("demo", today=dt.date(2026, 11, 23))
    f = fl.Filters(as_of=day)
    assert m.under_way(wb, f, "2026-Q4") is under_way
    assert all(kpi.name.endswith(" to date") is under_way for kpi in m.kpis(wb, f, "2026-Q4"))
