"""index/cache/embeddings.sqlite: passage vectors keyed by (model fingerprint, hash of the embedded text).

Embedding is nearly all of a build's cost, so nothing is ever embedded twice: a changed essay re-embeds only
its changed paragraphs, a renamed or re-added essay none, and a build killed half-way resumes where it stopped
(each batch is committed as soon as it is embedded). SQLite's journal keeps the file whole through a crash.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from essay_kb.store.folder import set_aside

CACHE_FOLDER = "cache"
CACHE_FILE = "embeddings.sqlite"
_SQL_VARIABLES = 900  # below SQLite's oldest default limit of 999 bound parameters per statement


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors of one model; rows of other models in the same file are left alone."""

    def __init__(self, path: Path, model_fingerprint: str, dimension: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key BLOB NOT NULL, vector BLOB NOT NULL, "
            "PRIMARY KEY (model, key)) WITHOUT ROWID"
        )
        self._model = model_fingerprint
        self._bytes = dimension * 4

    @classmethod
    def in_index(cls, root: Path, model_fingerprint: str, dimension: int) -> EmbeddingCache:
        return cls(root / CACHE_FOLDER / CACHE_FILE, model_fingerprint, dimension)

    @classmethod
    def open_or_set_aside(cls, root: Path, model_fingerprint: str, dimension: int) -> tuple[EmbeddingCache, str]:
        """The index's cache, after SQLite's quick check; a damaged one is renamed `embeddings.sqlite.damaged-TIME`
        and an empty one started (its vectors are embedded again). Returns the cache and a note ("" when sound).

        Only the holder of the build lock may call this."""
        path = root / CACHE_FOLDER / CACHE_FILE
        try:
            cache = cls(path, model_fingerprint, dimension)
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        else:
            problems = cache.problems()
            if not problems:
                return cache, ""
            cache.close()
        moved = set_aside(path, companions=("-wal", "-shm"))
        note = (f"the embedding cache {path} is damaged ({problems[0]}); set it aside as {moved.name} and started "
                "an empty one (passages not in the index are embedded again)")
        return cls(path, model_fingerprint, dimension), note

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among `keys`; a row of the wrong size (another dimension), or one that is not a unit
        vector of finite numbers (bytes damaged in place), counts as missing and is embedded again."""
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), _SQL_VARIABLES):
            part = keys[start : start + _SQL_VARIABLES]
            cur = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(part))})",
                [self._model, *part],
            )
            for key, blob in cur:
                if len(blob) == self._bytes:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if np.isfinite(vector).all() and abs(float(vector @ vector) - 1.0) < 1e-3:
                        found[key] = vector
        return found

    def problems(self) -> list[str]:
        """What SQLite finds wrong with the file, one line each; empty when it is sound."""
        return _quick_check(self._db)

    def put(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._model, key, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for key, v in items],
            )

    def close(self) -> None:
        self._db.close()


def cache_problems(root: Path) -> list[str]:
    """What SQLite's quick check finds wrong with the index's cache, read-only (`kb check`); empty when sound
    or absent."""
    path = root / CACHE_FOLDER / CACHE_FILE
    if not path.is_file():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        return [f"{path} cannot be opened ({exc})"]
    try:
        problems = _quick_check(db)
    finally:
        db.close()
    return [f"{path} is damaged ({problems[0]})"] if problems else []


def _quick_check(db: sqlite3.Connection) -> list[str]:
    # quick_check reads every page once (about a second per GB) without the costlier index cross-checks.
    try:
        rows = [r for (r,) in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows
