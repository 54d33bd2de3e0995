"""Reader for CSV tables of papers (Scopus, IEEE Xplore, Springer, OpenReview, Kaggle-style arXiv tables).

Columns are found by known header aliases (or an explicit ``column_map``);
every cell is read as text, so ``NA``/``nan`` stay text and are then
recognised as missing abstracts.  Year and venue may come from the file name
(``NIPS13_paper.csv`` -> NeurIPS 2013).  Rows are streamed with line numbers; a row whose quote is never
closed is skipped and the lines it swallowed are read again as rows of their own.
"""
from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from homog.corpus.record import Paper
from homog.corpus.sources._common import (
    build_paper, open_text, parse_list_string, parse_python_versions, split_authors,
)
from homog.errors import HomogError, Problem

SOURCE = "csv"
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("Title", "title", "Document Title", "Item Title", "titles", "TI"),
    "abstract": ("Abstract", "abstract", "AB", "summaries", "summary", "Summary"),
    "year": ("Year", "year", "Publication Year", "PY"),
    "id": ("id", "arxiv_id", "arXiv ID", "ID", "EID", "PID", "paperId", "UT"),
    "doi": ("DOI", "doi", "Item DOI", "DO", "DI"),
    "authors": ("Authors", "authors", "Author", "AF", "AU"),
    "categories": ("categories", "terms", "Categories"),
    "venue": ("Source title", "Publication Title", "venue", "Venue", "journal-ref", "SO"),
    "date": ("date", "published", "Date"),
    "versions": ("versions",),
}
VENUE_PREFIXES = {"NIPS": "NeurIPS", "NEURIPS": "NeurIPS", "ICML": "ICML", "ICLR": "ICLR"}
_FILE_VENUE_YEAR = re.compile(r"^(NIPS|NeurIPS|ICML|ICLR)(\d{2}|\d{4})(?=[_\-.])", re.IGNORECASE)
_COPYRIGHT = re.compile(r"(?:(?<=[.!?)\]])\s+|^\s*)(?:Copyright\s*:?\s*)?©[^©]*$", re.DOTALL)


def strip_copyright(abstract: str) -> str:
    """Remove a trailing publisher copyright sentence (``© 2020 Elsevier B.V. All rights reserved.``)."""
    return _COPYRIGHT.sub("", abstract)


def venue_year_from_filename(path: Path) -> tuple[str | None, int | None]:
    """Venue and year encoded in names like ``NIPS13_paper.csv`` or ``ICLR17_submissions.csv``."""
    match = _FILE_VENUE_YEAR.match(Path(path).name)
    if not match:
        return None, None
    digits = match.group(2)
    return VENUE_PREFIXES[match.group(1).upper()], int(digits) if len(digits) == 4 else 2000 + int(digits)


# Header sets that name the service a CSV was exported from (the source recorded on its papers).
_EXPORTERS = (("scopus", {"EID", "Source title"}), ("ieee-xplore", {"Document Title", "Publication Title"}),
              ("springer", {"Item Title", "Content Type"}), ("arxiv-csv", {"authors_parsed", "versions"}))


def exporter(headers: list[str]) -> str:
    """The source name of a CSV by its headers: ``scopus``, ``ieee-xplore``, ``springer``, ``arxiv-csv``
    (arXiv metadata as a table), else ``csv``."""
    present = set(headers)
    return next((name for name, needed in _EXPORTERS if needed <= present), SOURCE)


