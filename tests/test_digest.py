"""The weekly digest's items: what is due and the wins, from the same metrics as the pages.

Expected items on the small fixture (tests/fixtures/small.py) are worked out by hand next to each
date below; the renderings are checked for the limits and shapes each channel documents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from learnloop import digest, load, metrics
from learnloop.filters import Filters, current_quarter
from learnloop.validate import validate_workbook
from tests.fixtures.small import fiscal_workbook, raw_tabs, rollup_workbook, small_workbook

# At each date, the items (by their identity: kind|team or sheet|id or period) and who they are for.
# Teams Alpha and Beta both ran the playbook in 2026-Q2, so both get team-level nudges in Q2 and Q3.
EXPECTED = {
    # Last day of a month and of 2026-Q1 (wins since 03-24).
    "2026-03-31": {
        # K-4 (Dee) was due 03-01, not shipped: overdue (the ledger's state).
        "commitment_overdue|small|K-4": ("Dee",),
        # Beta's only critique is C-9 in January; Alpha held C-3 on 03-31.
        "critique_due|beta|2026-03": ("Dee",),
        # Beta's Q1 critique C-9 had PM and Eng: Design missing. Alpha's C-1 had all three.
        "roles_missing|beta|2026-Q1|Design": ("Dee",),
        # Last 21 days of Q1: Alpha set T-A2 for Q2; Beta's T-B2 is dropped, so no theme is set.
        "next_theme_unset|beta|2026-Q2": ("Dee",),
        # Active on 03-31: T-A1 has S-1, S-3 (S-2 pruned that day) = 2; T-B1 has S-7, S-8 = 2; 3 needed.
        "theme_thin|alpha|small|T-A1|2026-Q1": ("Ana",),
        "theme_thin|beta|small|T-B1|2026-Q1": ("Dee",),
        # Wins dated 03-25..03-31: K-1 shipped (late), D-2 written, C-3 held.
        "shipped|small|K-1": ("Ana",),
        "decision_written|small|D-2": ("Ben",),
        "critique_held|small|C-3": ("Ben",),
    },
    # Last day of June and of 2026-Q2 (wins since 06-23).
    "2026-06-30": {
        "commitment_overdue|small|K-4": ("Dee",),
        # Alpha's Q2 critiques are C-4 (April) and C-5 (May); C-10 in June is Beta's (team from its theme).
        "critique_due|alpha|2026-06": ("Ben",),
        # Beta's C-10 had Eng only. No Beta theme kept in Q2 (T-B2 dropped): its latest theme's owner, Eli.
        "roles_missing|beta|2026-Q2|PM,Design": ("Eli",),
        "next_theme_unset|beta|2026-Q3": ("Eli",),
        # S-7 last engaged 02-01 (149 days); S-3 added 03-31, never engaged (91 days). S-8 pruned today.
        "dormant_source|small|S-7": ("Dee",),
        "dormant_source|small|S-3": ("Ana",),
        "critique_held|small|C-10": ("Eli",),
    },
    # First day of 2026-Q3: both teams wrote up Q2 (D-3, D-6), so no missing write-up.
    "2026-07-01": {
        "commitment_overdue|small|K-4": ("Dee",),
        # Alpha's C-6 is dated 07-08: this month's critique is in the sheet, so no nudge for Alpha.
        "critique_due|beta|2026-07": ("Eli",),
        # T-A3 has no source at all.
        "theme_thin|alpha|small|T-A3|2026-Q3": ("Cai",),
        "dormant_source|small|S-7": ("Dee",),
        "dormant_source|small|S-3": ("Ana",),
        "critique_held|small|C-10": ("Eli",),
    },
    # Last day of 2026-Q3.
    "2026-09-30": {
        "commitment_overdue|small|K-4": ("Dee",),
        "critique_due|beta|2026-09": ("Eli",),
        # Beta held no critique in Q3 (past its first month): all three roles missing.
        "roles_missing|beta|2026-Q3|PM,Design,Eng": ("Eli",),
        "next_theme_unset|alpha|2026-Q4": ("Cai",),
        "next_theme_unset|beta|2026-Q4": ("Eli",),
        "theme_thin|alpha|small|T-A3|2026-Q3": ("Cai",),
        # More than 90 days: S-7 (241), S-3 (183), S-4 (173), S-10 (105), S-9 (92), S-6 (91).
        **{f"dormant_source|small|{sid}": (owner,) for sid, owner in
           (("S-7", "Dee"), ("S-3", "Ana"), ("S-4", "Cai"), ("S-10", "Dee"), ("S-9", "Ben"), ("S-6", "Cai"))},
    },
    # First day of 2026-Q4: Beta did nothing in Q3 (score 0) nor Q4, so it gets no team-level nudge.
    "2026-10-01": {
        # K-3 (in progress) is due 10-15: in 14 days.
        "commitment_due|small|K-3": ("Cai",),
        "commitment_overdue|small|K-4": ("Dee",),
        "critique_due|alpha|2026-10": ("Cai",),
        **{f"dormant_source|small|{sid}": (owner,) for sid, owner in
           (("S-7", "Dee"), ("S-3", "Ana"), ("S-4", "Cai"), ("S-10", "Dee"), ("S-9", "Ben"), ("S-6", "Cai"))},
    },
}


def items(d: digest.Digest) -> dict[str, tuple[str, ...]]:
    return {item.key: item.people for item in d.items}


@pytest.mark.parametrize("day", list(EXPECTED))
def test_month_and_quarter_ends_give_the_expected_items(day: str) -> None:
    d = digest.build(small_workbook(), Filters(as_of=dt.date.fromisoformat(day)))
    assert items(d) == EXPECTED[day]
    assert [item.section for item in d.items] == sorted((i.section for i in d.items), key=["due", "wins"].index)


def test_a_quarter_that_ended_without_a_write_up_is_said_in_the_next_quarters_first_month() -> None:
    tabs = raw_tabs()
    tabs["decisions"] = [row for row in tabs["decisions"] if row[0] != "D-4"]  # Alpha's only Q3 write-up
    wb = validate_workbook(tabs, source="small")
    first_month = digest.build(wb, Filters(as_of=dt.date(2026, 10, 1)))
    assert items(first_month)["writeup_missing|alpha|2026-Q3"] == ("Cai",)
    assert "writeup_missing|alpha|2026-Q3" not in items(digest.build(wb, Filters(as_of=dt.date(2026, 11, 2))))
    with_writeup = digest.build(small_workbook(), Filters(as_of=dt.date(2026, 10, 1)))
    assert "writeup_missing|alpha|2026-Q3" not in items(with_writeup)


def test_fiscal_quarters_give_the_same_items_under_their_own_labels() -> None:
    calendar = items(digest.build(small_workbook(), Filters(as_of=dt.date(2026, 6, 30))))
    fiscal = items(digest.build(fiscal_workbook(), Filters(as_of=dt.date(2026, 6, 30))))
    relabel = {"small|": "small-fiscal|", "2026-Q2": "2027-Q1", "2026-Q3": "2027-Q2"}
    expected = {}
    for key, people in calendar.items():
        for old, new in relabel.items():
            key = key.replace(old, new)
        expected[key] = people
    assert fiscal == expected


def test_the_items_are_the_pages_numbers() -> None:
    """No second definition: the overdue, due-soon and prune items are the ledger's and the prune list's
    rows, and a month's critique nudge comes exactly when the Peer circle page counts 0 for the month."""
    wb = small_workbook()
    for day in pd.date_range("2026-01-15", "2026-12-31", freq="19D").date:
        f = Filters(as_of=day)
        d = digest.build(wb, f)
        keys = {item.key for item in d.items}
        overdue = next(figure for figure in metrics.commitment_figures(wb, f) if figure.key == "overdue")
        assert sum(item.kind == "commitment_overdue" for item in d.items) == overdue.value, day
        ledger = metrics.commitment_ledger(wb, f)
        due = ledger[ledger["state"].isin(["planned", "in_progress"])
                     & ledger["due_on"].between(pd.Timestamp(day), pd.Timestamp(day) + pd.Timedelta(days=14))]
        assert {k for k in keys if k.startswith("commitment_due")} == {f"commitment_due|small|{c}"
                                                                       for c in due["commitment_id"]}, day
        assert {k for k in keys if k.startswith("dormant_source")} == {
            f"dormant_source|small|{s}" for s in metrics.dormant_sources(wb, f)["source_id"]}, day
        for team in ("Alpha", "Beta"):
            team_f = Filters(teams=(team,), as_of=day)
            per_month = metrics.critiques_per_month(wb, team_f.in_quarters(current_quarter(team_f)))
            this_month = per_month[per_month["month"].eq(pd.Timestamp(day.replace(day=1)))]["critiques"].sum()
            nudged = f"critique_due|{team.lower()}|{day:%Y-%m}" in keys
            assert not (nudged and this_month), (day, team)


