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

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among `keys`; a row of the wrong size (another dimension) counts as missing."""
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), _SQL_VARIABLES):
            part = keys[start : start + _SQL_VARIABLES]
            cur = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(part))})",
                [self._model, *part],
            )
            for key, blob in cur:
                if len(blob) == self._bytes:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._model, key, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for key, v in items],
            )

    def close(self) -> None:
        self._db.close()
