"""vectors.faiss: normalised passage vectors searched by inner product (= cosine)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

VECTORS_FILE = "vectors.faiss"


class VectorStore:
    """Exact inner-product search; vector i belongs to chunk row i of the chunk database."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorStore:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> VectorStore:
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k nearest rows to one query vector, best first, as (row, cosine).

        Args:
            allowed: optional boolean mask over rows (a filter); FAISS skips the others while searching, so a
                narrow filter still gets k results.
        """
        params = None
        if allowed is not None:
            rows = np.flatnonzero(allowed).astype(np.int64)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
            k = min(k, len(rows))
        k = min(k, self.count)
        if k <= 0:
            return []
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, found = self._index.search(query, k, params=params)
        return [(int(r), float(s)) for r, s in zip(found[0], scores[0], strict=True) if r >= 0]

    def vectors(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of these rows, in order."""
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(np.asarray(rows, dtype=np.int64)), dtype=np.float32)

    def cosines(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        """Exact cosine of the query with the given rows (candidates found only by the other retriever)."""
        return self.vectors(rows) @ query.astype(np.float32)
