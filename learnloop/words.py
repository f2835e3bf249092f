"""How numbers are put into words, the same way on every page, slide, chart and write-up."""

from __future__ import annotations

from collections.abc import Iterable


def number(value: float | int) -> str:
    """12 for 12.0, 12.5 for 12.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def plural(count: float | int, word: str, many: str | None = None) -> str:
    """"1 theme", "3 themes" (``many`` for an irregular plural: "2 people")."""
    return f"{number(count)} {word if count == 1 else (many or word + 's')}"


def and_list(items: Iterable[str]) -> str:
    """"PM", "PM and Eng", "PM, Design and Eng" ("" for none)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def left_out(rows: int) -> str:
    """What every page, slide and write-up says of the rows an error keeps out of its numbers."""
    return f"{plural(rows, 'row')} with errors {'is' if rows == 1 else 'are'} left out of these numbers"
