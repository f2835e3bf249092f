"""The weekly digest: what is due before it is missed, and the wins since the last digest.

:func:`build` reads a validated workbook through the same metrics as the pages (no second
definition of "overdue", "dormant" or a playbook step) and returns a :class:`Digest`: a list of
:class:`Item` s, each saying what is due or happened, for whom, why it matters in one line, and where
to act (a link to the row in Google Sheets or to the app's page, else the tab and row). What it says:

* **Due** — for each team that ran the playbook this quarter or the last: this month's critique not
  held yet (:func:`~learnloop.metrics.critiques_per_month`), PM, Design or Eng not yet in the room this
  quarter (the scorecard's peer-circle step), a theme of this quarter with fewer than 3 active sources
  (the scorecard's network step, theme by theme), next quarter's theme not set in the last three weeks
  of a quarter (the theme step of next quarter), and, in the first month of a quarter, the quarter before
  it ending with no decision write-up (the loop-closed step). For everyone: commitments overdue and due
  in the next 14 days (:func:`~learnloop.metrics.commitment_ledger`'s ``state``), and prune candidates
  (:func:`~learnloop.metrics.dormant_sources`).
* **Wins** since the last digest (a week back when there was none): artifacts shipped, decisions
  written up and critiques held, dated after it and up to today.

Filters: teams pick the teams; themes apply as on the pages; the quarter range does not (a digest is
about now); people keep the items that name them (a team's items name the owners of its themes this
quarter). "Today" is ``f.as_of``.

The renderings — plain text, Markdown, HTML (the email), JSON, Slack Block Kit and a Teams Adaptive
Card — all print the same items. Sheet text is clipped to one line of :data:`SHEET_TEXT_LIMIT`
characters when the items are made, and escaped on the way out for each format: it never becomes HTML,
Markdown, a mrkdwn link or mention, a link other than the item's own, or a terminal control code.
Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlencode

import pandas as pd

from learnloop import metrics
from learnloop.filters import Filters, current_quarter
from learnloop.metrics.quarters import next_quarter, previous_quarter, quarter_bounds, quarter_months
from learnloop.metrics.selection import choices, select
from learnloop.reports import escape_markdown
from learnloop.safe import printable
from learnloop.words import and_list, left_out, plural
from learnloop.workbook import Workbook

#: Commitments due from today to this many days ahead are "due soon".
DUE_SOON_DAYS = 14
#: In the last this-many days of a quarter, next quarter's theme should be set.
NEXT_THEME_DAYS = 21
#: With no digest sent before, wins are looked for this many days back.
DEFAULT_SINCE_DAYS = 7
#: Characters of one piece of sheet text in an item before it is cut with "…".
SHEET_TEXT_LIMIT = 160

Section = Literal["due", "wins"]
Style = Literal["plain", "sheet"]
#: A piece of text: our own words ("plain") or text from the sheet ("sheet", escaped in every format).
Run = tuple[Style, str]

#: Every kind of item, in the order a digest lists them, with its section and what a group of them is called.
KINDS: dict[str, tuple[Section, str]] = {
    "commitment_overdue": ("due", "overdue commitments"),
    "commitment_due": ("due", "commitments due soon"),
    "critique_due": ("due", "critiques due this month"),
    "roles_missing": ("due", "roles missing from the peer circle"),
    "next_theme_unset": ("due", "next quarter's themes not set"),
    "writeup_missing": ("due", "quarters without a write-up"),
    "theme_thin": ("due", "themes with too few sources"),
    "dormant_source": ("due", "prune candidates"),
    "shipped": ("wins", "artifacts shipped"),
    "decision_written": ("wins", "decisions written up"),
    "critique_held": ("wins", "critiques held"),
}

#: The app's pages an item can link to: page -> (URL path, name).
PAGES = {
    "overview": ("", "Overview"),
    "themes": ("themes", "Themes"),
    "learning_network": ("learning_network", "Learning network"),
    "peer_circle": ("peer_circle", "Peer circle"),
    "commitments": ("commitments", "Commitments"),
    "impact": ("impact", "Impact"),
}

WHY = {
    "commitment_overdue": "A public commitment past its date: ship it, set a new date or drop it, so the ledger "
                          "stays honest.",
    "commitment_due": "Shipping what was promised publicly is the playbook's fourth step; say now if the date "
                      "has to move.",
    "critique_due": "The peer circle meets every month: a month without a critique breaks the cadence.",
    "roles_missing": "A quarter's peer circle counts only when PM, Design and Eng each critique at least once.",
    "next_theme_unset": "A quarter starts with its theme and what good will look like; pick it before the "
                        "quarter begins.",
    "writeup_missing": "Closing the loop is a write-up of what changed in a decision, the discovery cadence or "
                       "a bet.",
    "theme_thin": f"A theme is learned from at least {metrics.MIN_ACTIVE_SOURCES} active sources: add one, or "
                  "re-engage with one you have.",
    "dormant_source": f"No engagement for more than {metrics.DORMANT_DAYS} days: engage with it again, or prune it.",
    "shipped": "A public commitment kept: worth sharing with the teams who learn from it.",
    "decision_written": "Learning that changed how the team decides: the loop closed.",
    "critique_held": "Learning with peers, as the playbook asks every month.",
}


@dataclass(frozen=True)
class Item:
    """One thing a digest says: what is due or happened, for whom, why, and where to act."""

    kind: str
    what: tuple[Run, ...]
    why: str
    team: str | None = None
    people: tuple[str, ...] = ()
    #: Where to act: the row in Google Sheets or the app's page (http/https only), else None.
    link: str | None = None
    link_label: str = ""
    #: Where to find it in words when there is no link: "commitments tab, row 7".
    where: tuple[Run, ...] = ()
    #: What makes it the same item in another run (kind, sheet and id, or team and period): the
    #: digest's content, for the sent-log.
    key: str = ""

    @property
    def section(self) -> Section:
        return KINDS[self.kind][0]

    def names(self, person: str) -> bool:
        """Whether the item is for ``person`` (names match ignoring case and spacing)."""
        wanted = _folded(person)
        return any(_folded(name) == wanted for name in self.people)


@dataclass(frozen=True)
class Digest:
    """A week's digest for one audience: the items due and the wins, as of a day."""

    as_of: dt.date
    since: dt.date
    items: tuple[Item, ...]
    #: Who it is about, in words: teams, people and themes of the filters ("all teams and people").
    scope: tuple[Run, ...] = (("plain", "all teams and people"),)
    #: The person a per-person digest is for.
    person: str | None = None
    #: Rows an error keeps out of every number.
    left_out: int = 0
    #: A changed digest sent again the same week.
    update: bool = False

    @property
    def week(self) -> str:
        """The ISO week, like ``2026-W47``: a digest is sent once per week and target."""
        return iso_week(self.as_of)

    @property
    def week_words(self) -> str:
        """"week 47 (16–22 November 2026)"."""
        monday = self.as_of - dt.timedelta(days=self.as_of.weekday())
        sunday = monday + dt.timedelta(days=6)
        start = f"{monday.day}" if monday.month == sunday.month else f"{monday.day} {monday:%B}"
        start += "" if monday.year == sunday.year else f" {monday.year}"
        return f"week {self.as_of.isocalendar()[1]} ({start}–{sunday.day} {sunday:%B %Y})"

    @property
    def due(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.section == "due")

    @property
    def wins(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.section == "wins")

    @property
    def is_empty(self) -> bool:
        """Nothing due and nothing happened: ``--send`` sends nothing (unless ``--always``)."""
        return not self.items

    @property
    def fingerprint(self) -> str:
        """The digest's content, for "sent already?": the items' identities, not their wording, so
        a count of days left that moves on by a day is the same digest."""
        keys = "\n".join(sorted(item.key for item in self.items))
        return hashlib.sha256(keys.encode("utf-8")).hexdigest()

    @property
    def people(self) -> list[str]:
        """Everyone the items name, each once (the first spelling), sorted ignoring case."""
        seen: dict[str, str] = {}
        for item in self.items:
            for name in item.people:
                seen.setdefault(_folded(name), name)
        return sorted(seen.values(), key=str.casefold)

    @property
    def title(self) -> str:
        return f"{'Update: ' if self.update else ''}Learning Loop digest, {self.week_words}"

    @property
    def summary(self) -> str:
        """"3 things due, 2 wins" (our words only: the notification text of a chat message)."""
        if self.is_empty:
            return "nothing due, no new wins"
        return f"{plural(len(self.due), 'thing')} due, {plural(len(self.wins), 'win')}"

    @property
    def subject(self) -> str:
        """The email's subject line: the summary, the week and who it is for (one line)."""
        who = f" for {_one_line(self.person)}" if self.person else ""
        return f"{'Update: ' if self.update else ''}Learning Loop{who}: {self.summary} · week {self.week[-2:]}"


