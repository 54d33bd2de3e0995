"""Loopback HTTP servers that play recorded scripts (arXiv API, OpenAlex), a fake clock and a kill hook."""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeClock:
    """A clock whose sleeps advance time instantly (so a test checks spacing without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Killed(Exception):
    """What a ``kill_on_page`` hook raises: the harvest dies right after a page was stored."""


def kill_on_page(n: int) -> Callable[[Any], None]:
    """An ``on_page`` hook that raises ``Killed`` on the ``n``-th page."""
    pages = 0

    def hook(outcome: Any) -> None:
        nonlocal pages
        pages += 1
        if pages == n:
            raise Killed

    return hook


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1; every GET is answered by ``answer(path)`` -> (status, headers, body).
    ``url`` is the server's address plus ``url_path``.  Use as a context manager."""

    def __init__(self, url_path: str = ""):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, headers, body = outer.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{url_path}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ScriptServer(LoopbackServer):
    """Answers ``GET /api/query`` from ``script[(query, start)]``: a list of responses served in order, the last
    one repeated.  A response is a dict with ``status`` and optional ``body`` (file name in ``folder``),
    ``body_text`` and ``headers``.  ``requests`` lists (query, start) of every request received."""

    def __init__(self, script: dict[tuple[str, int], list[dict]], folder: Path | None):
        super().__init__("/api/query")
        self.script, self.folder = script, folder
        self.served: dict[tuple[str, int], int] = defaultdict(int)
        self.requests: list[tuple[str, int]] = []

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        params = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        query = params.get("search_query") or f"id_list={params.get('id_list', '')}"
        key = (query, int(params.get("start", 0)))
        self.requests.append(key)
        answers = self.script.get(key, [{"status": 404, "body_text": "not scripted"}])
        answer = answers[min(self.served[key], len(answers) - 1)]
        self.served[key] += 1
        if "body" in answer:
            body = (self.folder / answer["body"]).read_bytes()
        else:
            body = answer.get("body_text", "").encode()
        return answer["status"], answer.get("headers", {}), body
