"""Markdown from content to safe HTML: render with `markdown`, then sanitize with an allow-list."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from generator.settings import INVALID_CHARS

if TYPE_CHECKING:
    import markdown as md
    from markdown.extensions import Extension

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


_converter: md.Markdown | None = None


def _extensions() -> list[Extension]:
    """Markdown Extra's extensions, in its order, then sane lists: made here, not named.
    Markdown finds a named extension among every installed package's entry points, which
    reads each package's metadata on every start; and another package could register the
    same name. Imported here: a build whose texts all take the fast path (render_simple)
    never loads Markdown."""
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    return [
        FencedCodeExtension(),
        FootnoteExtension(),
        AttrListExtension(),
        DefListExtension(),
        TableExtension(),
        AbbrExtension(),
        MarkdownInHtmlExtension(),
        SaneListExtension(),
    ]


def _markdown(text: str) -> str:
    """One converter per process, reset between texts: building one costs more than a page."""
    global _converter
    if _converter is None:
        import markdown

        _converter = markdown.Markdown(extensions=_extensions(), output_format="html")
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
    simple = render_simple(text)
    if simple is not None:
        return simple
    return sanitize(_markdown(text))


# Most texts are paragraphs of words with the odd *emphasis*. Those render here, without the
# Markdown parser and the sanitizer (they cost more than the rest of a page): the answer is
# byte for byte what they would give (tests/test_markup.py compares the two). Any character
# or line start that could mean more than that sends the text down the full path.
_NOT_SIMPLE = re.compile(
    r"[\\`_{}\[\]<>#|~^]"  # escapes, code, links, html, headings, tables...
    r"|&(?=\S)"  # what may be an entity; an ampersand before a space or the end is text
    r"|^[^\w(\"'‘“*\n]"  # a line starting with anything but a word, bracket, quote or star
    r"|^\d+[.)]"  # an ordered list item
    r"|^\*\s|\*\*"  # a bullet item, strong emphasis or a rule
    r"|^ | $",  # indented code, line breaks
    re.MULTILINE,
)
_EMPHASIS = re.compile(r"\*([^*\s](?:[^*\n]*[^*\s])?)\*")


def render_simple(text: str) -> str | None:
    """The HTML of a text of plain paragraphs with *emphasis*, or None for any other text."""
    if not text.replace("\n", "").isprintable() or _NOT_SIMPLE.search(text):
        return None
    paragraphs = [block.strip("\n") for block in re.split(r"\n{2,}", text)]
    paragraphs = [block for block in paragraphs if block]
    if not paragraphs:
        return None
    out = []
    for block in paragraphs:
        html = _EMPHASIS.sub(r"<em>\1</em>", block.replace("&", "&amp;"))
        if "*" in html:
            return None
        out.append(f"<p>{html}</p>")
    return "\n".join(out)


def sanitize(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; headings demoted below h1."""
    import nh3

    clean = nh3.clean(
        html.replace("<h1", "<h2").replace("</h1>", "</h2>"),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    # The loader refuses characters XML cannot hold, raw or as references; should one come
    # another way, it is dropped rather than break a feed.
    return INVALID_CHARS.sub("", clean)


@lru_cache(maxsize=8192)
def render_inline(text: str) -> str:
    """A one-line Markdown text (annotations, narratives) without the wrapping paragraph."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
