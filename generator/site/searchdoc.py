"""What Pagefind reads of a page: its language, title and indexed element, without what
Pagefind ignores whole. Cut once per changed page; the search bundles depend on the digest
of the cut, not on the page's bytes."""

from __future__ import annotations

import hashlib
import re

_HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
_TITLE = re.compile(rb"<title>.*?</title>", re.IGNORECASE | re.DOTALL)
_BODY_START = re.compile(rb"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\sdata-pagefind-body[\s>=][^>]*>")


def body_start(html: bytes) -> re.Match[bytes] | None:
    """The opening tag of the first element marked `data-pagefind-body`.

    The same answer as searching the whole page for it, several times faster: such a tag
    cannot start before the last `>` ahead of the attribute's first mention, so the search
    starts there rather than trying the pattern at every tag of the header."""
    at = html.find(b"data-pagefind-body")
    if at == -1:
        return None
    return _BODY_START.search(html, html.rfind(b">", 0, at) + 1)


def document_digest(html: bytes) -> bytes:
    """The digest of the page's search document: what its search bundle depends on."""
    return hashlib.blake2b(search_document(html), digest_size=16).digest()


def search_document(html: bytes) -> bytes:
    """What Pagefind needs of a page: its language, title and the element marked
    `data-pagefind-body`, without the site's header, navigation, footer and JSON-LD.

    Pagefind indexes only that element, so its index is the same, for about a quarter less
    of its time; a page this cannot cut cleanly is given whole."""
    html_tag, title, start = _HTML_TAG.search(html), _TITLE.search(html), body_start(html)
    if not (html_tag and title and start):
        return html
    end = _element_end(html, start.group(1), start.start())
    if end is None:
        return html
    return b"".join(
        (
            b"<!DOCTYPE html>",
            html_tag.group(0),
            b'<head><meta charset="utf-8">',
            title.group(0),
            b"</head><body>",
            _without_ignored(html[start.start() : end]),
            b"</body></html>",
        )
    )


_IGNORED_ALL = re.compile(rb"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\sdata-pagefind-ignore=[\"']?all[\"'\s>][^>]*>")


_VOID = frozenset(b"area base br col embed hr img input link meta source track wbr".split())


def _element_end(html: bytes, name: bytes, start: int) -> int | None:
    """Where the element whose opening tag starts at `start` ends (same-name nesting counted)."""
    if name.lower() in _VOID:
        return html.index(b">", start) + 1
    depth = 0
    for tag in re.compile(rb"<(/?)" + re.escape(name) + rb"\b[^>]*>").finditer(html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return None


def _without_ignored(body: bytes) -> bytes:
    """`body` without the elements Pagefind ignores whole, text, metadata and filters alike
    (`data-pagefind-ignore="all"`): the index is the same, and the document no longer
    changes when only they do."""
    if b"data-pagefind-ignore" not in body:
        return body
    kept, at = [], 0
    while found := _IGNORED_ALL.search(body, at):
        end = _element_end(body, found.group(1), found.start())
        if end is None:
            break
        kept.append(body[at : found.start()])
        at = end
    kept.append(body[at:])
    return b"".join(kept)


# Changes when `search_document` does, so documents cut by an older one are cut again.
FORMAT = hashlib.blake2b(
    b"".join(
        f.__code__.co_code + repr(f.__code__.co_consts).encode()
        for f in (search_document, _without_ignored, _element_end)
    ),
    digest_size=8,
).hexdigest()
