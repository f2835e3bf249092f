"""The ``fields=`` partial-response parameter every Google API accepts.

Clients use it to shrink metadata (``fields=sheets.properties(title,sheetId)``), so honouring it
keeps the stand-in's answers as small as Google's. Unknown paths select nothing rather than fail.
"""

from __future__ import annotations

from typing import Any

MaskTree = dict[str, "MaskTree | None"]  # None: the whole subtree


def parse_mask(text: str) -> MaskTree:
    """``a.b,c(d,e/f)`` -> ``{"a": {"b": None}, "c": {"d": None, "e": {"f": None}}}``."""
    tree, pos = _parse_list(text, 0)
    if pos != len(text):
        raise ValueError(f"unbalanced field mask: {text!r}")
    return tree


def _parse_list(text: str, pos: int) -> tuple[MaskTree, int]:
    tree: MaskTree = {}
    while pos < len(text):
        end = pos
        while end < len(text) and text[end] not in ",()":
            end += 1
        path = [p for p in text[pos:end].strip().replace("/", ".").split(".") if p]
        pos = end
        sub: MaskTree | None = None
        if pos < len(text) and text[pos] == "(":
            sub, pos = _parse_list(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise ValueError(f"unbalanced field mask: {text!r}")
            pos += 1
        if path:
            _merge(tree, path, sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if pos < len(text) and text[pos] == ")":
            return tree, pos
    return tree, pos


def _merge(tree: MaskTree, path: list[str], sub: MaskTree | None) -> None:
    node = tree
    for part in path[:-1]:
        if part in node and node[part] is None:
            return  # an ancestor already selects everything
        child = node.setdefault(part, {})
        assert child is not None
        node = child
    last = path[-1]
    if sub is None or node.get(last, {}) is None:
        node[last] = None
    else:
        existing = node.setdefault(last, {})
        assert existing is not None
        for key, value in sub.items():
            _merge(existing, [key], value)


def apply_mask(value: Any, tree: MaskTree | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply_mask(item, tree) for item in value]
    if isinstance(value, dict):
        return {key: apply_mask(value[key], sub) for key, sub in tree.items() if key in value}
    return value
