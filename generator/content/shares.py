"""Share links for draft menus: records in data/shares.yaml, tokens from a secret kept out of git.

A token is HMAC-SHA256(secret, menu + record id), so it is unguessable without the secret,
the same on every rebuild, and the record committed to git reveals nothing. The secret is
OMAKASE_SHARE_SECRET, else data/secret.key (git-ignored). Without it, share pages are not
built and the build says so in a warning."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
from datetime import UTC, datetime
from typing import Any

from generator.content.files import load_yaml_file, not_regular, special_file
from generator.content.model import Share
from generator.content.yamlsource import LocDict, LocList
from generator.errors import ContentError, Problem
from generator.settings import Config

SHARES_FILE = "shares.yaml"
SECRET_FILE = "secret.key"
SECRET_ENV = "OMAKASE_SHARE_SECRET"
DEFAULT_DAYS = 14
HEADER = """\
# Share links for draft menus, written by `omakase share`. Commit this file.
# Tokens are not stored here: each is derived from a record and the site's secret
# (OMAKASE_SHARE_SECRET, or data/secret.key which git ignores), so this file reveals none.
"""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def share_clock() -> datetime:
    """Expiry is about real time: SOURCE_DATE_EPOCH when set (tests, reproducible runs), else now.

    Not the build clock, which may be the last commit's time: a link must not outlive its
    expiry because nothing was committed since."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def read_secret(settings: Config) -> bytes | None:
    """The share secret, or None when the site has none (e.g. CI without the secret set)."""
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        return from_env.encode("utf-8")
    path = settings.data_dir / SECRET_FILE
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    what = not_regular(mode)
    if what and not stat.S_ISLNK(mode):  # a pipe would make every build wait for a writer
        raise special_file(
            str(path.relative_to(settings.root)) if path.is_relative_to(settings.root) else str(path), what
        )
    if not what:
        text = path.read_text(encoding="utf-8").strip()
        return text.encode("utf-8") if text else None
    return None


def ensure_secret(settings: Config) -> tuple[bytes, str]:
    """The secret and where it lives, creating data/secret.key (mode 600) when there is none."""
    path = settings.data_dir / SECRET_FILE
    shown = str(path.relative_to(settings.root)) if path.is_relative_to(settings.root) else str(path)
    secret = read_secret(settings)
    if secret is not None:
        return secret, SECRET_ENV if os.environ.get(SECRET_ENV, "").strip() else shown
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    return read_secret(settings) or b"", shown


def make_token(secret: bytes, menu: str, share_id: str) -> str:
    """43 URL-safe characters (256 bits); only someone with the secret can compute it."""
    digest = hmac.new(secret, f"omakase-share:{menu}:{share_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


# --- reading (the loader's side) -------------------------------------------------------------


def load_shares(settings: Config, display: str, problems: list[Problem]) -> list[Share]:
    """Every record of data/shares.yaml, each with its location; malformed ones are problems."""
    path = settings.data_dir / SHARES_FILE
    if not path.exists():
        return []
    try:
        data = load_yaml_file(path, display, settings.max_file_bytes)
    except ContentError as exc:
        problems.append(exc.problem)
        return []
    entries = data.get("shares")
    if entries is None:
        return []
    if not isinstance(entries, LocList):
        problems.append(Problem(display, data.line_of("shares"), "'shares' must be a list"))
        return []
    out, seen = [], set()
    for index, entry in enumerate(entries):
        line = entries.line_of(index)
        if not isinstance(entry, LocDict):
            problems.append(Problem(display, line, "each share must be a mapping of fields"))
            continue
        fields = {k: entry.get(k) for k in ("menu", "id", "created", "expires", "revoked")}
        unknown = set(entry) - set(fields)
        if unknown:
            problems.append(
                Problem(
                    display,
                    line,
                    f"unknown share field {sorted(unknown)[0]!r}",
                    "fields: menu, id, created, expires, revoked",
                )
            )
            continue
        created, expires = _stamp(fields["created"]), _stamp(fields["expires"])
        if (
            not all(isinstance(fields[k], str) and fields[k] for k in ("menu", "id"))
            or created is None
            or expires is None
            or not isinstance(fields["revoked"], bool | None)
        ):
            problems.append(
                Problem(display, line, "malformed share record", "re-issue it with `omakase share SLUG`")
            )
            continue
        if fields["id"] in seen:
            problems.append(Problem(display, line, f"share id {fields['id']!r} is used twice"))
            continue
        seen.add(fields["id"])
        out.append(
            Share(
                menu=str(fields["menu"]),
                id=str(fields["id"]),
                created=created,
                expires=expires,
                revoked=bool(fields["revoked"]),
                path=display,
                line=line,
            )
        )
    return out


def _stamp(value: Any) -> str | None:
    if isinstance(value, datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, str) and parse_iso(value):
        return value
    return None


def live_shares(
    settings: Config, shares: list[Share], menus: dict[str, Any], problems: list[Problem]
) -> list[Share]:
    """The shares to build: tokens derived, expired ones dropped, odd ones reported."""
    now = iso(share_clock())
    live = []
    for share in shares:
        menu = menus.get(share.menu)
        if menu is None:
            problems.append(
                Problem(
                    share.path,
                    share.line,
                    f"share of unknown menu {share.menu!r}",
                    "revoke it with `omakase share --revoke` or restore the menu",
                )
            )
            continue
        if share.expires <= now or share.revoked:
            continue
        if menu.status != "draft":
            problems.append(
                Problem(
                    share.path,
                    share.line,
                    f"menu {share.menu!r} is published; its share link is not built",
                    "revoke the link: the menu has its public URL now",
                    severity="warning",
                )
            )
            continue
        live.append(share)
    if not live:
        return []
    try:
        secret = read_secret(settings)
    except ContentError as exc:
        problems.append(exc.problem)
        return []
    if secret is None:
        problems.append(
            Problem(
                share_display(settings),
                None,
                f"{len(live)} share link{'s' if len(live) != 1 else ''} not built: no share secret",
                f"set {SECRET_ENV}, or keep data/{SECRET_FILE} from the machine that issued them",
                severity="warning",
            )
        )
        return []
    for share in live:
        share.token = make_token(secret, share.menu, share.id)
    return live


def share_display(settings: Config) -> str:
    path = settings.data_dir / SHARES_FILE
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)
