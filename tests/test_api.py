"""The static JSON API: every document follows its published schema, links resolve, nothing private."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.engine.build import build
from generator.site import api
from tests.conftest import settings_for
from tests.sitekit import LOG, MENU, PROJECT, make_site

BASE = "https://menus.example.org/"
DRAFT = MENU.format(title="Secret Supper Quokka", curator="bruno", status="draft", extra="")
# Private values planted in the test site: emails, a private note and entry, a draft menu.
PLANTED = (
    "ada@example.org",
    "bruno@example.org",
    "SECRET-NOTE-ada",
    "PRIVATE-ENTRY-ada",
    "Secret Supper Quokka",
    "secret-supper",
)
PRIVATE_LOG = (
    LOG.format(curator="ada")
    + """\
  - item: book/the-crying-of-lot-49
    kind: note
    date: 2026-09-20
    note: PRIVATE-ENTRY-ada
    private: true
  - item: book/the-crying-of-lot-49
    kind: started
    date: 2026-09-01
    note: Public start.
"""
)


# One xdist worker runs this module (--dist loadgroup), so `built` is built once.
pytestmark = pytest.mark.xdist_group("test_api")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(
        tmp_path_factory.mktemp("api"),
        {
            "content/menus/secret-supper.md": DRAFT,
            "content/logs/ada.yaml": PRIVATE_LOG,
        },
    )
    build(settings_for(root))
    return root / "output"


def documents(out: Path) -> dict[str, Any]:
    return {
        "/" + p.relative_to(out).as_posix(): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((out / "api").rglob("*.json"))
        if "schemas" not in p.parts
    }


def schema_for(url: str) -> dict[str, Any]:
    kind = "index" if url == "/api/index.json" else url.split("/")[2].rstrip("s")
    return json.loads((api.SCHEMAS_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))


def test_the_api_has_one_document_per_public_thing(built: Path) -> None:
    assert set(documents(built)) == {
        "/api/index.json",
        "/api/menus/paranoid-seventies.json",
        "/api/menus/paranoid-remix.json",
        "/api/items/movie/the-conversation.json",
        "/api/items/book/the-crying-of-lot-49.json",
        "/api/curators/ada.json",
        "/api/curators/bruno.json",
    }


def test_every_document_validates_against_its_published_schema(built: Path) -> None:
    for url, document in documents(built).items():
        schema = schema_for(url)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(document)
        assert document["api_version"] == api.API_VERSION
        published = built / document["schema"].removeprefix(BASE)
        assert json.loads(published.read_text()) == schema, url


def _key_order(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> None:
    """Keys appear in the order the schema lists them, at every depth."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].split("/")[-1]]
    if isinstance(value, dict):
        choices = [schema] if "properties" in schema else schema.get("oneOf", schema.get("anyOf", []))
        for choice in choices:
            choice = root["$defs"][choice["$ref"].split("/")[-1]] if "$ref" in choice else choice
            if "properties" in choice and set(choice["properties"]) == set(value):
                assert list(value) == list(choice["properties"]), where
                for key, sub in value.items():
                    _key_order(sub, choice["properties"][key], root, f"{where}.{key}")
                return
        assert not choices, f"{where}: no schema lists the keys {list(value)}"
    elif isinstance(value, list) and "items" in schema:
        for n, sub in enumerate(value):
            _key_order(sub, schema["items"], root, f"{where}[{n}]")


def test_keys_come_in_schema_order_and_output_is_stable(built: Path, tmp_path: Path) -> None:
    for url, document in documents(built).items():
        schema = schema_for(url)
        _key_order(document, schema, schema, url)
    root = make_site(
        tmp_path, {"content/menus/secret-supper.md": DRAFT, "content/logs/ada.yaml": PRIVATE_LOG}
    )
    build(settings_for(root))
    again = root / "output" / "api"
    for path in sorted((built / "api").rglob("*.json")):
        assert (again / path.relative_to(built / "api")).read_bytes() == path.read_bytes()


