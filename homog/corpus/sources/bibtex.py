"""Reader for BibTeX files, through bibtexparser 2; LaTeX in fields becomes Unicode text (pylatexenc).

A bad entry never aborts the file: bibtexparser's failed blocks become
problems naming their line; a field that swallowed the next one because a
comma is missing (``author = {B.}`` newline ``title = {...}``) is split back
and reported; a repeated citation key is loaded under ``key#2`` when the
titles differ.  Entries without a year or abstract load with a warning.
"""
from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser import model

from homog.corpus.identity import looks_like_arxiv_id, normalize_title, parse_arxiv_id
from homog.corpus.record import Paper
from homog.corpus.sources._common import build_paper, open_text
from homog.corpus.sources.latex import latex_to_text
from homog.errors import HomogError, Problem

SOURCE = "bibtex"
_SWALLOWED = re.compile(r"^\{?(?P<value>.*?)\}?\s*\n\s*(?P<key>[A-Za-z][\w-]*)\s*=\s*[{\"]?(?P<rest>.*?)[}\"]?\s*$",
                        re.DOTALL)


def _recover_fields(entry: model.Entry) -> tuple[dict[str, str], list[str]]:
    """Field values by lower-case key, splitting fields that swallowed the next one; and the keys repaired."""
    fields: dict[str, str] = {}
    repaired: list[str] = []
    for field in entry.fields:
        value = str(field.value)
        match = _SWALLOWED.match(value) if "\n" in value else None
        if match and "=" in value:
            fields[field.key.lower()] = match.group("value").strip()
            fields.setdefault(match.group("key").lower(), match.group("rest").strip())
            repaired.append(field.key)
        else:
            fields[field.key.lower()] = _unenclose(value)
    return fields, repaired


def _unenclose(value: str) -> str:
    """``{text}`` or ``"text"`` -> ``text`` (blocks bibtexparser rejected keep their enclosing)."""
    value = value.strip()
    if len(value) >= 2 and (value[0], value[-1]) in {("{", "}"), ('"', '"')}:
        inner = value[1:-1]
        depth = 0
        for ch in inner:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth < 0:
                return value
        return inner if depth == 0 else value
    return value


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Raise a library logger to ERROR for one block."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [latex_to_text(name) or "" for name in re.split(r"\s+and\s+", value) if name.strip()]


_ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+)|\barXiv:\s*([^\s,;]+)", re.IGNORECASE)


def _arxiv_id_in_links(fields: dict[str, str]) -> str | None:
    """An arXiv id named by an entry's ``url`` (``https://arxiv.org/abs/1910.00888``) or by its journal
    (``arXiv preprint arXiv:1910.00888``), when it is a valid one."""
    for name in ("url", "journal", "note", "howpublished"):
        match = _ARXIV_LINK.search(fields.get(name) or "")
        if match:
            candidate = (match.group(1) or match.group(2)).removesuffix(".pdf")
            try:
                return parse_arxiv_id(candidate).id
            except HomogError:
                continue
    return None


def entry_to_paper(entry: model.Entry, *, source_id: str) -> tuple[Paper, list[str]]:
    """A BibTeX entry as a ``Paper`` plus the names of fields recovered from a missing comma."""
    fields, repaired = _recover_fields(entry)
    eprint = fields.get("eprint") or fields.get("arxivid")
    raw_id = eprint if eprint and looks_like_arxiv_id(eprint) else _arxiv_id_in_links(fields)
    venue = fields.get("journal") or fields.get("booktitle")
    paper = build_paper(
        source=SOURCE, raw_id=raw_id, doi=fields.get("doi"), title=latex_to_text(fields.get("title")),
        abstract=latex_to_text(fields.get("abstract")),
        abstract_missing=None if "abstract" in fields else "absent",
        year=fields.get("year"), date=None, authors=_authors(fields.get("author")),
        venue=latex_to_text(venue), source_id=source_id,
    )
    return paper, repaired


def read(path: Path, **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a ``.bib`` file (stray text between entries is ignored)."""
    path = Path(path)
    name = path.name
    with open_text(path) as handle:
        with _quiet("bibtexparser"):  # its parse warnings are reported below as Problems naming the entry
            library = bibtexparser.parse_string(handle.read())
    first_seen: dict[str, tuple[int, str]] = {}
    uses: dict[str, int] = {}
    for block in library.blocks:
        line = block.start_line + 1
        if isinstance(block, model.DuplicateBlockKeyBlock):
            block = block.ignore_error_block
        if isinstance(block, model.ParsingFailedBlock):
            yield Problem(name, f"line {line}", _failure_reason(block))
            continue
        if not isinstance(block, model.Entry):
            continue
        key = block.key
        uses[key] = uses.get(key, 0) + 1
        source_id = key if uses[key] == 1 else f"{key}#{uses[key]}"
        where = f"entry at line {line} '{key}'"
        try:
            paper, repaired = entry_to_paper(block, source_id=source_id)
        except HomogError as exc:
            yield Problem(name, where, exc.reason)
            continue
        for field in repaired:
            yield Problem(name, where, f"missing ',' after field '{field}'; recovered the next field", "warning")
        if key in first_seen:
            first_line, first_title = first_seen[key]
            same = normalize_title(first_title) == normalize_title(paper.title)
            verdict = "same title, merged" if same else "kept both, titles differ"
            yield Problem(name, where, f"duplicate BibTeX key '{key}' (lines {first_line} and {line}): {verdict}",
                          "warning")
        else:
            first_seen[key] = (line, paper.title or "")
        if paper.year is None:
            yield Problem(name, where, "excluded from time analysis (no year)", "warning")
        if paper.abstract is None:
            yield Problem(name, where, f"excluded from embedding (no abstract: {paper.abstract_missing})", "warning")
        yield paper


def _failure_reason(block: model.ParsingFailedBlock) -> str:
    raw = block.raw or ""
    if re.match(r"@\w+\s*\{\s*(?:\n|[A-Za-z][\w-]*\s*=)", raw):
        return "entry has no citation key; skipped"
    if raw.count("{") != raw.count("}"):
        return (f"malformed entry skipped (unbalanced braces: {raw.count('{')} opening, {raw.count('}')} closing; "
                "the entry ends where the next '@' begins)")
    message = str(block.error).strip().splitlines() or [type(block.error).__name__]
    return f"malformed entry skipped ({message[0]})"
