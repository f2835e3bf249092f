"""``python -m tests.reliability`` (``make reliability``): run the reliability scenarios, print the table.

Runs the four scenario files with pytest in this process (they add what they did to
:data:`tests.reliability.TALLY`), then a short, seeded atheris run of ``fuzz/fuzz_loader.py`` when
atheris is installed. Exits non-zero when a scenario fails, a "must be 0" measure is not 0, a
fault was not survived, a row was not written, or the herd caused more than one read.

Options: ``--no-atheris`` skips the atheris run; anything else is passed to pytest (``-x``, ``-k``...).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import reliability

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ["tests/test_reliability.py", "tests/test_fuzz_loader.py", "tests/test_injection.py",
             "tests/test_secrets.py"]
ATHERIS_RUNS = 300
ATHERIS_SEED = 1


def run_atheris() -> tuple[int | None, str]:
    """A short deterministic atheris run: (cases tried, None when not run or crashed; what happened)."""
    if importlib.util.find_spec("atheris") is None:
        return None, "atheris is not installed (pip install atheris): skipped"
    command = [sys.executable, str(ROOT / "fuzz" / "fuzz_loader.py"), f"-runs={ATHERIS_RUNS}",
               f"-seed={ATHERIS_SEED}", "-max_len=2048", "-len_control=0", "-print_final_stats=0"]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        return -1, "atheris run timed out"
    runs = re.search(r"Done (\d+) runs", done.stderr)
    if done.returncode != 0 or runs is None:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        return -1, f"atheris found a crash (exit {done.returncode}):\n{tail}"
    return int(runs.group(1)), f"atheris: {runs.group(1)} runs, seed {ATHERIS_SEED}, no crash"


def main(argv: list[str]) -> int:
    use_atheris = "--no-atheris" not in argv
    extra = [arg for arg in argv if arg != "--no-atheris"]
    os.chdir(ROOT)
    reliability.reset()
    started = time.monotonic()
    status = pytest.main(["-q", "-p", "no:cacheprovider", *SCENARIOS, *extra])
    atheris_cases, atheris_note = run_atheris() if use_atheris else (None, "atheris: skipped (--no-atheris)")
    t = reliability.snapshot()
    fuzz = t.fuzz_cases + max(atheris_cases or 0, 0)
    herd_per_20 = t.herd_reads / max(t.herd_sessions / 20, 1) if t.herd_sessions else None

    rows: list[tuple[str, str, str, bool]] = []  # measure, value, must be, ok

    def row(measure: str, value: object, must: str = "", ok: bool = True) -> None:
        rows.append((measure, str(value), must, ok))

    row("read faults injected (app, every kind)", t.read_faults_injected, "> 0", t.read_faults_injected > 0)
    row("  survived: page served, banner or issue, no exception", t.read_faults_survived,
        "= injected", t.read_faults_survived == t.read_faults_injected)
    row("  recovered: fresh data on the next refresh", t.read_faults_healed, "= injected",
        t.read_faults_healed == t.read_faults_injected)
    row("thundering herd: reads per 20 sessions", "–" if herd_per_20 is None else f"{herd_per_20:g}", "1",
        herd_per_20 == 1)
    row("write faults injected (5xx, 429, non-JSON, timeouts)", t.write_faults_injected, "> 0",
        t.write_faults_injected > 0)
    row("rows written / to write", f"{t.rows_written} / {t.rows_to_write}", "all",
        t.rows_to_write > 0 and t.rows_written == t.rows_to_write)
    row("rows lost", t.rows_lost, "0", t.rows_lost == 0)
    row("duplicates", t.duplicates, "0", t.duplicates == 0)
    row("form input kept after a refused or failed write", t.form_input_kept_checks, "> 0",
        t.form_input_kept_checks > 0)
    row("fuzz cases tried (hypothesis, edge cases, atheris)", fuzz, "> 0", fuzz > 0 and atheris_cases != -1)
    row("  data rows in them, each kept or reported", t.fuzz_rows)
    row("views checked for sheet text as markup or script links", t.injection_checks, "> 0", t.injection_checks > 0)
    row("sheet text rendered as markup or a script link", t.markup_rendered, "0", t.markup_rendered == 0)
    row("outputs and files searched for secrets", t.secrets_checked, "> 0", t.secrets_checked > 0)
    row("secrets leaked", t.secrets_leaked, "0", t.secrets_leaked == 0)
    row("scenario tests failed", "0" if status == 0 else f"exit {int(status)}", "0", status == 0)

    width = max(len(measure) for measure, *_ in rows)
    print()
    print(f"Learning Loop reliability report ({time.monotonic() - started:.0f} s)")
    print(f"{'measure':<{width}}  {'value':>11}  {'must be':<10}")
    print(f"{'-' * width}  {'-' * 11}  {'-' * 10}")
    for measure, value, must, ok in rows:
        print(f"{measure:<{width}}  {value:>11}  {must:<10}{'' if ok else '  <-- FAILED'}")
    print(atheris_note)
    failed = [measure.strip() for measure, _, _, ok in rows if not ok]
    if failed:
        print(f"\nFAILED: {'; '.join(failed)}")
        return 1
    print("\nOK: every fault survived, nothing lost or doubled, nothing leaked.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