def iso_week(day: dt.date) -> str:
    """``day``'s ISO week, like ``2026-W47`` (weeks start on Monday; labels sort in time order)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def for_person(d: Digest, person: str) -> Digest:
    """The items of ``d`` that name ``person``: what a per-person digest sends them."""
    return replace(d, items=tuple(item for item in d.items if item.names(person)), person=person,
                   scope=(("plain", "for "), ("sheet", clip(person))))


# --------------------------------------------------------------------------------------
# Building the items
# --------------------------------------------------------------------------------------


def build(wb: Workbook, f: Filters, *, since: dt.date | None = None, app_url: str | None = None) -> Digest:
    """The digest of ``wb`` for ``f`` as of ``f.as_of``: due items, then wins dated after ``since``
    (default: a week before today) and up to today. ``app_url`` is the app's address, for links."""
    today = f.today()
    since = since if since is not None and since < today else today - dt.timedelta(days=DEFAULT_SINCE_DAYS)
    scope = replace(f.every_quarter, people=())
    links = _Links(wb, scope, app_url.rstrip("/") if app_url else None)
    items: list[Item] = []
    for team in _teams(wb, scope):
        items += _team_items(wb, scope, team, today, links)
    items += _commitment_items(wb, scope, today, links)
    items += _dormant_items(wb, scope, links)
    items += _wins(wb, scope, since, today, links)
    if f.people:
        items = [item for item in items if any(item.names(person) for person in f.people)]
    order = {kind: rank for rank, kind in enumerate(KINDS)}
    items.sort(key=lambda item: order[item.kind])  # stable: each kind keeps its own order
    return Digest(today, since, tuple(items), _scope(f), left_out=wb.left_out)


