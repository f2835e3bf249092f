"""Coverage-guided fuzzing of the workbook loader with atheris (optional: `make reliability` makes a short
seeded run when atheris is installed, `make fuzz` a long one).

The property is the one ``tests/test_fuzz_loader.py`` checks with hypothesis: any raw workbook
loads without raising, and every non-blank row below the header is kept or quarantined with an
error. atheris (libFuzzer) mutates bytes, which this harness turns into tabs, headers and cells,
and steers toward code the validator and the parsers have not run yet.

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/fuzz_loader.py -runs=20000              # or -max_total_time=300
    .venv/bin/python fuzz/fuzz_loader.py -runs=300 -seed=1        # the short run the reliability report makes

``make fuzz`` runs it for ``FUZZ_SECONDS`` (300) with its corpus and any crash input in ``tests/artifacts/``
(ignored by git); replay a crash with ``.venv/bin/python fuzz/fuzz_loader.py tests/artifacts/crash-<hash>``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["learnloop", "data_schemas"]):
    from data_schemas import TABS, contract_titles
    from learnloop.validate import validate_workbook

from tests.test_fuzz_loader import FORMULAS, ODD_UNICODE, check_nothing_lost

TAB_TITLES = [*TABS, "PLN", "Peer Circle", "Decision Changes", "Artifacts", "Notes"]
LABELS = [name for spec in TABS.values() for name in spec.model.columns()]
WORDS = ["2026-01-15", "15 Jan 2026", "03/04/2026", "2026-Q1", "Q3 2026", "T-1", "S-1, S-2", "C-1; C-9",
         "experiment", "newsletter", "talk", "bet", "shipped", "PM, Design, eng", "4", "https://example.com",
         "javascript:alert(1)", "#REF!", "#N/A", "", " ", *FORMULAS, *ODD_UNICODE]


def cell(fdp: atheris.FuzzedDataProvider) -> Any:
    kind = fdp.ConsumeIntInRange(0, 11)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.PickValueInList(WORDS)
    if kind == 2:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
    if kind == 3:
        return fdp.ConsumeUnicodeNoSurrogates(4) * fdp.ConsumeIntInRange(0, 20_000)  # long cells
    if kind == 4:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 12))
    if kind == 5:
        return fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else fdp.ConsumeFloat()  # NaN, inf too
    if kind == 6:
        return fdp.ConsumeBool()
    if kind == 7:
        return dt.date(1900, 1, 1) + dt.timedelta(days=fdp.ConsumeIntInRange(0, 80_000))
    if kind == 8:
        return dt.datetime(2000, 1, 1) + dt.timedelta(seconds=fdp.ConsumeIntInRange(0, 10**9))
    if kind == 9:
        return dt.time(fdp.ConsumeIntInRange(0, 23), fdp.ConsumeIntInRange(0, 59))
    if kind == 10:
        return fdp.ConsumeIntInRange(30_000, 80_000)  # around plausible date serials
    return fdp.PickValueInList(LABELS)  # a column name where a value should be


def raw_workbook(fdp: atheris.FuzzedDataProvider) -> dict[str, list[list[Any]]]:
    tabs: dict[str, list[list[Any]]] = {}
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        title = fdp.PickValueInList(TAB_TITLES)
        rows: list[list[Any]] = [[cell(fdp)] for _ in range(fdp.ConsumeIntInRange(0, 2))]  # title rows
        width = fdp.ConsumeIntInRange(0, 16)
        rows.append([fdp.PickValueInList(LABELS) if fdp.ConsumeIntInRange(0, 3) else cell(fdp) for _ in range(width)])
        for _ in range(fdp.ConsumeIntInRange(0, 8)):
            rows.append([cell(fdp) for _ in range(fdp.ConsumeIntInRange(0, width + 2))])
        tabs[title] = rows
    return tabs


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    raw = raw_workbook(fdp)
    wb = validate_workbook(raw, source="atheris")
    # The title read for each tab ("sources" before "PLN"); two for one tab are an error naming both.
    by_tab = {tab: raw[titles[0]] for tab, titles in contract_titles(raw).items()}
    check_nothing_lost(by_tab, wb)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
