"""One paper, one record: fold records of the same paper together (by id, DOI, then title and year) and log why."""
from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field

from homog.corpus.identity import merge_papers, title_key
from homog.corpus.record import Paper
from homog.store import Store

_DERIVED = ("doi:", "title:", "id:")


def _conflict(a: Paper, b: Paper) -> bool:
    """True if two records carry different hard identities (two arXiv ids, or two DOIs): they are two papers
    however alike they look (two arXiv preprints that became one journal article share its DOI, yet are two
    submissions)."""
    both_arxiv = not a.id.startswith(_DERIVED) and not b.id.startswith(_DERIVED)
    return (both_arxiv and a.id != b.id) or bool(a.doi and b.doi and a.doi != b.doi)


def same_id_reason(paper_id: str) -> str:
    """Why two records with one id are one paper: a derived id stands for the DOI or the title and year."""
    if paper_id.startswith("doi:"):
        return "same DOI"
    if paper_id.startswith("title:"):
        return "same title and year"
    return "same id"


def record_label(paper: Paper) -> str:
    """How a merged record is named in the dedup report: its source id (with version), its id, or -- when the id
    is only a hash of the title -- its title and year."""
    if paper.source_id:
        return paper.source_id
    if paper.id.startswith("title:") and paper.title:
        title = paper.title if len(paper.title) <= 80 else paper.title[:79] + "…"
        return f'"{title}" ({paper.year})' if paper.year is not None else f'"{title}"'
    return paper.id


@dataclass
class Merger:
    """Collects a batch of records (one file or one harvest page), merging records of one paper.

    ``origin`` names where the records come from (a file name, a harvest page).
    ``events`` lists every merge as a dedup-report row: ``kept_id``,
    ``merged_id_or_record``, ``source``, ``origin``, ``reason``.
    """

    origin: str = ""
    papers: dict[str, Paper] = field(default_factory=dict)
    events: list[dict[str, str]] = field(default_factory=list)
    _by_doi: dict[str, str] = field(default_factory=dict)
    _by_title: dict[str, str] = field(default_factory=dict)

    def add(self, paper: Paper) -> bool:
        """Add a record; True if it was folded into a paper already in the batch."""
        key, reason = self._match(paper)
        if key is None:
            self.papers[paper.id] = paper
            self._index(paper)
            return False
        self.papers[key] = merge_papers(self.papers[key], paper)
        self._index(self.papers[key])
        self._log(key, paper, reason)
        return True

    def _match(self, paper: Paper) -> tuple[str | None, str]:
        if paper.id in self.papers:
            return paper.id, same_id_reason(paper.id)
        if paper.doi and paper.doi in self._by_doi and not _conflict(self.papers[self._by_doi[paper.doi]], paper):
            return self._by_doi[paper.doi], "same DOI"
        tkey = title_key(paper.title, paper.year)
        if tkey and tkey in self._by_title and not _conflict(self.papers[self._by_title[tkey]], paper):
            return self._by_title[tkey], "same title and year"
        return None, ""

    def _index(self, paper: Paper) -> None:
        if paper.doi:
            self._by_doi.setdefault(paper.doi, paper.id)
        tkey = title_key(paper.title, paper.year)
        if tkey:
            self._by_title.setdefault(tkey, paper.id)

    def _log(self, kept: str, paper: Paper, reason: str) -> None:
        self.events.append({"kept_id": kept, "merged_id_or_record": record_label(paper),
                            "source": paper.source, "origin": self.origin, "reason": reason})

    def with_store(self, store: Store, earlier: Container[str] = ()) -> tuple[dict[str, Paper], list[tuple[str, str]]]:
        """The batch merged with stored papers (same id, DOI, then title+year; stored ids kept).

        Returns the papers to write and the (title key, id) rows for the store's
        title index.  Merges with stored papers are logged as ``… (already stored)``,
        except with papers in ``earlier`` (stored by earlier batches of the same
        file), which are logged as merges within the batch would be.
        """
        stored = {p.id: p for p in store.get_papers(list(self.papers))}
        keys = {p.id: title_key(p.title, p.year) for p in self.papers.values()}
        by_title = store.get_title_ids([k for k in keys.values() if k])
        by_doi = store.find_by_dois(p.doi for p in self.papers.values() if p.doi and p.id not in stored)
        out: dict[str, Paper] = {}
        for paper in self.papers.values():
            existing, reason = stored.get(paper.id), same_id_reason(paper.id)
            if existing is None and paper.doi and paper.doi in by_doi and not _conflict(by_doi[paper.doi], paper):
                existing, reason = by_doi[paper.doi], "same DOI"
            if existing is None and keys[paper.id] in by_title:
                candidate = out.get(by_title[keys[paper.id]]) or next(iter(store.get_papers(
                    [by_title[keys[paper.id]]])), None)
                if candidate is not None and not _conflict(candidate, paper):
                    existing, reason = candidate, "same title and year"
            key = existing.id if existing is not None else paper.id
            base = out.get(key, existing)
            if existing is not None:
                self._log(key, paper, reason if key in earlier else f"{reason} (already stored)")
            out[key] = paper if base is None else merge_papers(base, paper)
        title_rows = [(k, key) for key, p in out.items() for k in [title_key(p.title, p.year)] if k]
        return out, title_rows
