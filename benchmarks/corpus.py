"""Generate a large, deterministic site from the real film catalogue of `bokeh-sampledata`.

Items are real films (Wikidata, CC0) as long as the catalogue lasts, then synthetic films
recombined from real names; menus, pairings, fork chains and curator logs are drawn with a
fixed seed, so the same arguments always write the same files.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.content.fields import slugify

SEED = 20261126
CURATORS = 40


def site_packages(tools: Path | None) -> list[Path]:
    """Where bench-only packages live: a separate virtual environment (`make bench` keeps
    them in .venv-bench, so the builds being timed never import what they pull in)."""
    if tools is None:
        return []
    return sorted(tools.glob("lib/python3*/site-packages")) + sorted(tools.glob("Lib/site-packages"))


def catalogue_path(tools: Path | None = None) -> Path:
    """The SQLite file of films shipped by the `bokeh-sampledata` package."""
    for folder in site_packages(tools):
        found = folder / "bokeh_sampledata/_data/movies.db"
        if found.is_file():
            return found
    try:
        from bokeh_sampledata.movies_data import movie_path
    except ImportError as exc:  # a bench-only dependency
        raise SystemExit(
            "the benchmark needs `bokeh-sampledata`: run `make bench`, or "
            "pip install bokeh-sampledata and pass --tools"
        ) from exc
    return Path(movie_path)


@dataclass
class Film:
    slug: str
    title: str
    year: int | None
    released: str | None
    genres: list[str]
    directors: list[str]
    cast: list[str]
    runtime: int | None
    languages: list[str]
    countries: list[str]
    imdb: str
    consensus: str
    rating: str | None


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def real_films(tools: Path | None = None) -> Iterator[Film]:
    conn = sqlite3.connect(f"file:{catalogue_path(tools)}?mode=ro", uri=True)
    rows = conn.execute("""
        SELECT o.Title, o.Year, o.Released, o.Genre, o.Director, o."Cast", o.Runtime,
               o.Language, o.Country, o.imdbID, coalesce(t.Consensus, ''), o.Rating
        FROM omdb o LEFT JOIN tomatoes t ON t.ID = o.ID ORDER BY o.ID""")
    for (
        title,
        year,
        released,
        genre,
        director,
        cast,
        runtime,
        language,
        country,
        imdb,
        consensus,
        rating,
    ) in rows:
        if not title or not imdb or not slugify(title):
            continue
        yield Film(
            "",
            title,
            year,
            released if released and len(released) == 10 else None,
            _split(genre),
            _split(director),
            _split(cast)[:8],
            int(runtime) if runtime else None,
            _split(language),
            _split(country),
            imdb,
            consensus or "",
            rating,
        )


def synthetic_films(pool: list[Film], count: int, rng: random.Random) -> Iterator[Film]:
    """Films beyond the catalogue: real names and genres recombined, deterministically."""
    for n in range(count):
        a, b = rng.choice(pool), rng.choice(pool)
        year = 1940 + rng.randrange(75)
        day = f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        yield Film(
            "",
            f"{a.title.split(':')[0]} {n + 1}",
            year,
            day,
            sorted(set(a.genres + b.genres[:1])),
            a.directors,
            (b.cast + a.cast)[:8],
            a.runtime or 95,
            a.languages,
            b.countries,
            f"syn{n + 1:07d}",
            a.consensus,
            None,
        )


def _y(value: object) -> str:
    """A YAML scalar or flow list; JSON text is valid YAML and quotes everything safely."""
    return json.dumps(value, ensure_ascii=False)


def item_text(film: Film) -> str:
    lines = ["---", f"title: {_y(film.title)}"]
    if film.released:
        lines.append(f"release_date: {film.released}")
    elif film.year:
        lines.append(f'release_date: "{film.year}"')
    lines.append(f"directors: {_y(film.directors)}")
    if film.runtime:
        lines.append(f"runtime_minutes: {film.runtime}")
    lines += [
        f"cast: {_y(film.cast)}",
        f"countries: {_y(film.countries)}",
        "metadata:",
        f"  genres: {_y(film.genres)}",
        f"  languages: {_y(film.languages)}",
    ]
    if film.rating:
        lines.append(f"  certificate: {_y(film.rating)}")
    tags = [slugify(g) for g in film.genres if slugify(g)]
    lines.append(f"tags: {_y(tags)}")
    if not film.imdb.startswith("syn"):
        lines += [
            "sources:",
            "  - source: imdb",
            f"    id: {film.imdb}",
            f"    url: https://www.imdb.com/title/{film.imdb}/",
        ]
    lines.append("---")
    who = ", ".join(film.directors) or "an uncredited director"
    body = [
        f"A {', '.join(g.lower() for g in film.genres) or 'feature'} film from "
        f"{film.year or 'an unknown year'}, directed by {who}."
    ]
    if film.cast:
        body.append(f"It stars {', '.join(film.cast[:4])}.")
    if film.consensus:
        body.append(f"\n> {film.consensus}")
    body.append(
        f"\nRunning time: *{film.runtime or 'unknown'} minutes*. "
        f"Languages: {', '.join(film.languages) or 'unknown'}. "
        f"Made in {', '.join(film.countries) or 'an unknown country'}."
    )
    return "\n".join(lines) + "\n" + "\n".join(body) + "\n"


@dataclass
class Corpus:
    items: int
    menus: int
    curators: int
    popular: str  # the item ref that appears on the most menus
    menu_paths: list[Path]


def generate(root: Path, items: int = 10_000, menus: int | None = None, tools: Path | None = None) -> Corpus:
    """Write a complete site under `root` (content/ only; templates are the project's)."""
    rng = random.Random(SEED)
    menus = menus if menus is not None else max(1000, items // 10)
    content = root / "content"
    for sub in ("items/movie", "menus", "curators", "logs"):
        (content / sub).mkdir(parents=True, exist_ok=True)
    films: list[Film] = []
    seen_slugs: set[str] = set()
    seen_ids: set[str] = set()

    def add(film: Film) -> None:
        base = slugify(film.title)[:60].strip("-") or "film"
        slug, n = base, 1
        while slug in seen_slugs:
            n += 1
            slug = f"{base}-{film.year or n}" if n == 2 else f"{base}-{n}"
        if film.imdb in seen_ids:
            return
        seen_slugs.add(slug)
        seen_ids.add(film.imdb)
        film.slug = slug
        films.append(film)

    for film in real_films(tools):
        if len(films) >= items:
            break
        add(film)
    pool = list(films)
    extra = synthetic_films(pool, 10 * items, rng)
    while len(films) < items:
        add(next(extra))
    for film in films:
        (content / "items/movie" / f"{film.slug}.md").write_text(item_text(film), encoding="utf-8")

    handles = [f"curator-{n:02d}" for n in range(1, CURATORS + 1)]
    for handle in handles:
        (content / "curators" / f"{handle}.yaml").write_text(
            f"handle: {handle}\nname: {_y('Curator ' + handle[-2:])}\n"
            f"bio: {_y('Watches everything twice. Menu number ' + handle[-2:] + '.')}\n",
            encoding="utf-8",
        )

    # A few films are on very many menus (a Zipf-like pick), as real favourites are.
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(films))]
    refs = [f"movie/{f.slug}" for f in films]
    counts: dict[str, int] = {}
    paths = []
    slugs: list[str] = []
    for m in range(menus):
        slug = f"menu-{m + 1:05d}"
        curator = rng.choice(handles)
        chosen: list[str] = []
        courses = []
        for c in range(rng.randint(3, 5)):
            picks = []
            for _ in range(rng.randint(2, 4)):
                ref = rng.choices(refs, weights)[0] if rng.random() < 0.5 else rng.choice(refs)
                if ref in chosen:
                    continue
                chosen.append(ref)
                picks.append(ref)
                counts[ref] = counts.get(ref, 0) + 1
            if not picks:
                ref = next(r for r in refs if r not in chosen)
                chosen.append(ref)
                picks.append(ref)
            courses.append((c, picks))
        lines = [
            "---",
            f"title: {_y('Menu ' + str(m + 1) + ': ' + rng.choice(pool).title)}",
            f"curator: {curator}",
            f"status: {'draft' if m % 25 == 24 else 'published'}",
            f"published: 20{10 + m % 16:02d}-{1 + m % 12:02d}-{1 + m % 28:02d}",
            f"tags: {_y(sorted({slugify(g) for g in rng.choice(pool).genres} - {''}))}",
        ]
        if slugs and rng.random() < 0.2:
            lines.append(f"forked_from: {rng.choice(slugs[-50:])}")
        lines.append("courses:")
        for c, picks in courses:
            lines += [
                f"  - title: Course {c + 1}",
                f"    intent: {_y('Start with ' + picks[0].split('/')[1].replace('-', ' ') + '.')}",
                "    items:",
            ]
            for ref in picks:
                note = "Why " + ref.split("/")[1].replace("-", " ") + " here: *timing*."
                lines += [f"      - item: {ref}", f"        note: {_y(note)}"]
        lines.append("pairings:")
        for _ in range(rng.randint(1, 2)):
            a, b = rng.sample(chosen, 2)
            story = f"One answers the other, {rng.randint(1, 99)} years apart."
            lines += [f"  - from: {a}", f"    to: {b}", f"    narrative: {_y(story)}"]
        lines.append("---")
        lines.append(
            f"An introduction to menu {m + 1}, written for people who like {rng.choice(pool).title}.\n"
        )
        path = content / "menus" / f"{slug}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
        slugs.append(slug)

    for handle in handles:
        lines = [f"curator: {handle}", "states:"]
        logged = rng.sample(refs, 60)
        for ref in logged:
            lines += [
                f"  - item: {ref}",
                f"    status: {rng.choice(['finished', 'want', 'in_progress'])}",
                f"    rating: {rng.randint(0, 10)}",
                f"    favorite: {str(rng.random() < 0.1).lower()}",
            ]
        lines.append("entries:")
        for n, ref in enumerate(logged[:40]):
            lines += [
                f"  - item: {ref}",
                "    kind: finished",
                f"    date: 2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
                f"    minutes: {60 + n}",
            ]
        (content / "logs" / f"{handle}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    popular = max(counts, key=lambda r: (counts[r], r))
    return Corpus(len(films), menus, len(handles), popular, paths)