def test_teams_and_people_pick_their_items() -> None:
    wb = small_workbook()
    alpha = digest.build(wb, Filters(teams=("alpha",), as_of=dt.date(2026, 6, 30)))
    assert items(alpha) == {"critique_due|alpha|2026-06": ("Ben",), "dormant_source|small|S-3": ("Ana",)}
    assert all(item.team == "Alpha" for item in alpha.items), "the team as the workbook spells it"
    dee = digest.build(wb, Filters(people=("DEE",), as_of=dt.date(2026, 6, 30)))
    assert set(items(dee)) == {"commitment_overdue|small|K-4", "dormant_source|small|S-7"}
    every = digest.build(wb, Filters(as_of=dt.date(2026, 6, 30)))
    assert every.people == ["Ana", "Ben", "Dee", "Eli"]
    assert items(digest.for_person(every, "dee")) == items(dee)
    assert digest.for_person(every, "Nobody").is_empty


def test_wins_count_from_the_last_digest() -> None:
    wb = small_workbook()
    week_after = digest.build(wb, Filters(as_of=dt.date(2026, 4, 7)), since=dt.date(2026, 3, 31))
    # After 03-31 up to 04-07: C-4 (04-01), K-6 shipped 04-01, D-6 (04-01); C-3, K-1, D-2 are on 03-31.
    assert {item.key for item in week_after.wins} == {"critique_held|small|C-4", "shipped|small|K-6",
                                                      "decision_written|small|D-6"}
    default = digest.build(wb, Filters(as_of=dt.date(2026, 4, 7)))
    assert default.since == dt.date(2026, 3, 31), "a week back when there was no digest"


