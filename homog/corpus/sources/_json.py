"""What every JSON-based reader shares: turning (where, decoded record) pairs into papers and problems."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from homog.corpus.record import Paper
from homog.errors import HomogError, Problem


def json_error_reason(exc: json.JSONDecodeError) -> str:
    """``malformed JSON (Expecting ',' delimiter at column 12)``."""
    return f"malformed JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"


def decode_lines(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """(``line N``, decoded value or the JSONDecodeError) for every non-blank line of JSON lines."""
    for line_no, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield f"line {line_no}", json.loads(line.rstrip())  # an error's column is then on this line
            except json.JSONDecodeError as exc:
                yield f"line {line_no}", exc


def papers_from_records(name: str, records: Iterable[tuple[str, Any]], to_paper: Callable[[dict[str, Any]], Paper],
                        ) -> Iterator[Paper | Problem]:
    """A Paper per decodable JSON object; a Problem naming the line or item for anything else."""
    for where, rec in records:
        if isinstance(rec, json.JSONDecodeError):
            yield Problem(name, where, json_error_reason(rec))
        elif not isinstance(rec, dict):
            yield Problem(name, where, "not a JSON object")
        else:
            try:
                yield to_paper(rec)
            except HomogError as exc:
                label = f"{where} ({rec['id']})" if isinstance(rec.get("id"), str) and rec.get("id") else where
                yield Problem(name, label, exc.reason)
