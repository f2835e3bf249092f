"""Find what we learned: every text cell of every tab, searched by word, best match first.

What is searched: every text column of every tab, as the workbook contract declares them (each
tab's own id, titles and names, notes, feedback, follow-ups, summaries, definitions of good, and the
names in owner, presenter, participants and team). Choices, dates, links and the ids a row refers to
are not text: they are what the filters and trails are for.

How a query matches (whatever is typed is a query, never syntax):

* A row matches when it holds **every word** of the query, in any of its columns.
* Words match in any case and with or without accents (``cafe`` finds ``Café``), and from their
  **start**: ``pric`` finds ``pricing``, ``Preis`` finds ``Preisgestaltung``.
* Words in double quotes are a **phrase**: ``"annual plan"`` finds the two words side by side, each
  whole.
* Only letters and digits make words; spaces, commas, semicolons and brackets separate them. Other
  punctuation between letters (``D-4``, ``e-mail``, ``Lenny's``) joins the parts into a phrase, the
  last matched from its start; anywhere else it is left out: a quote never closed, ``*``, ``-``, ``:``.
  ``NEAR``, ``OR``, ``AND`` and ``NOT`` are words like any other. The first :data:`MAX_WORDS` words
  are searched.
* **One typo**: when nothing in the selection matches, each word of :data:`TYPO_MIN_LENGTH` letters or
  more that starts no word in the workbook is read as the word one typo away (a letter missing, added
  or changed, or two letters swapped) that starts a word in the most rows, and the results say what was
  searched instead ("showing results for …").

Ranking: SQLite's BM25 (rarer words and shorter cells count more), with a row's id and title-like
text (a theme's or commitment's title, a source's name, a critique's artifact, a decision's summary)
weighing :data:`HEADING_WEIGHT` times its other text; a word found whole adds to the same word found
as the start of a longer one. Ties keep the workbook's order.

The index is SQLite's FTS5 (the standard library's sqlite3), built once per loaded workbook and kept
with it (:mod:`learnloop.metrics.cache`): the first search after a read pays for the build, every
later one only queries it. Pure: no Streamlit; snippets are plain text runs, marked by whoever shows them.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import pandas as pd

from data_schemas import TABS
from learnloop.filters import Filters
from learnloop.metrics.cache import kept
from learnloop.metrics.quarters import canonical_quarter
from learnloop.metrics.selection import select
from learnloop.safe import printable
from learnloop.workbook import Workbook

#: Words of a query searched; the rest are left out (and the results say so).
MAX_WORDS = 16
#: Words at least this long are read with one typo when nothing matches.
TYPO_MIN_LENGTH = 5
#: Longer words are never typo-corrected (a pasted paragraph is not a word with one typo).
TYPO_MAX_LENGTH = 40
#: How much more a match in a row's id or title-like text counts than one in its other text.
HEADING_WEIGHT = 3.0
#: Characters of text around the first match that a snippet shows.
SNIPPET_CHARS = 180
#: Characters of a snippet before the first match, when the text is longer than a snippet.
SNIPPET_LEAD = 50
#: Letters tried in place of each letter (and between letters) when looking for a word one typo away:
#: the most common ones in the workbook's words, so an alphabet of thousands stays fast.
TYPO_LETTERS = 64
#: Memory the index gathers words in before writing them out while it is built (SQLite's default is 1 MB).
BUILD_BUFFER_BYTES = 64 * 2**20

_GROUPS = ("heading", "body", "people")
#: A word: a run of letters and digits (what SQLite's unicode61 tokenizer keeps; everything else separates).
_WORD = re.compile(r"[^\W_]+")
_QUOTES = re.compile(r"[\"“”„«»]")
#: What separates the words of a query: white space and list punctuation. Other punctuation between
#: letters (``D-4``, ``e-mail``, ``Lenny's``) joins them into one term.
_BETWEEN = re.compile(r"[\s,;()\[\]{}<>!?|]+")


def searched_columns(tab: str) -> dict[str, str]:
    """The columns of ``tab`` that are searched, each with its group: ``heading`` (the tab's own id and
    its required text: title, name, artifact, summary), ``body`` (its other text) or ``people`` (names)."""
    model = TABS[tab].model
    out: dict[str, str] = {}
    if model._id_column:
        out[model._id_column] = "heading"
    for name, meta in model.columns().items():
        if meta["kind"] == "text":
            out[name] = "heading" if meta["required"] else "body"
        elif meta["kind"] in ("name", "name_list"):
            out[name] = "people"
    return out


@cache  # asked for by every result and every leg of its trail; the contract never changes
def title_column(tab: str) -> str:
    """The column that names a row of ``tab`` for people: its first required text column."""
    return next(name for name, meta in TABS[tab].model.columns().items()
                if meta["kind"] == "text" and meta["required"])


def fold(word: str) -> str:
    """``word`` as the index compares it: lower case, accents removed (``Café`` -> ``cafe``)."""
    if word.isascii():
        return word.lower()
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


# ---------------------------------------------------------------------------------- queries ---


@dataclass(frozen=True)
class Term:
    """One thing every matching row must hold: a word (matched from its start) or a phrase."""

    words: tuple[str, ...]
    #: The last word matches from its start (a bare word, or one joined by punctuation: ``D-4``).
    prefix: bool = True
    quoted: bool = False
    #: The term as typed, trimmed of what is not part of it (``(pricing`` -> ``pricing``).
    typed: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        joined = " ".join(self.words)
        return f'"{joined}"' if self.quoted else self.typed or joined

    def expression(self) -> str:
        """The term in FTS5's query language: only quoted words of letters and digits, never syntax."""
        quoted = '"' + " ".join(self.words) + '"'
        if len(self.words) == 1 and self.prefix:
            return f"({quoted} OR {quoted}*)"  # a whole word also counts as the start of one: it ranks higher
        return quoted + ("*" if self.prefix else "")

    @cached_property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(word) for word in self.words)