def test_a_rollup_links_each_row_to_its_own_sheet() -> None:
    wb = rollup_workbook()
    d = digest.build(wb, Filters(as_of=dt.date(2026, 6, 30)))
    overdue = [item for item in d.items if item.kind == "commitment_overdue"]
    assert {item.key for item in overdue} == {"commitment_overdue|team-a|K-4", "commitment_overdue|team-b|K-4"}
    assert {item.team for item in overdue} == {"Beta", "Delta"}
    assert all(any(text == sheet for _, text in item.where) for item, sheet in
               zip(sorted(overdue, key=lambda i: i.key), ["team-a", "team-b"], strict=True))


def test_links_go_to_the_row_in_google_sheets_or_the_apps_page() -> None:
    wb = small_workbook()
    key = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
    on_google = dataclasses.replace(wb, tab_links={(None, tab): f"https://docs.google.com/spreadsheets/d/{key}/edit#gid={n}"
                                                   for n, tab in enumerate(wb.tables)})
    d = digest.build(on_google, Filters(as_of=dt.date(2026, 6, 30)), app_url="https://learning.example.com/")
    by_key = {item.key: item for item in d.items}
    k4_row = int(wb.commitments.index[wb.commitments["commitment_id"].eq("K-4")][0])
    assert by_key["commitment_overdue|small|K-4"].link.endswith(f"#gid=3&range=A{k4_row}")
    assert by_key["critique_due|alpha|2026-06"].link == "https://learning.example.com/peer_circle?team=Alpha"
    on_file = digest.build(wb, Filters(as_of=dt.date(2026, 6, 30)))
    k4 = next(item for item in on_file.items if item.key == "commitment_overdue|small|K-4")
    assert k4.link is None and "".join(text for _, text in k4.where) == f"commitments tab, row {k4_row}"
    assert f"Where: commitments tab, row {k4_row}" in digest.render_text(on_file)


def test_nothing_due_and_nothing_new_is_an_empty_digest() -> None:
    wb = small_workbook()
    quiet = digest.build(wb, Filters(people=("Nobody",), as_of=dt.date(2026, 6, 30)))
    assert quiet.is_empty and quiet.summary == "nothing due, no new wins"
    assert digest.NOTHING in digest.render_text(quiet)


