"""A polite HTTP client for upstream catalogues: User-Agent, timeouts, retries, rate limits.

Built on urllib from the standard library: the importers make a handful of GET requests,
which does not justify another dependency.
"""

from __future__ import annotations

import email.utils
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from generator import __version__
from generator.errors import BuildError

DEFAULT_CONTACT = "https://menus.example.org/"


def user_agent(contact: str = DEFAULT_CONTACT) -> str:
    """A descriptive User-Agent with a contact URL, as MusicBrainz and Wikimedia ask for."""
    return f"Omakase/{__version__} (static menu site generator; +{contact})"


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0


class FetchError(BuildError):
    """An upstream record could not be fetched; says which URL and why."""


@dataclass(frozen=True)
class Body:
    """A response body as bytes, with the content type the server declared (lower case)."""

    data: bytes
    content_type: str
    charset: str | None = None


def _read_limited(response: Any, url: str, max_bytes: int | None) -> bytes:
    """The whole body, or a FetchError as soon as it is known to exceed `max_bytes`."""
    if max_bytes is None:
        return bytes(response.read())
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"{url}: the response is {int(declared)} bytes, more than the {max_bytes} bytes allowed"
        )
    data = bytes(response.read(max_bytes + 1))
    if len(data) > max_bytes:
        raise FetchError(f"{url}: the response is more than the {max_bytes} bytes allowed")
    return data


@dataclass
class HttpClient:
    """GET with retries. `min_interval` is the per-source rate limit, in seconds between requests.

    `sleep` and `clock` are parameters so tests can check the waiting without waiting."""

    timeout: float = 20.0
    retries: int = 4
    backoff: float = 1.0
    user_agent: str = field(default_factory=user_agent)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    last_request: dict[str, float] = field(default_factory=dict)

    def get(
        self, url: str, *, source: str, min_interval: float = 0.0, headers: Mapping[str, str] | None = None
    ) -> str:
        """The response body as text. Raises FetchError naming the URL after the last retry."""
        body = self.get_bytes(
            url,
            source=source,
            min_interval=min_interval,
            headers={"Accept": "application/json", **(headers or {})},
        )
        return body.data.decode(body.charset or "utf-8", errors="replace")

    def get_bytes(
        self,
        url: str,
        *,
        source: str,
        min_interval: float = 0.0,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> Body:
        """The response body as bytes with its content type. A body over `max_bytes` is a
        FetchError, found before it is all read (images are fetched with a limit)."""
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **(headers or {})})
        return self._send(request, source, min_interval, max_bytes)

    def post(
        self, url: str, body: bytes, *, source: str, min_interval: float = 0.0, headers: Mapping[str, str]
    ) -> str:
        """POST `body` (IGDB takes its queries so); the JSON response as text."""
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"User-Agent": self.user_agent, "Accept": "application/json", **headers},
        )
        answer = self._send(request, source, min_interval, None)
        return answer.data.decode(answer.charset or "utf-8", errors="replace")

    def _send(
        self, request: urllib.request.Request, source: str, min_interval: float, max_bytes: int | None
    ) -> Body:
        """The request's response, retried on network errors and the RETRY_STATUSES."""
        url = request.full_url
        attempt = 0
        while True:
            self._respect_rate_limit(source, min_interval)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    data = _read_limited(response, url, max_bytes)
                    info = response.headers
                    return Body(data, info.get_content_type(), info.get_content_charset())
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUSES or attempt >= self.retries:
                    raise FetchError(f"{shown(url)}: HTTP {exc.code} {exc.reason}") from None
                wait = retry_after(exc.headers.get("Retry-After"), self._now_wall())
                if wait is None:
                    wait = self.backoff * (2**attempt)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt >= self.retries:
                    reason = getattr(exc, "reason", exc)
                    raise FetchError(f"{shown(url)}: {reason}") from None
                wait = self.backoff * (2**attempt)
            attempt += 1
            self.sleep(min(wait, MAX_RETRY_AFTER))

    def _respect_rate_limit(self, source: str, min_interval: float) -> None:
        now = self.clock()
        last = self.last_request.get(source)
        if last is not None and min_interval > 0:
            gap = now - last
            if gap < min_interval:
                self.sleep(min_interval - gap)
                now = last + min_interval
        self.last_request[source] = now

    @staticmethod
    def _now_wall() -> datetime:
        return datetime.now(tz=UTC)


_SECRET_PARAM = re.compile(r"((?:api_)?key|token|secret)=[^&#]*", re.IGNORECASE)


def shown(url: str) -> str:
    """The URL as messages print it: a key, token or secret in the query is masked."""
    return _SECRET_PARAM.sub(r"\1=…", url)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
