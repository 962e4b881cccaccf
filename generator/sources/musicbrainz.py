"""MusicBrainz release groups, releases and recordings: fetch by MBID, map to a music item."""

from __future__ import annotations

import re
from typing import Any

from generator.content.providers import names
from generator.errors import BuildError
from generator.sources.mapped import MEDIA, Mapped, Unsupported, as_dict, clean_date, language_codes

NAME = "musicbrainz"
BASE_URL = "https://musicbrainz.org"
MIN_INTERVAL = 1.0  # MusicBrainz allows one request per second per client
ENTITIES = ("release-group", "release", "recording")
MBID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ID_RE = re.compile(rf"\b({'|'.join(ENTITIES)})/({MBID})\b", re.IGNORECASE)
INCLUDES = {
    "release-group": "artist-credits+genres+tags+releases",
    "release": "artist-credits+labels+recordings+genres+tags+release-groups",
    "recording": "artist-credits+genres+tags+releases",
}


def _entity_of(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    if "media" in payload or "label-info" in payload:
        return "release"
    if "primary-type" in payload or "releases" in payload and "length" not in payload:
        return "release-group"
    if "length" in payload or "isrcs" in payload:
        return "recording"
    return None


def normalize_id(raw: str, payload: Any = None) -> str:
    """'release-group/<mbid>' (also from a musicbrainz.org URL). A bare MBID is accepted when
    the payload shows which kind of record it is."""
    match = ID_RE.search(raw)
    if match:
        return f"{match.group(1).lower()}/{match.group(2).lower()}"
    bare = re.search(MBID, raw, re.IGNORECASE)
    entity = _entity_of(payload)
    if bare and entity:
        return f"{entity}/{bare.group(0).lower()}"
    raise BuildError(
        f"{raw!r} is not a MusicBrainz id; write it as release-group/MBID, release/MBID or recording/MBID"
    )


def payload_id(payload: Any) -> str | None:
    """The id of the record a payload describes, to catch a file saved for another record."""
    entity = _entity_of(payload)
    mbid = payload.get("id") if isinstance(payload, dict) else None
    return f"{entity}/{mbid.lower()}" if entity and isinstance(mbid, str) else None


def request_url(external_id: str, base: str = BASE_URL) -> str:
    entity, mbid = external_id.split("/", 1)
    return f"{base.rstrip('/')}/ws/2/{entity}/{mbid}?fmt=json&inc={INCLUDES[entity]}"


def headers() -> dict[str, str]:
    return {}


def _artists(credits: Any) -> list[str]:
    out: list[str] = []
    for credit in credits if isinstance(credits, list) else []:
        if not isinstance(credit, dict):
            continue
        artist = as_dict(credit.get("artist"))
        name = artist.get("name") or credit.get("name")
        if isinstance(name, str) and name.strip() and name.strip() not in out:
            out.append(name.strip())
    return out


def _ranked(values: Any) -> list[str]:
    """Genre or tag names, most voted first."""
    entries = [v for v in values or [] if isinstance(v, dict) and isinstance(v.get("name"), str)]
    entries.sort(key=lambda v: (-(v.get("count") or 0), v["name"]))
    return names(entries)


def _refuse_broadcasts(data: dict[str, Any], group: dict[str, Any]) -> None:
    """MusicBrainz files podcasts and radio shows as the primary type 'Broadcast'."""
    key = "primary-type"
    if data.get(key) == "Broadcast" or group.get(key) == "Broadcast":
        raise Unsupported(
            "this MusicBrainz record is a broadcast (a podcast, radio or TV show), which is "
            f"not a medium here; Omakase holds {MEDIA}",
            "import an album or a recording",
            key,
        )


def map_payload(payload: Any, external_id: str, related: dict[str, Any] | None = None) -> Mapped:
    """Title, artists, first release date, cover art, tracks, and genres and tags by name
    (MusicBrainz names them in the record itself, so nothing else is fetched)."""
    data = as_dict(payload)
    entity, mbid = external_id.split("/", 1)
    group = as_dict(data.get("release-group"))
    _refuse_broadcasts(data, group)
    date = data.get("first-release-date") or group.get("first-release-date") or data.get("date")
    mapped = Mapped(
        source=NAME,
        external_id=external_id,
        media_type="music",
        title=data.get("title") if isinstance(data.get("title"), str) else None,
        release_date=clean_date(date),
        cover_image_url=_cover(data, entity, mbid),
        canonical_url=f"https://musicbrainz.org/{entity}/{mbid}",
        source_url=f"https://musicbrainz.org/{entity}/{mbid}",
    )
    artists = _artists(data.get("artist-credit")) or _artists(group.get("artist-credit"))
    if artists:
        mapped.fields["artists"] = artists
    mapped.fields["kind"] = "recording" if entity == "recording" else "album"
    labels = _labels(data)
    if labels:
        mapped.fields["label"] = labels[0]
    _map_duration(data, mapped)
    genres = _ranked(data.get("genres")) or _ranked(group.get("genres"))
    if genres:
        mapped.metadata["genres"] = genres[:8]
    tags = _ranked(data.get("tags"))
    if tags:
        mapped.metadata["tags"] = tags[:8]
    languages = language_codes([as_dict(data.get("text-representation")).get("language")])
    if languages:
        mapped.metadata["languages"] = languages
    kind = data.get("primary-type") or group.get("primary-type")
    if isinstance(kind, str):
        mapped.metadata["primary_type"] = kind
    return mapped


def _cover(data: dict[str, Any], entity: str, mbid: str) -> str | None:
    """The Cover Art Archive front image. A release says whether it has one; a release group
    payload does not, so its image is always linked."""
    art = as_dict(data.get("cover-art-archive"))
    if entity == "release" and art.get("front"):
        return f"https://coverartarchive.org/release/{mbid}/front"
    if entity == "release-group":
        return f"https://coverartarchive.org/release-group/{mbid}/front"
    return None


def _labels(data: dict[str, Any]) -> list[str]:
    return [
        info["label"]["name"]
        for info in data.get("label-info") or []
        if isinstance(info, dict)
        and isinstance(info.get("label"), dict)
        and isinstance(info["label"].get("name"), str)
    ]


def _tracks(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every track of every medium, its duration in seconds where MusicBrainz knows it."""
    tracks = []
    for medium in data.get("media") or []:
        for track in (medium or {}).get("tracks") or []:
            if not isinstance(track, dict) or not isinstance(track.get("title"), str):
                continue
            length = track.get("length") or (track.get("recording") or {}).get("length")
            tracks.append(
                {
                    "title": track["title"],
                    "duration_seconds": round(length / 1000) if isinstance(length, int) else None,
                }
            )
    return tracks


def _map_duration(data: dict[str, Any], mapped: Mapped) -> None:
    """A release's tracks and their total; a recording's own length."""
    tracks = _tracks(data)
    if tracks:
        mapped.fields["tracks"] = [
            t if t["duration_seconds"] is not None else {"title": t["title"]} for t in tracks
        ]
        total = sum(t["duration_seconds"] or 0 for t in tracks)
        if total:
            mapped.fields["duration_minutes"] = round(total / 60)
        mapped.metadata["track_count"] = len(tracks)
    elif isinstance(data.get("length"), int):
        mapped.fields["duration_minutes"] = max(1, round(data["length"] / 60000))
