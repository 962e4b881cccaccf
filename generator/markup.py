"""Markdown from content to safe HTML: render with `markdown`, then sanitize with an allow-list."""

from __future__ import annotations

from functools import lru_cache

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


_converter: md.Markdown | None = None


def _markdown(text: str) -> str:
    """One converter per process, reset between texts: building one costs more than a page."""
    global _converter
    if _converter is None:
        _converter = md.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    try:
        return _converter.reset().convert(text)
    except BaseException:
        _converter = None  # never reuse a converter left half-way through a text
        raise


@lru_cache(maxsize=8192)
def render_markdown(text: str) -> str:
    """Sanitized HTML for a Markdown text. Cached: the same text renders once per process."""
    if not text:
        return ""
    return sanitize(_markdown(text))


def sanitize(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; headings demoted below h1."""
    return nh3.clean(
        html.replace("<h1", "<h2").replace("</h1>", "</h2>"),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )


@lru_cache(maxsize=8192)
def render_inline(text: str) -> str:
    """A one-line Markdown text (annotations, narratives) without the wrapping paragraph."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
