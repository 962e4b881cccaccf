"""schema.org JSON-LD for pages: menus as ItemLists, items as Book/Movie/VideoGame/Music*."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.site import urls

CONTEXT = "https://schema.org"
ITEM_TYPES = {"book": "Book", "movie": "Movie", "game": "VideoGame", "music": "MusicAlbum"}

Absolute = Callable[[str], str]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values so no property is stated without content."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _person(name: str, url: str | None = None) -> dict[str, Any]:
    return _clean({"@type": "Person", "name": name, "url": url})


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def website(
    site_title: str, absolute: Absolute, description: str = "", publisher: str = ""
) -> dict[str, Any]:
    """The site itself; its description and publisher (the `author` setting) when set."""
    node: dict[str, Any] = {"@context": CONTEXT, "@type": "WebSite", "name": site_title, "url": absolute("/")}
    if description:
        node["description"] = description
    if publisher:
        node["publisher"] = _person(publisher)
    return node


def menu(data: dict[str, Any], absolute: Absolute) -> dict[str, Any]:
    """A menu is an ordered list of item pages; also a CreativeWork, so it has an author and
    can be `isBasedOn` the menu it was forked from."""
    elements = []
    position = 0
    for course in data["courses"]:
        for entry in course["items"]:
            position += 1
            elements.append(
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": entry["title"],
                    "url": absolute(urls.item_url(entry["media_type"], entry["slug"])),
                }
            )
    parent = data.get("parent")
    return _clean(
        {
            "@context": CONTEXT,
            "@type": ["ItemList", "CreativeWork"],
            "@id": absolute(urls.menu_url(data["slug"])),
            "url": absolute(urls.menu_url(data["slug"])),
            "name": data["title"],
            "author": _person(data["curator_name"], absolute(urls.curator_url(data["curator_handle"]))),
            "datePublished": _date(data.get("published_at")),
            "dateModified": _date(data.get("updated_at")),
            "keywords": [t["name"] for t in data.get("tags", [])],
            "itemListOrder": "https://schema.org/ItemListOrderAscending",
            "numberOfItems": len(elements),
            "itemListElement": elements,
            "isBasedOn": absolute(urls.menu_url(parent["slug"])) if parent else None,
        }
    )


def _minutes(value: Any) -> str | None:
    return f"PT{int(value)}M" if isinstance(value, int) and value > 0 else None


def item(data: dict[str, Any], absolute: Absolute) -> dict[str, Any]:
    """An item page's subject in the most specific schema.org type its medium has."""
    attrs = data.get("attributes", {})
    kind = data["media_type"]
    schema_type = ITEM_TYPES[kind]
    if kind == "music" and attrs.get("kind") == "recording":
        schema_type = "MusicRecording"
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    genres = metadata.get("genres")
    if not isinstance(genres, list):
        genres = []
    node: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": schema_type,
        "@id": absolute(urls.item_url(kind, data["slug"])),
        "url": absolute(urls.item_url(kind, data["slug"])),
        "name": data["title"],
        "datePublished": _date(data.get("release_date")),
        "genre": [str(g) for g in genres],
        "keywords": [t["name"] for t in data.get("tags", [])],
        "sameAs": [
            u
            for u in [data.get("canonical_url")] + [s["canonical_url"] for s in data.get("sources", [])]
            if u
        ],
    }
    if kind == "book":
        node |= {
            "author": [_person(n) for n in attrs.get("authors", [])],
            "isbn": attrs.get("isbn"),
            "numberOfPages": attrs.get("pages"),
            "publisher": _clean({"@type": "Organization", "name": attrs.get("publisher")})
            if attrs.get("publisher")
            else None,
        }
    elif kind == "movie":
        node |= {
            "director": [_person(n) for n in attrs.get("directors", [])],
            "duration": _minutes(attrs.get("runtime_minutes")),
            "actor": [_person(n) for n in attrs.get("cast_members", [])],
        }
    elif kind == "game":
        node |= {
            "gamePlatform": attrs.get("platforms", []),
            "creator": [{"@type": "Organization", "name": n} for n in attrs.get("developers", [])],
            "publisher": [{"@type": "Organization", "name": n} for n in attrs.get("publishers", [])],
        }
    else:
        node |= {"byArtist": [{"@type": "MusicGroup", "name": n} for n in attrs.get("artists", [])]}
        if schema_type == "MusicAlbum":
            tracks = [t for t in attrs.get("tracks", []) if isinstance(t, dict) and t.get("title")]
            # The label stays on the page: schema.org puts recordLabel on MusicRelease only.
            node |= {"numTracks": len(tracks) or None}
        else:
            node |= {"duration": _minutes(attrs.get("duration_minutes"))}
    return _clean(node)


def curator(data: dict[str, Any], absolute: Absolute) -> dict[str, Any]:
    url = absolute(urls.curator_url(data["handle"]))
    return {
        "@context": CONTEXT,
        "@type": "ProfilePage",
        "url": url,
        "mainEntity": _clean(
            {
                "@type": "Person",
                "name": data["display_name"],
                "identifier": data["handle"],
                "url": url,
                "sameAs": data.get("url"),
            }
        ),
    }


def tag(data: dict[str, Any], absolute: Absolute) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@type": "CollectionPage",
        "name": f"Tagged {data['name']}",
        "url": absolute(urls.tag_url(data["slug"])),
    }
