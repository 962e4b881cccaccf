"""Open and decode a cover image, or say why it cannot be used: the checks the build and
`omakase check` share.

A cover is refused, as a located content error with a hint, when its bytes are no image
Pillow reads, when its format is not one a cover may have, when its extension names another
format, when it is corrupt, or when it has more pixels than a cover could need (a
decompression bomb included: the size is read from the header, before a pixel is decoded).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from generator.content.model import Cover
from generator.content.parallel import map_on_cores
from generator.errors import Problem

MAX_PIXELS = 40_000_000  # a cover needs far fewer; more is a mistake or a decompression bomb
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",), "AVIF": (".avif",)}
SUPPORTED_HINT = "save it as JPEG, PNG, WebP or AVIF"

T = TypeVar("T")


def decode_cover(path: str, display: str, use: Callable[[Any], T]) -> T | Problem:
    """Open the cover at `path`, decode its pixels and hand the image to `use`; what `use`
    returns, or the problem that makes the file unusable (located at `display`)."""
    from PIL import Image, UnidentifiedImageError

    try:
        # Pillow warns past its own limit and refuses twice that at open; _check refuses
        # anything over MAX_PIXELS from the header, before a pixel is decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            problem = _check(im, path, display)
            if problem is not None:
                return problem
            im.load()
            return use(im)
    except Image.DecompressionBombError:
        return _too_big(display)
    except UnidentifiedImageError:
        return Problem(display, None, "not an image this build can read", SUPPORTED_HINT)
    except (OSError, SyntaxError, ValueError) as exc:
        return Problem(display, None, f"corrupt image: {exc}", "export the image again from its source")


def _check(im: Any, path: str, display: str) -> Problem | None:
    """The problem of an image whose format or size will not do, read from its header."""
    if im.format not in FORMATS:
        return Problem(display, None, f"unsupported image format {im.format}", SUPPORTED_HINT)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS[im.format]:
        right = FORMATS[im.format][0]
        return Problem(
            display, None, f"the file holds {im.format} data, not what {suffix} says", f"rename it to {right}"
        )
    if im.width * im.height > MAX_PIXELS:
        return _too_big(display)
    return None


def _too_big(display: str) -> Problem:
    return Problem(
        display,
        None,
        f"image too large (over {MAX_PIXELS // 1_000_000} million pixels)",
        "scale it down: covers are shown at most 640 pixels wide",
    )


def _problem_of(path: str, display: str) -> Problem | None:
    got = decode_cover(path, display, lambda im: None)
    return got if isinstance(got, Problem) else None


def cover_problems(covers: Iterable[Cover]) -> list[Problem]:
    """Decode every cover (on every core when there are several) and return the problems of
    those the build would refuse, in the order given."""
    found = map_on_cores(_problem_of, [(cover.path, cover.display) for cover in covers], chunksize=16)
    return [p for p in found if p is not None]