def map_columns(headers: list[str], column_map: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field -> header for the fields found among ``headers`` (explicit ``column_map`` entries win)."""
    found = {field: next((h for h in aliases if h in headers), None) for field, aliases in ALIASES.items()}
    for field, header in (column_map or {}).items():
        if field not in ALIASES:
            raise HomogError(f"unknown field '{field}' in column map (known: {', '.join(ALIASES)})")
        if header not in headers:
            raise HomogError(f"column '{header}' (mapped to {field}) not in headers: {', '.join(headers)}")
        found[field] = header
    return {field: header for field, header in found.items() if header is not None}


def align_cells(headers: list[str], cells: list[str]) -> dict[str, str]:
    """Header -> cell of one row.  A row with more cells than headers has its extra cells somewhere in the middle
    (a Scopus export whose rows hold one 'Funding Text' column more than its header names), so the first half of
    the headers take cells from the row's start and the second half from its end; the extra cells are ignored."""
    extra = len(cells) - len(headers)
    if extra <= 0:
        return dict(zip(headers, cells))
    half = (len(headers) + 1) // 2
    return dict(zip(headers, cells[:half] + cells[half + extra:]))


class _Lines:
    """The physical lines of a text file for ``csv.reader``, remembering those of the current record so that all
    but its first can be pushed back and read again (after a row swallowed by an unterminated quote)."""

    def __init__(self, handle: IO[str]):
        self._handle = handle
        self._pushed: list[str] = []  # lines to read again, the next one last
        self.record: list[str] = []  # lines read since ``start_record``
        self.number = 0  # physical line number of the last line read (1-based)
        self.at_end = False  # the file ended while the current record was being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pushed:
            line = self._pushed.pop()
        else:
            line = next(self._handle, None)
            if line is None:
                self.at_end = True
                raise StopIteration
        self.number += 1
        self.record.append(line)
        return line

    def start_record(self) -> None:
        self.record, self.at_end = [], False

    @property
    def first(self) -> int:
        """Physical line number where the current record starts."""
        return self.number - len(self.record) + 1

    def push_back_rest(self) -> None:
        """Read every line of the current record but its first again."""
        rest = self.record[1:]
        self._pushed.extend(reversed(rest))
        self.number -= len(rest)
        self.record = self.record[:1]


def _well_formed(lines: list[str], delimiter: str, quoting: int) -> bool:
    """Whether every quoted field in ``lines`` is closed by a quote followed by a delimiter or a line end (a
    Scopus row with an extra cell may also span lines, in a quoted multi-line affiliation)."""
    try:
        list(csv.reader(lines, delimiter=delimiter, quoting=quoting, strict=True))
    except csv.Error:
        return False
    return True


def read_wos_tab(path: Path, **options: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a Web of Science tab-delimited export (``PT AU ... TI ... AB ... UT``)."""
    return read(path, **{**options, "delimiter": "\t", "source": "web-of-science"})


def _authors(text: str | None, source: str) -> list[str]:
    if source == "web-of-science":  # "Last, First; Last, First": commas are inside names
        return [name.strip() for name in (text or "").split(";") if name.strip()]
    return split_authors(text)


def _row_paper(row: dict[str, str], cols: dict[str, str], defaults: Mapping[str, Any], *, strip: bool,
               source: str) -> Paper:
    def cell(field: str) -> str | None:
        value = row.get(cols[field]) if field in cols else None
        return value if value not in (None, "") else None

    abstract = row.get(cols["abstract"]) if "abstract" in cols else None
    if abstract and strip:
        abstract = strip_copyright(abstract)
    versions = parse_python_versions(cell("versions")) if "versions" in cols else []
    numbers = [n for n, _ in versions]
    first_created = next((c for n, c in sorted(versions) if c), None)
    return build_paper(
        source=source, raw_id=cell("id"), doi=cell("doi"), title=cell("title"),
        abstract=abstract, abstract_missing=None if "abstract" in cols else "absent",
        year=cell("year") or defaults.get("year"), date=cell("date") or first_created,
        categories=parse_list_string(cell("categories")), versions=numbers,
        authors=_authors(cell("authors"), source), venue=cell("venue") or defaults.get("venue"),
    )


def read(path: Path, *, column_map: Mapping[str, str] | None = None, defaults: Mapping[str, Any] | None = None,
         strip_copyright_notice: bool = True, source: str | None = None, delimiter: str = ",",
         **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a CSV (or, with ``delimiter="\\t"``, tab-delimited) table.

    Raises ``HomogError`` if no title or abstract column exists.
    """
    path = Path(path)
    name = path.name
    file_venue, file_year = venue_year_from_filename(path)
    merged_defaults = {"venue": file_venue, "year": file_year, **{k: v for k, v in (defaults or {}).items()}}
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open_text(path, newline="") as handle:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL  # WoS tab files never quote
        lines = _Lines(handle)
        reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
        headers = next(reader, [])
        try:
            cols = map_columns(headers, column_map)
        except HomogError as exc:
            raise HomogError(exc.reason, file=name) from None
        if "title" not in cols and "abstract" not in cols:
            raise HomogError(f"no title or abstract column found; headers seen: {', '.join(headers) or '(none)'}",
                             file=name)
        loaded = 0
        ragged: list[str] = []
        while True:
            lines.start_record()
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Problem(name, f"line {lines.first}", f"unreadable CSV row ({exc}); row skipped")
                lines.push_back_rest()
                continue
            where = f"line {lines.first}"
            # a quote left open swallows the following lines into one cell (or runs to the end of the file)
            if lines.at_end or (len(lines.record) > 1 and len(cells) != len(headers)
                                and not _well_formed(lines.record, delimiter, quoting)):
                until = "the end of the file" if lines.at_end else f"line {lines.number}"
                yield Problem(name, where, f"unterminated quoted field (it runs on to {until}); row skipped")
                lines.push_back_rest()
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(headers):
                ragged.append(where)
            try:
                paper = _row_paper(align_cells(headers, cells), cols, merged_defaults, strip=strip_copyright_notice,
                                   source=source or exporter(headers))
            except HomogError as exc:
                yield Problem(name, where, exc.reason)
                continue
            loaded += 1
            yield paper
    if ragged:
        yield Problem(name, ragged[0], f"{len(ragged)} rows have more cells than the {len(headers)} headers (first at "
                      f"{ragged[0]}); their cells were matched to the first half of the headers from the row's start "
                      f"and to the second half from its end, and the extra cells in between ignored", "warning")
    if "abstract" not in cols:
        looked = ", ".join(ALIASES["abstract"])
        plural = "record" if loaded == 1 else "records"
        yield Problem(name, "columns", f"no abstract column found (looked for: {looked}); "
                      f"{loaded} {plural} loaded without abstract", "warning")
