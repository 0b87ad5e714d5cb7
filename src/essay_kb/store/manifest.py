"""manifest.json: what built an index generation, checked before the index is used."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from essay_kb.errors import IndexMismatch

FORMAT_VERSION = 1
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


@dataclass(frozen=True)
class Manifest:
    model: ModelInfo
    chunker_version: str
    essays: tuple[EssayEntry, ...]
    chunks: int
    files: dict[str, int]  # file name → size in bytes, checked on load
    package_version: str
    lexical_tokenizer: str = ""  # filled in by write_generation from the lexical index itself
    format_version: int = FORMAT_VERSION
    created: float = field(default_factory=time.time)
    build_seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["model"] = ModelInfo(**data["model"])
        data["essays"] = tuple(EssayEntry(**e) for e in data["essays"])
        return cls(**data)


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


def check_files(folder: Path, manifest: Manifest) -> None:
    """Cheap integrity check: every recorded file is present with its recorded size."""
    for name, size in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise IndexMismatch(f"The index at {folder} lacks {name}. Run `kb index --rebuild`.")
        if path.stat().st_size != size:
            raise IndexMismatch(
                f"{path} has {path.stat().st_size} bytes, the manifest says {size}: the index is damaged. "
                "Run `kb index --rebuild`."
            )


def check_model(manifest: Manifest, fingerprint: str, dimension: int) -> None:
    """Refuse to search an index whose vectors come from another model."""
    if manifest.model.fingerprint != fingerprint or manifest.model.dimension != dimension:
        raise IndexMismatch(
            f"The index was built with model {manifest.model.fingerprint} ({manifest.model.dimension} dims), "
            f"but the configured model is {fingerprint} ({dimension} dims). "
            f"Run `kb index --rebuild`, or pass --model {manifest.model.name}."
        )