def test_the_fingerprint_is_the_content_not_the_wording() -> None:
    wb = small_workbook()
    monday = digest.build(wb, Filters(as_of=dt.date(2026, 7, 13)), since=dt.date(2026, 7, 6))
    tuesday = digest.build(wb, Filters(as_of=dt.date(2026, 7, 14)), since=dt.date(2026, 7, 6))
    assert monday.week == tuesday.week == "2026-W29"
    assert digest.render_text(monday) != digest.render_text(tuesday), "days left move on"
    assert monday.fingerprint == tuesday.fingerprint, "the same things are due: the same digest"
    tabs = raw_tabs()
    tabs["commitments"][3][tabs["commitments"][0].index("due_on")] = "2026-07-10"  # K-3 now overdue
    changed = digest.build(validate_workbook(tabs, source="small"), Filters(as_of=dt.date(2026, 7, 14)),
                           since=dt.date(2026, 7, 6))
    assert changed.fingerprint != tuesday.fingerprint


# ------------------------------------------------------------------------------ renderings ---


def demo_digest() -> digest.Digest:
    day = dt.date(2026, 11, 20)
    return digest.build(load.workbook("demo", today=day), Filters(as_of=day), app_url="https://learning.example.com")


def test_every_rendering_says_every_item() -> None:
    d = demo_digest()
    assert d.due and d.wins
    text, markdown, page = digest.render_text(d), digest.render_markdown(d), digest.render_html(d)
    data = digest.to_json(d)
    assert [item["what"] for item in data["due"] + data["wins"]] == ["".join(t for _, t in i.what) for i in d.items]
    for item in d.items:
        what = "".join(text for _, text in item.what)
        assert what in text and item.why in text and item.link in text
        assert item.link in markdown and item.link in page
    rendered = MarkdownIt("commonmark").render(markdown)
    assert rendered.count("<li>") == len(d.items)
    assert json.loads(json.dumps(data)) == data


def slack_texts(payload: dict) -> list[str]:
    texts = []
    for block in payload["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", [])]
    return texts


def check_slack_shape(payload: dict) -> None:
    """Block Kit as Slack documents it for an incoming webhook: at most 50 blocks; a header's plain text
    at most 150 characters; a section's text 1 to 3,000; a context's elements at most 10."""
    assert isinstance(payload["text"], str) and payload["text"]
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        kind = block["type"]
        assert kind in {"header", "section", "context", "divider"}, kind
        if kind == "header":
            assert block["text"]["type"] == "plain_text" and 1 <= len(block["text"]["text"]) <= 150
        if kind == "section":
            assert block["text"]["type"] in {"mrkdwn", "plain_text"}
            assert 1 <= len(block["text"]["text"]) <= 3000
        if kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(1 <= len(element["text"]) <= 3000 for element in block["elements"])


ADAPTIVE_ELEMENTS = {"TextBlock", "RichTextBlock", "Container"}


def check_teams_shape(payload: dict) -> None:
    """A Workflows webhook message: one attachment holding an Adaptive Card 1.4 (no MessageCard),
    made of TextBlock, RichTextBlock (of TextRuns) and Container elements, under Teams' 28 KB."""
    assert payload["type"] == "message" and "@type" not in payload
    assert len(json.dumps(payload).encode()) < 28_000
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"

    def walk(elements: list[dict]) -> None:
        for element in elements:
            assert element["type"] in ADAPTIVE_ELEMENTS, element["type"]
            if element["type"] == "RichTextBlock":
                assert element["inlines"] and all(run["type"] == "TextRun" and run["text"] for run in element["inlines"])
            if element["type"] == "Container":
                walk(element["items"])

    walk(card["body"])


def test_slack_and_teams_payloads_keep_their_documented_shapes() -> None:
    d = demo_digest()
    slack, teams = digest.slack_payload(d), digest.teams_payload(d)
    check_slack_shape(slack)
    check_teams_shape(teams)
    joined = "\n".join(slack_texts(slack))
    for item in d.items:
        assert f"<{item.link}|{item.link_label}>" in joined


