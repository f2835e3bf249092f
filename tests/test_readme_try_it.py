"""The README's "try it" steps work as written: on a copy of the demo, and on the Sheets stand-in.

The commands are read out of the README and run (the stand-in on a free port instead of 8765, and
`learnloop add` in place of `make run`, which would open the app): each writes a row.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from learnloop import load
from tests.browser import free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ADD = ["add", "{source}", "critiques", "date=2026-03-02", "artifact_type=experiment", "artifact=Tried from the README",
       "--json"]


def the_cli() -> list[str]:
    return [sys.executable, "-c", "from learnloop.cli import main; main()"]


def block_after(words: str) -> list[str]:
    """The lines of the first ```sh block after ``words`` in the README."""
    at = README.index(words)
    found = re.search(r"```sh\n(.*?)```", README[at:], re.S)
    assert found, f"no commands after {words!r}"
    return [line for line in found.group(1).splitlines() if line.strip()]


def test_a_copy_of_the_demo_takes_rows_in_the_two_commands(tmp_path: Path) -> None:
    write, run = block_after("To try adding rows, with no Google account")
    assert write == ".venv/bin/learnloop demo my-team.xlsx"
    assert run == "LEARNLOOP_SOURCE=my-team.xlsx make run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LEARNLOOP_SOURCE", None)
    subprocess.run([*the_cli(), *shlex.split(write)[1:]], cwd=tmp_path, env=env, check=True, capture_output=True)
    source = shlex.split(run)[0].partition("=")[2]
    added = subprocess.run([*the_cli(), *[part.format(source=source) for part in ADD]], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    assert "Tried from the README" in set(load.workbook(str(tmp_path / source)).critiques["artifact"])


def test_the_google_path_on_the_stand_in_writes_a_row_as_written(tmp_path: Path) -> None:
    serve, run = block_after("Try the Google path without a Google account")
    assert serve.endswith("&")
    port = free_port()
    serve_args = shlex.split(serve.removesuffix("&").replace("--port 8765", f"--port {port}"))
    settings = {name: value for name, equals, value in (part.partition("=") for part in shlex.split(run))
                if equals and name.isupper()}
    assert set(settings) == {"LEARNLOOP_SHEETS_API_URL", "LEARNLOOP_SHEET", "GOOGLE_APPLICATION_CREDENTIALS"}
    assert settings["LEARNLOOP_SHEETS_API_URL"] == "http://127.0.0.1:8765"

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("LEARNLOOP_SOURCE", "LEARNLOOP_SHEET", "LEARNLOOP_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS"):
        env.pop(name, None)
    key_file = tmp_path / settings["GOOGLE_APPLICATION_CREDENTIALS"]  # run where the README runs it: the checkout
    server = subprocess.Popen([sys.executable, *serve_args[1:]], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        printed: list[str] = []
        deadline = time.monotonic() + 60
        while server.stdout and time.monotonic() < deadline:
            line = server.stdout.readline()
            printed.append(line)
            if line.startswith("Ctrl-C") or not line:
                break
        shown = "".join(printed)
        assert f"LEARNLOOP_SHEET={settings['LEARNLOOP_SHEET']}" in shown, shown
        assert f"GOOGLE_APPLICATION_CREDENTIALS={settings['GOOGLE_APPLICATION_CREDENTIALS']}" in shown, shown
        assert "LEARNLOOP_API_KEY=any" in shown and "can only read" in shown
        assert key_file.is_file()

        env.update(settings, LEARNLOOP_SHEETS_API_URL=f"http://127.0.0.1:{port}")
        added = subprocess.run([*the_cli(), *[part.format(source=settings["LEARNLOOP_SHEET"]) for part in ADD]],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert added.returncode == 0, added.stderr
        assert '"written": true' in added.stdout and '"id": "C-101"' in added.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)

