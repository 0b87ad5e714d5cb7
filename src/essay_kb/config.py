"""Settings, declared once (name, default, help), read from flags > ESSAY_KB_* env > essay-kb.toml > default."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from essay_kb.bundled_model import BUNDLED_MODEL_NAME
from essay_kb.errors import EssayKBError
from essay_kb.lexical import DEFAULT_TOKENIZER
from essay_kb.store.vectors import HNSW_THRESHOLD

CONFIG_FILE = "essay-kb.toml"
ENV_PREFIX = "ESSAY_KB_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("corpus", "corpus", "Folder of essays (.txt .md .html, UTF-8 or GBK) to index."),
    Setting("index", "index", "Folder where the built index lives."),
    Setting(
        "model",
        BUNDLED_MODEL_NAME,
        "Sentence-transformers model name or path. The default is bundled and works offline; "
        "any other name is downloaded by sentence-transformers (needs the network once).",
    ),
    Setting("max_chars", 600, "Longest chunk in characters; longer paragraphs split at sentence ends."),
    Setting("max_file_mb", 20, "Largest essay file in MB; larger files are skipped with a message (uploads too)."),
    Setting("batch_size", 16, "Passages embedded per batch while indexing."),
    Setting("precision", "auto", "Embedding arithmetic: fp32, bf16, or auto (bf16 on CPUs with native bf16, "
            "i.e. AMX or AVX512-BF16: about 3x faster, same rankings)."),
    Setting("vector_store", "auto", "Nearest-neighbour index: flat (exact), hnsw (approximate graph), or auto "
            f"(flat up to {HNSW_THRESHOLD:,} passages, then hnsw)."),
    Setting("top_k", 5, "Passages returned per question."),
    Setting("lexical_tokenizer", DEFAULT_TOKENIZER, "How BM25 splits Chinese: bigram, jieba or jieba+bigram."),
    Setting("fusion", "blend", "How dense and BM25 rankings are fused: blend (weighted scores) or rrf."),
    Setting("dense_weight", 0.5, "Weight of the dense side in fusion (0 = BM25 only, 1 = dense only)."),
    Setting("rrf_k", 60, "The k of reciprocal-rank fusion (used when fusion = rrf)."),
)


@dataclass(frozen=True)
class Config:
    corpus: Path = Path("corpus")
    index: Path = Path("index")
    model: str = BUNDLED_MODEL_NAME
    max_chars: int = 600
    max_file_mb: float = 20
    batch_size: int = 16
    precision: str = "auto"
    vector_store: str = "auto"
    top_k: int = 5
    lexical_tokenizer: str = DEFAULT_TOKENIZER
    fusion: str = "blend"
    dense_weight: float = 0.5
    rrf_k: int = 60

    def as_dict(self) -> dict[str, Any]:
        return {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v for f in fields(self)}


def _coerce(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Config)}[name]
    try:
        if kind == "Path":
            return Path(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except (TypeError, ValueError) as exc:
        what = "a whole number" if kind == "int" else "a number"
        raise EssayKBError(f"Setting {name!r} must be {what}, not {raw!r}.") from exc
    return str(raw)


def load_config(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Config:
    """Resolve every setting: explicit overrides (CLI flags) win, then ESSAY_KB_* variables, then the TOML file.

    Args:
        overrides: values given on the command line; None values are ignored.
        env: the environment (os.environ by default).
        config_file: a TOML file of settings; `essay-kb.toml` in the working directory by default.
    """
    env = os.environ if env is None else env
    path = config_file or Path(CONFIG_FILE)
    from_file: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as fh:
            from_file = tomllib.load(fh)
    known = {s.name for s in SETTINGS}
    unknown = set(from_file) - known
    if unknown:
        raise EssayKBError(f"{path}: unknown setting(s) {sorted(unknown)}; valid ones are {sorted(known)}.")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = (overrides or {}).get(setting.name)
        if raw is None:
            raw = env.get(ENV_PREFIX + setting.name.upper())
        if raw is None:
            raw = from_file.get(setting.name)
        if raw is not None:
            values[setting.name] = _coerce(setting.name, raw)
    return Config(**values)
