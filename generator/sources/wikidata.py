"""Wikidata entities: fetch by Q-id, map to an item of the type its 'instance of' says.

An entity names its directors, authors, genres and languages by Q-id. Their English labels
are fetched in one batched wbgetentities request and kept beside the entity as
`labels/<Q-id>`, so that the item names them and `omakase replay` can do so offline."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from generator.errors import BuildError
from generator.sources.mapped import MEDIA, Mapped, Unsupported, as_dict, language_codes

NAME = "wikidata"
BASE_URL = "https://www.wikidata.org"
MIN_INTERVAL = 1.0

# 'instance of' (P31) values → media type. Entities of other classes need --type.
TYPES_BY_CLASS = {
    "Q11424": "movie",
    "Q24862": "movie",
    "Q506240": "movie",
    "Q202866": "movie",
    "Q571": "book",
    "Q7725634": "book",
    "Q8261": "book",
    "Q47461344": "book",
    "Q3331189": "book",
    "Q7889": "game",
    "Q16070115": "game",
    "Q482994": "music",
    "Q208569": "music",
    "Q134556": "music",
    "Q105543609": "music",
    "Q7366": "music",
}
# Classes of things that are not a medium here: said so rather than "pass --type".
NOT_MEDIA = {
    "Q5398426": "television series",
    "Q21191270": "television series episode",
    "Q15416": "television program",
    "Q526877": "web series",
    "Q24634210": "podcast",
    "Q61855877": "podcast episode",
    "Q1555508": "radio program",
    "Q5": "person",
}
# Properties naming other entities → (item field or metadata key, media type or None for any).
NAMED = (
    ("P57", "directors", "movie"),
    ("P161", "cast", "movie"),
    ("P495", "countries", "movie"),
    ("P50", "authors", "book"),
    ("P123", "publisher", "book"),
    ("P178", "developers", "game"),
    ("P123", "publishers", "game"),
    ("P400", "platforms", "game"),
    ("P175", "artists", "music"),
    ("P136", "genres", None),
)
LANGUAGE_PROPS = ("P364", "P407")
MAX_IDS = 50  # wbgetentities answers at most 50 entities a request
UNIT_MINUTES = {"Q7727": 1.0, "Q25235": 60.0, "Q11574": 1 / 60}


def normalize_id(raw: str, payload: Any = None) -> str:
    match = re.search(r"\b(Q\d+)\b", raw.strip(), re.IGNORECASE)
    if not match:
        raise BuildError(f"{raw!r} is not a Wikidata item id (such as Q184843)")
    return match.group(1).upper()


def payload_id(payload: Any) -> str | None:
    """The id of the entity a payload describes, to catch a file saved for another entity."""
    if isinstance(payload, dict) and isinstance(payload.get("entities"), dict):
        ids = [k for k in payload["entities"] if re.fullmatch(r"Q\d+", k)]
        return ids[0] if len(ids) == 1 else None
    value = payload.get("id") if isinstance(payload, dict) else None
    return value if isinstance(value, str) and re.fullmatch(r"Q\d+", value) else None


def request_url(external_id: str, base: str = BASE_URL) -> str:
    return f"{base.rstrip('/')}/wiki/Special:EntityData/{external_id}.json"


def headers() -> dict[str, str]:
    return {}


def entity_of(payload: Any, external_id: str) -> dict[str, Any]:
    """The entity itself, from Special:EntityData / wbgetentities output or a bare entity."""
    if not isinstance(payload, dict):
        return {}
    entities = payload.get("entities")
    if isinstance(entities, dict):
        entity: object = entities.get(external_id) or next(iter(entities.values()), {})
        return entity if isinstance(entity, dict) else {}
    return payload


def _values(entity: dict[str, Any], prop: str) -> list[Any]:
    """Datavalues of the best-ranked statements of one property."""
    claims = as_dict(entity.get("claims"))
    statements = [s for s in claims.get(prop) or [] if isinstance(s, dict)]
    preferred = [s for s in statements if s.get("rank") == "preferred"]
    out = []
    for statement in preferred or [s for s in statements if s.get("rank") != "deprecated"]:
        value = ((statement.get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if value is not None:
            out.append(value)
    return out


def _qid(value: Any) -> str | None:
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            return value["id"]
        if isinstance(value.get("numeric-id"), int):
            return f"Q{value['numeric-id']}"
    return None


def _time(value: Any) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("time"), str):
        return None
    match = re.match(r"^\+(\d{4})-(\d{2})-(\d{2})", value["time"])
    if not match:
        return None
    year, month, day = match.groups()
    precision = value.get("precision", 11)
    if precision >= 11 and month != "00" and day != "00":
        return f"{year}-{month}-{day}"
    if precision == 10 and month != "00":
        return f"{year}-{month}"
    return year


def _label(entity: dict[str, Any], key: str = "labels") -> str | None:
    labels = as_dict(entity.get(key))
    # 'mul' is the label shared by every language (a name written the same everywhere).
    for lang in ("en", "en-gb", "en-us", "mul"):
        if isinstance(labels.get(lang), dict) and labels[lang].get("value"):
            return str(labels[lang]["value"])
    return None


def _ids(entity: dict[str, Any], prop: str) -> list[str]:
    """The Q-ids a property names; ids of another shape never reach a request URL."""
    ids = (q for q in (_qid(v) for v in _values(entity, prop)) if q and re.fullmatch(r"Q\d+", q))
    return list(dict.fromkeys(ids))


def referenced(entity: dict[str, Any]) -> list[str]:
    """The Q-ids whose labels the mapping uses, at most MAX_IDS (one request)."""
    ids = [q for prop in (*(n[0] for n in NAMED), *LANGUAGE_PROPS) for q in _ids(entity, prop)]
    return list(dict.fromkeys(ids))[:MAX_IDS]


def related(payload: Any, external_id: str, base: str = BASE_URL) -> dict[str, str]:
    """One wbgetentities request for the English labels of every entity the record names
    (at most MAX_IDS; the others stay unnamed)."""
    ids = referenced(entity_of(payload, external_id))
    if not ids:
        return {}
    query = urlencode(
        {"action": "wbgetentities", "ids": "|".join(ids), "props": "labels", "languages": "en|mul"}
    )
    return {f"labels/{external_id}": f"{base.rstrip('/')}/w/api.php?{query}&format=json"}


def describes(related_id: str, payload: Any) -> bool:
    """A wbgetentities answer of labels (not the record itself, which has claims)."""
    entities = as_dict(payload).get("entities")
    if not isinstance(entities, dict) or not entities:
        return False
    record = as_dict(entities.get(related_id.split("/", 1)[-1]))
    return "claims" not in record


def is_related(external_id: str) -> bool:
    return external_id.startswith("labels/")


def _labels(payload: Any) -> dict[str, str]:
    entities = as_dict(as_dict(payload).get("entities"))
    out = {}
    for qid, entity in entities.items():
        label = _label(as_dict(entity))
        if label:
            out[qid] = label
    return out


def map_payload(payload: Any, external_id: str, related: dict[str, Any] | None = None) -> Mapped:
    """Title, publication date, image, Wikipedia page, type, runtime, ISBN, pages; the people,
    genres and languages it names, by their labels when the labels payload is at hand."""
    entities = as_dict(payload).get("entities")
    if isinstance(entities, dict) and external_id not in entities:
        raise Unsupported(
            f"this Wikidata payload does not hold {external_id}",
            f"save the entity's own record: Special:EntityData/{external_id}.json",
            "entities",
        )
    entity = entity_of(payload, external_id)
    classes = _ids(entity, "P31")
    media_type = next((TYPES_BY_CLASS[q] for q in classes if q in TYPES_BY_CLASS), None)
    if media_type is None:
        _refuse_not_media(external_id, classes)
    titles = [v.get("text") for v in _values(entity, "P1476") if isinstance(v, dict)]
    dates = sorted(d for d in (_time(v) for v in _values(entity, "P577")) if d)
    images = [v for v in _values(entity, "P18") if isinstance(v, str)]
    mapped = Mapped(
        source=NAME,
        external_id=external_id,
        media_type=media_type,
        title=_label(entity) or next((t for t in titles if t), None),
        release_date=dates[0] if dates else None,
        cover_image_url=(
            "https://commons.wikimedia.org/wiki/Special:FilePath/" + quote(images[0].replace(" ", "_"))
        )
        if images
        else None,
        canonical_url=_wikipedia_url(entity),
        source_url=f"https://www.wikidata.org/wiki/{external_id}",
    )
    if media_type == "movie":
        _map_runtime(entity, mapped)
    if media_type == "book":
        _map_book(entity, mapped)
    _map_named(entity, mapped, _labels((related or {}).get(f"labels/{external_id}")))
    summary = _label(entity, "descriptions")
    if summary:
        mapped.description = summary[0].upper() + summary[1:] + "."
    return mapped


def _refuse_not_media(external_id: str, classes: list[str]) -> None:
    kinds = [NOT_MEDIA[q] for q in classes if q in NOT_MEDIA]
    if kinds:
        raise Unsupported(
            f"Wikidata {external_id} is a {kinds[0]}, which is not a medium here; Omakase holds {MEDIA}",
            "import the book, film, game or album itself",
            "P31",
        )


def _map_named(entity: dict[str, Any], mapped: Mapped, labels: dict[str, str]) -> None:
    """People, companies, places, genres and languages by name; an entity without an English
    label is left out rather than shown as a Q-id."""
    for prop, key, media_type in NAMED:
        if media_type not in (None, mapped.media_type):
            continue
        names = [labels[q] for q in _ids(entity, prop) if q in labels]
        if not names:
            continue
        if key == "genres":
            mapped.metadata["genres"] = names
        elif key == "publisher":
            mapped.fields[key] = names[0]
        else:
            mapped.fields[key] = names[:5] if key == "cast" else names
    languages = language_codes(
        [labels[q] for prop in LANGUAGE_PROPS for q in _ids(entity, prop) if q in labels]
    )
    if languages:
        mapped.metadata["languages"] = languages


def _wikipedia_url(entity: dict[str, Any]) -> str | None:
    """The English Wikipedia article: its URL when the sitelink has one, else built from the title."""
    enwiki = as_dict(as_dict(entity.get("sitelinks")).get("enwiki"))
    return enwiki.get("url") or (
        "https://en.wikipedia.org/wiki/" + quote(enwiki["title"].replace(" ", "_"))
        if isinstance(enwiki.get("title"), str)
        else None
    )


def _map_runtime(entity: dict[str, Any], mapped: Mapped) -> None:
    """Duration (P2047) in minutes: the first statement with a known time unit."""
    for value in _values(entity, "P2047"):
        if not isinstance(value, dict):
            continue
        unit = str(value.get("unit", "")).rsplit("/", 1)[-1]
        try:
            minutes = float(value.get("amount", "")) * UNIT_MINUTES.get(unit, 0)
        except ValueError:
            continue
        if minutes > 0:
            mapped.fields["runtime_minutes"] = round(minutes)
            return


def _map_book(entity: dict[str, Any], mapped: Mapped) -> None:
    """ISBN-13 (P212) and number of pages (P1104)."""
    isbn = next((re.sub(r"[^0-9X]", "", v) for v in _values(entity, "P212") if isinstance(v, str)), None)
    if isbn and len(isbn) == 13:
        mapped.fields["isbn"] = isbn
    for value in _values(entity, "P1104"):
        try:
            pages = int(float(value.get("amount", ""))) if isinstance(value, dict) else 0
        except ValueError:
            pages = 0
        if pages > 0:
            mapped.fields["pages"] = pages
            return