def clip(value: object, limit: int = SHEET_TEXT_LIMIT) -> str:
    """A cell as one line of printable text, cut after ``limit`` characters with "…"."""
    text = " ".join(printable(str(value), keep_lines=False).split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _one_line(value: object) -> str:
    return clip(value, 80)


def _text(value: object) -> str | None:
    """A cell as clipped text, None when blank."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    text = clip(value)
    return text or None


def _date(value: object) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"  # type: ignore[arg-type]


def _days_left(days: int, until: str) -> str:
    if days <= 0:
        return f"today is the last day of {until}"
    return f"{plural(days, 'day')} left in {until}"


def _scope(f: Filters) -> tuple[Run, ...]:
    parts: list[Run] = []
    for label, many, values in (("team", "teams", f.teams), ("person", "people", f.people),
                                ("theme", "themes", f.themes)):
        if values:
            if parts:
                parts.append(("plain", "; "))
            parts += [("plain", f"{label if len(values) == 1 else many} "), ("sheet", clip(", ".join(values)))]
    return tuple(parts) or (("plain", "all teams and people"),)


def _teams(wb: Workbook, f: Filters) -> list[str | None]:
    """The teams the team-level items are for: those asked for (spelled as in the workbook), else
    every team named; None when the workbook names no team (it is one team)."""
    named: list[str] = choices(wb)["teams"]  # type: ignore[assignment]
    if f.teams:
        spelled = {_folded(team): team for team in named}
        return [spelled.get(_folded(team), team) for team in f.teams]
    return list(named) or [None]


class _Links:
    """Where an item links: the row in Google Sheets when the workbook is one, else the app's page
    (when its address is known), else nowhere — then the item says the tab and row."""

    def __init__(self, wb: Workbook, f: Filters, app_url: str | None) -> None:
        self.wb, self.f, self.app_url = wb, f, app_url
        self.several = len(wb.sheets) > 1

    def page(self, page: str, team: str | None) -> tuple[str | None, str]:
        path, name = PAGES[page]
        if not self.app_url:
            return None, ""
        query = [("team", team)] if team else [("team", t) for t in self.f.teams]
        query += [("theme", theme) for theme in self.f.themes]
        url = f"{self.app_url}/{path}" + (f"?{urlencode(query)}" if query else "")
        return safe_link(url), f"Open the {name} page"

    def tab(self, sheet: object, tab: str) -> str | None:
        """The tab's link in Google Sheets (in ``sheet``, in a roll-up), None for a file."""
        links = self.wb.tab_links
        return (links.get((str(sheet), tab)) if sheet is not None else None) or links.get((None, tab))

    def row(self, tab: str, sheet: object, row: int | None, page: str, team: str | None
            ) -> tuple[str | None, str, tuple[Run, ...]]:
        """A row's link, its label and where it is in words."""
        where: list[Run] = [("plain", f"{tab} tab" + (f", row {row}" if row else ""))]
        if self.several and sheet is not None:
            where += [("plain", " of "), ("sheet", clip(sheet))]
        tab_link = self.tab(sheet, tab)
        if tab_link and row:
            return safe_link(f"{tab_link}&range=A{row}"), "Open the row in Google Sheets", tuple(where)
        link, label = self.page(page, team)
        return link, label, tuple(where)

    def team_page(self, page: str, team: str | None, tab: str) -> tuple[str | None, str, tuple[Run, ...]]:
        """A team-level item's link: the app's page for the team, else the tab in Google Sheets."""
        link, label = self.page(page, team)
        if link:
            return link, label, ((("plain", f"the {PAGES[page][1]} page")),)
        tab_link = self.tab(None, tab) or next((link for (_, name), link in self.wb.tab_links.items() if name == tab),
                                               None)
        if tab_link:
            return safe_link(tab_link), f"Open the {tab} tab in Google Sheets", ((("plain", f"{tab} tab")),)
        return None, "", ((("plain", f"the {PAGES[page][1]} page, or the {tab} tab")),)


_SAFE_LINK = re.compile(r"^https?://[^\s<>|\"'`\\\[\]{}()^]+$")


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) link with nothing that could end it early in any format (no
    space, quote, bracket, ``|``, ``<`` or ``>``), else None."""
    return url if url and _SAFE_LINK.match(url) else None


def _rows(frame: pd.DataFrame, id_column: str) -> dict[tuple[str, str], int]:
    """(sheet, id) -> the row number in the sheet (tables are indexed by it)."""
    return {(str(sheet), str(row_id)): int(row) for row, sheet, row_id
            in zip(frame.index, frame["sheet"], frame[id_column], strict=True) if pd.notna(row_id)}


def _team_items(wb: Workbook, f: Filters, team: str | None, today: dt.date, links: _Links) -> list[Item]:
    """The playbook's team-level nudges for ``team`` (None: the whole workbook)."""
    ft = replace(f, teams=(team,)) if team else f
    fiscal = wb.options.fiscal_year_start_month
    quarter = current_quarter(ft, fiscal)
    before, after = previous_quarter(quarter), next_quarter(quarter)
    end = quarter_bounds(quarter, fiscal)[1]
    card, last = metrics.scorecard(wb, ft, quarter), metrics.scorecard(wb, ft, before)
    if card.score == 0 and last.score == 0:
        return []  # not running the playbook now: no nudges for a team that stopped (or never started)
    themes = metrics.theme_summary(wb, ft.in_quarters(quarter))
    themes = themes[themes["status"].ne("dropped").fillna(True)]
    owners = _owners(themes) or _owners(_latest_themes(wb, ft, quarter))
    team_text = clip(team) if team else None
    key = f"{team_text or ''}".casefold()
    items: list[Item] = []

    def step(scorecard: metrics.Scorecard, name: str) -> metrics.Step:
        return next(s for s in scorecard.steps if s.key == name)

    def add(kind: str, what: tuple[Run, ...], period: str, page: str, tab: str, people: tuple[str, ...] = owners,
            why: str | None = None) -> None:
        link, label, where = links.team_page(page, team, tab)
        items.append(Item(kind, what, why or WHY[kind], team_text, people, link, label, where,
                          f"{kind}|{key}|{period}"))

    month = pd.Period(today, freq="M")
    first_month = quarter_months(quarter, fiscal)[0]
    per_month = metrics.critiques_per_month(wb, ft.in_quarters(quarter))
    held = int(per_month.loc[per_month["month"].eq(month.to_timestamp()), "critiques"].sum())
    if not held:
        left = (month.end_time.date() - today).days
        streak = metrics.monthly_streak(wb, ft)
        why = WHY["critique_due"] + (f" {plural(streak, 'month')} in a row so far." if streak else "")
        add("critique_due", (("plain", f"No critique held yet in {today:%B}: {_days_left(left, today.strftime('%B'))}"),),
            str(month), "peer_circle", "critiques", why=why)

    peer = step(card, "peer_circle").detail
    # With no critique yet in the quarter's first month, the critique nudge says it all.
    if peer["roles_missing"] and (peer["critiques"] or month != first_month):
        missing = peer["roles_missing"]
        add("roles_missing", (("plain", f"{and_list(missing)} not yet in the room in {quarter}: "
                                        f"{_days_left((end - today).days, quarter)}"),),
            f"{quarter}|{','.join(missing)}", "peer_circle", "critiques")

    for _, theme in themes.iterrows():
        network = step(metrics.scorecard(wb, replace(ft, themes=(str(theme["theme_id"]),)), quarter), "pln_curated")
        active = int(network.detail["active_sources"])
        if active < metrics.MIN_ACTIVE_SOURCES:
            owner = _text(theme["owner"])
            add("theme_thin", (("plain", f"{plural(active, 'active source')} on the {quarter} theme "),
                               ("sheet", _text(theme["title"]) or str(theme["theme_id"]))),
                f"{theme['sheet']}|{theme['theme_id']}|{quarter}", "learning_network", "sources",
                people=(owner,) if owner else owners)

    if (end - today).days < NEXT_THEME_DAYS:
        following = metrics.scorecard(wb, replace(ft, themes=()), after)
        if not step(following, "theme_set").done:
            add("next_theme_unset", (("plain", f"No theme set for {after}: {_days_left((end - today).days, quarter)}"),),
                after, "themes", "themes")

    if month == first_month and last.score > 0 and not step(last, "loop_closed").done:
        add("writeup_missing", (("plain", f"{before} ended with no decision write-up"),), before, "impact",
            "decisions")
    return items


