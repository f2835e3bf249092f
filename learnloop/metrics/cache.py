"""The one place where what is worked out from a workbook is kept.

A loaded workbook never changes, so anything computed from it stays true for as long as it is
served: the rows a filter set picks (:func:`learnloop.metrics.selection.select`), and each metric's
answer for a filter set. :func:`kept` keeps both, keyed by the function itself, the workbook, the
filters, the day that counts as today and the arguments: no key is ever typed by hand. The app serves
one workbook object to every session until the next read, so each page's numbers are worked out on
the first visit after a read and read back on every click after it.

Entries live as long as their workbook (a weak reference) and are bounded: the least recently used go
first once a workbook holds :data:`MAX_ENTRIES` answers or their tables more than :data:`MAX_BYTES`.
Each caller gets its own shallow copy of a table or list (pandas copies on write), so no caller can
change what another reads.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")

MAX_ENTRIES = 512
MAX_BYTES = 768 * 2**20


class Store:
    """The answers kept for one workbook, least recently used first."""

    def __init__(self) -> None:
        self.values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key][0]
        # Worked out outside the lock: two sessions asking at once both compute, and both get the same answer.
        value = compute()
        size = _bytes(value)
        with self.lock:
            if key in self.values:
                self.bytes -= self.values.pop(key)[1]
            self.values[key] = (value, size)
            self.bytes += size
            # The newest entry always stays, however large.
            while len(self.values) > 1 and (len(self.values) > MAX_ENTRIES or self.bytes > MAX_BYTES):
                self.bytes -= self.values.popitem(last=False)[1][1]
        return value

    def __len__(self) -> int:
        return len(self.values)


_stores: weakref.WeakKeyDictionary[Any, Store] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def store(wb: Any) -> Store:
    """What is kept for ``wb`` (a new, empty store the first time)."""
    with _stores_lock:
        found = _stores.get(wb)
        if found is None:
            found = _stores[wb] = Store()
        return found


#: Faster ways to the same answers (see :func:`kernel`), by the definition they stand in for.
_KERNELS: dict[Callable[..., Any], Callable[..., Any]] = {}
_use_kernels: contextvars.ContextVar[bool] = contextvars.ContextVar("use_kernels", default=True)


def kept(function: Callable[..., T]) -> Callable[..., T]:
    """``function(wb, f, *args)`` worked out once per workbook, filters, today and arguments.

    ``f`` is a :class:`~learnloop.filters.Filters` (or None for a function of the workbook alone);
    "today" is part of the key, so an answer that depends on it is worked out again the next day.
    Where a :func:`kernel` is registered for ``function``, it works the answer out instead (unless
    inside :func:`definitions_only`). The plain definition stays at ``.definition``.
    """
    @functools.wraps(function)
    def keeping(wb: Any, f: Any = None, *args: Any, **kwargs: Any) -> T:
        fast = _use_kernels.get()
        works = _KERNELS.get(function, function) if fast else function
        key = (function, fast, f, None if f is None else f.today(), args, tuple(sorted(kwargs.items())))
        return _own_copy(store(wb).get(key, lambda: works(wb, f, *args, **kwargs) if f is not None
                                       else works(wb, *args, **kwargs)))

    keeping.definition = function  # type: ignore[attr-defined]
    return keeping


def kernel(public: Callable[..., Any]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register an optimised kernel for ``public`` (a :func:`kept` function): same arguments, the
    same answer, faster. Only where a profile shows the definition misses its budget, and only with
    a differential test that runs both on generated workbooks and filter sets (tests/test_kernels.py)."""
    def register(fast: Callable[..., T]) -> Callable[..., T]:
        definition = public.definition  # type: ignore[attr-defined]
        _KERNELS[definition] = fast
        public.kernel = fast  # type: ignore[attr-defined]
        return fast

    return register


def kernels() -> dict[str, Callable[..., Any]]:
    """Every registered kernel, by the name of the definition it stands in for."""
    return {definition.__name__: fast for definition, fast in _KERNELS.items()}


@contextlib.contextmanager
def definitions_only() -> Iterator[None]:
    """Inside the block, every answer is worked out by its plain definition, never a kernel."""
    token = _use_kernels.set(False)
    try:
        yield
    finally:
        _use_kernels.reset(token)


def _own_copy(value: T) -> T:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)  # type: ignore[return-value]
    if isinstance(value, (list, dict)):
        return value.copy()  # type: ignore[return-value]
    return value


def _bytes(value: object) -> int:
    """The memory held by the frames in ``value`` (tuples, lists and dicts looked into), roughly."""
    if isinstance(value, pd.DataFrame):
        # The frame's own arrays (pandas' block manager): memory_usage(index=False, deep=False) adds up
        # the same nbytes, but builds a Series per column first (half the cost of a small kernel).
        arrays = getattr(getattr(value, "_mgr", None), "arrays", None)
        if arrays is None:
            return int(value.memory_usage(index=False, deep=False).sum())
        return int(sum(array.nbytes for array in arrays))
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=False))
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)) and value and not isinstance(value[0], (str, int, float)):
        return sum(_bytes(item) for item in value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return sum(_bytes(item) for item in vars(value).values() if isinstance(item, (pd.DataFrame, pd.Series)))
    return 0


def metric(*, columns: list[str] | None = None, shares: tuple[str, ...] = (),
           share: bool = False) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Declare a public metric: ``function(wb, f, ...)`` :func:`kept`, with what its answer documents.

    ``columns``: the columns of the table it returns, in order (an empty selection gives an empty
    table with them); ``shares``: those columns that are shares (0 to 1, or missing); ``share``: the
    answer itself is a share (or None). The tests run every metric the package exports and hold each
    to these.
    """
    def declare(function: Callable[..., T]) -> Callable[..., T]:
        public = kept(function)
        public.columns = columns  # type: ignore[attr-defined]
        public.shares = shares  # type: ignore[attr-defined]
        public.share = share  # type: ignore[attr-defined]
        return public

    return declare
