"""Errors Learning Loop raises when a source itself cannot be read (bad data never raises), and
when a new row is refused or cannot be written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SourceError(Exception):
    """The workbook could not be read at all: a missing file, not a workbook, no access."""


class WriteRefused(ValueError):
    """The new row is not valid; nothing was written. ``problems`` maps each column to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{column}: {message}" for column, message in problems.items()))
        self.problems = dict(problems)


class WriteFailed(SourceError):
    """The row could not be written (or confirmed written); nothing is lost: ``row`` is the row still
    in hand, with the id it was given, so sending it again can never add it twice."""

    def __init__(self, message: str, row: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.row = dict(row)
