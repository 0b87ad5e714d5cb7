"""Vector stores: the seam between chunk rows and the nearest-neighbour index that holds their vectors.

Every store keeps vector i for chunk row i and answers the same questions (search with an optional filter,
the stored vectors of given rows, exact cosines). Which one an index uses is chosen at build time
(`vector_store` setting: auto, flat or hnsw) and recorded in the manifest with its parameters, so readers
open what was written. A generation is immutable: builds write a new store, and removing an essay means leaving
its rows out of the next generation. An HNSW graph is costly to build (~10 minutes at 1M vectors), so a build
grows a copy of the previous generation's graph instead: new rows are added as new nodes, rows of removed or
edited essays become tombstones (nodes no search returns), and a slot→row map is saved beside the graph; the
graph is rebuilt from scratch once tombstones pass MAX_TOMBSTONES of its nodes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from essay_kb.errors import EssayKBError

VECTORS_FILE = "vectors.faiss"
SLOTS_FILE = "vector_slots.npy"  # HNSW grown from an earlier generation: graph node (slot) -> row, -1 = tombstone
STORE_CHOICES = ("auto", "flat", "hnsw", "milvus-lite")  # and milvus://host:port, a Milvus server or cluster
MILVUS_LITE_FILE = "vectors.milvus.db"  # Milvus Lite's data (a folder) inside the generation
MILVUS_COLLECTION_PREFIX = "essay_kb_"
# Above this many passages `auto` picks HNSW: exact search then costs more than ~5 ms per query on this machine
# (p50 10.7 ms at 100k on one thread), while HNSW stays near 1 ms at recall@10 >= 0.95 up to 1M (bench/scale.py,
# BENCHMARKS.md). Below it, exact search is both exact and fast enough.
HNSW_THRESHOLD = 50_000
# A filter that keeps at most this many rows is searched exactly over those rows: cheap, and a graph search
# restricted to a small set of rows can miss them (HNSW walks through rows the filter rejects).
EXACT_FILTER_ROWS = 20_000
# Tombstones cost memory and a little search time (the graph still walks through them); past this share of the
# graph's nodes the next build rebuilds it from scratch.
MAX_TOMBSTONES = 0.10


@dataclass(frozen=True)
class StoreSpec:
    """A store kind and its parameters, as recorded in the manifest."""

    kind: str = "flat"
    m: int = 0  # HNSW: links per node
    ef_construction: int = 0  # HNSW: candidate list while building
    ef_search: int = 0  # HNSW: candidate list while searching (raised to k when k is larger)
    uri: str = ""  # Milvus server: http://host:port ("" for Milvus Lite, whose file is in the generation)
    collection: str = ""  # Milvus: the collection holding this generation's vectors

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v or k == "kind"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoreSpec:
        return cls(**data)


# At 1M clustered vectors (bench/scale.py) m=48, efC=80, efSearch=96 gave recall@10 0.978 at 0.66 ms p50; m=32
# needed efSearch=256 for 0.971 at 1.11 ms (and 96 gave only 0.923). m=48 costs ~10% more build time and 7% disk.
HNSW_DEFAULT = StoreSpec("hnsw", m=48, ef_construction=80, ef_search=96)


def choose_store(setting: str, count: int) -> StoreSpec:
    """The store for an index of `count` passages under the `vector_store` setting."""
    if setting.startswith("milvus://"):
        return StoreSpec("milvus", uri="http://" + setting.removeprefix("milvus://"))
    if setting == "milvus-lite":
        return StoreSpec("milvus-lite")
    if setting not in STORE_CHOICES:
        raise EssayKBError(f"Unknown vector store {setting!r}; choose one of {', '.join(STORE_CHOICES)}, "
                           "or milvus://host:port.")
    if setting == "hnsw" or (setting == "auto" and count > HNSW_THRESHOLD):
        return HNSW_DEFAULT
    return StoreSpec("flat")


@dataclass(frozen=True)
class Reuse:
    """The previous generation's store and where its rows went: old row i is new row old_to_new[i] (-1: gone)."""

    store: VectorStore
    old_to_new: np.ndarray


class VectorStore(Protocol):
    spec: StoreSpec

    @property
    def count(self) -> int: ...

    @property
    def dimension(self) -> int: ...

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...

    def vectors(self, rows: list[int]) -> np.ndarray: ...

    def cosines(self, query: np.ndarray, rows: list[int]) -> np.ndarray: ...

    def save(self, folder: Path) -> None: ...

    def close(self) -> None: ...