@dataclass(frozen=True)
class Query:
    """What was typed, read as terms that every matching row must hold."""

    typed: str
    terms: tuple[Term, ...]
    #: Words left out past :data:`MAX_WORDS`.
    dropped: int = 0

    @property
    def text(self) -> str:
        return " ".join(term.text for term in self.terms)

    def expression(self) -> str:
        return " AND ".join(term.expression() for term in self.terms)


def parse(typed: str) -> Query:
    """Read what was typed as terms: quoted phrases and words (see the module's docstring)."""
    terms: list[Term] = []
    seen: set[tuple[tuple[str, ...], bool, bool]] = set()
    dropped = 0
    # Text between an opening quote and the next one (or the end, when it is never closed) is a phrase.
    for n, part in enumerate(_QUOTES.split(typed)):
        if n % 2:
            candidates = [Term(tuple(_WORD.findall(part)), prefix=False, quoted=True)]
        else:
            candidates = [Term(tuple(_WORD.findall(chunk)), typed=_trimmed(chunk)) for chunk in _BETWEEN.split(part)]
        for term in candidates:
            key = (term.folded, term.prefix, term.quoted)
            if not term.words or key in seen:
                continue
            if len(terms) >= MAX_WORDS:
                dropped += 1
                continue
            seen.add(key)
            terms.append(term)
    return Query(typed, tuple(terms), dropped)


def _trimmed(chunk: str) -> str:
    """``chunk`` from its first letter or digit to its last (``(pricing*`` -> ``pricing``)."""
    words = list(_WORD.finditer(chunk))
    return chunk[words[0].start():words[-1].end()] if words else ""


# ------------------------------------------------------------------------------------ index ---


