"""A loopback HTTP server that plays a recorded arXiv API script (bodies, statuses, headers), and a fake clock."""
from __future__ import annotations

import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


class FakeClock:
    """A clock whose sleeps advance time instantly (so a test checks spacing without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ScriptServer:
    """Answers ``GET /api/query`` from ``script[(query, start)]``: a list of responses served in order, the last
    one repeated.  A response is a dict with ``status`` and optional ``body`` (file name in ``folder``),
    ``body_text`` and ``headers``.  ``requests`` lists (query, start) of every request received."""

    def __init__(self, script: dict[tuple[str, int], list[dict]], folder: Path):
        self.script, self.folder = script, folder
        self.served: dict[tuple[str, int], int] = defaultdict(int)
        self.requests: list[tuple[str, int]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                query = params.get("search_query") or f"id_list={params.get('id_list', '')}"
                key = (query, int(params.get("start", 0)))
                outer.requests.append(key)
                answers = outer.script.get(key, [{"status": 404, "body_text": "not scripted"}])
                answer = answers[min(outer.served[key], len(answers) - 1)]
                outer.served[key] += 1
                if "body" in answer:
                    body = (outer.folder / answer["body"]).read_bytes()
                else:
                    body = answer.get("body_text", "").encode()
                self.send_response(answer["status"])
                for name, value in answer.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ScriptServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
