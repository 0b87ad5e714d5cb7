"""The index folder: manifest, chunk table (SQLite) and vectors (FAISS), in atomic generations."""

from essay_kb.store.chunks import ChunkDB
from essay_kb.store.folder import StoredIndex, current_generation, current_manifest, write_generation
from essay_kb.store.manifest import EssayEntry, Manifest, ModelInfo, check_model
from essay_kb.store.vectors import VectorStore

__all__ = [
    "ChunkDB",
    "EssayEntry",
    "Manifest",
    "ModelInfo",
    "StoredIndex",
    "VectorStore",
    "check_model",
    "current_generation",
    "current_manifest",
    "write_generation",
]