def test_a_huge_digest_stays_within_slacks_and_teams_limits() -> None:
    """Hundreds of items with 50,000-character cells: each kind shows its first few and says how many more."""
    tabs = raw_tabs()
    long = "x" * 50_000
    for n in range(300):
        row = [f"S-{100 + n}", f"{long} {n}", "blog", None, "Ana", "Alpha", None, "2025-01-01", None, None, None]
        tabs["sources"].append(row)
    d = digest.build(validate_workbook(tabs, source="small"), Filters(as_of=dt.date(2026, 9, 30)))
    assert sum(item.kind == "dormant_source" for item in d.items) == 306
    slack, teams = digest.slack_payload(d), digest.teams_payload(d)
    check_slack_shape(slack)
    check_teams_shape(teams)
    assert any("more prune candidates" in text for text in slack_texts(slack))
    assert all(len(item["what"]) < digest.SHEET_TEXT_LIMIT + 80 for item in digest.to_json(d)["due"])


def test_the_page_base_address_is_the_apps() -> None:
    assert digest.app_base_url("https://learning.example.com/nudges?team=Alpha") == "https://learning.example.com"
    assert digest.app_base_url("http://localhost:8501/") == "http://localhost:8501"
    assert digest.app_base_url("javascript:alert(1)") is None and digest.app_base_url(None) is None
    assert digest.safe_link("https://example.com/a b") is None
    assert digest.safe_link("https://example.com/x|<!channel>") is None


# ------------------------------------------------------------------------------ the Nudges page ---


def test_the_nudges_page_shows_the_digest_as_it_would_be_sent_and_no_secret(tmp_path, monkeypatch) -> None:
    from learnloop import deliver
    from tests.reliability.apptest import clear_caches, nodes, open_app, proto_dict, strings

    for name in ("LEARNLOOP_SOURCE", "LEARNLOOP_SHEET", "LEARNLOOP_SLACK_WEBHOOK_URL", "LEARNLOOP_SMTP_URL",
                 "LEARNLOOP_DIGEST_TO", "LEARNLOOP_TEAMS_WEBHOOK_URL", "LEARNLOOP_DIGEST_SENT_LOG", "LEARNLOOP_APP_URL"):
        monkeypatch.delenv(name, raising=False)
    clear_caches()
    slack = "https://hooks.slack.com/services/T000/B000/PageSecretToken"
    sent_log = tmp_path / "sent.json"
    secrets = {"learnloop": {"digest": {"smtp_url": "smtps://mailer:PagePassword@smtp.example.com",
                                        "to": ["lead@example.com"], "slack_webhook_url": slack,
                                        "sent_log": str(sent_log)}}}
    config = deliver.targets(load_settings(secrets).digest)
    today = dt.date.today()
    deliver.SentLog(sent_log).record({"target": config[0].id, "audience": "teams=growth", "week": digest.iso_week(today),
                                      "fingerprint": "x", "keys": [], "as_of": today.isoformat(),
                                      "sent_at": dt.datetime.now(dt.UTC).isoformat()})
    at = open_app("pages/nudges.py", {"team": "Growth"}, secrets)
    assert not at.exception, at.exception
    assert at.title[0].value == f"Nudges · week {digest.iso_week(today)[-2:]}"
    captions = [caption.value for caption in at.caption]
    assert any("Email (1 recipient): sent for" in caption for caption in captions), captions
    assert any("Slack webhook: not sent yet this week" in caption for caption in captions), captions
    wb = load.workbook("demo", today=today)
    expected = digest.render_markdown(digest.build(wb, Filters(teams=("Growth",), as_of=today)), title=False)
    assert at.markdown[0].value == expected.strip()
    shown = " ".join(text for node in nodes(at) for _, text in strings(proto_dict(node)))
    for secret in ("PageSecretToken", "PagePassword", "/services/T000"):
        assert secret not in shown
    clear_caches()


def load_settings(secrets: dict):
    from learnloop.settings import resolve

    return resolve(secrets, {})


def test_a_bad_digest_setting_never_takes_the_app_down(monkeypatch) -> None:
    from tests.reliability.apptest import clear_caches, open_app

    for name in ("LEARNLOOP_SOURCE", "LEARNLOOP_SHEET", "LEARNLOOP_SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    clear_caches()
    secrets = {"learnloop": {"digest": {"slack_webhook_url": "http://hooks.example.com/services/T/B/BadToken"}}}
    overview = open_app(None, None, secrets)
    assert not overview.exception and overview.get("plotly_chart")
    nudges = open_app("pages/nudges.py", None, secrets)
    assert not nudges.exception
    (warning,) = [w.value for w in nudges.warning]
    assert "cannot be sent" in warning and "slack_webhook_url" in warning and "BadToken" not in warning
    clear_caches()
