"""The embedded store: one SQLite file holding papers, embeddings, results and benchmark runs.

Why SQLite and not DuckDB: the store's work is keyed upserts and point look-ups
(papers by id, embeddings by (model, text hash), finished benchmark runs by key),
written a page or a batch at a time by resumable steps.  SQLite does that with
ACID transactions in one file, ships with Python (no extra binary), and lets a
killed run leave nothing half-written.  Analytical scans happen in pandas /
pyarrow after one read, and ``homog corpus export --format parquet`` hands the
corpus to DuckDB, Spark or Dask for anything larger.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from homog.corpus.record import Paper

DEFAULT_STORE = "homog.sqlite"
SCHEMA_VERSION = 3  # 2: corpus loading and harvest checkpoint tables; 3: file-loading checkpoints

_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY,
    title TEXT, abstract TEXT, authors TEXT, date TEXT, year INTEGER,
    categories TEXT, primary_category TEXT, venue TEXT, doi TEXT,
    source TEXT, source_id TEXT, abstract_missing TEXT, versions_seen TEXT,
    text_version INTEGER, n_source_records INTEGER, sources TEXT
);
CREATE INDEX IF NOT EXISTS papers_doi ON papers(doi);
CREATE INDEX IF NOT EXISTS papers_year ON papers(year);
CREATE TABLE IF NOT EXISTS ingested_files (
    sha256 TEXT PRIMARY KEY, path TEXT, reader TEXT, ids TEXT, report TEXT, loaded_at TEXT
);
CREATE TABLE IF NOT EXISTS embeddings (
    model_key TEXT, text_hash TEXT, dim INTEGER, vector BLOB, n_tokens INTEGER, truncated INTEGER,
    PRIMARY KEY (model_key, text_hash)
);
CREATE TABLE IF NOT EXISTS results (
    kind TEXT, key TEXT, value BLOB, created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS bench_runs (
    run_key TEXT PRIMARY KEY, task TEXT, model TEXT, seed INTEGER, info TEXT,
    finished_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS bench_predictions (
    run_key TEXT, idx INTEGER, y_true INTEGER, y_pred INTEGER, proba BLOB,
    PRIMARY KEY (run_key, idx)
);
CREATE TABLE IF NOT EXISTS title_keys (key TEXT PRIMARY KEY, id TEXT);
CREATE TABLE IF NOT EXISTS harvest_state (
    harvest_key TEXT, query_key TEXT, position INTEGER, state TEXT, PRIMARY KEY (harvest_key, query_key)
);
CREATE TABLE IF NOT EXISTS harvest_pages (
    harvest_key TEXT, query_key TEXT, page INTEGER, ids TEXT, PRIMARY KEY (harvest_key, query_key, page)
);
CREATE TABLE IF NOT EXISTS load_batches (
    load_key TEXT, batch INTEGER, items INTEGER, report TEXT, PRIMARY KEY (load_key, batch)
);
"""

_LIST_FIELDS = ("authors", "categories", "versions_seen", "sources")
_PAPER_COLUMNS = (  # Paper's fields, in order
    "id", "title", "abstract", "authors", "date", "year", "categories", "primary_category", "venue",
    "doi", "source", "source_id", "abstract_missing", "versions_seen", "text_version",
    "n_source_records", "sources",
)


_INSERT_PAPER = (f"INSERT OR REPLACE INTO papers ({','.join(_PAPER_COLUMNS)}) "
                 f"VALUES ({','.join('?' * len(_PAPER_COLUMNS))})")


def _paper_row(paper: Paper) -> tuple[Any, ...]:
    data = paper.__dict__
    return tuple(json.dumps(data[c]) if c in _LIST_FIELDS else data[c] for c in _PAPER_COLUMNS)


def _row_paper(row: sqlite3.Row) -> Paper:
    """A stored paper as it was stored (it was normalised before it was stored, so not again)."""
    paper = object.__new__(Paper)
    paper.__dict__ = {c: (json.loads(row[c]) if c in _LIST_FIELDS else row[c]) for c in _PAPER_COLUMNS}
    return paper


