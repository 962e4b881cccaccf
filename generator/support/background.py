"""Work done on a thread while the build goes on, its result or its error taken when joined."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """Run `work` on a thread from now. Meant for work that spends its time outside the
    interpreter (SQLite, file copies), which then runs beside the build's Python on the
    other core."""

    def __init__(self, work: Callable[[], T], name: str) -> None:
        self._work = work
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as error:  # raised again where the result is taken
            self._error = error

    def result(self) -> T:
        """Wait for the work; its result, or its error raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def wait(self) -> None:
        """Wait for the work, whatever its outcome (before removing what it writes into)."""
        self._thread.join()
