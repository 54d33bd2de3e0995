"""A polite HTTP getter: requests spaced apart, growing retries on 429/5xx/timeouts, ``Retry-After`` honoured.

Each retry is logged (logger ``homog.corpus.harvest.polite``, level WARNING)
with the host, the failure and the wait, so a long wait is never silent.
"""
from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "homog (meta-research corpus harvester; https://github.com/) requests"
log = logging.getLogger(__name__)


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Spacing:
    """Keeps calls at least ``seconds`` apart on ``clock`` (longer when ``wait`` is given more); ``times`` lists
    when each call went ahead."""

    def __init__(self, seconds: float, clock: Clock | None = None):
        self.seconds = seconds
        self.clock = clock or SystemClock()
        self.times: list[float] = []

    def remaining(self, at_least: float = 0.0) -> float:
        """Seconds ``wait(at_least)`` would sleep now."""
        if not self.times:
            return 0.0
        return max(0.0, self.times[-1] + max(self.seconds, at_least) - self.clock.monotonic())

    def wait(self, at_least: float = 0.0) -> None:
        """Sleep until ``max(seconds, at_least)`` after the previous call, then note this one."""
        pause = self.remaining(at_least)
        if pause > 0:
            self.clock.sleep(pause)
        self.times.append(self.clock.monotonic())


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``max_attempts`` per request (429/5xx/timeouts), delays growing from ``delay_seconds``.

    Connection failures (host unreachable: DNS, refused, reset) get
    ``connect_attempts`` tries, so an offline machine fails fast.  An empty
    page in mid-results is asked ``empty_page_attempts`` times before it is
    believed.
    """

    delay_seconds: float = 3.0
    max_attempts: int = 5
    backoff: float = 2.0
    max_delay: float = 300.0
    timeout: float = 60.0
    connect_attempts: int = 2
    empty_page_attempts: int = 3

    def wait_before(self, attempt: int) -> float:
        """Extra wait before retry number ``attempt`` (2, 3, ...): delay x backoff^(attempt-2), capped."""
        return min(self.max_delay, self.delay_seconds * self.backoff ** (attempt - 2))


class RequestFailed(Exception):
    """A request that did not succeed: ``kind`` is ``rejected``, ``rate-limited``, ``failed`` or ``unreachable``."""

    def __init__(self, kind: str, detail: str, attempts: int, status: int | None = None):
        self.kind, self.detail, self.attempts, self.status = kind, detail, attempts, status
        super().__init__(f"{kind}: {detail} after {attempts} attempt{'s' * (attempts != 1)}")


def connection_cause(exc: BaseException) -> str:
    """The root of a failed connection in a few words: ``DNS lookup failed``, ``connection refused``, ..."""
    link = exc
    for _ in range(8):  # requests -> urllib3 -> socket: a few links deep
        if isinstance(link, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(link, OSError) and link.strerror:
            return link.strerror[:1].lower() + link.strerror[1:]
        inner = next((e for e in (getattr(link, "reason", None), link.__cause__, link.__context__, *link.args[:1])
                      if isinstance(e, BaseException)), None)
        if inner is None:
            break
        link = inner
    return str(link) or type(link).__name__


def unreachable_text(host: str, exc: BaseException) -> str:
    """``cannot reach HOST (connection failed: CAUSE)``."""
    return f"cannot reach {host} (connection failed: {connection_cause(exc)})"


def retry_after_seconds(value: str | None) -> float:
    """Seconds from a ``Retry-After`` header (a number or an HTTP date); 0 if absent or unreadable."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0


class PoliteGetter:
    """GET with at least ``policy.delay_seconds`` (never below ``floor``) between requests, and retries."""

    def __init__(self, policy: RetryPolicy = RetryPolicy(), *, clock: Clock | None = None,
                 session: requests.Session | None = None, floor: float = 0.0):
        if policy.delay_seconds < floor:
            raise ValueError(f"delay between requests must be at least {floor} s (got {policy.delay_seconds})")
        self.policy = policy
        self.clock = clock or SystemClock()
        self.session = session or requests.Session()
        self.spacing = Spacing(policy.delay_seconds, self.clock)

    @property
    def request_times(self) -> list[float]:
        """When each request (retries included) was sent, by ``clock``."""
        return self.spacing.times

    def get(self, url: str, params: dict[str, Any]) -> bytes:
        """The body of a 200 response; ``RequestFailed`` when retries are used up or the request is rejected."""
        host = urlsplit(url).hostname or url
        extra = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.spacing.wait(extra)
            limit, retry_after = self.policy.max_attempts, 0.0
            try:
                response = self.session.get(url, params=params, timeout=self.policy.timeout,
                                            headers={"User-Agent": USER_AGENT})
            except requests.Timeout:  # before ConnectionError: a connect timeout is both
                what, failure = "timed out", RequestFailed("failed", "timed out", attempt)
            except requests.ConnectionError as exc:
                what = f"connection failed ({connection_cause(exc)})"
                failure = RequestFailed("unreachable", unreachable_text(host, exc), attempt)
                limit = min(limit, self.policy.connect_attempts)
            else:
                status = response.status_code
                if status == 200:
                    return response.content
                if status not in RETRY_STATUSES:
                    raise RequestFailed("rejected", f"HTTP {status}", attempt, status)
                what = f"HTTP {status}"
                failure = RequestFailed("rate-limited" if status == 429 else "failed", what, attempt, status)
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if attempt >= limit:
                raise failure
            extra = max(self.policy.wait_before(attempt + 1), retry_after)
            log.warning("%s: %s, retry %d of %d in %.0f s", host, what, attempt, limit - 1,
                        self.spacing.remaining(extra))
