"""`omakase share`: unguessable, stable, expiring, revocable links to drafts, and nowhere else."""

from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.sitekit import MENU, make_site, write

TOKEN = re.compile(r"/share/([A-Za-z0-9_-]{43})/")
DAY = 86400
EPOCH = 1795651200  # the tests' clock, see conftest.py


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr together


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OMAKASE_SHARE_SECRET", raising=False)
    draft = MENU.format(title="Secret Draft Menu", curator="ada", status="draft", extra="")
    return make_site(tmp_path / "site", {"content/menus/secret-draft.md": draft})


def _share(root: Path, *extra: str) -> str:
    code, out = run("share", "secret-draft", "--root", str(root), *extra)
    assert code == 0, out
    match = TOKEN.search(out)
    assert match, out
    return match.group(1)


def _files_mentioning(root: Path, needle: str) -> list[str]:
    return sorted(
        str(p.relative_to(root / "output"))
        for p in (root / "output").rglob("*")
        if p.is_file() and needle.encode() in p.read_bytes()
    )


def test_draft_is_built_only_at_its_share_link(site: Path) -> None:
    code, out = run("share", "secret-draft", "--days", "7", "--root", str(site))
    assert code == 0 and "the token needs the secret in data/secret.key" in out
    token = TOKEN.findall(out)[0]
    secret = site / "data/secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    record = (site / "data/shares.yaml").read_text()
    assert "menu: secret-draft" in record and token not in record
    assert "expires: '2026-12-03T00:00:00Z'" in record

    code, out = run("build", "--root", str(site))
    assert code == 0, out
    page = site / f"output/share/{token}/index.html"
    html = page.read_text()
    assert "Secret Draft Menu" in html and '<meta name="robots" content="noindex">' in html
    assert "../../items/movie/the-conversation/index.html" in html  # links work from /share/
    # It says what it is, as a note assistive technology announces, dated like the site.
    banner = re.search(
        r'<div class="share-banner" role="note" aria-label="Draft preview">(.*?)</div>', html, re.S
    )
    assert banner, html
    assert "Draft preview</strong> — shared until" in banner.group(1)
    assert '<time datetime="2026-12-03">3 December 2026</time>' in banner.group(1)
    # Nowhere else: not its own URL, no listing, no feed, no sitemap, no search data.
    assert _files_mentioning(site, "Secret Draft Menu") == [f"share/{token}/index.html"]
    assert set(_files_mentioning(site, token)) <= {f"share/{token}/index.html"}
    assert not (site / "output/menus/secret-draft").exists()
    conn = sqlite3.connect(site / "data/omakase.sqlite")
    assert conn.execute("SELECT token, expires_at, revoked FROM menu_share_tokens").fetchall() == [
        (token, "2026-12-03T00:00:00Z", 0)
    ]

    # Stable across rebuilds.
    assert run("build", "--root", str(site))[0] == 0
    assert page.is_file()
    code, out = run("share", "--list", "--root", str(site))
    assert code == 0 and "active" in out and f"/share/{token}/" in out


def test_tokens_need_the_secret(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _share(site)
    (site / "data/secret.key").rename(site / "elsewhere.key")  # a fresh clone in CI
    code, out = run("build", "--root", str(site))
    assert code == 0, out
    assert "data/shares.yaml: warning: 1 share link not built: no share secret" in out
    assert not (site / "output/share").exists()
    code, out = run("share", "--list", "--root", str(site))
    assert "token unknown here" in out and token not in out

    monkeypatch.setenv("OMAKASE_SHARE_SECRET", (site / "elsewhere.key").read_text().strip())
    assert run("build", "--root", str(site))[0] == 0
    assert (site / f"output/share/{token}/index.html").is_file()
    monkeypatch.setenv("OMAKASE_SHARE_SECRET", "another secret")
    assert run("build", "--root", str(site))[0] == 0
    other = [p.name for p in (site / "output/share").iterdir()]
    assert len(other) == 1 and other[0] != token and len(other[0]) == 43


def test_expired_and_revoked_links_are_not_built(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _share(site, "--days", "3")
    second = _share(site, "--days", "30")
    assert first != second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH + 4 * DAY))
    assert run("build", "--root", str(site))[0] == 0
    assert sorted(p.name for p in (site / "output/share").iterdir()) == [second]
    code, out = run("share", "--list", "--root", str(site))
    assert re.search(r"expired\s+secret-draft", out) and re.search(r"active\s+secret-draft", out)

    code, out = run("share", "--revoke", second, "--root", str(site))
    assert code == 0 and "Revoked secret-draft" in out
    assert run("build", "--root", str(site))[0] == 0
    assert not (site / "output/share").exists()
    assert re.search(r"revoked\s+secret-draft", run("share", "--list", "--root", str(site))[1])
    code, out = run("share", "--revoke", second, "--root", str(site))
    assert code == 1 and "no active share link matches" in out


def test_only_drafts_are_shared(site: Path) -> None:
    code, out = run("share", "paranoid-seventies", "--root", str(site))
    assert code == 1 and "is published, not a draft" in out
    code, out = run("share", "secret-drfat", "--root", str(site))
    assert code == 1 and "did you mean 'secret-draft'" in out
    code, out = run("share", "--root", str(site))
    assert code == 2 and "give a menu SLUG" in out
    token = _share(site)
    published = MENU.format(title="Secret Draft Menu", curator="ada", status="published", extra="")
    write(site, {"content/menus/secret-draft.md": published})
    code, out = run("build", "--root", str(site))
    assert code == 0 and "is published; its share link is not built" in out
    assert not (site / f"output/share/{token}").exists()
    assert (site / "output/menus/secret-draft/index.html").is_file()
    code, out = run("share", "--list", "--root", str(site))
    assert code == 0 and re.search(r"^published\s+secret-draft ", out, re.M), out
    assert "active" not in out


def test_the_banner_is_only_on_share_pages(site: Path) -> None:
    token = _share(site)
    assert run("build", "--root", str(site))[0] == 0
    assert "share-banner" in (site / f"output/share/{token}/index.html").read_text()
    assert _files_mentioning(site, "share-banner") == [f"share/{token}/index.html", "style.css"]


def test_a_broken_share_record_is_a_located_error(site: Path) -> None:
    write(
        site,
        {
            "data/shares.yaml": "shares:\n  - menu: secret-draft\n    id: x\n"
            "  - menu: gone\n    id: y\n    created: 2026-11-01T00:00:00Z\n"
            "    expires: 2026-12-01T00:00:00Z\n"
        },
    )
    code, out = run("check", "--root", str(site))
    assert code == 1
    assert "data/shares.yaml:2: error: malformed share record" in out
    assert "data/shares.yaml:4: error: share of unknown menu 'gone'" in out
