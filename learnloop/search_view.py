"""The Search page's results as HTML: every character of sheet text (and of the query) escaped, the
only markup the ``<mark>`` around each match and the page's own layout.

Text is escaped for HTML and, besides, every character that Markdown reads as markup is written as a
character reference (``*`` as ``&#42;``): whatever renders the result, HTML or Markdown, a cell can
never become a link, an image, emphasis or a tag. Pure: no Streamlit; ``pages/search.py`` shows it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from learnloop import search, trail
from learnloop.safe import printable
from learnloop.words import plural
from learnloop.workbook import Workbook

#: Results shown per tab, best first; the count says how many match in all.
PER_TAB = 25
#: Rows of a trail's leg shown before "and N more".
LEG_ROWS = 6
#: Characters of a linked row's title shown in a trail.
LINKED_TITLE_CHARS = 60
#: Characters of the query repeated above the results (a pasted page is cut, with "…").
QUERY_CHARS = 200
TAB_LABELS = {"themes": "Themes", "sources": "Sources", "critiques": "Critiques", "commitments": "Commitments",
              "decisions": "Decisions"}
SINGULAR = {"themes": "theme", "sources": "source", "critiques": "critique", "commitments": "commitment",
            "decisions": "decision"}

#: The page's own style for results (a constant: nothing from the sheet or the URL goes into it).
CSS = """
.ll-hits { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 0.6rem; }
.ll-hit { border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.5rem; padding: 0.55rem 0.75rem;
  line-height: 1.4; overflow-wrap: anywhere; }
.ll-head { font-size: 0.8rem; opacity: 0.8; display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: baseline; }
.ll-id { font-weight: 600; opacity: 1; }
.ll-head a { margin-left: auto; }
.ll-title { font-weight: 600; margin: 0.15rem 0; }
.ll-snippet { font-size: 0.9rem; }
.ll-column { font-size: 0.75rem; opacity: 0.7; margin-right: 0.35rem; }
.ll-trail { font-size: 0.8rem; margin-top: 0.35rem; border-top: 1px dashed rgba(128, 128, 128, 0.35);
  padding-top: 0.3rem; }
.ll-leg { opacity: 0.7; }
.ll-hits mark { background: rgba(255, 196, 0, 0.45); color: inherit; padding: 0 0.1rem; border-radius: 0.2rem; }
"""

# Characters HTML or Markdown (CommonMark, GitHub, Streamlit) can read as markup: written as references.
_SPECIAL = re.compile(r"[&<>\"'\\`*_\[\]{}()#+\-.!|~:$=]")


def text(value: object) -> str:
    """Sheet text (or the query) as inert HTML on one line: escaped, control characters dropped, and
    every Markdown character as a character reference."""
    return _escaped(" ".join(printable(str(value), keep_lines=False).split()))


def _escaped(one_line: str) -> str:
    return _SPECIAL.sub(lambda found: f"&#{ord(found.group())};", one_line)


def runs(pieces: Iterable[search.Run]) -> str:
    """Text runs (already on one line, spaces between them kept) with each match in ``<mark>``."""
    return "".join(f"<mark>{_escaped(printable(piece, keep_lines=False))}</mark>" if match
                   else _escaped(printable(piece, keep_lines=False)) for piece, match in pieces)


def summary(found: search.Results, *, filtered: bool) -> str:
    """What was found: the count per tab, any typo read as another word, words left out."""
    typed = f"<q>{text(_cut(found.typed, QUERY_CHARS))}</q>"
    where = " in the rows the filters select" if filtered else ""
    if not found.total:
        if not found.searched:
            return f"<p>Nothing to search for in {typed}: type a word (only letters and digits are searched).</p>"
        return f"<p>Nothing matches {typed}{where}.</p>"
    per_tab = ", ".join(plural(count, SINGULAR[tab], tab) for tab, count in found.counts.items() if count)
    lines = [f"<p>Nothing matched {typed}: showing results for <q>{text(found.corrected)}</q>.</p>"
             if found.corrected else ""]
    lines.append(f"<p><b>{plural(found.total, 'row')}</b> {'matches' if found.total == 1 else 'match'} "
                 f"<q>{text(_cut(found.searched, QUERY_CHARS))}</q>{where}: {per_tab}.</p>")
    if found.dropped:
        lines.append(f"<p>Only the first {search.MAX_WORDS} words were searched ({found.dropped} left out).</p>")
    return "".join(lines)


def hits(wb: Workbook, found: search.Results, tab: str) -> str:
    """One card per hit of ``tab``: where it is, its title and the snippet of the column it matched in,
    and its trail (the searched words marked there too)."""
    several = len(wb.sheets) > 1
    cards = [_card(wb, found, hit, several) for hit in found.in_tab(tab)]
    return f'<div class="ll-hits">{"".join(cards)}</div>'


def _card(wb: Workbook, found: search.Results, hit: search.Hit, several: bool) -> str:
    meta = [f"row {hit.row}", *([hit.quarter] if hit.quarter else []), *([hit.team] if hit.team else []),
            *([hit.sheet] if several else [])]
    head = f'<span class="ll-id">{text(hit.id)}</span><span>{" · ".join(text(part) for part in meta)}</span>'
    if hit.link and hit.link.startswith("https://docs.google.com/"):
        link = html.escape(hit.link, quote=True)
        head += f'<a href="{link}" target="_blank" rel="noopener noreferrer">Open in Sheets</a>'
    body = f'<div class="ll-title">{runs(hit.title)}</div>'
    if hit.column != search.title_column(hit.tab):
        body += (f'<div class="ll-snippet"><span class="ll-column">{text(hit.column.replace("_", " "))}</span>'
                 f"{runs(hit.snippet)}</div>")
    legs = trail.trail(wb, hit.tab, hit.position)
    if legs:
        body += '<div class="ll-trail">' + "<br>".join(_leg(found, leg) for leg in legs) + "</div>"
    return f'<div class="ll-hit"><div class="ll-head">{head}</div>{body}</div>'


def _leg(found: search.Results, leg: trail.Leg) -> str:
    shown = [f"{text(row.id)} {runs(found.highlight(_cut(row.title)))}" for row in leg.rows[:LEG_ROWS]]
    more = len(leg.rows) - LEG_ROWS
    if more > 0:
        shown.append(f"and {more} more")
    return f'<span class="ll-leg">{text(leg.label)}:</span> ' + "; ".join(shown)


def _cut(title: str, limit: int = LINKED_TITLE_CHARS) -> str:
    return title if len(title) <= limit else title[:limit].rstrip() + "…"
