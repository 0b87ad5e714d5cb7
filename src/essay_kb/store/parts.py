"""Sentence vectors beside the passage vectors ("small-to-big"): dense search scores a passage by its best
sentence blended with its own vector, so a question answered by one clause of a long paragraph still finds it.

A passage of two or more sentences has one part vector per sentence (embedded under the passage's title and
section, like the passage itself); a one-sentence passage has none and keeps its own cosine. The parts live in
their own FAISS store in the generation's `parts/` folder, with `part_rows.npy` mapping each part to its passage
row (non-decreasing). `PooledStore` wraps the passage store and answers the same `VectorStore` questions, so
search sees the pooled score wherever it asked for a cosine.

Measured (bench/small_to_big.py, BENCHMARKS.md "Small-to-big — issue 14"): sentence parts beat the passage
vector on the reader set and on CMRC, and beat 2-sentence windows; PART_WEIGHT was fitted on the reader set's
dev split.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from essay_kb.store.vectors import FaissStore, StoreSpec, VectorStore, choose_store

PARTS_FOLDER = "parts"
PART_ROWS_FILE = "part_rows.npy"
PARTS_KIND = "sentences"  # recorded in the manifest: an index built without (or with other) parts is rebuilt
# score = w · max(sentence cosines) + (1 − w) · passage cosine; 0.7 had the best passage MRR@10 on the reader
# set's dev split (1.0, the bare max, lost English questions whose words spread over several sentences).
PART_WEIGHT = 0.7
# Parts fetched per passage wanted: one passage's several sentences can fill the top of the part ranking.
PART_FANOUT = 4


def write_parts(folder: Path, vectors: np.ndarray, part_rows: np.ndarray) -> None:
    """Save part vectors and their passage rows. The parts' FAISS store is chosen by their count alone (flat,
    HNSW past the threshold), whatever holds the passages, so opening needs nothing but the count."""
    target = folder / PARTS_FOLDER
    target.mkdir()
    spec = _parts_spec(len(vectors))
    store = FaissStore.build(vectors, spec) if len(vectors) else FaissStore.create(vectors.shape[1], spec)
    store.save(target)
    np.save(target / PART_ROWS_FILE, np.asarray(part_rows, dtype=np.int64))


def open_pooled(folder: Path, passages: VectorStore) -> VectorStore:
    """The passage store pooled with the generation's parts, or the passage store alone when it has none.

    Raises:
        ValueError: the parts are damaged (rows out of range or out of order, counts that disagree).
    """
    target = folder / PARTS_FOLDER
    if not target.is_dir():
        return passages
    rows = np.load(target / PART_ROWS_FILE)
    store = FaissStore.load(target, _parts_spec(len(rows)))
    if store.count != len(rows) or (len(rows) and (rows.min() < 0 or rows.max() >= passages.count
                                                   or np.any(np.diff(rows) < 0))):
        raise ValueError(f"{target} is damaged: {store.count} part vectors for {len(rows)} part rows, or rows "
                         "out of range or order")
    return PooledStore(passages, store, rows)


def _parts_spec(count: int) -> StoreSpec:
    return choose_store("auto", count)


class PooledStore:
    """A passage store whose scores are w · best sentence + (1 − w) · passage cosine (see the module doc)."""

    def __init__(self, passages: VectorStore, parts: FaissStore, part_rows: np.ndarray,
                 weight: float = PART_WEIGHT) -> None:
        self.passages = passages
        self.parts = parts
        self.part_rows = part_rows
        self.weight = weight
        self.spec: StoreSpec = passages.spec

    @property
    def count(self) -> int:
        return self.passages.count

    @property
    def dimension(self) -> int:
        return self.passages.dimension

    def add(self, vectors: np.ndarray) -> None:
        raise TypeError("a pooled store is read-only: builds write passages and parts separately")

    def vectors(self, rows: list[int]) -> np.ndarray:
        """The passage vectors (builds copy them; parts are re-derived from the embedding cache)."""
        return self.passages.vectors(rows)

    def save(self, folder: Path) -> None:
        raise TypeError("a pooled store is written by write_generation, not saved")

    def close(self) -> None:
        self.passages.close()

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best rows by pooled score: candidates from the passage store and from the best sentences, all
        scored exactly."""
        found = [r for r, _ in self.passages.search(query, k, allowed)]
        if len(self.part_rows):
            part_allowed = allowed[self.part_rows] if allowed is not None else None
            found += [int(self.part_rows[p]) for p, _ in self.parts.search(query, PART_FANOUT * k, part_allowed)]
        rows = list(dict.fromkeys(found))
        scores = self.cosines(query, rows)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(rows[i], float(scores[i])) for i in order]

    def cosines(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        """Pooled scores of these rows (a row without parts keeps its passage cosine)."""
        scores = np.asarray(self.passages.cosines(query, rows), dtype=np.float32)
        if not rows or not len(self.part_rows):
            return scores
        wanted = np.asarray(rows, dtype=np.int64)
        starts = np.searchsorted(self.part_rows, wanted, side="left")
        ends = np.searchsorted(self.part_rows, wanted, side="right")
        has = ends > starts
        if not has.any():
            return scores
        ids = np.concatenate([np.arange(s, e) for s, e in zip(starts[has], ends[has], strict=True)])
        part = self.parts.cosines(query, ids.tolist())
        offsets = np.r_[0, np.cumsum((ends - starts)[has])[:-1]]
        best = np.maximum.reduceat(part, offsets)
        scores[has] = self.weight * best + (1 - self.weight) * scores[has]
        return scores
