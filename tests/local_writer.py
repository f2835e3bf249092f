"""A writer in a process of its own, for the tests of writes to a workbook on disk.

    python -m tests.local_writer PATH COUNT TAG [--stop-before-replace MARKER]

Adds COUNT critiques (artifact "TAG 0", "TAG 1"…, blank ids) to the .xlsx file or CSV folder at PATH,
as `learnloop add` and the app do, and prints the ids it was given. With --stop-before-replace it
stops for good at the moment the new file is complete beside the old one, just before it would take
the old one's place, after writing MARKER: the test then kills it there, as a crash would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

from learnloop import local_writes, writes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("tag")
    parser.add_argument("--stop-before-replace", type=Path)
    args = parser.parse_args()
    if args.stop_before_replace:
        marker: Path = args.stop_before_replace

        def stop(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
            marker.write_text(str(source), encoding="utf-8")
            time.sleep(3600)  # killed here

        os.replace = stop  # type: ignore[assignment]
    template = writes.prepare("critiques", {"date": dt.date(2026, 3, 2), "artifact_type": "experiment",
                                            "artifact": "template", "roles": ["PM", "Eng"]})
    for i in range(args.count):
        done = local_writes.append(args.path, "critiques", {**template, "artifact": f"{args.tag} {i}"})
        print(done.id, flush=True)


if __name__ == "__main__":
    main()
