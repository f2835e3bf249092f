"""The metrics in words, for the README: each area and each metric's definition, from the code itself."""

from __future__ import annotations

import inspect
import re
import sys

AREAS = ("playbook", "themes", "network", "cadence", "commitments", "impact")


def _first_paragraph(doc: str | None) -> str:
    """The first paragraph of a docstring on one line, its reST markup as Markdown."""
    text = " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())
    return re.sub(r":\w+:`~?(?:[\w.]+\.)?(\w+)`", r"`\1`", text).replace("``", "`")


def markdown() -> str:
    """Every public metric by area, with the first paragraph of its definition (kept in README.md)."""
    import learnloop.metrics as package

    lines = []
    for area in AREAS:
        module = sys.modules[f"learnloop.metrics.{area}"]
        names = [name for name in package.__all__ if getattr(getattr(package, name), "__module__", None) == module.__name__
                 and hasattr(getattr(package, name), "definition")]
        lines += [f"- **{_first_paragraph(module.__doc__).rstrip('.')}** (`learnloop/metrics/{area}.py`)"]
        lines += [f"  - `{name}` — {_first_paragraph(getattr(package, name).__doc__)}" for name in names]
    return "\n".join(lines) + "\n"
