"""Several sheets read together (one per team): ids belong to their sheet, and every number of the
roll-up is what each sheet says on its own.

The two sheets (tests/fixtures/small.py) use the same ids for different things: team-b's S-1 is
"Mind the Product", a community, where team-a's is Lenny's Newsletter; its decisions cite other
sources and critiques, and its D-4 supersedes nothing.
"""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import pandas as pd
import pytest

from learnloop import load
from learnloop import metrics as m
from learnloop.filters import Filters
from learnloop.sources import files
from learnloop.sources.demo import demo_tabs
from tests.fixtures.small import AS_OF, raw_tabs, rollup_parts, rollup_workbook, second_raw_tabs

Q1, Q2, Q3 = "2026-Q1", "2026-Q2", "2026-Q3"


def F(**kwargs) -> Filters:
    kwargs.setdefault("as_of", AS_OF)
    return Filters(**kwargs)


@pytest.fixture(scope="module")
def parts():
    return rollup_parts()


@pytest.fixture(scope="module")
def rollup():
    return rollup_workbook()


def public_metrics() -> list[str]:
    return [name for name in m.__all__ if hasattr(getattr(m, name), "definition")]


def call(name: str, wb, f: Filters, quarter: str = Q2):
    metric = getattr(m, name)
    needs_quarter = "quarter" in inspect.signature(metric.definition).parameters and \
        inspect.signature(metric.definition).parameters["quarter"].default is inspect.Parameter.empty
    return metric(wb, f, quarter) if needs_quarter else metric(wb, f)


def of_sheet(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """The rows of ``frame`` from ``sheet``, without the sheet column, numbered from 0."""
    return frame[frame["sheet"].astype(str).eq(sheet)].drop(columns="sheet").reset_index(drop=True)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="sheet").reset_index(drop=True)


ROW_LISTS = ["theme_summary", "time_to_impact", "decision_log", "reversals", "commitment_ledger", "carried_over",
             "dormant_sources"]


@pytest.mark.parametrize("name", ROW_LISTS)
def test_each_sheets_rows_are_what_that_sheet_says_alone(parts, rollup, name):
    for part in parts:
        alone = call(name, part, F())
        together = call(name, rollup, F())
        assert set(together["sheet"].astype(str)) <= {"team-a", "team-b"}
        got, expected = of_sheet(together, part.source), plain(alone)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=f"{name} of {part.source}")


def test_ids_are_looked_up_in_their_own_sheet(parts, rollup):
    # team-a's D-1 cites S-1, S-2 and C-1; team-b's D-1 cites its own S-7 and C-2.
    log = m.decision_log(rollup, F()).set_index(["sheet", "decision_id"])
    assert log.loc[("team-a", "D-1"), "learned_from"] == "Lenny's Newsletter, Teresa Torres"
    assert log.loc[("team-b", "D-1"), "learned_from"] == "Lenny's Podcast"
    assert log.loc[("team-b", "D-1"), "learned_with"] == "Q2 roadmap"
    # Top sources: S-3 twice in team-a; in team-b S-7 (D-1, D-4) and S-1 (D-2, D-4) twice each. Never merged.
    top = m.top_sources(rollup, F(), n=20)
    named = {(sheet, source_id): (name, count) for sheet, source_id, name, count
             in top[["sheet", "source_id", "name", "decisions"]].itertuples(index=False)}
    assert named[("team-a", "S-1")] == ("Lenny's Newsletter", 1)
    assert named[("team-b", "S-1")] == ("Mind the Product", 2)
    assert named[("team-b", "S-7")] == ("Lenny's Podcast", 2)
    assert sum(top["decisions"]) == sum(m.top_sources(part, F(), n=20)["decisions"].sum() for part in parts)
    # Time to impact takes the dates of the decision's own sheet's rows.
    pairs = m.time_to_impact(rollup, F())
    b = pairs[pairs["sheet"].eq("team-b") & pairs["decision_id"].eq("D-1")]
    assert sorted(zip(b["id"], b["days"], strict=True)) == [("C-2", 8), ("S-7", 31)]  # 02-12 and 01-20 -> 02-20
    # Reversals pair a decision with its own sheet's replacement: team-b's D-4 supersedes nothing.
    reversed_ = m.reversals(rollup, F())
    got = [(str(sheet), decision, None if pd.isna(by) else by)
           for sheet, decision, by in reversed_[["sheet", "decision_id", "replaced_by"]].itertuples(index=False)]
    assert got == [("team-a", "D-2", "D-4"), ("team-a", "D-6", None), ("team-b", "D-6", None)]


