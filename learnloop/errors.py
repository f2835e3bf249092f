"""Errors Learning Loop raises when a source itself cannot be read (bad data never raises)."""


class SourceError(Exception):
    """The workbook could not be read at all: a missing file, not a workbook, no access."""
