"""Work on every core: forked workers parse a cold build's files in chunks of the file list,
and decode or draw images (map_on_cores)."""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from generator.errors import Problem

T = TypeVar("T")

MIN_FILES = 500
"""Below this many files to parse, starting workers costs more than it saves."""

_job: tuple[Callable[[Any, int], Any], int] | None = None


def _parse_chunk(chunk: Sequence[Any]) -> list[bytes | Problem]:
    """In a worker: each file's parse pickled as the parse cache keeps it (the parent needs
    those bytes anyway), or the problem of a file that could not be read."""
    assert _job is not None
    parse, limit = _job
    out: list[bytes | Problem] = []
    for task in chunk:
        result = parse(task, limit)
        out.append(
            result if isinstance(result, Problem) else pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        )
    return out


def _start_worker(parent: int) -> None:
    from generator.support.procs import die_with_parent

    die_with_parent(parent)
    # Parsing makes and drops a million small objects without cycles: the collector would
    # only walk them (about a sixth of the parse), and a worker lives for one load.
    gc.disable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for the loader's many objects that live on.

    They leave out of the collector's sight too (as `settle` does): every object made
    while it was off is still in the youngest generation, and the first collection after
    it is on again would walk them all (0.13 s after loading 11,000 parses). A build's
    `collector_scope` shows them to the collector again when it ends; objects freed by
    their reference counts go as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def collector_scope() -> Iterator[None]:
    """A build's span. What is alive when it starts outlives it (in the dev server, the
    parses kept between builds: a million objects), so it is hidden from the collector
    until the build ends, like what `settle` hides; a collection during the build would
    walk it all for nothing (and slow the build many times over). After the
    build, all is visible again, so what the build dropped can be freed."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def settle() -> None:
    """The loaded site lives until the build ends: move every object now alive out of the
    collector's sight, so later collections (here and in forked render workers, whose
    copy-on-write pages stay shared) do not walk a million objects to free a few."""
    gc.freeze()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_on_cores(func: Callable[..., T], jobs: Sequence[tuple[Any, ...]], chunksize: int = 1) -> list[T]:
    """`func(*job)` for each job, in order: in forked workers, one per core, that die with
    this process, when there are two cores and two jobs or more; in turn otherwise."""
    workers = min(cores(), len(jobs))
    if workers < 2:
        return [func(*job) for job in jobs]
    import multiprocessing  # here: an edit has nothing to share out, and imports none of it
    from concurrent.futures import ProcessPoolExecutor

    from generator.support.procs import dying_with_this

    if "fork" not in multiprocessing.get_all_start_methods():
        return [func(*job) for job in jobs]
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=dying_with_this(),
    ) as pool:
        return list(pool.map(func, *zip(*jobs, strict=True), chunksize=chunksize))


def parse_files(
    tasks: Sequence[Any],
    limit: int,
    parse: Callable[[Any, int], Any],
    *,
    processes: int | None = None,
    minimum: int | None = None,
) -> dict[str, tuple[Any, bytes] | Problem] | None:
    """Each task's `parse(task, limit)` by its `path`, computed by forked workers, with its
    pickled bytes, or None when there are too few tasks or cores for workers to pay (the
    caller parses in turn). A parse that returned a Problem (unreadable file) comes as is.

    The result does not depend on the workers: each file is parsed alone, and the caller
    takes the results in its own order. A worker dies with the build (a killed build leaves
    no parser behind), and an exception in a worker is raised here."""
    global _job
    processes = processes or min(cores(), 8)
    if processes < 2 or len(tasks) < (MIN_FILES if minimum is None else minimum):
        return None
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    size = max(10, min(200, len(tasks) // (processes * 8)))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    out: dict[str, tuple[Any, bytes] | Problem] = {}
    _job = (parse, limit)
    try:
        with multiprocessing.get_context("fork").Pool(
            processes, initializer=_start_worker, initargs=(os.getpid(),)
        ) as pool:
            for chunk, results in zip(chunks, pool.imap(_parse_chunk, chunks), strict=True):
                # Unpickled as they come, while the workers go on with the next chunks.
                for task, result in zip(chunk, results, strict=True):
                    out[task.path] = result if isinstance(result, Problem) else (pickle.loads(result), result)
    finally:
        _job = None
    return out
