"""Vectors in Milvus: Milvus Lite (a local file inside the generation, no server) or a Milvus server/cluster.

The same pymilvus client code serves both; only the URI differs. Row i of the chunk table is primary key i.
A generation on a server is one collection named after the generation, so switching generations stays the
pointer switch it is for FAISS, and removing a generation drops its collection.
"""

from __future__ import annotations

import logging
import weakref
from pathlib import Path

import numpy as np

from essay_kb.errors import IndexMismatch
from essay_kb.store.vectors import MILVUS_COLLECTION_PREFIX, MILVUS_LITE_FILE, StoreSpec

log = logging.getLogger(__name__)

LITE_COLLECTION = "vectors"
INSERT_BATCH = 2000  # rows per insert request: well under Milvus's 64 MB message limit at 384 dimensions
MAX_FILTER_ROWS = 16_384  # a filter is sent as "id in [...]"; larger ones filter the over-fetched results here


def _client(uri: str):  # type: ignore[no-untyped-def]
    from pymilvus import MilvusClient

    return MilvusClient(uri)


def _close(client, uri: str) -> None:  # type: ignore[no-untyped-def]
    client.close()
    if uri.endswith(".db"):
        # Milvus Lite serves a file from threads of this process and holds a lock on it until released; a
        # generation's folder is renamed after writing and reopened by its new name, so release it now.
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


class MilvusStore:
    """Inner product (= cosine on normalised vectors) over a Milvus collection."""

    def __init__(self, client, uri: str, collection: str, spec: StoreSpec, dimension: int) -> None:  # type: ignore[no-untyped-def]
        self._client = client
        self._uri_used = uri
        self._collection = collection
        self.spec = spec
        self._dimension = dimension
        self._count = int(client.get_collection_stats(collection)["row_count"])
        # A generation replaced while searches in other threads still read it is not closed by its replacer
        # (KnowledgeBase.index); it is released here when the last of them lets go of it.
        self._release = weakref.finalize(self, _close, client, uri)

    @staticmethod
    def _uri(folder: Path, spec: StoreSpec) -> str:
        return str(folder / MILVUS_LITE_FILE) if spec.kind == "milvus-lite" else spec.uri

    @classmethod
    def write(cls, folder: Path, spec: StoreSpec, vectors: np.ndarray) -> StoreSpec:
        collection = LITE_COLLECTION if spec.kind == "milvus-lite" else MILVUS_COLLECTION_PREFIX + \
            folder.name.removesuffix(".partial").replace("-", "_")
        uri = cls._uri(folder, spec)
        client = _client(uri)
        try:
            if client.has_collection(collection):
                client.drop_collection(collection)
            client.create_collection(collection, dimension=int(vectors.shape[1]), metric_type="IP", id_type="int",
                                     auto_id=False)
            for start in range(0, len(vectors), INSERT_BATCH):
                block = vectors[start : start + INSERT_BATCH]
                client.insert(collection, [{"id": start + i, "vector": v.tolist()} for i, v in enumerate(block)])
            client.flush(collection)
        finally:
            _close(client, uri)
        return StoreSpec(spec.kind, uri=spec.uri, collection=collection if spec.kind == "milvus" else "")

    @classmethod
    def open(cls, folder: Path, spec: StoreSpec) -> MilvusStore:
        collection = spec.collection or LITE_COLLECTION
        uri = cls._uri(folder, spec)
        try:
            client = _client(uri)
            client.load_collection(collection)
            fields = client.describe_collection(collection)["fields"]
        except Exception as exc:  # pymilvus raises its own types for a missing server, file or collection
            raise IndexMismatch(f"The index's Milvus store ({spec.uri or folder / MILVUS_LITE_FILE}, collection "
                                f"{collection}) cannot be opened: {exc}. Start the server, or run "
                                "`kb index --rebuild`.") from exc
        dimension = next(int(f["params"]["dim"]) for f in fields if f["name"] == "vector")
        return cls(client, uri, collection, spec, dimension)

    @staticmethod
    def drop(spec: StoreSpec) -> None:
        try:
            client = _client(spec.uri)
            client.drop_collection(spec.collection)
            client.close()
        except Exception as exc:  # a server that is gone leaves nothing we could release
            log.warning("could not drop Milvus collection %s at %s: %s", spec.collection, spec.uri, exc)

    @property
    def count(self) -> int:
        return self._count

    @property
    def dimension(self) -> int:
        return self._dimension

    def add(self, vectors: np.ndarray) -> None:
        self._client.insert(self._collection, [{"id": self._count + i, "vector": v.tolist()}
                                               for i, v in enumerate(vectors)])
        self._count += len(vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        flt, limit = "", min(k, self._count)
        if allowed is not None:
            rows = np.flatnonzero(allowed)
            limit = min(k, len(rows))
            if len(rows) <= MAX_FILTER_ROWS:
                flt = f"id in {rows.tolist()}"
        if limit <= 0:
            return []
        fetch = limit if allowed is None or flt else min(self._count, 4 * limit + 100)
        found = self._client.search(self._collection, [query.astype(np.float32).tolist()], filter=flt,
                                    limit=fetch, output_fields=["id"])[0]
        hits = [(int(h["id"]), float(h["distance"])) for h in found]
        if allowed is not None and not flt:
            hits = [(r, s) for r, s in hits if allowed[r]]
        return hits[:limit]

    def vectors(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self._dimension), dtype=np.float32)
        got = self._client.get(self._collection, ids=list(dict.fromkeys(rows)), output_fields=["vector"])
        by_id = {int(r["id"]): r["vector"] for r in got}
        return np.asarray([by_id[r] for r in rows], dtype=np.float32)

    def cosines(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        return self.vectors(rows) @ query.astype(np.float32)

    def save(self, folder: Path) -> None:
        """Nothing to do: Milvus persists every insert itself."""

    def close(self) -> None:
        self._release()  # runs _close once, whether called here or at collection