def _owners(themes: pd.DataFrame) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clip(owner) for owner in themes["owner"].dropna() if clip(owner)))


def _latest_themes(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """The team's themes of the latest quarter up to ``quarter`` that has one (dropped ones too): whose
    owners a team-level item is for when no theme is set this quarter."""
    themes = metrics.theme_summary(wb, f.every_quarter)
    themes = themes[themes["quarter"].le(quarter).fillna(False)]
    return themes[themes["quarter"].eq(themes["quarter"].max())] if len(themes) else themes


def _row_item(kind: str, what: tuple[Run, ...], row: pd.Series, id_column: str, tab: str,
              rows: dict[tuple[str, str], int], page: str, links: _Links) -> Item:
    """An item about one row of ``tab`` (``rows`` from :func:`_rows`): for its owner, in its team,
    linked to the row."""
    owner, team = _text(row["owner"]), _text(row["team"])
    row_id = row[id_column]
    link, label, where = links.row(tab, row["sheet"], rows.get((str(row["sheet"]), str(row_id))), page, team)
    return Item(kind, what, WHY[kind], team, (owner,) if owner else (), link, label, where,
                f"{kind}|{row['sheet']}|{row_id}")


def _commitment_items(wb: Workbook, f: Filters, today: dt.date, links: _Links) -> list[Item]:
    """Overdue commitments (longest overdue first) and those due in the next :data:`DUE_SOON_DAYS` days."""
    ledger = metrics.commitment_ledger(wb, f)
    if ledger.empty:
        return []
    rows = _rows(wb.commitments, "commitment_id")
    now = pd.Timestamp(today)
    overdue = ledger[ledger["state"].eq("overdue")].sort_values(["due_on", "commitment_id"], kind="stable")
    soon = ledger[ledger["state"].isin(["planned", "in_progress"]) & (ledger["due_on"] >= now)
                  & (ledger["due_on"] <= now + pd.Timedelta(days=DUE_SOON_DAYS))]
    soon = soon.sort_values(["due_on", "commitment_id"], kind="stable")
    items = []
    for kind, frame in (("commitment_overdue", overdue), ("commitment_due", soon)):
        for _, row in frame.iterrows():
            days = (row["due_on"] - now).days
            when = (f"Overdue by {plural(-days, 'day')} (due {_date(row['due_on'])}): " if kind == "commitment_overdue"
                    else "Due today: " if days == 0 else f"Due in {plural(days, 'day')} ({_date(row['due_on'])}): ")
            what: tuple[Run, ...] = (("plain", when), ("sheet", _text(row["title"]) or str(row["commitment_id"])),
                                     ("plain", f" ({row['kind']})"))
            items.append(_row_item(kind, what, row, "commitment_id", "commitments", rows, "commitments", links))
    return items


def _dormant_items(wb: Workbook, f: Filters, links: _Links) -> list[Item]:
    """Prune candidates, longest quiet first."""
    dormant = metrics.dormant_sources(wb, f)
    rows = _rows(wb.sources, "source_id")
    items = []
    for _, row in dormant.iterrows():
        what: tuple[Run, ...] = (("plain", f"Quiet for {plural(int(row['days_since']), 'day')}: "),
                                 ("sheet", _text(row["name"]) or str(row["source_id"])),
                                 ("plain", f" ({str(row['kind']).replace('_', ' ')}, last engaged "
                                           f"{_date(row['last_engaged_on'])})"))
        items.append(_row_item("dormant_source", what, row, "source_id", "sources", rows, "learning_network", links))
    return items


def _wins(wb: Workbook, f: Filters, since: dt.date, today: dt.date, links: _Links) -> list[Item]:
    """Artifacts shipped, decisions written up and critiques held after ``since``, up to ``today``."""
    after, upto = pd.Timestamp(since), pd.Timestamp(today)
    items = []
    ledger = metrics.commitment_ledger(wb, f)
    if not ledger.empty:
        shipped = ledger[(ledger["shipped_on"] > after) & (ledger["shipped_on"] <= upto)]
        rows = _rows(wb.commitments, "commitment_id")
        for _, row in shipped.sort_values(["shipped_on", "commitment_id"], kind="stable").iterrows():
            late = " (late)" if row["state"] == "shipped_late" else ""
            what: tuple[Run, ...] = (("plain", f"Shipped on {_date(row['shipped_on'])}{late}: "),
                                     ("sheet", _text(row["title"]) or str(row["commitment_id"])),
                                     ("plain", f" ({row['kind']})"))
            items.append(_row_item("shipped", what, row, "commitment_id", "commitments", rows, "commitments", links))
    log = metrics.decision_log(wb, f)
    if not log.empty:
        dates = pd.to_datetime(log["date"])
        written = log[(dates > after) & (dates <= upto)].iloc[::-1]  # oldest first, as the other wins
        rows = _rows(wb.decisions, "decision_id")
        for _, row in written.iterrows():
            what = (("plain", f"Decision written up on {_date(row['date'])} ({row['category']}): "),
                    ("sheet", _text(row["summary"]) or str(row["decision_id"])))
            items.append(_row_item("decision_written", what, row, "decision_id", "decisions", rows, "impact", links))
    critiques = select(wb, f).critiques
    held = critiques[(critiques["date"] > after) & (critiques["date"] <= upto)]
    for row_number, row in held.sort_values(["date", "critique_id"], kind="stable").iterrows():
        presenter, team = _text(row["presenter"]), _text(row["team"])
        people = (presenter,) if presenter else tuple(clip(name) for name in row["participants"])
        link, label, where = links.row("critiques", row["sheet"], int(row_number), "peer_circle", team)
        what = (("plain", f"Critique held on {_date(row['date'])} ({str(row['artifact_type']).replace('_', ' ')}): "),
                ("sheet", _text(row["artifact"]) or str(row["critique_id"])))
        items.append(Item("critique_held", what, WHY["critique_held"], team, people, link, label, where,
                          f"critique_held|{row['sheet']}|{row['critique_id']}"))
    return items


# --------------------------------------------------------------------------------------
# Renderings: text, Markdown, HTML, JSON
# --------------------------------------------------------------------------------------


def _plain(runs: Iterable[Run]) -> str:
    return "".join(text for _, text in runs)


def _for_whom(item: Item) -> tuple[Run, ...]:
    """"For Ana, Ben (Alpha)" / "For the Alpha team" / "For everyone" as runs."""
    runs: list[Run] = [("plain", "For ")]
    if item.people:
        runs.append(("sheet", ", ".join(item.people)))
        if item.team:
            runs += [("plain", " ("), ("sheet", item.team), ("plain", ")")]
    elif item.team:
        runs += [("plain", "the "), ("sheet", item.team), ("plain", " team")]
    else:
        runs.append(("plain", "the team"))
    return tuple(runs)


def _sections(d: Digest) -> list[tuple[str, tuple[Item, ...]]]:
    return [(f"Due ({len(d.due)})", d.due),
            (f"Wins since {d.since.day} {d.since:%B} ({len(d.wins)})", d.wins)]


def _meta(d: Digest) -> tuple[Run, ...]:
    return (("plain", f"As of {d.as_of:%Y-%m-%d} · "), *d.scope)


def _left_out_note(d: Digest) -> str | None:
    if not d.left_out:
        return None
    return (f"Note: {left_out(d.left_out)}; "
            "`learnloop validate` or the app's Data health page lists the cells to fix.")


NOTHING = "Nothing is due and nothing new happened this week. The playbook is on track."


def render_text(d: Digest) -> str:
    """The digest as plain text (the email's text part, and the terminal's)."""
    lines = [d.title, _plain(_meta(d)), ""]
    if note := _left_out_note(d):
        lines += [note, ""]
    if d.is_empty:
        lines.append(NOTHING)
    for heading, items in _sections(d):
        if not items:
            continue
        lines += [heading, ""]
        for number, item in enumerate(items, start=1):
            lines.append(f"{number:>2}. {_plain(item.what)}")
            lines.append(f"    {_plain(_for_whom(item))}. {item.why}")
            lines.append(f"    {item.link_label}: {item.link}" if item.link else f"    Where: {_plain(item.where)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md(runs: Iterable[Run]) -> str:
    return "".join(escape_markdown(text) if style == "sheet" else text for style, text in runs)


def render_markdown(d: Digest, *, title: bool = True) -> str:
    """The digest as Markdown (``--format md``; the Nudges page without the ``title``), sheet text escaped."""
    parts = [f"# {escape_markdown(d.title)}"] if title else []
    parts.append(_md(_meta(d)))
    if note := _left_out_note(d):
        parts.append(f"> {note}")
    if d.is_empty:
        parts.append(NOTHING)
    for heading, items in _sections(d):
        if not items:
            continue
        lines = []
        for number, item in enumerate(items, start=1):
            where = f"[{item.link_label}](<{item.link}>)" if item.link else f"Where: {_md(item.where)}"
            lines.append(f"{number}. **{_md(item.what)}**  \n   {_md(_for_whom(item))}. {item.why} {where}")
        parts.append(f"## {heading}\n\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _html(runs: Iterable[Run]) -> str:
    return "".join(html.escape(text, quote=False) for _, text in runs)


_CSS = {
    "body": "margin:0;padding:24px;background:#ffffff;color:#111418;font:16px/1.5 -apple-system,"
            "BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif",
    "h1": "font-size:22px;margin:0 0 4px", "meta": "color:#3d4650;margin:0 0 16px",
    "h2": "font-size:18px;margin:24px 0 8px;padding-top:8px;border-top:2px solid #d5dbe1",
    "li": "margin:0 0 12px", "small": "color:#3d4650", "note": "border-left:4px solid #E69F00;padding:4px 12px;"
    "background:#FFF8EC", "a": "color:#0b57d0",
}


def render_html(d: Digest) -> str:
    """The digest as one HTML page with inline styles (the email's HTML part): sheet text is escaped,
    and the only links are the items' own."""
    out = ["<!DOCTYPE html>", '<html lang="en">', '<head><meta charset="utf-8">',
           f"<title>{html.escape(d.title)}</title></head>", f'<body style="{_CSS["body"]}">',
           f'<h1 style="{_CSS["h1"]}">{html.escape(d.title)}</h1>', f'<p style="{_CSS["meta"]}">{_html(_meta(d))}</p>']
    if note := _left_out_note(d):
        out.append(f'<p style="{_CSS["note"]}">{html.escape(note)}</p>')
    if d.is_empty:
        out.append(f"<p>{html.escape(NOTHING)}</p>")
    for heading, items in _sections(d):
        if not items:
            continue
        out += [f'<h2 style="{_CSS["h2"]}">{html.escape(heading)}</h2>', "<ol>"]
        for item in items:
            where = (f'<a style="{_CSS["a"]}" href="{html.escape(item.link)}">{html.escape(item.link_label)}</a>'
                     if item.link else f"Where: {_html(item.where)}")
            out.append(f'<li style="{_CSS["li"]}"><strong>{_html(item.what)}</strong><br>'
                       f'<span style="{_CSS["small"]}">{_html(_for_whom(item))}. {html.escape(item.why)}</span><br>'
                       f"{where}</li>")
        out.append("</ol>")
    out.append(f'<p style="{_CSS["small"]}">Sent by Learning Loop. The numbers are the app\'s own: each item '
               "comes from the same metric as its page.</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def to_json(d: Digest) -> dict[str, Any]:
    """The digest as one JSON-ready object, for scripts (sheet text as clipped, printable text)."""
    def item(i: Item) -> dict[str, Any]:
        return {"kind": i.kind, "what": _plain(i.what), "team": i.team, "people": list(i.people), "why": i.why,
                "link": i.link, "where": _plain(i.where), "key": i.key}

    return {"week": d.week, "as_of": d.as_of.isoformat(), "since": d.since.isoformat(), "scope": _plain(d.scope),
            "person": d.person, "update": d.update, "left_out": d.left_out, "fingerprint": d.fingerprint,
            "due": [item(i) for i in d.due], "wins": [item(i) for i in d.wins]}


# --------------------------------------------------------------------------------------
# Slack: Block Kit
# --------------------------------------------------------------------------------------

#: Slack's limits: blocks in one message, characters in a section's text and in a header.
SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION = 3000
SLACK_MAX_HEADER = 150
# Slack has no escape for its formatting characters: in sheet text they become look-alikes that
# format nothing (∗ ˍ ∼ ˋ).
_SLACK_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_WORD_JOINER = "\u2060"
# "scheme://" and "www." in sheet text: a word joiner keeps them from being read as a link.
_URLISH = re.compile(r"(?i)(?<=[a-z0-9+.-]:)(?=//)|(?<=\bwww)(?=\.)")


def defang(text: str) -> str:
    """Sheet text that no chat client reads as a link or a mention: an invisible word joiner after
    "scheme:" and "www" and after every "@" (what is shown does not change)."""
    return _URLISH.sub(_WORD_JOINER, text).replace("@", "@" + _WORD_JOINER)


def slack_escape(text: str) -> str:
    """Sheet text as inert Slack mrkdwn: ``&``, ``<`` and ``>`` as entities (so no ``<!channel>``,
    ``<@U…>`` or ``<url|text>``), formatting characters as look-alikes, and no link or mention."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defang(text.translate(_SLACK_LOOKALIKES))


def _mrkdwn(runs: Iterable[Run]) -> str:
    return "".join(slack_escape(text) if style == "sheet" else text for style, text in runs)


def _slack_item(item: Item) -> dict[str, Any]:
    link = f" · <{item.link}|{item.link_label}>" if item.link else f" · Where: {_mrkdwn(item.where)}"
    text = f"*{_mrkdwn(item.what)}*\n{_mrkdwn(_for_whom(item))}. {item.why}{link}"
    if len(text) > SLACK_MAX_SECTION:  # cannot happen with clipped sheet text; never let Slack refuse it
        text = text[:SLACK_MAX_SECTION - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _text_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SLACK_MAX_SECTION], "verbatim": True}}


def _more(kind: str, hidden: int) -> str:
    return f"…and {hidden} more {KINDS[kind][1]}: see the app or `learnloop digest`."


def _capped(items: tuple[Item, ...], cap: int) -> list[tuple[str, list[Item], int]]:
    """Items grouped by kind, each group cut to ``cap`` items: (kind, shown, how many left out)."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.kind, []).append(item)
    return [(kind, group[:cap], max(0, len(group) - cap)) for kind, group in groups.items()]


def slack_payload(d: Digest) -> dict[str, Any]:
    """An incoming-webhook message: Block Kit blocks within Slack's limits (at most 50 blocks, 3,000
    characters a section), with a notification text in our own words. When the items would not fit,
    each kind shows its first few and says how many more there are."""
    for cap in range(SLACK_MAX_BLOCKS, 0, -1):
        blocks = _slack_blocks(d, cap)
        if len(blocks) <= SLACK_MAX_BLOCKS:
            break
    return {"text": f"{d.title}: {d.summary}", "blocks": blocks,
            "unfurl_links": False, "unfurl_media": False}


def _slack_blocks(d: Digest, cap: int) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": d.title[:SLACK_MAX_HEADER], "emoji": False}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _mrkdwn(_meta(d)), "verbatim": True}]},
    ]
    if note := _left_out_note(d):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note, "verbatim": True}]})
    if d.is_empty:
        blocks.append(_text_block(NOTHING))
    for heading, items in _sections(d):
        if not items:
            continue
        blocks += [{"type": "divider"}, _text_block(f"*{heading}*")]
        for kind, shown, hidden in _capped(items, cap):
            blocks += [_slack_item(item) for item in shown]
            if hidden:
                blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _more(kind, hidden),
                                                                "verbatim": True}]})
    return blocks


