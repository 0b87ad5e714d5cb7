"""chunks.sqlite: the essays and their chunks; a chunk's row id is its vector id in FAISS."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from essay_kb.chunker import SECTION_SEPARATOR, Chunk, split_sentences
from essay_kb.errors import IndexMismatch
from essay_kb.ingest import Essay, EssayMeta
from essay_kb.normalize import matchable_text, text_fingerprint

DB_FILE = "chunks.sqlite"

_SCHEMA = """
CREATE TABLE essays (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, sha256 TEXT NOT NULL, text TEXT NOT NULL,
    source TEXT, author TEXT, url TEXT, keywords TEXT NOT NULL, abstract TEXT,
    aliases TEXT NOT NULL  -- JSON list of the other file names holding the same bytes (indexed once)
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, essay_id TEXT NOT NULL REFERENCES essays(id), ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL, section TEXT NOT NULL, paragraph INTEGER NOT NULL,
    text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    page INTEGER NOT NULL,  -- 1-based page of a PDF where the chunk starts, 0 for other formats
    fingerprint TEXT NOT NULL,  -- normalize.text_fingerprint: finds the same paragraph elsewhere without reading it
    -- What highlighting needs, computed once at build time instead of on every query (it was most of the
    -- search's cost): the lower-cased normalised text and the sentence spans.
    matchable TEXT NOT NULL, sentences TEXT NOT NULL,
    tokens TEXT NOT NULL  -- JSON list of BM25 tokens: the next build re-indexes BM25 without re-tokenising
);
CREATE INDEX chunks_by_essay ON chunks(essay_id, ordinal);
"""
_CHUNK_COLUMNS = 'row, essay_id, ordinal, kind, section, paragraph, text, start, "end", page'
# Indexes written before pages existed (chunker version 4) have no page column; they stay searchable (page 0)
# until the rebuild their chunker version asks for.
_CHUNK_COLUMNS_BEFORE_PAGES = 'row, essay_id, ordinal, kind, section, paragraph, text, start, "end", 0'


EssayRow = tuple  # the essays table's columns in schema order
ChunkRow = tuple  # the chunks table's columns in schema order, without `row`


def essay_row(essay: Essay, aliases: Sequence[str] = ()) -> EssayRow:
    return (essay.id, essay.title, essay.sha256, essay.text, essay.meta.source, essay.meta.author, essay.meta.url,
            json.dumps(list(essay.meta.keywords), ensure_ascii=False), essay.meta.abstract,
            json.dumps(list(aliases), ensure_ascii=False))


def chunk_row(chunk: Chunk, tokens: Sequence[str]) -> ChunkRow:
    """Everything a query needs of a chunk, derived once at build time."""
    return (chunk.essay_id, chunk.ordinal, chunk.kind, json.dumps(list(chunk.section), ensure_ascii=False),
            chunk.paragraph, chunk.text, chunk.start, chunk.end, chunk.page, text_fingerprint(chunk.text),
            matchable_text(chunk.text), json.dumps(split_sentences(chunk.text)),
            json.dumps(list(tokens), ensure_ascii=False))


def row_tokens(row: ChunkRow) -> list[str]:
    return json.loads(row[-1])


def write_chunk_db(path: Path, essays: Iterable[EssayRow], chunks: Iterable[ChunkRow]) -> None:
    """Write a new database; the i-th chunk gets row id i, the id its vector carries."""
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
        db.executemany(f"INSERT INTO essays VALUES ({','.join('?' * 10)})", essays)
        db.executemany(f"INSERT INTO chunks VALUES ({','.join('?' * 14)})",
                       ((row, *chunk) for row, chunk in enumerate(chunks)))
    db.close()


def _chunk_from_row(r: tuple) -> Chunk:  # type: ignore[type-arg]
    return Chunk(
        essay_id=r[1], ordinal=r[2], kind=r[3], section=tuple(json.loads(r[4])), paragraph=r[5],
        text=r[6], start=r[7], end=r[8], page=r[9],
    )


@dataclass(frozen=True)
class Layout:
    """Row → essay id and kind for every row, and each essay's content hash."""

    essay: tuple[str, ...]
    kind: tuple[str, ...]
    sha256: dict[str, str]

    def rows_by_essay(self, kinds: Sequence[str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for row, (essay_id, kind) in enumerate(zip(self.essay, self.kind, strict=True)):
            if kind in kinds:
                out.setdefault(essay_id, []).append(row)
        return out


class ChunkDB:
    """Read-only access to one generation's chunk database (safe to share across app threads)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._titles: dict[str, str] | None = None
        self._kinds: list[tuple[str, str]] | None = None
        self._layout: Layout | None = None
        columns = {name for _, name, *_ in self._query("PRAGMA table_info(chunks)")}
        self._columns = _CHUNK_COLUMNS if "page" in columns else _CHUNK_COLUMNS_BEFORE_PAGES

    def close(self) -> None:
        self._db.close()

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:  # type: ignore[type-arg]
        """All rows of a query; a page SQLite cannot read (bytes changed on disk) is an IndexMismatch, not a crash."""
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise IndexMismatch(f"{self._path} is damaged ({exc}). Run `kb index --rebuild`.") from exc

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks with these row ids, in the order asked."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {
            r[0]: _chunk_from_row(r)
            for r in self._query(f"SELECT {self._columns} FROM chunks WHERE row IN ({marks})", list(rows))
        }
        return [found[r] for r in rows]

    def highlight_inputs(self, rows: Sequence[int]) -> dict[int, tuple[str, list[tuple[int, int]]]]:
        """row → (matchable text, sentence spans), as stored at build time."""
        marks = ",".join("?" * len(rows))
        cur = self._query(f"SELECT row, matchable, sentences FROM chunks WHERE row IN ({marks})", list(rows))
        return {r: (m, [tuple(s) for s in json.loads(spans)]) for r, m, spans in cur}  # type: ignore[misc]

    def kinds_and_fingerprints(self, rows: Sequence[int]) -> dict[int, tuple[str, str]]:
        """row → (kind, text fingerprint), for ranking decisions that need no chunk text."""
        if self._kinds is None:  # read once per generation: a query then asks no SQL before the final hits
            cur = self._query("SELECT kind, fingerprint FROM chunks ORDER BY row")
            self._kinds = [(kind, fp) for kind, fp in cur]
        return {r: self._kinds[r] for r in rows}

    def layout(self) -> Layout:
        """Which essay and kind every row is, read once per generation (related essays map vector hits to
        essays without a query per hit)."""
        if self._layout is None:
            essays, kinds = [], []
            for essay_id, kind in self._query("SELECT essay_id, kind FROM chunks ORDER BY row"):
                essays.append(essay_id)
                kinds.append(kind)
            hashes = dict(self._query("SELECT id, sha256 FROM essays"))
            self._layout = Layout(tuple(essays), tuple(kinds), hashes)
        return self._layout

    def essay_chunks(self, essay_id: str) -> list[Chunk]:
        return [chunk for _, chunk in self.essay_rows(essay_id)]

    def essay_rows(self, essay_id: str) -> list[tuple[int, Chunk]]:
        """(row, chunk) of an essay in reading order; the rows index its vectors."""
        cur = self._query(
            f"SELECT {self._columns} FROM chunks WHERE essay_id = ? ORDER BY ordinal", (essay_id,)
        )
        return [(r[0], _chunk_from_row(r)) for r in cur]

    def neighbours(self, chunk: Chunk, n: int) -> tuple[list[Chunk], list[Chunk]]:
        """Up to n paragraphs before and after `chunk` in the same section of the same essay, in reading order."""
        cur = self._query(
            f"SELECT {self._columns} FROM chunks WHERE essay_id = ? AND section = ? AND kind != 'heading' "
            "AND ordinal BETWEEN ? AND ? AND ordinal != ? ORDER BY ordinal",
            (chunk.essay_id, json.dumps(list(chunk.section), ensure_ascii=False), chunk.ordinal - n,
             chunk.ordinal + n, chunk.ordinal),
        )
        around = [_chunk_from_row(r) for r in cur]
        return [c for c in around if c.ordinal < chunk.ordinal], [c for c in around if c.ordinal > chunk.ordinal]

    def rows_matching(self, essays: Sequence[str], kinds: Sequence[str], section: str | None) -> list[int]:
        """Chunk rows in any of `essays` (all when empty), of any of `kinds`, under a section path prefix."""
        clauses, params = [], []
        for column, values in (("essay_id", essays), ("kind", kinds)):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        rows = [r for (r,) in self._query(
            "SELECT row FROM chunks" + (" WHERE " + " AND ".join(clauses) if clauses else ""), params
        )]
        if section:
            wanted = set(self._rows_in_section(section))
            rows = [r for r in rows if r in wanted]
        return rows

    def _rows_in_section(self, prefix: str) -> list[int]:
        # Section paths are stored as JSON lists; compare the joined path so "二、" matches "二、… › （一）…".
        return [row for row, section in self._query("SELECT row, section FROM chunks")
                if SECTION_SEPARATOR.join(json.loads(section)).startswith(prefix)]

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM chunks")[0][0])

    def stored_essay(self, essay_id: str) -> tuple[EssayRow, list[int], list[ChunkRow]] | None:
        """An essay's rows as stored (for the next build to copy unchanged), with its chunks' row ids."""
        found = self._query("SELECT * FROM essays WHERE id = ?", (essay_id,))
        if not found:
            return None
        essay = found[0]
        rows = self._query("SELECT * FROM chunks WHERE essay_id = ? ORDER BY ordinal", (essay_id,))
        return essay, [r[0] for r in rows], [r[1:] for r in rows]

    def essays(self, ids: Sequence[str] | None = None) -> list[Essay]:
        """The indexed essays (those of `ids` only, when given), ordered by id."""
        where = f" WHERE id IN ({','.join('?' * len(ids))})" if ids is not None else ""
        cur = self._query(
            f"SELECT id, title, sha256, text, source, author, url, keywords, abstract FROM essays{where} ORDER BY id",
            list(ids or ()),
        )
        return [
            Essay(id=r[0], title=r[1], sha256=r[2], text=r[3],
                  meta=EssayMeta(source=r[4], author=r[5], url=r[6], keywords=tuple(json.loads(r[7])),
                                 abstract=r[8]))
            for r in cur
        ]

    def titles(self) -> dict[str, str]:
        if self._titles is None:  # a generation never changes, so the titles are read once
            self._titles = dict(self._query("SELECT id, title FROM essays"))
        return self._titles
