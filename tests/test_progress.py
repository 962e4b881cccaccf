"""Progress shows on a terminal and stays silent in CI and in pipes."""

from __future__ import annotations

import io

import pytest

from generator.support.progress import Progress, interactive, track


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_counter_that_is_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = Terminal()
    assert interactive(stream)
    items = list(track(range(5), "Rendering pages", stream=stream))
    assert items == [0, 1, 2, 3, 4]
    text = stream.getvalue()
    assert "\rRendering pages 1/5 (20%)" in text
    assert text.endswith("\r")  # the line is wiped before the summary prints


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_ci_is_quiet(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    stream = Terminal()
    assert list(track(range(3), "Importing", stream=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_pipes_are_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()
    with Progress("Importing", 10, stream=stream) as bar:
        bar.advance(10)
    assert bar.done == 10 and stream.getvalue() == ""
