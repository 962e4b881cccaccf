"""Where a build's time goes: named phases on the wall clock, shown by `omakase build --timings`."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

PAGES_WRITTEN = "pages written"  # the changed pages are in the new tree (before search, open data)

_phases: dict[str, float] | None = None
_marks: dict[str, float] | None = None
_started = 0.0


@dataclass
class Recorded:
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds spent in it
    marks: dict[str, float] = field(default_factory=dict)  # moment -> seconds since the start


@contextmanager
def recording() -> Iterator[Recorded]:
    """Collect the phases timed while the block runs, in the order they first ran, and the
    moments marked (seconds from the start of the block)."""
    global _phases, _marks, _started
    outer = (_phases, _marks, _started)
    recorded = Recorded()
    _phases, _marks, _started = recorded.phases, recorded.marks, time.perf_counter()
    try:
        yield recorded
    finally:
        _phases, _marks, _started = outer


def mark(name: str) -> None:
    """Note the moment something happened (such as: the changed pages are written)."""
    if _marks is not None:
        _marks[name] = time.perf_counter() - _started


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time a block (added up when a phase runs more than once); free when nobody records."""
    if _phases is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        if _phases is not None:
            _phases[name] = _phases.get(name, 0.0) + time.perf_counter() - started


def timed(name: str) -> Callable[[F], F]:
    """A decorator: every call of the function counts towards phase `name`."""

    def wrap(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with phase(name):
                return function(*args, **kwargs)

        return run  # type: ignore[return-value]

    return wrap


def format_timings(phases: dict[str, float], total: float, marks: dict[str, float]) -> str:
    """One line per phase, then what no phase accounts for (start-up, planning, state), then
    the moments marked, as seconds since the build started."""
    width = max((len(name) for name in phases), default=5)
    lines = [f"  {name:<{width}}  {seconds:8.3f}s" for name, seconds in phases.items()]
    lines.append(f"  {'other':<{width}}  {max(total - sum(phases.values()), 0.0):8.3f}s")
    lines += [f"At {at:.3f}s: {name}." for name, at in marks.items()]
    return "Timings:\n" + "\n".join(lines)
