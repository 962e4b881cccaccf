"""The C library's functions that Python's os module lacks (prctl, renameat2), found once."""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def libc() -> ctypes.CDLL:
    """The process's own symbols, which include the C library's. `ctypes.util.find_library`
    would name the same library by running `ldconfig`: a few milliseconds per call."""
    return ctypes.CDLL(None, use_errno=True)
