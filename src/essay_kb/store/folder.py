"""The index folder: generations beside each other, the current one named by a pointer file.

A build writes a whole new generation, fsyncs it, then switches the pointer with one os.replace, so a
build that dies half-way never damages the index that readers are using.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from essay_kb.chunker import Chunk
from essay_kb.durable import fsync_path
from essay_kb.errors import IndexMismatch, IndexMissing
from essay_kb.ingest import Essay
from essay_kb.lexical import LexicalIndex
from essay_kb.store.chunks import DB_FILE, ChunkDB, write_chunk_db
from essay_kb.store.manifest import MANIFEST_FILE, Manifest, check_files, read_manifest
from essay_kb.store.vectors import VECTORS_FILE, VectorStore

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"
PARTIAL_SUFFIX = ".partial"



def current_generation(root: Path) -> Path | None:
    """The folder of the generation readers should use, or None when nothing was ever built."""
    pointer = root / CURRENT_FILE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    folder = root / name
    if not name.startswith(GENERATION_PREFIX) or not folder.is_dir():
        raise IndexMismatch(f"{pointer} names {name!r}, which is not a generation folder. Run `kb index --rebuild`.")
    return folder


def current_manifest(root: Path) -> Manifest | None:
    """The manifest of the current generation (cheap: no vectors are loaded), or None when there is none."""
    folder = current_generation(root) if root.is_dir() else None
    return read_manifest(folder) if folder else None


def write_generation(
    root: Path,
    essays: Sequence[Essay],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    lexical: LexicalIndex,
    manifest: Manifest,
) -> Path:
    """Write a complete generation and make it current; the previous one is removed only afterwards."""
    root.mkdir(parents=True, exist_ok=True)
    name = f"{GENERATION_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    partial = root / (name + PARTIAL_SUFFIX)
    partial.mkdir()
    write_chunk_db(partial / DB_FILE, essays, chunks)
    VectorStore.build(vectors).save(partial / VECTORS_FILE)
    lexical.save(partial)
    written = sorted(p for p in partial.rglob("*") if p.is_file())
    files = {p.relative_to(partial).as_posix(): p.stat().st_size for p in written}
    manifest = dataclasses.replace(manifest, files=files, lexical_tokenizer=lexical.tokenizer)
    (partial / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    for path in [*written, partial / MANIFEST_FILE, *(p for p in partial.rglob("*") if p.is_dir()), partial]:
        fsync_path(path)
    final = root / name
    os.replace(partial, final)
    _switch_pointer(root, name)
    remove_stale_generations(root)
    return final


def _switch_pointer(root: Path, name: str) -> None:
    tmp = root / (CURRENT_FILE + ".tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    fsync_path(tmp)
    os.replace(tmp, root / CURRENT_FILE)
    fsync_path(root)


def remove_stale_generations(root: Path) -> None:
    """Delete generations that are not current, and what dead builds left behind."""
    current = current_generation(root)
    for entry in root.iterdir():
        if entry.is_dir() and entry.name.startswith(GENERATION_PREFIX) and entry != current:
            log.info("removing stale index generation %s", entry.name)
            shutil.rmtree(entry, ignore_errors=True)


@dataclass
class StoredIndex:
    """One loaded generation: its manifest, chunk table and vectors, checked for consistency."""

    folder: Path
    manifest: Manifest
    chunks: ChunkDB
    vectors: VectorStore
    lexical: LexicalIndex

    @classmethod
    def open(cls, root: Path) -> StoredIndex:
        folder = current_generation(root) if root.is_dir() else None
        if folder is None:
            raise IndexMissing(f"No index at {root}. Build it with `kb index --index {root}`.")
        manifest = read_manifest(folder)
        check_files(folder, manifest)
        vectors = VectorStore.load(folder / VECTORS_FILE)
        chunks = ChunkDB(folder / DB_FILE)
        lexical = LexicalIndex.load(folder, manifest.lexical_tokenizer)
        if not vectors.count == chunks.count() == lexical.count == manifest.chunks:
            raise IndexMismatch(
                f"The index at {folder} is inconsistent: {vectors.count} vectors, {chunks.count()} chunk rows, "
                f"{lexical.count} BM25 rows, manifest says {manifest.chunks}. Run `kb index --rebuild`."
            )
        return cls(folder=folder, manifest=manifest, chunks=chunks, vectors=vectors, lexical=lexical)

    def close(self) -> None:
        self.chunks.close()
