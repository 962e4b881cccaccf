"""TMDB movies with credits and watch providers: fetch by TMDB id, map to a movie item."""

from __future__ import annotations

import os
import re
from typing import Any

from generator.content.fields import slugify
from generator.content.providers import names
from generator.errors import BuildError
from generator.sources.mapped import Mapped, as_dict, clean_date

NAME = "tmdb"
BASE_URL = "https://api.themoviedb.org"
MIN_INTERVAL = 0.25  # TMDB allows about 40 requests in 10 seconds


def normalize_id(raw: str, payload: Any = None) -> str:
    """'671', 'movie/671' or a themoviedb.org URL → '671'."""
    match = re.search(r"(?:movie/)?(\d+)", raw.strip())
    if match:
        return match.group(1)
    if isinstance(payload, dict) and isinstance(payload.get("id"), int):
        return str(payload["id"])
    raise BuildError(f"{raw!r} is not a TMDB movie id (a number such as 671)")


def payload_id(payload: Any) -> str | None:
    """The id of the movie a payload describes, to catch a file saved for another movie."""
    value = payload.get("id") if isinstance(payload, dict) else None
    return str(value) if isinstance(value, int) else None


def request_url(external_id: str, base: str = BASE_URL) -> str:
    url = (
        f"{base.rstrip('/')}/3/movie/{external_id}?append_to_response=credits,watch/providers&language=en-US"
    )
    key = os.environ.get("TMDB_API_KEY")
    return url + f"&api_key={key}" if key else url


def headers() -> dict[str, str]:
    token = os.environ.get("TMDB_ACCESS_TOKEN")
    if not token and not os.environ.get("TMDB_API_KEY"):
        raise BuildError(
            "TMDB needs an API key: set TMDB_API_KEY or TMDB_ACCESS_TOKEN, "
            "or import a saved payload with --from-file"
        )
    return {"Authorization": f"Bearer {token}"} if token else {}


def _billing(credit: dict[str, Any]) -> int:
    """A cast member's place in the credits; unnumbered ones go last."""
    order = credit.get("order")
    return order if isinstance(order, int) else 999


def map_payload(payload: Any, external_id: str) -> Mapped:
    """Title, release date, poster, runtime, directors, cast, countries, genres, languages."""
    data = as_dict(payload)
    poster = data.get("poster_path")
    overview = data.get("overview")
    mapped = Mapped(
        source=NAME,
        external_id=external_id,
        media_type="movie",
        title=data.get("title") if isinstance(data.get("title"), str) else None,
        release_date=clean_date(data.get("release_date")),
        cover_image_url=f"https://image.tmdb.org/t/p/w500{poster}" if isinstance(poster, str) else None,
        canonical_url=f"https://www.themoviedb.org/movie/{external_id}",
        source_url=f"https://www.themoviedb.org/movie/{external_id}",
        description=overview.strip() if isinstance(overview, str) else "",
    )
    if isinstance(data.get("runtime"), int) and data["runtime"] > 0:
        mapped.fields["runtime_minutes"] = data["runtime"]
    credits = as_dict(data.get("credits"))
    directors = names(
        [c for c in credits.get("crew") or [] if isinstance(c, dict) and c.get("job") == "Director"]
    )
    if directors:
        mapped.fields["directors"] = directors
    cast = sorted(
        (c for c in credits.get("cast") or [] if isinstance(c, dict)),
        key=_billing,
    )
    if cast:
        mapped.fields["cast"] = names(cast)[:5]
    countries = names(data.get("production_countries"))
    if countries:
        mapped.fields["countries"] = countries
    genres = [slugify(g) for g in names(data.get("genres"))]
    if genres:
        mapped.metadata["genres"] = genres
    languages = names(data.get("spoken_languages"), key="iso_639_1")
    if languages:
        mapped.metadata["languages"] = languages
    for key in ("original_language", "imdb_id", "vote_count", "vote_average"):
        if data.get(key) not in (None, ""):
            mapped.metadata[key] = data[key]
    return mapped