@dataclass(eq=False)
class Index:
    """Every searched cell of a workbook in one SQLite FTS5 table: a document per row, its text in
    three columns by group (:func:`searched_columns`). A row's rowid is its tab's offset plus its
    position in the workbook's table."""

    connection: sqlite3.Connection
    #: The first rowid of each tab (in :data:`TABS` order), and one past the last row.
    offsets: np.ndarray
    lock: threading.Lock = field(default_factory=threading.Lock)

    def matches(self, expression: str) -> tuple[np.ndarray, np.ndarray]:
        """The rowids of the rows ``expression`` matches, and each one's score (higher is better)."""
        weights = ", ".join(str(HEADING_WEIGHT if group == "heading" else 1.0) for group in _GROUPS)
        with self.lock:
            found = self.connection.execute(
                f"SELECT rowid, -bm25(cells, {weights}) FROM cells WHERE cells MATCH ?", (expression,)).fetchall()
        if not found:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        rows = np.array(found, dtype=np.float64)
        return rows[:, 0].astype(np.int64), rows[:, 1]

    @cached_property
    def vocabulary(self) -> tuple[list[str], np.ndarray]:
        """Every word in the index, sorted, and the running total of the rows each is in (from 0)."""
        with self.lock:
            self.connection.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.words USING fts5vocab(main, cells, row)")
            found = self.connection.execute("SELECT term, doc FROM temp.words ORDER BY term").fetchall()
        words = [word for word, _ in found]
        return words, np.concatenate([[0], np.cumsum([rows for _, rows in found], dtype=np.int64)])

    @cached_property
    def letters(self) -> str:
        """The :data:`TYPO_LETTERS` most common letters of the index's words."""
        counts = Counter("".join(self.vocabulary[0]))
        return "".join(letter for letter, _ in counts.most_common(TYPO_LETTERS))

    def rows_starting(self, start: str) -> int:
        """How many rows (counted once per word) hold a word that starts with ``start``."""
        words, running = self.vocabulary
        first = bisect.bisect_left(words, start)
        if first == len(words) or not words[first].startswith(start):
            return 0
        last = bisect.bisect_left(words, start + "\U0010ffff", lo=first)
        return int(running[last] - running[first])

    def one_typo_away(self, word: str) -> str | None:
        """The start of a word one typo away from ``word`` (folded) found in the most rows, or None."""
        letters = self.letters
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        candidates = {a + b[1:] for a, b in splits if b}
        candidates |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        candidates |= {a + c + b[1:] for a, b in splits if b for c in letters}
        candidates |= {a + c + b for a, b in splits for c in letters}
        candidates.discard(word)
        scored = [(-self.rows_starting(candidate), candidate) for candidate in candidates if candidate]
        best = min(((rows, candidate) for rows, candidate in scored if rows), default=None)
        return best[1] if best else None


def _cells(frame: pd.DataFrame, column: str) -> list[str | None]:
    """The text of each cell of ``column`` (a list cell's items joined with commas; None when blank)."""
    values = frame[column]
    if values.dtype == object:  # a list column: each distinct tuple is joined once
        joined: dict[int, str | None] = {}
        out = []
        for cell in values.tolist():
            key = id(cell)
            if key not in joined:
                joined[key] = ", ".join(str(item) for item in cell) if cell else None
            out.append(joined[key])
        return out
    return values.astype(object).where(values.notna(), None).tolist()


def _group_text(frame: pd.DataFrame, columns: list[str]) -> Iterable[str | None]:
    if not columns:
        return [None] * len(frame)
    if len(columns) == 1:
        return _cells(frame, columns[0])
    return ("\n".join(text for text in texts if text) or None
            for texts in zip(*(_cells(frame, column) for column in columns), strict=True))


