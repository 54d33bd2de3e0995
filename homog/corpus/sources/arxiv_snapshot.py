"""Reader for the Kaggle / OAI arXiv metadata snapshot (JSON lines), streamed line by line.

Date = first version's ``created`` (RFC 2822, UTC); title/abstract are the
snapshot's, i.e. the latest version's text (``text_version`` = highest version).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from homog.corpus.record import Paper, parse_date
from homog.corpus.sources._common import build_paper, open_text, split_authors
from homog.errors import HomogError, Problem

SOURCE = "arxiv-snapshot"


def category_matches(categories: list[str], wanted: Iterable[str]) -> bool:
    """True if any category equals a wanted one, or starts with it (``cs.`` or ``cs`` matches ``cs.LG``)."""
    for want in wanted:
        prefix = want if want.endswith(".") else want + "."
        if any(cat == want or cat.startswith(prefix) for cat in categories):
            return True
    return False


def _as_date(value: str | date | None) -> date | None:
    return parse_date(value) if value is not None else None


def record_to_paper(rec: dict[str, Any], *, source: str = SOURCE) -> Paper:
    """One snapshot record (already decoded) as a ``Paper``; raises ``HomogError`` if unidentifiable."""
    versions = rec.get("versions") or []
    numbers = [int(str(v.get("version", "")).lstrip("v")) for v in versions if str(v.get("version", "")).lstrip("v").isdigit()]
    created = versions[0].get("created") if versions else None
    parsed = rec.get("authors_parsed")
    if parsed:
        authors = [" ".join(part for part in (p[1], p[0], p[2] if len(p) > 2 else "") if part).strip() for p in parsed]
    else:
        authors = split_authors(rec.get("authors"))
    if rec.get("id") in (None, ""):
        raise HomogError("record has no 'id'")
    return build_paper(
        source=source, raw_id=str(rec["id"]), doi=rec.get("doi"), title=rec.get("title"),
        abstract=rec.get("abstract"), date=created, categories=(rec.get("categories") or "").split(),
        versions=numbers, text_version=max(numbers) if numbers else None, authors=authors,
        venue=rec.get("journal-ref"),
    )


def read(path: Path, *, categories: Iterable[str] | str | None = None, date_from: str | date | None = None,
         date_to: str | date | None = None, **_: Any) -> Iterator[Paper | Problem]:
    """Stream papers from a snapshot file, applying category and date filters while reading."""
    path = Path(path)
    wanted = [categories] if isinstance(categories, str) else list(categories or [])
    low, high = _as_date(date_from), _as_date(date_to)
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"line {line_no}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Problem(path.name, where, f"malformed JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(rec, dict):
                yield Problem(path.name, where, "not a JSON object")
                continue
            if wanted and not category_matches((rec.get("categories") or "").split(), wanted):
                continue
            try:
                paper = record_to_paper(rec)
            except (HomogError, ValueError, TypeError, AttributeError) as exc:
                yield Problem(path.name, where, getattr(exc, "reason", str(exc)))
                continue
            if (low or high) and (paper.date is None or (low and paper.date < low.isoformat())
                                  or (high and paper.date > high.isoformat())):
                continue
            yield paper
