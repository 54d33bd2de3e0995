"""Choose a reader for a file by its content (first bytes), not only its extension."""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from homog.corpus.sources import arxiv_atom, arxiv_snapshot, bibtex, csv_table, jsonl_records, oai_pmh, openalex, ris
from homog.corpus.sources._common import open_binary
from homog.errors import HomogError

READERS: dict[str, Callable[..., Iterable[Any]]] = {
    "arxiv_atom": arxiv_atom.read,
    "oai_pmh": oai_pmh.read,
    "arxiv_snapshot": arxiv_snapshot.read,
    "jsonl_records": jsonl_records.read,
    "csv_table": csv_table.read,
    "wos_tab": csv_table.read_wos_tab,
    "openalex": openalex.read,
    "bibtex": bibtex.read,
    "ris": ris.read_ris,
    "wos": ris.read_wos,
}
_SNIFF_BYTES = 8192
_BIB_ENTRY = re.compile(r"^\s*@\w+\s*[{(]", re.MULTILINE)
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)
_WOS_START = re.compile(r"^(?:FN |VR |PT [A-Z]\s*$)", re.MULTILINE)
_OPENALEX = ('"abstract_inverted_index"', '"https://openalex.org/W')


def _first_json_line(path: Path, tries: int = 20) -> dict[str, Any] | None:
    """The first JSON object among the first ``tries`` non-blank lines (a broken first line is one record's
    problem, not the file's)."""
    with open_binary(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                value = json.loads(line.decode("utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                value = None
            if isinstance(value, dict):
                return value
            tries -= 1
            if tries == 0:
                return None
    return None


def detect_reader(path: str | Path) -> str:
    """Name of the reader (a key of ``READERS``) for this file; ``HomogError`` if the format is unknown."""
    path = Path(path)
    try:
        with open_binary(path) as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise HomogError(f"cannot read file ({exc.strerror or exc})", file=str(path)) from exc
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = head.decode("utf-16" if utf16 else "utf-8-sig", errors="replace").lstrip()
    if not text:
        raise HomogError("empty file", file=str(path))
    if text.startswith("<"):
        if "<feed" in text:
            return "arxiv_atom"
        if "<OAI-PMH" in text:
            return "oai_pmh"
        raise HomogError("XML that is neither an Atom feed nor an OAI-PMH response", file=str(path))
    if text.startswith(("[", "{")) and any(marker in text for marker in _OPENALEX):
        return "openalex"
    if text.startswith("["):
        return "jsonl_records"
    if text.startswith("{"):
        first = _first_json_line(path)
        if first is None:
            raise HomogError("starts like JSON but none of its first 20 lines is a JSON object", file=str(path))
        return "arxiv_snapshot" if "versions" in first and "authors_parsed" in first else "jsonl_records"
    first_line = text.splitlines()[0] if text else ""
    if _RIS_START.search(text):
        return "ris"
    if _WOS_START.match(text):
        return "wos"
    if "\t" in first_line and {"PT", "TI", "UT"} <= set(first_line.split("\t")):
        return "wos_tab"
    if path.suffix.lower() == ".bib" or _BIB_ENTRY.search(text):
        return "bibtex"
    if "," in first_line or path.suffix.lower() in {".csv", ".tsv"}:
        return "csv_table"
    raise HomogError("unknown file format (expected CSV, JSON lines, OpenAlex JSON, BibTeX, RIS, Web of Science, "
                     "arXiv Atom or OAI-PMH XML)", file=str(path))
