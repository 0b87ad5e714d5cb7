"""manifest.json: what built an index generation, checked before the index is used."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from essay_kb.errors import IndexMismatch

# 2: file checksums, essay aliases, skipped files, BM25 tokens stored per chunk.
FORMAT_VERSION = 2
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    fingerprint: str
    dimension: int


@dataclass(frozen=True)
class EssayEntry:
    id: str
    sha256: str
    chunks: int
    aliases: tuple[str, ...] = ()  # other file names with the same bytes: listed, not indexed twice


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file the build could not index, remembered so that an unchanged bad file is not retried."""

    id: str
    sha256: str
    problem: str


@dataclass(frozen=True)
class FileRecord:
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    model: ModelInfo
    chunker_version: str
    max_chars: int
    essays: tuple[EssayEntry, ...]
    chunks: int
    files: dict[str, FileRecord]  # file name → size (checked on every load) and checksum (checked by `kb check`)
    package_version: str
    lexical_tokenizer: str = ""  # filled in by write_generation from the lexical index itself
    format_version: int = FORMAT_VERSION
    created: float = field(default_factory=time.time)
    build_seconds: float = 0.0
    skipped: tuple[SkippedFile, ...] = ()
    vector_store: dict[str, Any] = field(default_factory=lambda: {"kind": "flat"})  # StoreSpec.as_dict()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["model"] = ModelInfo(**data["model"])
        data["essays"] = tuple(EssayEntry(**{**e, "aliases": tuple(e.get("aliases", ()))}) for e in data["essays"])
        data["skipped"] = tuple(SkippedFile(**s) for s in data.get("skipped", ()))
        if data.get("format_version") == FORMAT_VERSION:
            data["files"] = {name: FileRecord(**record) for name, record in data["files"].items()}
        return cls(**data)

    @property
    def size(self) -> int:
        return sum(record.bytes for record in self.files.values())


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_FILE
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexMismatch(f"The index at {folder} has no {MANIFEST_FILE}. Run `kb index --rebuild`.") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexMismatch(f"{path} is damaged ({exc}). Run `kb index --rebuild`.") from exc
    if manifest.format_version > FORMAT_VERSION:
        raise IndexMismatch(
            f"The index at {folder} was written by a newer essay-kb (format {manifest.format_version}, "
            f"this one reads {FORMAT_VERSION}). Upgrade essay-kb, or run `kb index --rebuild`."
        )
    if manifest.format_version < FORMAT_VERSION:
        raise IndexMismatch(
            f"The index at {folder} uses an old format ({manifest.format_version}). Run `kb index --rebuild`."
        )
    return manifest


def file_record(path: Path) -> FileRecord:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return FileRecord(bytes=path.stat().st_size, sha256=digest.hexdigest())


def file_problems(folder: Path, manifest: Manifest, checksums: bool = False) -> list[str]:
    """Files missing or of the wrong size (cheap: every load runs it), and with `checksums`, of other content."""
    problems = []
    for name, record in manifest.files.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif path.stat().st_size != record.bytes:
            problems.append(f"{path} has {path.stat().st_size} bytes, the manifest says {record.bytes} (truncated "
                            "or overwritten)")
        elif checksums and file_record(path).sha256 != record.sha256:
            problems.append(f"{path} does not match its checksum (its content changed after the build)")
    return problems


def check_files(folder: Path, manifest: Manifest) -> None:
    """Refuse an index with a missing or truncated file; the message names the file and the fix."""
    problems = file_problems(folder, manifest)
    if problems:
        raise IndexMismatch(f"The index is damaged: {problems[0]}. Run `kb index --rebuild`.")


def check_model(manifest: Manifest, fingerprint: str, dimension: int) -> None:
    """Refuse to search an index whose vectors come from another model."""
    if manifest.model.fingerprint != fingerprint or manifest.model.dimension != dimension:
        raise IndexMismatch(
            f"The index was built with model {manifest.model.fingerprint} ({manifest.model.dimension} dims), "
            f"but the configured model is {fingerprint} ({dimension} dims). "
            f"Run `kb index --rebuild`, or pass --model {manifest.model.name}."
        )
