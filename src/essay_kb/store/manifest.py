"""manifest.json: what built an index generation, checked before the index is used."""

from __future__ import annotations

import dataclasses
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
class BuildSpec:
    """What an index is built with. A difference in any field but the store means reading and embedding every
    essay again; a different store only means copying the vectors into it. `Manifest.built_with` is what a
    generation was built with, and `build_differences` is the one place that compares two of these."""

    model: str
    fingerprint: str  # identifies the model's weights (the name alone does not: a folder can change)
    chunker_version: str
    max_chars: int
    lexical_tokenizer: str
    dimension: int | None = None  # None: not known without loading the model (the fingerprint decides then)
    vector_store: dict[str, Any] = field(default_factory=dict)  # StoreSpec.as_dict() for the index's size


def build_differences(built: BuildSpec, wanted: BuildSpec) -> list[str]:
    """Why an index built as `built` must be rebuilt to be `wanted`, one reason each; empty when it need not be.

    The vector store is not among them (see `store_differs`): changing it copies vectors, nothing is re-read.
    """
    reasons = []
    if built.fingerprint != wanted.fingerprint:
        reasons.append(f"model {built.fingerprint} is now {wanted.fingerprint}")
    if wanted.dimension is not None and built.dimension != wanted.dimension:
        reasons.append(f"{built.dimension} dimensions are now {wanted.dimension}")
    for name in ("chunker_version", "max_chars", "lexical_tokenizer"):
        if getattr(built, name) != getattr(wanted, name):
            reasons.append(f"{name} {getattr(built, name)!r} is now {getattr(wanted, name)!r}")
    return reasons


def store_differs(built: BuildSpec, wanted: BuildSpec) -> bool:
    """Whether the index's vectors must move to another store (kind or parameters)."""
    return built.vector_store != wanted.vector_store


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

    @property
    def built_with(self) -> BuildSpec:
        """What this generation was built with, as one record the next build or search compares against."""
        return BuildSpec(model=self.model.name, fingerprint=self.model.fingerprint, dimension=self.model.dimension,
                         chunker_version=self.chunker_version, max_chars=self.max_chars,
                         lexical_tokenizer=self.lexical_tokenizer,
                         vector_store={k: v for k, v in self.vector_store.items() if k != "collection"})

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        data["model"] = ModelInfo(**data["model"])
        data["essays"] = tuple(EssayEntry(**{**e, "aliases": tuple(e.get("aliases", ()))}) for e in data["essays"])
        data["skipped"] = tuple(SkippedFile(**s) for s in data.get("skipped", ()))
        if data.get("format_version") == FORMAT_VERSION:
            data["files"] = {name: FileRecord(**record) for name, record in data["files"].items()}
        manifest = cls(**data)
        manifest.check_types()
        return manifest

    def check_types(self) -> None:
        """Raise ValueError on a field of the wrong type (a hand-edited or damaged file), before anything uses it."""
        wanted = {"format_version": int, "chunks": int, "max_chars": int, "chunker_version": str,
                  "lexical_tokenizer": str, "files": dict, "vector_store": dict}
        fields = {**{name: getattr(self, name) for name in wanted}, "model.dimension": self.model.dimension,
                  "model.fingerprint": self.model.fingerprint}
        types = {**wanted, "model.dimension": int, "model.fingerprint": str}
        for name, value in fields.items():
            if not isinstance(value, types[name]) or isinstance(value, bool):
                raise ValueError(f"{name} is {value!r}, not a {types[name].__name__}")
        if any(not isinstance(r, FileRecord) for r in self.files.values()):
            raise ValueError("files has records of the wrong shape")

    @property
    def size(self) -> int:
        return sum(record.bytes for record in self.files.values())


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_FILE
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexMismatch(f"The index at {folder} has no {MANIFEST_FILE}. Run `kb index --rebuild`.") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
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


def check_files(folder: Path, manifest: Manifest, checksums: bool = False) -> None:
    """Refuse an index with a missing, truncated or (with `checksums`) changed file; the message names the file
    and the fix."""
    problems = file_problems(folder, manifest, checksums)
    if problems:
        raise IndexMismatch(f"The index is damaged: {problems[0]}. Run `kb index --rebuild`.")


def check_model(manifest: Manifest, fingerprint: str, dimension: int | None) -> None:
    """Refuse to search an index whose vectors come from another model (the dimension is checked when known)."""
    built = manifest.built_with
    wanted = dataclasses.replace(built, fingerprint=fingerprint, dimension=dimension)
    if build_differences(built, wanted):
        raise IndexMismatch(
            f"The index was built with model {manifest.model.fingerprint} ({manifest.model.dimension} dims), "
            f"but the configured model is {fingerprint}" + (f" ({dimension} dims). " if dimension else ". ") +
            f"Run `kb index --rebuild`, or pass --model {manifest.model.name}."
        )