# --------------------------------------------------------------------------------------
# Microsoft Teams: an Adaptive Card (1.4) for a Workflows webhook
# --------------------------------------------------------------------------------------

ADAPTIVE_CARD_VERSION = "1.4"
#: Teams refuses a message over about 28 KB; the card is kept under this many bytes of JSON.
TEAMS_MAX_BYTES = 24_000


def _text_runs(runs: Iterable[Run], **style: Any) -> list[dict[str, Any]]:
    """Runs as Adaptive Card TextRuns: never read as Markdown (a TextBlock would be), sheet text
    defanged so no client makes it a link."""
    return [{"type": "TextRun", "text": defang(text) if kind == "sheet" else text, **style}
            for kind, text in runs if text]


def _teams_item(item: Item) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "RichTextBlock", "inlines": _text_runs(item.what, weight="Bolder")},
        {"type": "RichTextBlock", "inlines": _text_runs((*_for_whom(item), ("plain", f". {item.why}")), isSubtle=True)},
    ]
    if item.link:
        # Our own words and our own URL only: the one place Markdown is read.
        body.append({"type": "TextBlock", "text": f"[{item.link_label}]({item.link})", "wrap": True, "spacing": "None"})
    else:
        body.append({"type": "RichTextBlock", "inlines": _text_runs((("plain", "Where: "), *item.where), isSubtle=True)})
    return {"type": "Container", "spacing": "Medium", "items": body}


