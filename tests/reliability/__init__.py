"""The reliability report (issue #7): faults survived, bad input tried, nothing lost, nothing leaked.

The scenarios are ordinary tests (``tests/test_reliability.py``, ``tests/test_fuzz_loader.py``,
``tests/test_secrets.py``, ``tests/test_injection.py``). While they run they add what they did to
:data:`TALLY` - faults injected and survived, fuzz cases tried, rows written, lost and doubled,
secrets looked for and found - and ``python -m tests.reliability`` (``make reliability``) runs them
and prints the table. Under plain ``pytest`` the tally is kept and simply never printed.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass


@dataclass
class Tally:
    """What the reliability scenarios did, added up. Fields ending in ``_must_be_zero`` fail the report."""

    read_faults_injected: int = 0
    read_faults_survived: int = 0
    read_faults_healed: int = 0
    herd_sessions: int = 0
    herd_reads: int = 0
    write_faults_injected: int = 0
    rows_to_write: int = 0
    rows_written: int = 0
    form_input_kept_checks: int = 0
    fuzz_cases: int = 0
    fuzz_rows: int = 0
    injection_checks: int = 0
    secrets_checked: int = 0
    rows_lost: int = 0
    duplicates: int = 0
    secrets_leaked: int = 0
    markup_rendered: int = 0


TALLY = Tally()
_LOCK = threading.Lock()
#: The measures that must be 0 for the report to pass.
MUST_BE_ZERO = ("rows_lost", "duplicates", "secrets_leaked", "markup_rendered")


def add(**counts: int) -> None:
    """Add ``counts`` (field name -> how many) to :data:`TALLY`; thread-safe."""
    with _LOCK:
        for name, value in counts.items():
            setattr(TALLY, name, getattr(TALLY, name) + int(value))


def reset() -> None:
    with _LOCK:
        for item in dataclasses.fields(Tally):
            setattr(TALLY, item.name, 0)


def snapshot() -> Tally:
    with _LOCK:
        return dataclasses.replace(TALLY)
