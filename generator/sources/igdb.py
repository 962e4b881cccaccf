"""IGDB games: fetch by IGDB id through its Twitch-authenticated API, map to a game item.

IGDB answers POSTed Apicalypse queries only, with a Twitch app's client id and an app access
token (OAuth client credentials). The query expands what the item needs (cover, genres,
platforms, companies), so one response is the whole record and nothing else is fetched."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from generator.errors import BuildError
from generator.sources.http import FetchError, HttpClient
from generator.sources.mapped import Mapped, Unsupported, as_dict

NAME = "igdb"
BASE_URL = "https://api.igdb.com"
TOKEN_URL = "https://id.twitch.tv/oauth2/token"
MIN_INTERVAL = 0.25  # IGDB allows four requests a second
FIELDS = (
    "name,slug,url,summary,first_release_date,cover.image_id,genres.name,platforms.name,"
    "involved_companies.company.name,involved_companies.developer,involved_companies.publisher,"
    "websites.url"
)
COVER_URL = "https://images.igdb.com/igdb/image/upload/t_cover_big/{}.jpg"


def normalize_id(raw: str, payload: Any = None) -> str:
    """'19560', 'games/19560' → '19560'; a game page's slug cannot be looked up offline, so
    the payload's own id is taken when the argument has none."""
    match = re.fullmatch(r"(?:games/)?(\d+)", raw.strip())
    if match:
        return match.group(1)
    described = payload_id(payload)
    if described:
        return described
    raise BuildError(f"{raw!r} is not an IGDB game id (a number such as 19560)")


def _game(payload: Any, external_id: str | None = None) -> dict[str, Any]:
    """The game of an IGDB answer: a list of games (one, or the one with `external_id`), or
    the game itself."""
    if not isinstance(payload, list):
        return as_dict(payload)
    if len(payload) == 1 or external_id is None:
        return as_dict(payload[0]) if payload else {}
    return next((as_dict(g) for g in payload if str(as_dict(g).get("id")) == external_id), {})


def payload_id(payload: Any) -> str | None:
    """The id of the game a payload describes, to catch a file saved for another game."""
    if isinstance(payload, list) and len(payload) > 1:
        return None
    value = _game(payload).get("id")
    return str(value) if isinstance(value, int) else None


def request_url(external_id: str, base: str = BASE_URL) -> str:
    return f"{base.rstrip('/')}/v4/games"


def headers() -> dict[str, str]:
    return {}


def query(external_id: str) -> str:
    """The Apicalypse body asking for one game with what the mapper reads."""
    return f"fields {FIELDS}; where id = {external_id};"


def _credentials() -> tuple[str, str | None, str | None]:
    client_id = os.environ.get("IGDB_CLIENT_ID", "").strip()
    secret = os.environ.get("IGDB_CLIENT_SECRET", "").strip() or None
    token = os.environ.get("IGDB_ACCESS_TOKEN", "").strip() or None
    if not client_id or not (secret or token):
        raise BuildError(
            "IGDB needs a Twitch app: set IGDB_CLIENT_ID and IGDB_CLIENT_SECRET "
            "(or IGDB_ACCESS_TOKEN), or import a saved payload with --from-file"
        )
    return client_id, secret, token


def access_token(client: HttpClient, client_id: str, secret: str) -> str:
    """An app access token by the OAuth client-credentials grant (IGDB_TOKEN_URL overrides
    Twitch's endpoint, for a test server). The secret travels in the body, never a URL."""
    url = os.environ.get("IGDB_TOKEN_URL") or TOKEN_URL
    body = urlencode({"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"})
    text = client.post(
        url,
        body.encode("ascii"),
        source="twitch",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        token = json.loads(text).get("access_token")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise FetchError(
            f"{url}: the answer has no access_token; check IGDB_CLIENT_ID and IGDB_CLIENT_SECRET"
        )
    return token


def fetch(client: HttpClient, external_id: str, base: str = BASE_URL) -> tuple[str, str]:
    """(URL, verbatim text) of the game's record, asked for with a fresh app token."""
    client_id, secret, token = _credentials()
    if token is None:
        token = access_token(client, client_id, secret or "")
    url = request_url(external_id, base)
    text = client.post(
        url,
        query(external_id).encode("utf-8"),
        source=NAME,
        min_interval=MIN_INTERVAL,
        headers={"Client-ID": client_id, "Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )
    return url, text


def _names(values: Any, *, where: str | None = None) -> list[str]:
    """Names of expanded objects ({id, name}); with `where`, of companies with that role."""
    out: list[str] = []
    for value in values if isinstance(values, list) else []:
        entry = as_dict(value)
        if where is not None:
            if entry.get(where) is not True:
                continue
            entry = as_dict(entry.get("company"))
        name = entry.get("name")
        if isinstance(name, str) and name.strip() and name.strip() not in out:
            out.append(name.strip())
    return out


def _day(value: Any) -> str | None:
    """IGDB dates are Unix seconds (UTC)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _pages(game: dict[str, Any]) -> tuple[str | None, str | None]:
    """(IGDB page, Wikipedia article) of a game, as far as the record tells."""
    page = game.get("url") if isinstance(game.get("url"), str) else None
    if page is None and isinstance(game.get("slug"), str) and re.fullmatch(r"[a-z0-9-]+", game["slug"]):
        page = f"https://www.igdb.com/games/{game['slug']}"
    sites = [as_dict(w).get("url") for w in game.get("websites") or []]
    wiki = next((u for u in sites if isinstance(u, str) and ".wikipedia.org/wiki/" in u), None)
    return page, wiki


def map_payload(payload: Any, external_id: str, related: dict[str, Any] | None = None) -> Mapped:
    """Title, first release, cover, platforms, developers, publishers, genres and summary."""
    game = _game(payload, external_id)
    if not game:
        raise Unsupported(
            f"IGDB answered no game for id {external_id}",
            "check the id on the game's IGDB page (its 'IGDB ID'), or save that game's answer",
        )
    cover = as_dict(game.get("cover")).get("image_id")
    page, wiki = _pages(game)
    summary = game.get("summary")
    mapped = Mapped(
        source=NAME,
        external_id=external_id,
        media_type="game",
        title=game["name"].strip() if isinstance(game.get("name"), str) else None,
        release_date=_day(game.get("first_release_date")),
        cover_image_url=COVER_URL.format(cover)
        if isinstance(cover, str) and re.fullmatch(r"\w+", cover)
        else None,
        canonical_url=wiki or page,
        source_url=page,
        description=summary.strip() if isinstance(summary, str) else "",
    )
    for key, values in (
        ("platforms", _names(game.get("platforms"))),
        ("developers", _names(game.get("involved_companies"), where="developer")),
        ("publishers", _names(game.get("involved_companies"), where="publisher")),
    ):
        if values:
            mapped.fields[key] = values
    genres = _names(game.get("genres"))
    if genres:
        mapped.metadata["genres"] = genres
    return mapped
