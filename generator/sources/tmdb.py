"""TMDB movies with credits and watch providers: fetch by TMDB id, map to a movie item."""

from __future__ import annotations

import os
import re
from typing import Any

from generator.content.providers import names
from generator.errors import BuildError
from generator.sources.mapped import MEDIA, Mapped, Unsupported, as_dict, clean_date, language_codes

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


def _refuse_other_records(data: dict[str, Any]) -> None:
    """TV shows and search responses look like movies to a lenient reader: say what they are."""
    if "first_air_date" in data or "number_of_seasons" in data:
        name = data.get("name") if isinstance(data.get("name"), str) else "this show"
        raise Unsupported(
            f"this is the TMDB TV show {name!r}: TV shows are not a medium here; Omakase holds {MEDIA}",
            "import a movie (themoviedb.org/movie/ID), or describe the show in a menu's notes",
            "first_air_date" if "first_air_date" in data else "number_of_seasons",
        )
    if isinstance(data.get("results"), list):
        raise Unsupported(
            "this is a TMDB search response, not a movie's record",
            "save the movie's own record: /3/movie/ID?append_to_response=credits,watch/providers",
            "results",
        )


def map_payload(payload: Any, external_id: str, related: dict[str, Any] | None = None) -> Mapped:
    """Title, release date, poster, runtime, directors, cast, countries, genres, languages."""
    data = as_dict(payload)
    _refuse_other_records(data)
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
    genres = names(data.get("genres"))
    if genres:
        mapped.metadata["genres"] = genres
    languages = language_codes(names(data.get("spoken_languages"), key="iso_639_1"))
    if languages:
        mapped.metadata["languages"] = languages
    for key in ("original_language", "imdb_id", "vote_count", "vote_average"):
        if data.get(key) not in (None, ""):
            mapped.metadata[key] = data[key]
    return mapped
