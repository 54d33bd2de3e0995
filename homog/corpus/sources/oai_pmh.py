"""Reader for arXiv OAI-PMH ``ListRecords`` responses with ``metadataPrefix=arXivRaw`` (streamed with iterparse).

Date = version v1's date; title/abstract are the record's, i.e. the latest
version's.  The page's ``resumptionToken`` is exposed on the returned reader
(``ListRecordsReader.resumption_token``) once it has been iterated, so a
harvester can ask for the next page.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from homog.corpus.record import Paper
from homog.corpus.sources._common import build_paper, open_binary, split_authors
from homog.errors import HomogError, Problem

SOURCE = "arxiv-oai"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"


def _text(elem: Any, tag: str) -> str | None:
    found = elem.find(RAW + tag)
    return found.text if found is not None else None


def record_to_paper(raw: Any) -> Paper:
    """One ``<arXivRaw>`` element as a ``Paper``."""
    versions = []
    for version in raw.iterfind(RAW + "version"):
        number = (version.get("version") or "").lstrip("v")
        if number.isdigit():
            versions.append((int(number), version.findtext(RAW + "date")))
    versions.sort()
    first = next((d for n, d in versions if n == 1), versions[0][1] if versions else None)
    numbers = [n for n, _ in versions]
    return build_paper(
        source=SOURCE, raw_id=_text(raw, "id"), doi=_text(raw, "doi"), title=_text(raw, "title"),
        abstract=_text(raw, "abstract"), date=first, categories=(_text(raw, "categories") or "").split(),
        versions=numbers, text_version=max(numbers) if numbers else None,
        authors=split_authors(_text(raw, "authors")), venue=_text(raw, "journal-ref"),
    )


class ListRecordsReader:
    """Iterable over one ListRecords page; ``resumption_token`` is set after iteration (None if last page)."""

    def __init__(self, source: Path | bytes, name: str | None = None):
        self.source = source if isinstance(source, bytes) else Path(source)
        self.name = name or (self.source.name if isinstance(self.source, Path) else "OAI-PMH response")
        self.resumption_token: str | None = None
        self.complete_list_size: int | None = None

    def __iter__(self) -> Iterator[Paper | Problem]:
        name = self.name
        count = 0
        opened = io.BytesIO(self.source) if isinstance(self.source, bytes) else open_binary(self.source)
        with opened as handle:
            events = etree.iterparse(handle, events=("end",), resolve_entities=False, no_network=True)
            try:
                for _, elem in events:
                    if elem.tag == OAI + "record":
                        count += 1
                        yield self._record(elem, name, count)
                        elem.clear()
                    elif elem.tag == OAI + "resumptionToken":
                        self.resumption_token = (elem.text or "").strip() or None
                        size = elem.get("completeListSize")
                        self.complete_list_size = int(size) if size and size.isdigit() else None
                    elif elem.tag == OAI + "error":
                        code = elem.get("code", "")
                        if code == "noRecordsMatch":
                            yield Problem(name, "response", "OAI-PMH: no records match", "warning")
                        else:
                            raise HomogError(f"OAI-PMH error {code}: {(elem.text or '').strip()}", file=name)
            except etree.XMLSyntaxError as exc:
                raise HomogError(f"malformed OAI-PMH XML after record {count} ({exc})", file=name) from exc

    @staticmethod
    def _record(elem: Any, name: str, count: int) -> Paper | Problem:
        header = elem.find(OAI + "header")
        identifier = header.findtext(OAI + "identifier") if header is not None else None
        where = f"record {count}" + (f" ({identifier})" if identifier else "")
        if header is not None and header.get("status") == "deleted":
            return Problem(name, where, "record deleted at the source", "warning")
        raw = elem.find(f"{OAI}metadata/{RAW}arXivRaw")
        if raw is None:
            return Problem(name, where, "no arXivRaw metadata (harvest with metadataPrefix=arXivRaw)")
        try:
            return record_to_paper(raw)
        except HomogError as exc:
            return Problem(name, where, exc.reason)


def read(path: Path, **_: Any) -> ListRecordsReader:
    """Papers and problems from a saved ListRecords page (see ``ListRecordsReader``)."""
    return ListRecordsReader(path)
