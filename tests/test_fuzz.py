"""Property tests of the loader: any bytes or YAML structure in any kind of content file gives
either a loaded site or ContentErrors whose every problem is located; never another exception."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.content.fields import MAX_SLUG, RESERVED_NAMES, URL_RE
from generator.content.loader import load_site
from generator.content.yamlsource import INVALID_CHARS
from generator.db.schema import connect, create_schema
from generator.db.store import store_site
from generator.derive.availability import derive_availability
from generator.derive.taste import compute_taste_profiles
from generator.errors import ContentErrors
from generator.settings import Settings
from tests.hostile import REFUSED_URLS, TMDB_FILE, TMDB_ITEM, with_tmdb_source
from tests.sitekit import minimal_files, write

CLOCK = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)

# (file the fuzzed text goes to, its kind). Existing files are replaced, new ones added.
TARGETS = {
    "curator": "content/curators/zed.yaml",
    "curator (existing)": "content/curators/ada.yaml",
    "log": "content/logs/ada.yaml",
    "book": "content/items/book/fuzzed.md",
    "movie": "content/items/movie/the-conversation.md",
    "game": "content/items/game/fuzzed.md",
    "music": "content/items/music/fuzzed.md",
    "menu": "content/menus/fuzzed.md",
    "menu (existing)": "content/menus/paranoid-seventies.md",
    "payload": "data/sources/wikidata/Q1217219.json",
}

FIELD_NAMES = sorted(
    {
        "title",
        "slug",
        "release_date",
        "cover_image_url",
        "canonical_url",
        "metadata",
        "tags",
        "sources",
        "availability",
        "authors",
        "isbn",
        "pages",
        "publisher",
        "directors",
        "runtime_minutes",
        "cast",
        "countries",
        "platforms",
        "developers",
        "publishers",
        "artists",
        "kind",
        "label",
        "duration_minutes",
        "tracks",
        "handle",
        "name",
        "bio",
        "url",
        "email",
        "curator",
        "status",
        "published",
        "updated",
        "forked_from",
        "aliases",
        "courses",
        "pairings",
        "states",
        "entries",
        "item",
        "note",
        "notes",
        "private_notes",
        "rating",
        "favorite",
        "date",
        "minutes",
        "progress",
        "target",
        "private",
        "position",
        "intent",
        "items",
        "from",
        "to",
        "narrative",
        "provider",
        "region",
        "format",
        "last_checked",
        "source",
        "id",
        "fetched",
        "duration_seconds",
        "genres",
    }
)
REFS = [
    "movie/the-conversation",
    "book/the-crying-of-lot-49",
    "wikidata:Q1217219",
    "paranoid-seventies",
    "ada",
    "bruno",
    "book/fuzzed",
    "../x",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(REFS),
    st.sampled_from(
        [
            "published",
            "draft",
            "finished",
            "want",
            "stream",
            "available",
            "https://example.org/x",
            "javascript:alert(1)",
            "2026-02-30",
            "2026-13",
            "1999",
            "  ",
            "<script>",
            "a" * 260,
            "con",
            "x\ufffey",
            "bell\x07",
        ]
    ),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=6)),
    max_leaves=25,
)
documents = st.dictionaries(st.sampled_from(FIELD_NAMES), structures, min_size=1, max_size=10)


def valid_document(target: str) -> tuple[dict, str]:
    """The valid content a target starts from (front matter or YAML, and a body)."""
    files = minimal_files()
    known = {
        TARGETS["curator"]: "handle: zed\nname: Zed\n",
        TARGETS["book"]: "---\ntitle: Fuzzed\n---\n",
        TARGETS["game"]: "---\ntitle: Fuzzed\nplatforms: [PC]\n---\n",
        TARGETS["music"]: "---\ntitle: Fuzzed\ntracks:\n  - title: One\n---\n",
        TARGETS["menu"]: files["content/menus/paranoid-seventies.md"],
    }
    text = textwrap.dedent(known.get(target) or files[target])
    if text.startswith("---\n"):
        _, front, body = text.split("---\n", 2)
        return yaml.safe_load(front), body
    return yaml.safe_load(text), ""


def _dict_entries(value: object) -> list[dict]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


@st.composite
def mutated(draw: st.DrawFn, target: str) -> dict:
    """A valid document with a few fields, top-level or nested, replaced by anything."""
    document, _ = valid_document(target)
    for _ in range(draw(st.integers(1, 3))):
        where = document
        for _depth in range(2):  # maybe step into an entry of a list (courses, then items)
            nested = sorted(k for k, v in where.items() if _dict_entries(v))
            if not nested or not draw(st.booleans()):
                break
            entries = _dict_entries(where[draw(st.sampled_from(nested))])
            where = entries[draw(st.integers(0, len(entries) - 1))]
        key = draw(
            st.one_of(st.sampled_from(sorted(map(str, where)) or FIELD_NAMES), st.sampled_from(FIELD_NAMES))
        )
        where[key] = draw(structures)
    return document


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="omakase-fuzz-"))
    write(folder, minimal_files())
    payload = folder / TARGETS["payload"]
    payload.parent.mkdir(parents=True, exist_ok=True)
    payload.write_text('{"id": "Q1217219"}', encoding="utf-8")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def check(base: Path, target: str, data: bytes, extra: dict[str, bytes] | None = None) -> None:
    """Write `data` to `target` (and `extra` files) in a copy of the base site, load it, and
    judge the outcome."""
    root = Path(tempfile.mkdtemp(prefix="omakase-fuzz-site-"))
    try:
        shutil.copytree(base, root, dirs_exist_ok=True)
        for name, raw in {target: data, **(extra or {})}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(raw)
        settings_ = Settings(root=root, build_time=CLOCK).resolve()
        try:
            site, warnings = load_site(settings_)
        except ContentErrors as errors:
            assert errors.problems
            for problem in errors.problems:
                assert problem.path and not os.path.isabs(problem.path), problem
                assert problem.message, problem
                # Every problem inside a file that the loader could read names its line.
                if problem.path == target and "bytes, over the limit" not in problem.message:
                    assert problem.line is not None and problem.line >= 1, problem
            return
        for warning in warnings:
            assert warning.path and warning.line, warning
        # A loaded site must also store: nothing the loader accepts may break the database.
        db = connect()
        create_schema(db)
        store_site(db, site, CLOCK)
        compute_taste_profiles(db, CLOCK)
        derive_availability(db)
        assert_publishable(db)
        db.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def assert_publishable(db: sqlite_utils.Database) -> None:
    """What a loaded site stores can be published: every text is XML 1.0 text, every name
    fits a file name everywhere, every stored link is an http(s) URL."""
    for table in db.table_names():
        for row in db.execute(f'SELECT * FROM "{table}"').fetchall():
            for cell in row:
                if isinstance(cell, str):
                    assert not INVALID_CHARS.search(cell), (table, cell)
    names = db.execute(
        "SELECT slug FROM media_items UNION ALL SELECT slug FROM menus UNION ALL "
        "SELECT handle FROM users UNION ALL SELECT slug FROM tags UNION ALL "
        "SELECT j.value FROM menus, json_each(menus.aliases) j"
    ).fetchall()
    for (name,) in names:
        assert name and len(name) <= MAX_SLUG and name not in RESERVED_NAMES, name
    folded = [row[0] for row in db.execute("SELECT lower(name) FROM tags").fetchall()]
    assert len(folded) == len(set(folded)), folded
    for (url,) in db.execute(
        "SELECT url FROM media_item_availability WHERE url IS NOT NULL UNION ALL "
        "SELECT url FROM users WHERE url IS NOT NULL UNION ALL "
        "SELECT canonical_url FROM media_items WHERE canonical_url IS NOT NULL"
    ).fetchall():
        assert URL_RE.match(url), url


def front_matter(document: dict, body: str) -> bytes:
    return ("---\n" + yaml.safe_dump(document, allow_unicode=True) + "---\n" + body).encode()


FAST = settings(
    max_examples=int(os.environ.get("OMAKASE_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@FAST
@given(target=st.sampled_from(sorted(TARGETS)), data=st.binary(max_size=600))
def test_arbitrary_bytes(base: Path, target: str, data: bytes) -> None:
    check(base, TARGETS[target], data)


@FAST
@given(target=st.sampled_from(sorted(TARGETS)), text=st.text(max_size=400), front=st.booleans())
def test_arbitrary_text(base: Path, target: str, text: str, front: bool) -> None:
    prefix = "---\n" if front and TARGETS[target].endswith(".md") else ""
    check(base, TARGETS[target], (prefix + text).encode("utf-8", errors="surrogatepass"))


@FAST
@given(target=st.sampled_from(sorted(TARGETS)), document=documents, body=st.text(max_size=80))
def test_arbitrary_yaml_structures(base: Path, target: str, document: dict, body: str) -> None:
    path = TARGETS[target]
    if path.endswith(".md"):
        data = front_matter(document, body)
    elif path.endswith(".json"):
        data = yaml.safe_dump(document).encode()  # YAML where JSON belongs
    else:
        data = yaml.safe_dump(document, allow_unicode=True).encode()
    check(base, path, data)


# A TMDB payload's watch providers: every region, link and provider name as anything.
offers = st.fixed_dictionaries(
    {
        "link": st.one_of(
            st.text(max_size=30),
            st.sampled_from([*REFUSED_URLS, "https://www.themoviedb.org/movie/592/watch", "//x"]),
            st.integers(),
        ),
        "flatrate": st.lists(st.fixed_dictionaries({"provider_name": st.text(max_size=20)}), max_size=3),
        "buy": st.lists(st.fixed_dictionaries({"provider_name": st.text(max_size=20)}), max_size=2),
    }
)
watch_payloads = st.builds(
    lambda results: {"id": 592, "watch/providers": {"results": results}},
    st.dictionaries(st.text(max_size=6), offers, max_size=3),
)


@FAST
@given(payload=watch_payloads, ascii_only=st.booleans())
def test_fuzzed_watch_providers(base: Path, payload: dict, ascii_only: bool) -> None:
    item = (base / TMDB_ITEM).read_text(encoding="utf-8")
    text = json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")
    check(base, TMDB_FILE, text, {TMDB_ITEM: with_tmdb_source(item).encode()})


SLOW = settings(
    max_examples=int(os.environ.get("OMAKASE_FUZZ_SLOW_EXAMPLES", "600")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@FAST
@given(data=st.data(), target=st.sampled_from(sorted(t for t in TARGETS if t != "payload")))
def test_mutated_valid_files(base: Path, data: st.DataObject, target: str) -> None:
    path = TARGETS[target]
    document = data.draw(mutated(path))
    _, body = valid_document(path)
    raw = (
        front_matter(document, body)
        if path.endswith(".md")
        else yaml.safe_dump(document, allow_unicode=True).encode()
    )
    check(base, path, raw)


@pytest.mark.slow
@SLOW
@given(data=st.data(), target=st.sampled_from(sorted(t for t in TARGETS if t != "payload")))
def test_mutated_valid_files_long_run(base: Path, data: st.DataObject, target: str) -> None:
    test_mutated_valid_files.hypothesis.inner_test(base, data, target)


@pytest.mark.slow
@SLOW
@given(target=st.sampled_from(sorted(TARGETS)), document=documents, body=st.text(max_size=200))
def test_arbitrary_yaml_structures_long_run(base: Path, target: str, document: dict, body: str) -> None:
    test_arbitrary_yaml_structures.hypothesis.inner_test(base, target, document, body)


@pytest.mark.slow
@SLOW
@given(payload=watch_payloads, ascii_only=st.booleans())
def test_fuzzed_watch_providers_long_run(base: Path, payload: dict, ascii_only: bool) -> None:
    test_fuzzed_watch_providers.hypothesis.inner_test(base, payload, ascii_only)


@pytest.mark.slow
@SLOW
@given(target=st.sampled_from(sorted(TARGETS)), data=st.binary(max_size=3000))
def test_arbitrary_bytes_long_run(base: Path, target: str, data: bytes) -> None:
    check(base, TARGETS[target], data)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": NaN}', "NaN is not a JSON value"),
        (b'{"a": -Infinity}', "-Infinity is not a JSON value"),
        (b'{"a": 1', "invalid JSON"),
    ],
)
def test_hostile_payloads_are_located_errors(base: Path, payload: bytes, message: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="omakase-fuzz-site-"))
    try:
        shutil.copytree(base, root, dirs_exist_ok=True)
        (root / TARGETS["payload"]).write_bytes(payload)
        with pytest.raises(ContentErrors) as caught:
            load_site(Settings(root=root, build_time=CLOCK).resolve())
        (problem,) = caught.value.problems
        assert problem.path == TARGETS["payload"] and problem.line
        assert message in problem.message
    finally:
        shutil.rmtree(root, ignore_errors=True)