class Store:
    """A homog store in one SQLite file.  Use as a context manager or call ``close()``.

    Every write method runs in one transaction: a killed process leaves each
    batch either fully stored or not at all.
    """

    def __init__(self, path: str | Path = DEFAULT_STORE):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            from homog.errors import HomogError

            raise HomogError(
                f"store schema {version} is newer than this homog ({SCHEMA_VERSION}); upgrade homog",
                file=str(self.path),
            )
        if version < SCHEMA_VERSION:
            # executescript commits on its own; every statement is idempotent (IF NOT EXISTS).
            self._conn.executescript(_SCHEMA + f"PRAGMA user_version={SCHEMA_VERSION};")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block of writes atomically."""
        try:
            self._conn.execute("BEGIN")
            yield self._conn
        except BaseException:
            self._conn.rollback()
            raise
        else:
            self._conn.commit()

    # -- papers ---------------------------------------------------------------
    def get_papers(self, ids: Sequence[str] | None = None) -> list[Paper]:
        """Papers by id, in the order asked (missing ids are left out); all papers if ``ids`` is None."""
        if ids is None:
            return [_row_paper(r) for r in self._conn.execute("SELECT * FROM papers ORDER BY id")]
        found: dict[str, Paper] = {}
        for chunk in _chunks(list(ids), 900):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(f"SELECT * FROM papers WHERE id IN ({marks})", chunk):
                found[row["id"]] = _row_paper(row)
        return [found[i] for i in ids if i in found]

    def iter_papers(self, ids: Sequence[str] | None = None, chunk: int = 10_000) -> Iterator[Paper]:
        """``get_papers(ids)`` read a chunk at a time, so that memory stays bounded for a large corpus."""
        if ids is None:
            cursor = self._conn.execute("SELECT * FROM papers ORDER BY id")
            while rows := cursor.fetchmany(chunk):
                yield from map(_row_paper, rows)
            return
        for part in _chunks(list(ids), chunk):
            yield from self.get_papers(part)

    def find_by_dois(self, dois: Iterable[str]) -> dict[str, Paper]:
        """Stored papers by (normalised) DOI: the first stored paper for each DOI found."""
        found: dict[str, Paper] = {}
        for chunk in _chunks(list(dict.fromkeys(dois)), 900):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(f"SELECT * FROM papers WHERE doi IN ({marks}) ORDER BY rowid", chunk):
                found.setdefault(row["doi"], _row_paper(row))
        return found

    def count_papers(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]

    # -- ingested files -------------------------------------------------------
    def get_ingested(self, load_key: str) -> dict[str, Any] | None:
        """The stored outcome of a finished file load (file content hash, and reader options if any), if any."""
        row = self._conn.execute("SELECT * FROM ingested_files WHERE sha256 = ?", (load_key,)).fetchone()
        if row is None:
            return None
        return {"path": row["path"], "reader": row["reader"], "ids": json.loads(row["ids"]),
                "report": json.loads(row["report"]), "loaded_at": row["loaded_at"]}

    # -- embeddings -----------------------------------------------------------
    def get_embeddings(self, model_key: str, hashes: Sequence[str]) -> dict[str, tuple[np.ndarray, int, bool]]:
        """Cached vectors for these text hashes: hash -> (float32 vector, n_tokens, truncated)."""
        out: dict[str, tuple[np.ndarray, int, bool]] = {}
        for chunk in _chunks(list(dict.fromkeys(hashes)), 900):
            marks = ",".join("?" * len(chunk))
            query = (f"SELECT text_hash, vector, n_tokens, truncated FROM embeddings "
                     f"WHERE model_key = ? AND text_hash IN ({marks})")
            for h, blob, n_tokens, truncated in self._conn.execute(query, [model_key, *chunk]):
                out[h] = (np.frombuffer(blob, dtype=np.float32), n_tokens, bool(truncated))
        return out

    def put_embeddings(self, model_key: str, rows: Iterable[tuple[str, np.ndarray, int, bool]]) -> None:
        """Store (text hash, vector, n_tokens, truncated) rows for one model key."""
        data = [(model_key, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes(), int(n), int(t))
                for h, v, n, t in rows]
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?, ?)", data)

    # -- step results ---------------------------------------------------------
    def get_result(self, kind: str, key: str) -> bytes | None:
        """A stored step result (bytes the step wrote), or None."""
        row = self._conn.execute("SELECT value FROM results WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else bytes(row[0])

    def put_result(self, kind: str, key: str, value: bytes) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO results (kind, key, value) VALUES (?, ?, ?)", (kind, key, value))

    # -- benchmark runs -------------------------------------------------------
    def has_bench_run(self, run_key: str) -> bool:
        return self._conn.execute("SELECT 1 FROM bench_runs WHERE run_key = ?", (run_key,)).fetchone() is not None

    def put_bench_run(self, run_key: str, task: str, model: str, seed: int, info: dict[str, Any],
                      y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None) -> None:
        """Store one finished (task, model, seed) run with its per-example predictions, atomically."""
        probas = [None] * len(y_true) if proba is None else [np.asarray(p, np.float32).tobytes() for p in proba]
        rows = [(run_key, i, int(t), int(p), b) for i, (t, p, b) in enumerate(zip(y_true, y_pred, probas))]
        with self.transaction() as conn:
            conn.execute("DELETE FROM bench_predictions WHERE run_key = ?", (run_key,))
            conn.executemany("INSERT INTO bench_predictions VALUES (?, ?, ?, ?, ?)", rows)
            conn.execute("INSERT OR REPLACE INTO bench_runs (run_key, task, model, seed, info) VALUES (?, ?, ?, ?, ?)",
                         (run_key, task, model, seed, json.dumps(info)))

    def get_bench_run(self, run_key: str) -> dict[str, Any] | None:
        """A stored run: info plus ``y_true``, ``y_pred`` and ``proba`` arrays (proba None if not stored)."""
        row = self._conn.execute("SELECT * FROM bench_runs WHERE run_key = ?", (run_key,)).fetchone()
        if row is None:
            return None
        preds = self._conn.execute(
            "SELECT y_true, y_pred, proba FROM bench_predictions WHERE run_key = ? ORDER BY idx", (run_key,)
        ).fetchall()
        proba = None
        if preds and preds[0][2] is not None:
            proba = np.stack([np.frombuffer(p[2], dtype=np.float32) for p in preds])
        return {"task": row["task"], "model": row["model"], "seed": row["seed"], "info": json.loads(row["info"]),
                "y_true": np.array([p[0] for p in preds]), "y_pred": np.array([p[1] for p in preds]),
                "proba": proba}

    # -- corpus loading and harvest checkpoints ------------------------------
    def get_title_ids(self, keys: Sequence[str]) -> dict[str, str]:
        """Paper ids stored under these title keys (``title_key(title, year)``) by ``put_loaded``."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(keys)), 900):
            marks = ",".join("?" * len(chunk))
            out.update(self._conn.execute(f"SELECT key, id FROM title_keys WHERE key IN ({marks})", chunk).fetchall())
        return out

    def put_loaded(self, papers: Iterable[Paper], title_keys: Iterable[tuple[str, str]] = (), *,
                   load_batch: tuple[str, int, int, dict[str, Any]] | None = None,
                   harvest_page: tuple[str, str, int, list[str], int, dict[str, Any]] | None = None) -> None:
        """Store merged papers, their title keys and one checkpoint in a single transaction.

        ``load_batch`` = (load key, batch number, items read, batch report) of one batch of a file being loaded
        (see ``get_load_batches``); ``harvest_page`` = (harvest key, query key, page number, ids, next position,
        query state).
        """
        rows = [_paper_row(p) for p in papers]
        with self.transaction() as conn:
            conn.executemany(_INSERT_PAPER, rows)
            conn.executemany("INSERT OR IGNORE INTO title_keys VALUES (?, ?)", list(title_keys))
            if load_batch is not None:
                key, batch, items, report = load_batch
                conn.execute("INSERT OR REPLACE INTO load_batches VALUES (?, ?, ?, ?)",
                             (key, batch, items, json.dumps(report)))
            if harvest_page is not None:
                harvest, query, page, ids, position, state = harvest_page
                conn.execute("INSERT OR REPLACE INTO harvest_pages VALUES (?, ?, ?, ?)",
                             (harvest, query, page, json.dumps(ids)))
                conn.execute("INSERT OR REPLACE INTO harvest_state VALUES (?, ?, ?, ?)",
                             (harvest, query, position, json.dumps(state)))

    def get_load_batches(self, load_key: str) -> list[tuple[int, dict[str, Any]]]:
        """``(items read, batch report)`` of each stored batch of a file still being loaded, in order."""
        rows = self._conn.execute("SELECT items, report FROM load_batches WHERE load_key = ? ORDER BY batch",
                                  (load_key,)).fetchall()
        return [(row["items"], json.loads(row["report"])) for row in rows]

    def put_ingested(self, load_key: str, path: str, reader: str, ids: list[str], report: dict[str, Any]) -> None:
        """Record a finished file load (see ``get_ingested``) and drop its batch checkpoints, in one transaction."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO ingested_files VALUES (?, ?, ?, ?, ?, datetime('now'))",
                         (load_key, path, reader, json.dumps(ids), json.dumps(report)))
            conn.execute("DELETE FROM load_batches WHERE load_key = ?", (load_key,))

    def get_harvest_state(self, harvest_key: str, query_key: str) -> dict[str, Any] | None:
        """The checkpointed state of one query of a harvest (with ``position``), or None if never started."""
        row = self._conn.execute("SELECT position, state FROM harvest_state WHERE harvest_key = ? AND query_key = ?",
                                 (harvest_key, query_key)).fetchone()
        return None if row is None else {**json.loads(row["state"]), "position": row["position"]}

    def put_harvest_state(self, harvest_key: str, query_key: str, position: int, state: dict[str, Any]) -> None:
        """Checkpoint a query's state without a page (e.g. it failed, or ended)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO harvest_state VALUES (?, ?, ?, ?)",
                         (harvest_key, query_key, position, json.dumps(state)))

    def get_harvest_ids(self, harvest_key: str, query_key: str) -> list[str]:
        """Ids stored by a query's finished pages, in page order."""
        rows = self._conn.execute("SELECT ids FROM harvest_pages WHERE harvest_key = ? AND query_key = ? "
                                  "ORDER BY page", (harvest_key, query_key)).fetchall()
        return [i for row in rows for i in json.loads(row["ids"])]

    def get_harvest_all_ids(self, harvest_key: str) -> list[str]:
        """Ids stored by every finished page of a harvest, in the order the pages were stored."""
        rows = self._conn.execute("SELECT ids FROM harvest_pages WHERE harvest_key = ? ORDER BY rowid",
                                  (harvest_key,)).fetchall()
        return list(dict.fromkeys(i for row in rows for i in json.loads(row["ids"])))

    def count_harvest_pages(self, harvest_key: str, query_key: str) -> int:
        """How many pages of a query are stored."""
        return self._conn.execute("SELECT COUNT(*) FROM harvest_pages WHERE harvest_key = ? AND query_key = ?",
                                  (harvest_key, query_key)).fetchone()[0]


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