def teams_payload(d: Digest) -> dict[str, Any]:
    """A message for a Teams Workflows webhook ("Post to a channel when a webhook request is received"):
    one Adaptive Card, version 1.4 (never the retired connector MessageCard), under Teams' size limit."""
    for cap in range(50, 0, -1):
        card = _teams_card(d, cap)
        if len(json.dumps(card, ensure_ascii=False).encode("utf-8")) <= TEAMS_MAX_BYTES:
            break
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def _teams_card(d: Digest, cap: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": d.title, "size": "Large", "weight": "Bolder", "wrap": True},
        {"type": "RichTextBlock", "inlines": _text_runs(_meta(d), isSubtle=True)},
    ]
    if note := _left_out_note(d):
        body.append({"type": "RichTextBlock", "inlines": _text_runs((("plain", note),), color="Warning")})
    if d.is_empty:
        body.append({"type": "RichTextBlock", "inlines": _text_runs((("plain", NOTHING),))})
    for heading, items in _sections(d):
        if not items:
            continue
        body.append({"type": "RichTextBlock", "separator": True, "spacing": "Large",
                     "inlines": _text_runs((("plain", heading),), weight="Bolder", size="Medium")})
        for kind, shown, hidden in _capped(items, cap):
            body += [_teams_item(item) for item in shown]
            if hidden:
                body.append({"type": "RichTextBlock", "inlines": _text_runs((("plain", _more(kind, hidden)),),
                                                                            isSubtle=True)})
    return {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": ADAPTIVE_CARD_VERSION, "body": body, "msteams": {"width": "Full"}}


def app_base_url(page_url: str | None) -> str | None:
    """The app's address from the address of one of its pages (``https://host/app/nudges?x`` ->
    ``https://host/app``), for links from the Nudges page when ``app_url`` is not set."""
    if not page_url or not page_url.startswith(("https://", "http://")):
        return None
    base = page_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return safe_link(base.rsplit("/", 1)[0] if base.count("/") > 2 else base)


__all__ = [
    "DEFAULT_SINCE_DAYS", "DUE_SOON_DAYS", "KINDS", "NEXT_THEME_DAYS", "SHEET_TEXT_LIMIT", "Digest", "Item",
    "app_base_url", "build", "clip", "defang", "for_person", "iso_week", "render_html", "render_markdown", "render_text",
    "safe_link", "slack_escape", "slack_payload", "teams_payload", "to_json",
]