PER_QUARTER = {"decisions_per_quarter": ["decisions"], "sources_flow": ["added", "pruned", "active_at_end"],
               "commitments_per_quarter": ["committed", "shipped", "shipped_on_time"],
               "critiques_per_month": ["critiques"], "artifact_types": ["critiques"],
               "decisions_by_category": ["decisions"], "roles_coverage": ["critiques"],
               "peer_roles_share": ["critiques", "all_present"]}


@pytest.mark.parametrize("name", sorted(PER_QUARTER))
def test_counts_of_a_rollup_add_up_the_sheets(parts, rollup, name):
    together = call(name, rollup, F())
    a, b = (call(name, part, F()) for part in parts)
    for column in PER_QUARTER[name]:
        assert together[column].tolist() == (a[column] + b[column]).tolist(), column


def test_flows_and_source_kinds_add_up_the_sheets(parts, rollup):
    def flows(wb):
        table = m.learning_flows(wb, F())
        return table.groupby(["source_label", "target_label"])["value"].sum()

    added = flows(parts[0]).add(flows(parts[1]), fill_value=0).astype("int64")
    pd.testing.assert_series_equal(flows(rollup), added)
    # team-b's S-1 is a community, so a community flows into Pricing, which team-a alone never has.
    assert ("Community", "Pricing") in flows(rollup).index and ("Community", "Pricing") not in flows(parts[0]).index
    kinds = m.source_kinds(rollup, F()).set_index("kind")["sources"]
    alone = sum(m.source_kinds(part, F()).set_index("kind")["sources"] for part in parts)
    assert kinds.sort_index().tolist() == alone.sort_index().tolist()


@pytest.mark.parametrize("team", ["Alpha", "Gamma", "Delta"])
@pytest.mark.parametrize("name", sorted(public_metrics()))
def test_a_team_of_a_rollup_is_that_team_of_its_sheet(parts, rollup, name, team):
    part = parts[0] if team in ("Alpha", "Beta") else parts[1]
    for f in (F(teams=(team,)), F(teams=(team,), quarters=(Q2, Q3))):
        together, alone = call(name, rollup, f), call(name, part, f)
        if isinstance(together, pd.DataFrame):
            if "sheet" in together:
                together, alone = plain(together), plain(alone)
            pd.testing.assert_frame_equal(together, alone, check_dtype=False, obj=name)
        else:
            assert together == alone, name


def test_the_issue_repro_two_demo_files_and_a_team(tmp_path: Path):
    # `learnloop demo a.xlsx && learnloop demo b.xlsx`, read together and filtered to a team: every
    # metric answers, and each sheet's rows are its own.
    today = dt.date(2026, 12, 7)
    paths = [str(files.write_xlsx(demo_tabs(today), tmp_path / f"{name}.xlsx")) for name in ("a", "b")]
    wb = load.workbooks(paths)
    assert wb.sheets == ["a", "b"]
    f = Filters(teams=("Checkout",), as_of=today)
    for name in public_metrics():
        call(name, wb, f, "2026-Q3")
    one = load.workbook(paths[0])
    pd.testing.assert_frame_equal(of_sheet(m.time_to_impact(wb, f), "a"), plain(m.time_to_impact(one, f)),
                                  check_dtype=False)
    assert len(m.decision_log(wb, f)) == 2 * len(m.decision_log(one, f))


def test_blank_teams_take_the_theme_team_then_the_sheet_name():
    tabs = raw_tabs()
    header = tabs["critiques"][0]
    tabs["critiques"][1][header.index("team")] = None  # C-1, on theme T-A1 (Alpha)
    tabs["critiques"][1][header.index("theme_id")] = None  # and no theme: the sheet's name
    tabs["critiques"][2][header.index("team")] = None  # C-2, on T-A1: Alpha
    from learnloop.validate import validate_workbook

    wb = load.merge([validate_workbook(tabs, source="team-a"), validate_workbook(second_raw_tabs(), source="team-b")],
                    source="both", options=rollup_parts()[0].options)
    teams = wb.critiques.set_index(["sheet", "critique_id"])["team"]
    assert teams[("team-a", "C-1")] == "team-a" and teams[("team-a", "C-2")] == "Alpha"
    assert teams[("team-a", "C-10")] == "Beta"  # blank in the sheet; its theme T-B2 is Beta's
