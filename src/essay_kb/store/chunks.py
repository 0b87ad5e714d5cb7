"""chunks.sqlite: the essays and their chunks; a chunk's row id is its vector id in FAISS."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from essay_kb.chunker import Chunk
from essay_kb.ingest import Essay, EssayMeta

DB_FILE = "chunks.sqlite"

_SCHEMA = """
CREATE TABLE essays (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, sha256 TEXT NOT NULL, text TEXT NOT NULL,
    source TEXT, author TEXT, url TEXT, keywords TEXT NOT NULL, abstract TEXT
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, essay_id TEXT NOT NULL REFERENCES essays(id), ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL, section TEXT NOT NULL, paragraph INTEGER NOT NULL,
    text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE INDEX chunks_by_essay ON chunks(essay_id, ordinal);
"""
_CHUNK_COLUMNS = 'row, essay_id, ordinal, kind, section, paragraph, text, start, "end"'


def write_chunk_db(path: Path, essays: Iterable[Essay], chunks: Sequence[Chunk]) -> None:
    """Write a new database; chunk i gets row id i, the id its vector carries."""
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO essays VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (e.id, e.title, e.sha256, e.text, e.meta.source, e.meta.author, e.meta.url,
                 json.dumps(list(e.meta.keywords), ensure_ascii=False), e.meta.abstract)
                for e in essays
            ],
        )
        db.executemany(
            f"INSERT INTO chunks ({_CHUNK_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (row, c.essay_id, c.ordinal, c.kind, json.dumps(list(c.section), ensure_ascii=False),
                 c.paragraph, c.text, c.start, c.end)
                for row, c in enumerate(chunks)
            ],
        )
    db.close()


def _chunk_from_row(r: tuple) -> Chunk:  # type: ignore[type-arg]
    return Chunk(
        essay_id=r[1], ordinal=r[2], kind=r[3], section=tuple(json.loads(r[4])), paragraph=r[5],
        text=r[6], start=r[7], end=r[8],
    )


class ChunkDB:
    """Read-only access to one generation's chunk database (safe to share across app threads)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self._db.close()

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks with these row ids, in the order asked."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {
            r[0]: _chunk_from_row(r)
            for r in self._db.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE row IN ({marks})", list(rows))
        }
        return [found[r] for r in rows]

    def essay_chunks(self, essay_id: str) -> list[Chunk]:
        cur = self._db.execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE essay_id = ? ORDER BY ordinal", (essay_id,)
        )
        return [_chunk_from_row(r) for r in cur]

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def essays(self) -> list[Essay]:
        cur = self._db.execute(
            "SELECT id, title, sha256, text, source, author, url, keywords, abstract FROM essays ORDER BY id"
        )
        return [
            Essay(id=r[0], title=r[1], sha256=r[2], text=r[3],
                  meta=EssayMeta(source=r[4], author=r[5], url=r[6], keywords=tuple(json.loads(r[7])),
                                 abstract=r[8]))
            for r in cur
        ]

    def titles(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT id, title FROM essays"))