def _links(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [link for v in value.values() for link in _links(v)]
    if isinstance(value, list):
        return [link for v in value for link in _links(v)]
    return [value] if isinstance(value, str) and value.startswith(BASE) else []


def test_links_are_absolute_and_api_links_resolve(built: Path) -> None:
    docs = documents(built)
    index = docs["/api/index.json"]
    assert {m["api"] for m in index["menus"]} == {
        BASE + "api/menus/paranoid-remix.json",
        BASE + "api/menus/paranoid-seventies.json",
    }
    for url, document in docs.items():
        assert ("api" in document) == (url != "/api/index.json")
        for link in _links(document):
            path = link.removeprefix(BASE)
            if path.startswith(("api/", "data/")):
                assert (built / path).is_file(), f"{url}: {link}"
            elif path.startswith(("menus/", "items/")) or path == "":
                assert (built / path / "index.html").is_file(), f"{url}: {link}"
    remix = docs["/api/menus/paranoid-remix.json"]
    assert remix["forked_from"]["api"] == BASE + "api/menus/paranoid-seventies.json"
    assert remix["courses"][0]["items"][0]["item"]["api"] == (BASE + "api/items/movie/the-conversation.json")
    assert remix["courses"][0]["items"][0]["annotation"] == "Watch it with *headphones*."
    movie = docs["/api/items/movie/the-conversation.json"]
    assert movie["attributes"]["directors"] == ["Francis Ford Coppola"]
    assert [m["menu"]["slug"] for m in movie["menus"]] == ["paranoid-remix", "paranoid-seventies"]


def test_no_private_value_or_draft_reaches_the_api(built: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (built / "api").rglob("*.json"))
    for secret in (*PLANTED, "password_hash", "private_notes", "email"):
        assert secret not in text, secret
    ada = documents(built)["/api/curators/ada.json"]
    assert [e["notes"] for e in ada["log"]] == ["Public start.", ""]
    assert ada["states"][0]["notes"] == "Great."


def test_the_sample_site_api_holds_no_private_value(tmp_path: Path) -> None:
    """Private values are read from the sample content itself, not written down here."""
    for name in ("content", "templates"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    build(settings_for(tmp_path))
    secrets = private_values(PROJECT / "content")
    assert all(secrets.values()), secrets
    text = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "output" / "api").rglob("*.json"))
    for kind, values in secrets.items():
        for value in values:
            assert (f"menus/{value}" if kind == "draft slugs" else value) not in text, (kind, value)
    validators = {
        kind: jsonschema.Draft202012Validator(schema_for(url))
        for kind, url in (
            ("index", "/api/index.json"),
            ("menus", "/api/menus/x.json"),
            ("items", "/api/items/x/y.json"),
            ("curators", "/api/curators/x.json"),
        )
    }
    docs = documents(tmp_path / "output")
    assert len(docs) > 40
    for url, doc in docs.items():
        validators["index" if url == "/api/index.json" else url.split("/")[2]].validate(doc)


def private_values(content: Path) -> dict[str, list[str]]:
    """Emails, private notes, private log entries and draft menus, as written in content files."""
    emails = [
        yaml.safe_load(p.read_text())["email"]
        for p in (content / "curators").glob("*.yaml")
        if "email" in yaml.safe_load(p.read_text())
    ]
    notes: list[str] = []
    for log in (content / "logs").glob("*.yaml"):
        data = yaml.safe_load(log.read_text())
        notes += [s["private_notes"] for s in data.get("states") or [] if s.get("private_notes")]
        notes += [e["note"] for e in data.get("entries") or [] if e.get("private") and e.get("note")]
    titles, slugs = [], []
    for menu in (content / "menus").glob("*.md"):
        meta = yaml.safe_load(menu.read_text().split("---")[1])
        if meta.get("status", "draft") == "draft":
            titles.append(meta["title"])
            slugs.append(meta.get("slug", menu.stem))
    return {"emails": emails, "notes": notes, "draft titles": titles, "draft slugs": slugs}
