"""Python's cyclic garbage collector, held off while a workbook is read and validated."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector for the duration; turn it back on after, only if it was on.

    Reading a workbook makes a Python object per row and per list cell, hundreds of thousands of them
    at 100,000 rows, and every few hundred new objects the collector runs; its full passes walk every
    object the process holds (a Streamlit server holds many) while finding next to nothing: JSON rows
    and the tuples of list cells cannot form a reference cycle, and the tables are freed by reference
    counting. At 100,000 rows those passes were a third of parsing a batchGet body and about a fifth
    of validating the tabs. What little cyclic garbage a load makes is collected by the next pass
    after. A load on another thread at the same time can at worst turn the collector back on early.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
