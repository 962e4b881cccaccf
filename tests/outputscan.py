"""Scan a built site for anything executable that came from content: every file, every format."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from tests.hostile import MARKER

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "data",
    "codebase",
    "cite",
    "srcset",
    "ping",
    "manifest",
    "icon",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "to",
    "from",
    "values",
    "by",
}
# Elements the site never needs and no content may create.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
JSON_SCRIPT_TYPES = {"application/ld+json", "application/json", "importmap", "speculationrules"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# Raw tags of the corpus that must never appear unescaped in markup (escaped text such as
# `&lt;img src=x onerror=…` is harmless; the parser checks what really became markup).
RAW_PAYLOADS = (
    "<script>alert(",
    "<script src=//evil",
    "<svg onload",
    "<svg><script",
    "<svg><animate",
    "<iframe",
    "<style>body",
    "<img src=x onerror",
    "<object data",
    "<embed src",
    "<math><mtext>",
    "<details open ontoggle",
    "<input autofocus",
    "<body onload",
    "<base href",
    '<form action="javascript',
    "<marquee",
    "<template><script",
)


def _scheme(value: str) -> str:
    """The scheme a browser would see: leading blanks/controls dropped, tabs and newlines
    inside removed (`java\\tscript:` is javascript:), lowercased."""
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned


class _Page(HTMLParser):
    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.where = where
        self.problems = problems
        self.script: dict[str, str] | None = None
        self.script_text: list[str] = []
        self.style_text: list[str] | None = None

    def bad(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        values = {name.lower(): value or "" for name, value in attrs}
        if tag in FORBIDDEN_ELEMENTS:
            self.bad(f"<{tag}> element")
        for name, value in values.items():
            if name.startswith("on"):
                self.bad(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES or name.endswith(":href") or name == "srcdoc":
                scheme = _scheme(value)
                for bad in BAD_SCHEMES:
                    if scheme.startswith(bad) or (name in ("srcset", "values") and bad in scheme):
                        allowed = (
                            bad == "data:"
                            and tag in ("img", "source", "link")
                            and scheme.startswith("data:image/")
                            and MARKER not in scheme
                            and "svg" not in scheme
                        )
                        if not allowed:
                            self.bad(f"{bad} URL in {name}= of <{tag}>: {value[:80]!r}")
            if name == "srcdoc":
                self.bad(f"srcdoc= on <{tag}>")
            if name == "style" and (
                MARKER in value or "javascript" in value.lower() or "expression(" in value.lower()
            ):
                self.bad(f"content inside style= of <{tag}>: {value[:80]!r}")
            if name == "http-equiv" and value.lower() == "refresh":
                target = values.get("content", "").partition("url=")[2]
                if ":" in target.split("/")[0] or target.startswith("//") or MARKER in target:
                    self.bad(f"meta refresh to {target[:80]!r}")
        if tag == "script":
            self.script = values
            self.script_text = []
            src = values.get("src", "")
            if src and (re.match(r"^[a-z][a-z0-9+.-]*:|^//", _scheme(src)) or MARKER in src):
                self.bad(f"script from elsewhere: {src[:80]!r}")
        if tag == "style":
            self.style_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag.lower() == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script_text.append(data)
        if self.style_text is not None:
            self.style_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if tag == "script" and self.script is not None:
            text = "".join(self.script_text)
            kind = self.script.get("type", "").lower()
            if kind in JSON_SCRIPT_TYPES:
                for raw in "<>&":
                    if raw in text:
                        self.bad(f"raw {raw!r} in a {kind} script block (must be \\u00XX)")
                try:
                    json.loads(text)
                except ValueError as exc:
                    self.bad(f"{kind} block is not JSON: {exc}")
            elif MARKER in text or "alert(" in text:
                self.bad(f"content inside an executable script: {text[:80]!r}")
            self.script = None
        if tag == "style" and self.style_text is not None:
            text = "".join(self.style_text)
            if MARKER in text or "javascript" in text.lower():
                self.bad(f"content inside a <style> block: {text[:80]!r}")
            self.style_text = None


def check_html(text: str, where: str, problems: list[str]) -> None:
    lowered = text.lower()
    for raw in RAW_PAYLOADS:
        if raw.lower() in lowered:
            problems.append(f"{where}: raw payload {raw!r}")
    parser = _Page(where, problems)
    parser.feed(text)
    parser.close()


def check_xml(text: str, where: str, problems: list[str]) -> None:
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as exc:
        problems.append(f"{where}: not well-formed XML: {exc}")
        return
    for raw in RAW_PAYLOADS:
        if raw.lower() in text.lower():
            problems.append(f"{where}: raw payload {raw!r}")
    for element in root.iter():
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local in ("href", "src", "uri") and _scheme(value).startswith(BAD_SCHEMES):
                problems.append(f"{where}: {value[:80]!r} in {local}=")
        # Atom/RSS html and xhtml content is markup a reader will render: check it as a page.
        kind = element.attrib.get("type", "")
        if kind in ("html", "text/html") and element.text:
            check_html(element.text, f"{where} <{element.tag}>", problems)
        if kind == "xhtml":
            inner = "".join(ElementTree.tostring(child, encoding="unicode") for child in element)
            check_html(inner, f"{where} <{element.tag}>", problems)


def check_json(text: str, where: str, problems: list[str]) -> None:
    try:
        json.loads(text)
    except ValueError as exc:
        problems.append(f"{where}: not JSON: {exc}")
    for raw in "<>":
        if raw in text:
            problems.append(f"{where}: raw {raw!r} in JSON (write it as \\u003c / \\u003e)")


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_csv(text: str, where: str, problems: list[str]) -> None:
    """A CSV download is data, never markup (hosts serve it as text/csv): what matters is
    that no cell would run as a formula when a spreadsheet opens the file."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        problems.append(f"{where}: not CSV: {exc}")
        return
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if cell.startswith(FORMULA_START):
                problems.append(f"{where}: row {number}: a cell starts as a formula: {cell[:80]!r}")


# Pagefind's index holds each page's text as plain data (the hostile title as characters, not
# markup); its UI escapes it when showing results, which test_search_browser checks by searching
# the hostile site in Chromium.
PAGEFIND_DATA = {".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter"}


def read_text(path: Path) -> str | None:
    data = path.read_bytes()
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except OSError:
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def scan_output(output: Path) -> list[str]:
    """Every problem found in every file under `output`."""
    problems: list[str] = []
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix in PAGEFIND_DATA:
            continue
        where = str(path.relative_to(output))
        name = path.name.removesuffix(".gz")
        text = read_text(path)
        if text is None:
            continue
        if name.endswith((".html", ".htm", ".xhtml", ".svg")):
            check_html(text, where, problems)
        elif name.endswith((".xml", ".atom", ".rss")):
            check_xml(text, where, problems)
        elif name.endswith((".json", ".jsonld", ".webmanifest")):
            check_json(text, where, problems)
        elif name.endswith(".csv"):
            check_csv(text, where, problems)
        elif MARKER in text:
            for raw in RAW_PAYLOADS:
                if raw.lower() in text.lower():
                    problems.append(f"{where}: raw payload {raw!r}")
    return problems
