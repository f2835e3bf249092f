"""The cyclic garbage collector is held off while a workbook is read and validated, and restored after."""

from __future__ import annotations

import gc

import pytest

from learnloop import collector, load, validate


def test_the_collector_is_held_off_and_restored_after() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_load_validates_with_the_collector_held_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    validate_tab = validate.validate_tab

    def watched(*args: object, **kwargs: object) -> validate.TabResult:
        seen.append(gc.isenabled())
        return validate_tab(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "validate_tab", watched)
    wb = load.workbook(load.DEMO)
    assert seen and not any(seen)
    assert gc.isenabled()
    assert len(wb.tables["critiques"])
