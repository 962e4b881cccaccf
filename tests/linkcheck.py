"""The project's own link checker: every internal link and #fragment of a built site resolves.

Reads every HTML page (href/src of a, link, img, script, source, area, use), the sitemap's
<loc>s and the Atom feeds' links; absolute URLs under the site's base URL are mapped onto the
output folder; other hosts are not fetched (the site must work offline)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lhtml

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True)
class Broken:
    source: str
    link: str
    reason: str


class Site:
    """A built output folder, with the ids of each page parsed once."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._ids: dict[Path, set[str]] = {}

    def ids(self, page: Path) -> set[str]:
        if page not in self._ids:
            tree = lhtml.parse(str(page))
            self._ids[page] = {str(v) for v in tree.xpath("//@id | //a/@name")}
        return self._ids[page]

    def resolve(self, source: Path, link: str) -> tuple[Path, str] | None | str:
        """The file and fragment a link points to; None for external links; a reason if bad."""
        parts = urlsplit(link)
        if parts.scheme in ("http", "https"):
            if not link.startswith(self.base_url):
                return None
            path = "/" + link[len(self.base_url) :].split("#")[0].split("?")[0]
            target = self.root / unquote(path).lstrip("/")
        elif parts.scheme or link.startswith("//"):
            return None  # mailto:, tel:, data: …
        else:
            if parts.path.startswith("/"):
                return "root-relative link breaks when the site is opened from a folder"
            base = posixpath.dirname(source.relative_to(self.root).as_posix())
            rel = (
                posixpath.normpath(posixpath.join(base, unquote(parts.path)))
                if parts.path
                else source.relative_to(self.root).as_posix()
            )
            if rel.startswith(".."):
                return "points outside the site"
            target = self.root / rel
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return "no such file"
        return target, parts.fragment

    def check(self, source: Path, link: str) -> Broken | None:
        where = source.relative_to(self.root).as_posix()
        result = self.resolve(source, link)
        if result is None:
            return None
        if isinstance(result, str):
            return Broken(where, link, result)
        target, fragment = result
        if fragment and target.suffix == ".html" and unquote(fragment) not in self.ids(target):
            return Broken(where, link, f"no id '{fragment}' in {target.relative_to(self.root)}")
        return None


def page_links(page: Path) -> list[str]:
    tree = lhtml.parse(str(page))
    links = tree.xpath(
        "//a/@href | //area/@href | //link/@href | //img/@src | //script/@src | //source/@src | //iframe/@src"
    )
    links += tree.xpath("//@*[name()='xlink:href']")
    return [str(link).strip() for link in links]


def xml_links(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    if root.tag == f"{SITEMAP}urlset":
        return [loc.text.strip() for loc in root.iter(f"{SITEMAP}loc") if loc.text]
    if root.tag == f"{ATOM}feed":
        return [link.get("href", "") for link in root.iter(f"{ATOM}link")] + [
            uri.text.strip() for uri in root.iter(f"{ATOM}uri") if uri.text
        ]
    return []


def check_site(root: Path, base_url: str) -> tuple[int, list[Broken]]:
    """(links checked, broken links) over every page, the sitemap and every feed."""
    site = Site(root, base_url)
    broken: list[Broken] = []
    checked = 0
    sources = [(p, page_links(p)) for p in sorted(root.rglob("*.html"))]
    sources += [(p, xml_links(p)) for p in sorted(root.rglob("*.xml"))]
    for source, links in sources:
        for link in links:
            checked += 1
            problem = site.check(source, link)
            if problem:
                broken.append(problem)
    return checked, broken
