"""Where a build's time goes: named phases on the wall clock, shown by `omakase build --timings`."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_phases: dict[str, float] | None = None


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect the phases timed while the block runs, in the order they first ran."""
    global _phases
    outer, _phases = _phases, {}
    try:
        yield _phases
    finally:
        _phases = outer


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
