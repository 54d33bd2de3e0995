"""A polite HTTP getter: requests spaced apart, growing retries on 429/5xx/timeouts, ``Retry-After`` honoured."""
from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "homog (meta-research corpus harvester; https://github.com/) requests"


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

    def wait(self, at_least: float = 0.0) -> None:
        """Sleep until ``max(seconds, at_least)`` after the previous call, then note this one."""
        if self.times:
            due = self.times[-1] + max(self.seconds, at_least)
            now = self.clock.monotonic()
            if due > now:
                self.clock.sleep(due - now)
        self.times.append(self.clock.monotonic())


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``max_attempts`` per request (429/5xx/timeouts), delays growing from ``delay_seconds``.

    Connection failures (host unreachable) get ``connect_attempts`` tries, so
    an offline machine fails fast.  An empty page in mid-results is asked
    ``empty_page_attempts`` times before it is believed.
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
        extra = 0.0
        failure = ("failed", "no attempt", None)
        attempt = 0
        while attempt < self.policy.max_attempts:
            attempt += 1
            self.spacing.wait(extra)
            try:
                response = self.session.get(url, params=params, timeout=self.policy.timeout,
                                            headers={"User-Agent": USER_AGENT})
            except requests.Timeout:
                failure, extra = ("failed", "timed out", None), self.policy.wait_before(attempt + 1)
                continue
            except requests.ConnectionError as exc:
                failure, extra = ("unreachable", f"could not connect ({type(exc).__name__})", None), \
                    self.policy.wait_before(attempt + 1)
                if attempt >= self.policy.connect_attempts:
                    break
                continue
            status = response.status_code
            if status == 200:
                return response.content
            if status in RETRY_STATUSES:
                kind = "rate-limited" if status == 429 else "failed"
                failure = (kind, f"HTTP {status}", status)
                extra = max(self.policy.wait_before(attempt + 1), retry_after_seconds(response.headers.get("Retry-After")))
                continue
            raise RequestFailed("rejected", f"HTTP {status}", attempt, status)
        kind, detail, status = failure
        raise RequestFailed(kind, detail, attempt, status)