class FaissStore:
    """FAISS inner product over normalised vectors (= cosine): exact (`flat`) or an HNSW graph (`hnsw`)."""

    def __init__(self, index: faiss.Index, spec: StoreSpec, slot_rows: np.ndarray | None = None) -> None:
        self._index = index
        self.spec = spec
        self._slot_rows = slot_rows  # None: slot i holds row i (no tombstones)
        self._row_slots: np.ndarray | None = None
        self._live: faiss.IDSelector | None = None
        if slot_rows is not None:
            live = np.flatnonzero(slot_rows >= 0)
            self._row_slots = np.empty(len(live), dtype=np.int64)
            self._row_slots[slot_rows[live]] = live
            # One bitmap selector for the store's lifetime: building a set of a million ids per query would cost
            # more than the search. The array must outlive the selector, which only points at it.
            self._live_bits = np.packbits(slot_rows >= 0, bitorder="little")
            self._live = faiss.IDSelectorBitmap(len(slot_rows), faiss.swig_ptr(self._live_bits))

    @classmethod
    def create(cls, dimension: int, spec: StoreSpec) -> FaissStore:
        if spec.kind == "flat":
            return cls(faiss.IndexFlatIP(dimension), spec)
        if spec.kind == "hnsw":
            index = faiss.IndexHNSWFlat(dimension, spec.m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = spec.ef_construction
            index.hnsw.efSearch = spec.ef_search
            return cls(index, spec)
        raise EssayKBError(f"This essay-kb cannot open a {spec.kind!r} vector store. Run `kb index --rebuild`.")

    @classmethod
    def build(cls, vectors: np.ndarray, spec: StoreSpec | None = None) -> FaissStore:
        store = cls.create(vectors.shape[1], spec or StoreSpec())
        store.add(vectors)
        return store

    @classmethod
    def extend(cls, previous: FaissStore, old_to_new: np.ndarray, vectors: np.ndarray) -> FaissStore | None:
        """A copy of the previous HNSW graph holding `vectors` (every row of the new generation): rows carried over
        keep their nodes, the others are added; None when tombstones would pass MAX_TOMBSTONES (rebuild)."""
        slots = previous._slot_rows if previous._slot_rows is not None else np.arange(previous.slots)
        carried = np.where(slots >= 0, old_to_new[np.maximum(slots, 0)], -1)
        added = np.setdiff1d(np.arange(len(vectors)), carried[carried >= 0])
        slot_rows = np.concatenate([carried, added]).astype(np.int64)
        if np.count_nonzero(slot_rows < 0) > MAX_TOMBSTONES * len(slot_rows):
            return None
        index = faiss.clone_index(previous._index)
        index.add(np.ascontiguousarray(vectors[added], dtype=np.float32))
        identity = np.array_equal(slot_rows, np.arange(len(slot_rows)))
        return cls(index, previous.spec, None if identity else slot_rows)

    @classmethod
    def load(cls, folder: Path, spec: StoreSpec) -> FaissStore:
        index = faiss.read_index(str(folder / VECTORS_FILE))
        if spec.kind == "hnsw":
            index.hnsw.efSearch = spec.ef_search
        slots = folder / SLOTS_FILE
        slot_rows = np.load(slots) if slots.exists() else None
        problem = _damage(index, slot_rows)
        if problem:
            raise ValueError(f"{folder / VECTORS_FILE} is damaged: {problem}")
        return cls(index, spec, slot_rows)

    def save(self, folder: Path) -> None:
        faiss.write_index(self._index, str(folder / VECTORS_FILE))
        if self._slot_rows is not None:
            np.save(folder / SLOTS_FILE, self._slot_rows)

    def close(self) -> None:
        """Nothing to release: the index lives in this process's memory."""

    def add(self, vectors: np.ndarray) -> None:
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @property
    def count(self) -> int:
        """Rows held (tombstones not counted)."""
        return int(self._index.ntotal) if self._row_slots is None else len(self._row_slots)

    @property
    def slots(self) -> int:
        """Nodes in the index, tombstones included."""
        return int(self._index.ntotal)

    def _slots_of(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._row_slots is None else self._row_slots[rows]

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k nearest rows to one query vector, best first, as (row, cosine).

        Args:
            allowed: optional boolean mask over rows (a filter); a narrow filter still gets k results.
        """
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            rows = np.flatnonzero(allowed).astype(np.int64)
            k = min(k, len(rows))
            if k <= 0:
                return []
            if self.spec.kind != "flat" and len(rows) <= EXACT_FILTER_ROWS:
                return self._exact(query[0], rows, k)
            selector = faiss.IDSelectorBatch(self._slots_of(rows))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.spec.ef_search, 2 * k))
                      if self.spec.kind == "hnsw" else faiss.SearchParameters(sel=selector))
        elif self._live is not None:
            params = faiss.SearchParametersHNSW(sel=self._live, efSearch=max(self.spec.ef_search, k))
        elif self.spec.kind == "hnsw" and k > self.spec.ef_search:
            params = faiss.SearchParametersHNSW(efSearch=k)
        k = min(k, self.count)
        if k <= 0:
            return []
        scores, found = self._index.search(query, k, params=params)
        rows = found[0] if self._slot_rows is None else np.where(found[0] >= 0, self._slot_rows[found[0]], -1)
        return [(int(r), float(s)) for r, s in zip(rows, scores[0], strict=True) if r >= 0]

    def _exact(self, query: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores = self.vectors(rows.tolist()) @ query
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(rows[i]), float(scores[i])) for i in top]

    def vectors(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of these rows, in order."""
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        slots = self._slots_of(np.asarray(rows, dtype=np.int64))
        return np.asarray(self._index.reconstruct_batch(slots), dtype=np.float32)

    def cosines(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        """Exact cosine of the query with the given rows (candidates found only by the other retriever)."""
        return self.vectors(rows) @ query.astype(np.float32)


def _damage(index: faiss.Index, slot_rows: np.ndarray | None) -> str:
    """What is wrong with a loaded FAISS index ("" when nothing is): every load runs this instead of a checksum,
    at a fraction of the read's cost (bench/verify_cost.py). Bytes changed in place are caught when they make a
    stored vector other than a unit vector of finite numbers, or an HNSW link point outside the graph (which
    could crash the search rather than just rank badly)."""
    total = int(index.ntotal)
    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    if not isinstance(flat, faiss.IndexFlat):
        return ""  # a kind we do not write; its own reader checks it
    stored = faiss.rev_swig_ptr(flat.get_xb(), total * index.d).reshape(total, index.d)  # a view: no copy
    for start in range(0, total, 65536):  # bounded temporaries, whatever the index size
        block = stored[start : start + 65536]
        norms = np.einsum("ij,ij->i", block, block)
        if not (np.abs(norms - 1.0) < 1e-3).all():  # NaN fails this too
            return f"vector {start + int(np.argmax(~(np.abs(norms - 1.0) < 1e-3)))} is not a unit vector"
    if isinstance(index, faiss.IndexHNSW):
        links, offsets = faiss.vector_to_array(index.hnsw.neighbors), faiss.vector_to_array(index.hnsw.offsets)
        if len(offsets) != total + 1 or offsets[-1] != len(links) or (np.diff(offsets) < 0).any():
            return "its graph's offsets do not match its links"
        if len(links) and (links.min() < -1 or links.max() >= total):
            return "its graph links to nodes that do not exist"
    if slot_rows is not None and (len(slot_rows) != total or slot_rows.max(initial=-1) >= total):
        return f"{SLOTS_FILE} does not match the graph"
    return ""


def open_store(folder: Path, spec: StoreSpec) -> VectorStore:
    if spec.kind in ("milvus", "milvus-lite"):
        from essay_kb.store.milvus import MilvusStore  # pymilvus starts slowly; only Milvus indexes pay for it

        return MilvusStore.open(folder, spec)
    return FaissStore.load(folder, spec)


def build_store(vectors: np.ndarray, spec: StoreSpec, folder: Path, reuse: Reuse | None = None) -> StoreSpec:
    """Write `vectors` into a new store of this spec for the generation being written in `folder`; returns the
    spec as it must be recorded (a Milvus server store gets its collection's name). An HNSW store grows a copy
    of `reuse`'s graph when that has the same parameters."""
    if spec.kind in ("milvus", "milvus-lite"):
        from essay_kb.store.milvus import MilvusStore

        return MilvusStore.write(folder, spec, vectors)
    store = None
    if reuse is not None and spec.kind == "hnsw" and isinstance(reuse.store, FaissStore) and reuse.store.spec == spec:
        store = FaissStore.extend(reuse.store, reuse.old_to_new, vectors)
    if store is None:
        store = FaissStore.build(vectors, spec)
    store.save(folder)
    return spec


def discard_store(folder: Path, spec: StoreSpec) -> None:
    """Release what a removed generation's store holds outside its folder (a Milvus server's collection)."""
    if spec.kind == "milvus":
        from essay_kb.store.milvus import MilvusStore

        MilvusStore.drop(spec)


def unchecked_files(spec: StoreSpec) -> tuple[str, ...]:
    """Top-level names in a generation that its store manages and rewrites itself (not checksummed)."""
    return (MILVUS_LITE_FILE,) if spec.kind == "milvus-lite" else ()
