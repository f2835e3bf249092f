"""Tables out of the app: CSV that opens cleanly in Excel and cannot run a formula.

A cell typed into the team's sheet as ``=HYPERLINK("https://evil.example", "click")`` is plain
text to Learning Loop, but a spreadsheet opening a CSV runs any cell that starts like a formula
(CSV injection). :func:`to_csv` neutralises every text cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return by putting an apostrophe in front (what OWASP
recommends, and what Excel itself shows as "text"). Numbers stay numbers, so ``-3`` is still
``-3``. The file is UTF-8 with a byte-order mark, so Excel reads names like "Zoë" correctly.
Pure: no Streamlit.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

#: What a spreadsheet takes as the start of a formula (or a command, for tab and CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` with a ``'`` in front when it is text that starts like a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    """A cell ready to write: missing values blank, dates as ISO text, lists joined, text neutralised."""
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(str(item) for item in value)
    elif value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return neutralise(value)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot start a formula."""
    out = pd.DataFrame(index=range(len(frame)))
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        values = column.to_numpy(dtype=object)
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            cells = [None if pd.isna(value) else value for value in values]
        else:
            cells = [_cell(value) for value in values]
        out[position] = pd.Series(cells, index=out.index, dtype=object)
    out.columns = [neutralise(str(name)) for name in frame.columns]
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV bytes for Excel: UTF-8 with a BOM, no index, text cells that begin with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return prefixed with ``'``."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


__all__ = ["FORMULA_STARTS", "neutralise", "safe_frame", "to_csv"]
