"""The index folder: generations beside each other, the current one named by a pointer file.

A build writes a whole new generation, fsyncs it, then switches the pointer with one os.replace, so a
build that dies half-way never damages the index that readers are using.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from essay_kb.durable import fsync_path
from essay_kb.errors import IndexMismatch, IndexMissing
from essay_kb.lexical import BM25_FOLDER, LexicalIndex
from essay_kb.store.chunks import DB_FILE, ChunkDB, ChunkRow, EssayRow, write_chunk_db
from essay_kb.store.manifest import MANIFEST_FILE, Manifest, check_files, file_problems, file_record, read_manifest
from essay_kb.store.vectors import (
    Reuse,
    StoreSpec,
    VectorStore,
    build_store,
    discard_store,
    open_store,
    unchecked_files,
)

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"
PARTIAL_SUFFIX = ".partial"
DAMAGED_MARK = ".damaged-"  # a generation, pointer or cache set aside by a repair: kept for the user, never read


def current_generation(root: Path) -> Path | None:
    """The folder of the generation readers should use, or None when nothing was ever built."""
    pointer = root / CURRENT_FILE
    if not pointer.is_file():
        return None
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except UnicodeDecodeError:
        raise IndexMismatch(f"{pointer} is damaged (not text). Run `kb index --rebuild`.") from None
    except OSError as exc:
        raise IndexMismatch(f"{pointer} cannot be read ({exc.strerror}). Run `kb index --rebuild`.") from exc
    folder = root / name
    if (not name.startswith(GENERATION_PREFIX) or Path(name).name != name or DAMAGED_MARK in name
            or not folder.is_dir()):
        raise IndexMismatch(f"{pointer} names {name!r}, which is not a generation folder. Run `kb index --rebuild`.")
    return folder


def set_aside(path: Path, companions: Sequence[str] = ()) -> Path:
    """Rename a damaged file or folder beside itself (`NAME.damaged-TIME`), with its companion files (NAME +
    suffix, e.g. SQLite's -wal), so a repair can replace it and nothing is lost; returns the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}-{n}")
    for suffix in companions:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    os.replace(path, target)
    fsync_path(path.parent)
    return target


def set_aside_current(root: Path, problem: str) -> list[str]:
    """Set aside the current generation after it failed its checks (or the pointer, when that is what is damaged);
    returns the note for the user saying what was renamed to what. Only the holder of the build lock may call it."""
    pointer = root / CURRENT_FILE
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    folder = root / name if name.startswith(GENERATION_PREFIX) and Path(name).name == name else None
    why = f"the index failed its checks ({problem.removesuffix(' Run `kb index --rebuild`.')})"
    if folder is not None and folder.is_dir() and DAMAGED_MARK not in name:
        moved = set_aside(folder)
        pointer.unlink()  # it held nothing but the name the set-aside folder still carries
        fsync_path(root)
        return [f"{why}: set the damaged generation aside as {moved} (delete it when you no longer need it); "
                "rebuilding from the corpus"]
    if pointer.exists():
        return [f"{why}: set the damaged pointer aside as {set_aside(pointer)}; rebuilding from the corpus"]
    return [why]


def current_manifest(root: Path) -> Manifest | None:
    """The manifest of the current generation (cheap: no vectors are loaded), or None when there is none."""
    folder = current_generation(root) if root.is_dir() else None
    return read_manifest(folder) if folder else None


def write_generation(
    root: Path,
    essays: Iterable[EssayRow],
    chunks: Sequence[ChunkRow],
    vectors: np.ndarray,
    lexical: LexicalIndex,
    manifest: Manifest,
    reuse: Reuse | None = None,
) -> Path:
    """Write a complete generation and make it current (growing `reuse`'s HNSW graph rather than rebuilding it).

    The generation that was current stays on disk (a reader that has just read the pointer may still be
    opening it); older ones and dead builds' leftovers are removed.
    """
    root.mkdir(parents=True, exist_ok=True)
    previous = current_generation(root)
    name = f"{GENERATION_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    partial = root / (name + PARTIAL_SUFFIX)
    partial.mkdir()
    write_chunk_db(partial / DB_FILE, essays, chunks)
    spec = build_store(vectors, StoreSpec.from_dict(manifest.vector_store), partial, reuse)
    lexical.save(partial)
    written = sorted(p for p in partial.rglob("*") if p.is_file())
    unchecked = unchecked_files(spec)
    files = {p.relative_to(partial).as_posix(): file_record(p) for p in written
             if p.relative_to(partial).parts[0] not in unchecked}
    manifest = dataclasses.replace(manifest, files=files, lexical_tokenizer=lexical.tokenizer,
                                   vector_store=spec.as_dict())
    (partial / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    for path in [*written, partial / MANIFEST_FILE, *(p for p in partial.rglob("*") if p.is_dir()), partial]:
        fsync_path(path)
    final = root / name
    os.replace(partial, final)
    _switch_pointer(root, name)
    remove_stale_generations(root, keep=previous)
    return final


def _switch_pointer(root: Path, name: str) -> None:
    tmp = root / (CURRENT_FILE + ".tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    fsync_path(tmp)
    os.replace(tmp, root / CURRENT_FILE)
    fsync_path(root)


def _discard(folder: Path) -> None:
    try:
        spec = StoreSpec.from_dict(read_manifest(folder).vector_store)
    except (IndexMismatch, TypeError):
        return  # a dead build's folder has no manifest yet; its store, if any, is inside it
    discard_store(folder, spec)


def remove_dead_builds(root: Path) -> None:
    """Delete what builds killed half-way left behind; only the holder of the build lock may call this."""
    for entry in root.glob(f"{GENERATION_PREFIX}*{PARTIAL_SUFFIX}"):
        log.info("removing the unfinished build %s", entry.name)
        shutil.rmtree(entry, ignore_errors=True)


def remove_stale_generations(root: Path, keep: Path | None = None) -> None:
    """Delete generations that are neither current nor `keep`, and what dead builds left behind.

    Only a process holding the build lock may call this: a build in progress looks like a dead one.
    """
    current = current_generation(root)
    for entry in root.iterdir():
        if (entry.is_dir() and entry.name.startswith(GENERATION_PREFIX) and entry not in (current, keep)
                and DAMAGED_MARK not in entry.name):
            log.info("removing stale index generation %s", entry.name)
            _discard(entry)
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
        """Load the current generation after the cheap checks (files and sizes, counts, dimension).

        Raises:
            IndexMissing: nothing was built yet.
            IndexMismatch: the generation is damaged or inconsistent; the message names the fix.
        """
        try:
            return cls._open(root)
        except IndexMismatch:
            # A build may have switched the pointer and removed the generation between our reading the pointer
            # and opening its files; the generation now current is complete, so one retry settles it.
            return cls._open(root)

    @classmethod
    def _open(cls, root: Path, checksums: bool = False) -> StoredIndex:
        folder = current_generation(root) if root.is_dir() else None
        if folder is None:
            raise IndexMissing(f"No index at {root}. Build it with `kb index --index {root}`.")
        manifest = read_manifest(folder)
        # Bytes changed in place keep a file's size. Checksumming every file on every load cost +0.78 s at 100k
        # passages (+690%, mostly hashing chunks.sqlite, which a load never reads; bench/verify_cost.py), so a
        # search load checks what it reads instead: sizes here, the vectors' norms and the BM25 arrays' ranges
        # as they load, SQLite pages as they are queried. A build (before copying anything over) and `kb check`
        # verify every checksum.
        check_files(folder, manifest, checksums)
        try:
            vectors = open_store(folder, StoreSpec.from_dict(manifest.vector_store))
            chunks = ChunkDB(folder / DB_FILE)
            lexical = LexicalIndex.load(folder, manifest.lexical_tokenizer)
            if lexical.damage():
                raise ValueError(f"{folder / BM25_FOLDER} is damaged: {lexical.damage()}")
        except (RuntimeError, OSError, ValueError, TypeError, KeyError, sqlite3.Error) as exc:  # faiss: RuntimeError
            raise IndexMismatch(f"The index at {folder} cannot be loaded ({exc}). Run `kb index --rebuild`.") from exc
        index = cls(folder=folder, manifest=manifest, chunks=chunks, vectors=vectors, lexical=lexical)
        try:
            problems = index.consistency_problems()
        except IndexMismatch:  # a chunk table SQLite cannot read
            index.close()
            raise
        if problems:
            index.close()
            raise IndexMismatch(f"The index at {folder} is inconsistent: {problems[0]}. Run `kb index --rebuild`.")
        return index

    def consistency_problems(self) -> list[str]:
        problems = []
        counts = {"FAISS vectors": self.vectors.count, "chunk rows": self.chunks.count(),
                  "BM25 rows": self.lexical.count}
        if len({*counts.values(), self.manifest.chunks}) > 1:
            found = ", ".join(f"{n} {what}" for what, n in counts.items())
            problems.append(f"{found}, but the manifest records {self.manifest.chunks} passages")
        if self.vectors.dimension != self.manifest.model.dimension:
            problems.append(f"the vectors have {self.vectors.dimension} dimensions, the manifest's model "
                            f"{self.manifest.model.dimension}")
        return problems

    def close(self) -> None:
        self.chunks.close()
        self.vectors.close()


def verify_current(root: Path) -> tuple[Manifest | None, list[str]]:
    """Everything `kb check` verifies of the index itself, as one line per problem: the manifest's format,
    every file with its size and checksum, and that vectors, chunk rows and BM25 rows agree."""
    try:
        folder = current_generation(root) if root.is_dir() else None
        if folder is None:
            return None, [f"no index at {root}"]
        manifest = read_manifest(folder)
    except IndexMismatch as exc:
        return None, [str(exc).removesuffix(" Run `kb index --rebuild`.")]
    problems = file_problems(folder, manifest, checksums=True)
    if not problems:
        try:
            index = StoredIndex._open(root)  # checksums just verified
        except IndexMismatch as exc:
            problems.append(str(exc).removesuffix(" Run `kb index --rebuild`."))
        else:
            index.close()
    return manifest, problems


def open_for_build(root: Path) -> tuple[StoredIndex | None, list[str]]:
    """The current generation, verified, for a build to copy from; a damaged one (or a damaged pointer) is set
    aside and the build starts afresh from the corpus: it never carries rows over from a generation that fails
    its checks. Returns the generation (None when there is none to use) and notes for the user."""
    try:
        return StoredIndex._open(root, checksums=True), []
    except IndexMissing:
        return None, []
    except IndexMismatch as exc:
        return None, set_aside_current(root, str(exc))
