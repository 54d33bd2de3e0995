"""Corpus specifications: a small TOML file naming sources, queries, categories, a date window and a size limit.

Example (``corpora/cs-lg-decade.toml``)::

    name = "cs-lg-decade"
    max_papers = 20000
    [[source]]
    kind = "arxiv-api"          # arxiv-api | arxiv-oai | openalex | file
    query = "cat:cs.LG"
    date_from = 2015-01-01
    date_to = 2024-12-31
    window_months = 6           # one query per window keeps each under the API's paging limits
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from homog.errors import HomogError

KINDS = ("arxiv-api", "arxiv-oai", "openalex", "file")
_SOURCE_KEYS = {"kind", "query", "categories", "date_from", "date_to", "window_months", "max_results", "path",
                "set", "filter", "base_url", "page_size", "delay_seconds", "columns", "defaults"}


@dataclass(frozen=True)
class SourceSpec:
    """One source of a corpus."""

    kind: str
    query: str = ""
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    window_months: int = 12
    max_results: int | None = None
    path: str | None = None
    set: str | None = None
    filter: dict[str, Any] = field(default_factory=dict)
    base_url: str | None = None
    page_size: int | None = None
    delay_seconds: float = 3.0
    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CorpusSpec:
    """A corpus: its name, sources and overall size limit (``max_papers``)."""

    name: str
    path: str
    sources: tuple[SourceSpec, ...]
    max_papers: int | None = None
    description: str = ""

    @property
    def harvest_key(self) -> str:
        return f"spec:{self.name}"


def _date(value: Any, where: str, file: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise HomogError(f"{where}: '{value}' is not a date (YYYY-MM-DD)", file=file) from None


def load_spec(path: str | Path) -> CorpusSpec:
    """Read and validate a corpus specification; ``HomogError`` naming the file and the bad setting."""
    path = Path(path)
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HomogError("corpus specification not found", file=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise HomogError(f"not valid TOML ({exc})", file=name) from exc
    raw_sources = data.get("source") or []
    if not isinstance(raw_sources, list) or not raw_sources:
        raise HomogError("no [[source]] tables; a corpus needs at least one source", file=name)
    sources = []
    for index, raw in enumerate(raw_sources, start=1):
        where = f"source {index}"
        unknown = set(raw) - _SOURCE_KEYS
        if unknown:
            raise HomogError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}", file=name)
        kind = raw.get("kind")
        if kind not in KINDS:
            raise HomogError(f"{where}: kind '{kind}' is not one of {', '.join(KINDS)}", file=name)
        if kind == "file" and not raw.get("path"):
            raise HomogError(f"{where}: a file source needs 'path'", file=name)
        if kind == "arxiv-api" and not (raw.get("query") or raw.get("categories")):
            raise HomogError(f"{where}: an arxiv-api source needs 'query' or 'categories'", file=name)
        low, high = _date(raw.get("date_from"), where, name), _date(raw.get("date_to"), where, name)
        if low and high and low > high:
            raise HomogError(f"{where}: date_from {low} is after date_to {high}", file=name)
        if raw.get("delay_seconds", 3.0) < 3.0:
            raise HomogError(f"{where}: delay_seconds must be at least 3 (arXiv's terms of use)", file=name)
        for table in ("filter", "columns", "defaults"):
            if not isinstance(raw.get(table, {}), dict):
                raise HomogError(f"{where}: '{table}' must be a table, e.g. {table} = {{ ... }}", file=name)
        if kind != "file" and (raw.get("columns") or raw.get("defaults")):
            raise HomogError(f"{where}: 'columns' and 'defaults' apply to file sources only", file=name)
        categories = raw.get("categories") or []
        sources.append(SourceSpec(
            kind=kind, query=raw.get("query", ""), categories=tuple([categories] if isinstance(categories, str)
                                                                    else categories),
            date_from=low, date_to=high, window_months=int(raw.get("window_months", 12)),
            max_results=raw.get("max_results"), path=raw.get("path"), set=raw.get("set"),
            filter=dict(raw.get("filter") or {}), base_url=raw.get("base_url"), page_size=raw.get("page_size"),
            delay_seconds=float(raw.get("delay_seconds", 3.0)),
            columns={str(k): str(v) for k, v in (raw.get("columns") or {}).items()},
            defaults=dict(raw.get("defaults") or {}),
        ))
    return CorpusSpec(name=str(data.get("name") or path.stem), path=name, sources=tuple(sources),
                      max_papers=data.get("max_papers"), description=str(data.get("description", "")))


def arxiv_query(source: SourceSpec) -> str:
    """The API query of an arxiv-api source: its query AND any of its categories."""
    cats = " OR ".join(f"cat:{c}" for c in source.categories)
    parts = [p for p in (source.query, f"({cats})" if len(source.categories) > 1 else cats) if p]
    return " AND ".join(f"({p})" if " " in p and len(parts) > 1 and not p.startswith("(") else p for p in parts)


def month_windows(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """Consecutive windows of ``months`` calendar months covering ``start``..``end``."""
    from datetime import timedelta

    windows = []
    low = start
    while low <= end:
        month = low.month - 1 + months
        nxt = date(low.year + month // 12, month % 12 + 1, 1)
        high = min(end, nxt - timedelta(days=1))
        windows.append((low, high))
        low = high + timedelta(days=1)
    return windows