@kept
def index(wb: Workbook) -> Index:
    """The search index of ``wb``: built on the first search after a read, then kept with the workbook."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.execute(f"CREATE VIRTUAL TABLE cells USING fts5({', '.join(_GROUPS)}, "
                       "tokenize = 'unicode61 remove_diacritics 2')")
    # Built in one go: no merging of segments while rows go in, one merge at the end (a third faster).
    connection.execute("INSERT INTO cells (cells, rank) VALUES ('automerge', 0)")
    connection.execute(f"INSERT INTO cells (cells, rank) VALUES ('hashsize', {BUILD_BUFFER_BYTES})")
    offsets = [0]
    for tab in TABS:
        frame = wb.tables[tab]
        groups = searched_columns(tab)
        texts = [_group_text(frame, [column for column, g in groups.items() if g == group and column in frame])
                 for group in _GROUPS]
        start = offsets[-1]
        connection.executemany(f"INSERT INTO cells (rowid, {', '.join(_GROUPS)}) VALUES (?, ?, ?, ?)",
                               zip(range(start, start + len(frame)), *texts, strict=True))
        offsets.append(start + len(frame))
    connection.execute("INSERT INTO cells (cells) VALUES ('optimize')")  # one b-tree: faster queries
    return Index(connection, np.array(offsets, dtype=np.int64))


# ---------------------------------------------------------------------------------- results ---

#: A piece of shown text and whether it is a match (to be marked by whoever shows it).
Run = tuple[str, bool]


@dataclass(frozen=True)
class Hit:
    """One matching row."""

    tab: str
    #: The row's position in ``wb.tables[tab]`` (for trails).
    position: int
    sheet: str
    id: str
    #: The row number in the sheet (the header row is 1).
    row: int
    #: The column the best match is in (its snippet is shown).
    column: str
    quarter: str | None
    team: str | None
    #: The row's title (a theme's title, a source's name…), matches marked, cut to a snippet's length.
    title: tuple[Run, ...]
    #: Text of ``column`` around its first match, matches marked.
    snippet: tuple[Run, ...]
    score: float
    #: The cell in Google Sheets, or None for a workbook read from a file.
    link: str | None

    def snippet_text(self, marks: tuple[str, str] = ("«", "»")) -> str:
        """The snippet as one line, each match between ``marks``."""
        return marked(self.snippet, marks)


def marked(runs: Iterable[Run], marks: tuple[str, str] = ("«", "»")) -> str:
    return "".join(f"{marks[0]}{text}{marks[1]}" if match else text for text, match in runs)


@dataclass(frozen=True)
class Results:
    """What a search found in the selection: how many rows in each tab, and the best of them."""

    #: The terms searched, after any typo was read as the word it stands for (to mark the same words
    #: in other text, such as a trail's titles).
    query: Query
    #: The words read instead of the typed ones ("showing results for …"), or None.
    corrected: str | None
    #: Matching rows per tab (every tab, 0 when none), in the playbook's order.
    counts: dict[str, int]
    hits: tuple[Hit, ...]

    @property
    def typed(self) -> str:
        """What was typed, as typed."""
        return self.query.typed

    @property
    def searched(self) -> str:
        """The query as searched: its words, after any typo was read as the word it stands for."""
        return self.query.text

    @property
    def dropped(self) -> int:
        """Words left out past :data:`MAX_WORDS`."""
        return self.query.dropped

    def highlight(self, text: str) -> tuple[Run, ...]:
        """``text`` (on one line) with the searched words marked."""
        return tuple(_matches(_text(text), self.query.terms)[0])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def in_tab(self, tab: str) -> tuple[Hit, ...]:
        return tuple(hit for hit in self.hits if hit.tab == tab)


def search(wb: Workbook, query: str, f: Filters | None = None, *, tabs: Sequence[str] = (),
           quarters: Sequence[str] = (), limit: int | None = 20, per_tab: bool = False) -> Results:
    """The rows of ``wb`` that ``query`` matches, best first (see the module's docstring).

    ``f``: the sidebar's filters (quarter range, teams, people, themes); ``tabs`` and ``quarters``:
    only these tabs and quarters (labels as typed: ``Q1 2026``); ``limit``: how many hits to return,
    overall or, with ``per_tab``, in each tab (None: all). Counts are always of every match. A tab
    that is not one of the workbook's, or a quarter label that is not a quarter, is a ValueError.
    """
    unknown = sorted(set(tabs) - set(TABS))
    if unknown:
        raise ValueError(f"{', '.join(map(repr, unknown))} is not a tab; the tabs are {', '.join(TABS)}.")
    wanted_tabs = tuple(tab for tab in TABS if tab in set(tabs))
    wanted_quarters = tuple(sorted({canonical_quarter(quarter) for quarter in quarters}))
    return _search(wb, f or Filters(), query, wanted_tabs, wanted_quarters, limit, per_tab)


@kept
def _search(wb: Workbook, f: Filters, typed: str, tabs: tuple[str, ...], quarters: tuple[str, ...],
            limit: int | None, per_tab: bool) -> Results:
    query = parse(typed)
    found = _find(wb, f, query, tabs, quarters)
    corrected = None
    if not sum(len(positions) for positions, _ in found.values()) and query.terms:
        instead = _corrected(index(wb), query)
        if instead is not None:
            retry = _find(wb, f, instead, tabs, quarters)
            if sum(len(positions) for positions, _ in retry.values()):
                query, found, corrected = instead, retry, instead.text
    counts = {tab: len(found[tab][0]) if tab in found else 0 for tab in TABS}
    ranked = _ranked(found, limit, per_tab)
    return Results(query, corrected, counts, _hits(wb, ranked, query))


def _find(wb: Workbook, f: Filters, query: Query, tabs: tuple[str, ...],
          quarters: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per tab, the positions of the matching rows the filters keep, and their scores."""
    if not query.terms:
        return {}
    found = index(wb)
    rowids, scores = found.matches(query.expression())
    picked = select(wb, f).picked
    out = {}
    for n, tab in enumerate(TABS):
        if tabs and tab not in tabs:
            continue
        inside = (rowids >= found.offsets[n]) & (rowids < found.offsets[n + 1])
        positions, tab_scores = rowids[inside] - found.offsets[n], scores[inside]
        keep = np.ones(len(positions), dtype=bool)
        if picked[tab] is not None:
            keep &= picked[tab][positions]
        if quarters:
            keep &= wb.tables[tab]["quarter"].isin(quarters).fillna(False).to_numpy(dtype=bool)[positions]
        out[tab] = (positions[keep], tab_scores[keep])
    return out


def _corrected(found: Index, query: Query) -> Query | None:
    """``query`` with each long word that starts no word of the index read as the word one typo away."""
    terms, changed = [], False
    for term in query.terms:
        word = term.folded[0]
        if (len(term.words) == 1 and not term.quoted and TYPO_MIN_LENGTH <= len(word) <= TYPO_MAX_LENGTH
                and not found.rows_starting(word)):
            instead = found.one_typo_away(word)
            if instead is not None:
                term, changed = Term((instead,), typed=instead), True
        terms.append(term)
    return Query(query.typed, tuple(terms), query.dropped) if changed else None


def _ranked(found: dict[str, tuple[np.ndarray, np.ndarray]], limit: int | None,
            per_tab: bool) -> list[tuple[str, int, float]]:
    """(tab, position, score) of the hits to show: best score first, then the playbook's tab order and
    the workbook's row order; ``limit`` of them overall, or in each tab with ``per_tab``."""
    parts = [(n, tab, positions, scores) for n, (tab, (positions, scores)) in enumerate(found.items())]
    if per_tab:
        out = []
        for _, tab, positions, scores in parts:
            order = np.lexsort((positions, -scores))[:limit]
            out += [(tab, int(positions[i]), float(scores[i])) for i in order]
        return out
    tab_of = np.concatenate([np.full(len(positions), n) for n, _, positions, _ in parts] or [np.empty(0, int)])
    positions = np.concatenate([positions for _, _, positions, _ in parts] or [np.empty(0, int)])
    scores = np.concatenate([scores for _, _, _, scores in parts] or [np.empty(0)])
    order = np.lexsort((positions, tab_of, -scores))[:limit]
    names = [tab for _, tab, _, _ in parts]
    return [(names[tab_of[i]], int(positions[i]), float(scores[i])) for i in order]


def _hits(wb: Workbook, ranked: list[tuple[str, int, float]], query: Query) -> tuple[Hit, ...]:
    """The ranked rows as hits: each cell they show read once per tab, for those rows only."""
    cells: dict[tuple[str, int], dict[str, object]] = {}
    for tab in TABS:
        positions = [position for hit_tab, position, _ in ranked if hit_tab == tab]
        if not positions:
            continue
        frame = wb.tables[tab]
        wanted = ["sheet", "quarter", "team", "theme_id", *searched_columns(tab)]
        columns = {column: frame[column].array.take(positions).tolist() for column in dict.fromkeys(wanted)
                   if column in frame}
        rows = frame.index[positions].tolist()
        for n, position in enumerate(positions):
            cells[(tab, position)] = {"row": rows[n], **{column: values[n] for column, values in columns.items()}}
    return tuple(_hit(wb, tab, position, score, cells[(tab, position)], query) for tab, position, score in ranked)


def _hit(wb: Workbook, tab: str, position: int, score: float, row: dict[str, object], query: Query) -> Hit:
    title = title_column(tab)  # one of the searched columns: its runs are read with theirs
    matched = {column: _matches(_text(row.get(column)), query.terms) for column in searched_columns(tab)}
    best_column = max(matched, key=lambda column: matched[column][1])  # the first that holds the most terms
    if not matched[best_column][1]:
        best_column = title
    sheet, number = str(row["sheet"]), int(row["row"])  # type: ignore[call-overload]
    return Hit(tab=tab, position=position, sheet=sheet, id=str(row[TABS[tab].model._id_column]), row=number,
               column=best_column, quarter=_blank_to_none(row["quarter"]), team=_team(wb, tab, row),
               title=_window(matched[title][0]), snippet=_window(matched[best_column][0]),
               score=round(score, 3), link=wb.cell_link(sheet, tab, number, best_column))


def _blank_to_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _team(wb: Workbook, tab: str, row: dict[str, object]) -> str | None:
    """The row's team, or when blank its theme's (in the same sheet), as the team filter reads it."""
    team = _blank_to_none(row["team"])
    if team is not None or tab == "themes" or _blank_to_none(row["theme_id"]) is None:
        return team
    return _theme_teams(wb).get((str(row["sheet"]), str(row["theme_id"])))


@kept
def _theme_teams(wb: Workbook) -> dict[tuple[str, str], str]:
    """(sheet, theme id) -> the theme's team, for every theme with one (the first row of an id)."""
    themes = wb.themes.dropna(subset=["team"]).drop_duplicates(["sheet", "theme_id"])
    return dict(zip(zip(themes["sheet"].astype(str), themes["theme_id"].astype(str), strict=True),
                    themes["team"].astype(str), strict=True))


def _text(value: object) -> str:
    """A cell as one line of printable text (a list cell's items joined with commas)."""
    if isinstance(value, tuple):
        value = ", ".join(str(item) for item in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return " ".join(printable(str(value), keep_lines=False).split())


def _matches(text: str, terms: Sequence[Term]) -> tuple[list[Run], int]:
    """``text`` as runs with every match of ``terms`` marked, and how many of the terms it holds."""
    folded = fold(text)
    if not any(term.folded[0] in folded for term in terms):  # most cells hold none: no need to read their words
        return ([(text, False)] if text else []), 0
    words = [(found.start(), found.end(), fold(found.group())) for found in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    held = 0
    for term in terms:
        size = len(term.folded)
        first = len(spans)
        for i in range(len(words) - size + 1):
            whole = all(words[i + j][2] == term.folded[j] for j in range(size - 1))
            last = words[i + size - 1][2]
            if whole and (last.startswith(term.folded[-1]) if term.prefix else last == term.folded[-1]):
                spans.append((words[i][0], words[i + size - 1][1]))
        held += len(spans) > first
    runs: list[Run] = []
    at = 0
    for start, end in _merged(spans):
        if start > at:
            runs.append((text[at:start], False))
        runs.append((text[start:end], True))
        at = end
    if at < len(text):
        runs.append((text[at:], False))
    return runs, held


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _window(runs: list[Run]) -> tuple[Run, ...]:
    """At most :data:`SNIPPET_CHARS` characters of ``runs`` around the first match, cut between words,
    with "…" where text is left out."""
    text = "".join(piece for piece, _ in runs)
    if len(text) <= SNIPPET_CHARS:
        return tuple(runs)
    first, at = 0, 0
    for piece, match in runs:
        if match:
            first = at
            break
        at += len(piece)
    start = max(0, first - SNIPPET_LEAD)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", max(first, start) + 1, end)
        end = space if space != -1 else end
    out: list[Run] = [("…", False)] if start else []
    at = 0
    for piece, match in runs:
        lo, hi = max(start, at), min(end, at + len(piece))
        if lo < hi:
            out.append((text[lo:hi], match))
        at += len(piece)
    if end < len(text):
        out.append(("…", False))
    return tuple(out)
