"""Progress for long work: a live counter on a terminal, silence in CI and in pipes."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")


def interactive(stream: IO[str] | None = None) -> bool:
    """True when a person is watching: the stream is a terminal and CI is not set."""
    stream = stream or sys.stderr
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """A one-line counter (`label 120/3000`) redrawn at most every `interval` seconds.

    Use as a context manager; `advance()` per unit of work. Writes nothing when not
    interactive, so logs in CI stay clean."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: IO[str] | None = None,
        interval: float = 0.1,
        enabled: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.interval = interval
        self.enabled = interactive(self.stream) if enabled is None else enabled
        self.done = 0
        self._last = 0.0
        self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self._last >= self.interval:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        counter = f"{self.done}/{self.total}" if self.total else str(self.done)
        text = f"{self.label} {counter}"
        if self.total:
            text += f" ({100 * self.done // max(self.total, 1)}%)"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """Erase the line so the next message starts clean."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def track(
    items: Iterable[T],
    label: str,
    total: int | None = None,
    *,
    stream: IO[str] | None = None,
    enabled: bool | None = None,
) -> Iterator[T]:
    """Yield `items` unchanged while showing how many have gone by."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(label, total, stream=stream, enabled=enabled) as bar:
        for item in items:
            yield item
            bar.advance()
