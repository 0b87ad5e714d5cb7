"""Settings, declared once (name, default, help, valid values), read from flags > ESSAY_KB_* env > essay-kb.toml.

Each setting is one field of `Config`; `SETTINGS` (the README table, the About page, the `kb` flags) is read
from those fields, so a default or a help text cannot drift between two lists.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args

from essay_kb.bundled_model import BUNDLED_MODEL_NAME
from essay_kb.embedder import PRECISIONS
from essay_kb.errors import EssayKBError
from essay_kb.fusion import FusionMethod
from essay_kb.lexical import DEFAULT_TOKENIZER, TOKENIZERS
from essay_kb.store.vectors import HNSW_THRESHOLD, STORE_CHOICES

CONFIG_FILE = "essay-kb.toml"
ENV_PREFIX = "ESSAY_KB_"
MILVUS_SCHEME = "milvus://"

Check = Callable[[Any], str | None]  # what is wrong with a value ("must be at least 1"), or None


def _at_least(low: float) -> Check:
    return lambda v: None if v >= low else f"must be at least {low}, not {v}"


def _positive(v: float) -> str | None:
    return None if v > 0 else f"must be more than 0, not {v}"


def _fraction(v: float) -> str | None:
    return None if 0 <= v <= 1 else f"must be between 0 and 1, not {v}"


def _folder(v: Path) -> str | None:
    # A file here would be replaced by (or mistaken for) a folder: `--index README.md` must stop before a build.
    return f"is {str(v)!r}, a file: give a folder (new or existing)" if v.is_file() else None


def _milvus_address(v: str) -> str | None:
    host, _, port = v.removeprefix(MILVUS_SCHEME).rpartition(":")
    return None if host and port.isdigit() else f"must be {MILVUS_SCHEME}host:port, not {v!r}"


def _as_bool(raw: Any, name: str, source: str) -> bool:
    # TOML gives a bool; flags and the environment give words.
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise EssayKBError(f"Setting {name!r} ({source}) must be true or false, not {raw!r}.")


def _setting(default: Any, help: str, *, choices: tuple[str, ...] = (), check: Check | None = None,
             flag: bool = False, secret: bool = False) -> Any:
    """A `Config` field with its help, its valid values, whether `kb` takes it as a --flag, and whether its value
    is a secret that `kb info`, the About page and the API's /status never show."""
    return field(default=default, metadata={"help": help, "choices": choices, "check": check, "flag": flag,
                                            "secret": secret})


@dataclass(frozen=True)
class Config:
    corpus: Path = _setting(Path("corpus"), "Folder of essays (.txt .md .html, UTF-8 or GBK) to index.",
                            check=_folder, flag=True)
    index: Path = _setting(Path("index"), "Folder where the built index lives.", check=_folder, flag=True)
    model: str = _setting(
        BUNDLED_MODEL_NAME,
        "Sentence-transformers model name or path. The default is bundled and works offline; "
        "any other name is downloaded by sentence-transformers (needs the network once).", flag=True)
    max_chars: int = _setting(600, "Longest chunk in characters; longer paragraphs split at sentence ends.",
                              check=_at_least(1))
    max_file_mb: float = _setting(20, "Largest essay file in MB; larger files are skipped with a message "
                                      "(uploads too).", check=_positive, flag=True)
    batch_size: int = _setting(16, "Passages embedded per batch while indexing.", check=_at_least(1))
    precision: str = _setting("auto", "Embedding arithmetic: fp32, bf16, or auto (on CPUs with native bf16, "
                                      "both are timed once per machine and bf16 kept only if >= 1.15x faster).",
                              choices=PRECISIONS, flag=True)
    vector_store: str = _setting(
        "auto", "Nearest-neighbour index: flat (exact), hnsw (approximate graph), auto "
                f"(flat up to {HNSW_THRESHOLD:,} passages, then hnsw), milvus-lite, or milvus://host:port.",
        choices=STORE_CHOICES, flag=True)
    top_k: int = _setting(5, "Passages returned per question.", check=_at_least(1))
    lexical_tokenizer: str = _setting(DEFAULT_TOKENIZER, "How BM25 splits Chinese: bigram, jieba or jieba+bigram.",
                                      choices=tuple(TOKENIZERS))
    fusion: str = _setting("blend", "How dense and BM25 rankings are fused: blend (weighted scores) or rrf.",
                           choices=get_args(FusionMethod))
    dense_weight: float = _setting(0.5, "Weight of the dense side in fusion (0 = BM25 only, 1 = dense only).",
                                   check=_fraction)
    rrf_k: int = _setting(60, "The k of reciprocal-rank fusion (used when fusion = rrf).", check=_at_least(0))
    ocr: bool = _setting(False, "Read scanned PDFs (no text layer) with OCR; needs `pip install 'essay-kb[ocr]'`.")
    token: str = _setting("", "Bearer token `kb serve` requires of POST /rebuild (empty: none); reads stay open.",
                          secret=True)

    def __post_init__(self) -> None:
        # Every way of making a Config (flags, environment, file, code) is checked here, before anything runs.
        for setting in SETTINGS:
            setting.validate(getattr(self, setting.name))

    def as_dict(self) -> dict[str, Any]:
        shown = {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v for f in fields(self)}
        return {name: "(set)" if value and _is_secret(name) else value for name, value in shown.items()}


def _is_secret(name: str) -> bool:
    return bool(next(f for f in fields(Config) if f.name == name).metadata["secret"])


@dataclass(frozen=True)
class Setting:
    """One setting as the README, the About page and the `kb` flags show it; read from a `Config` field."""

    name: str
    default: Any
    help: str
    kind: str  # "Path", "int", "float", "bool" or "str": the field's annotation
    choices: tuple[str, ...] = ()
    check: Check | None = None
    flag: bool = False  # also a `kb` option, --name-with-dashes

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def coerce(self, raw: Any, source: str) -> Any:
        """`raw` (a string from a flag or the environment, or a TOML value) as this setting's type, checked."""
        if self.kind == "bool":
            return _as_bool(raw, self.name, source)
        try:
            value = {"Path": Path, "int": int, "float": float}.get(self.kind, str)(raw)
        except (TypeError, ValueError):
            what = "a whole number" if self.kind == "int" else "a number"
            raise EssayKBError(f"Setting {self.name!r} ({source}) must be {what}, not {raw!r}.") from None
        self.validate(value, source)
        return value

    def validate(self, value: Any, source: str = "") -> None:
        where = f" ({source})" if source else ""
        if self.name == "vector_store" and str(value).startswith(MILVUS_SCHEME):
            problem = _milvus_address(value)
        elif self.choices and value not in self.choices:
            extra = ", or milvus://host:port" if self.name == "vector_store" else ""
            problem = f"must be one of {', '.join(self.choices)}{extra}, not {value!r}"
        else:
            problem = self.check(value) if self.check else None
        if problem:
            raise EssayKBError(f"Setting {self.name!r}{where} {problem}.")


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, f.metadata["help"], str(f.type), f.metadata["choices"], f.metadata["check"],
            f.metadata["flag"])
    for f in fields(Config)
)


def load_config(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Config:
    """Resolve every setting: explicit overrides (CLI flags) win, then ESSAY_KB_* variables, then the TOML file.

    A value of the wrong type or out of range is refused with one line naming the setting, where the value came
    from and the valid values.

    Args:
        overrides: values given on the command line; None values are ignored.
        env: the environment (os.environ by default).
        config_file: a TOML file of settings; `essay-kb.toml` in the working directory by default.
    """
    env = os.environ if env is None else env
    path = config_file or Path(CONFIG_FILE)
    from_file: dict[str, Any] = {}
    if path.is_file():
        try:
            with path.open("rb") as fh:
                from_file = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise EssayKBError(f"{path} is not valid TOML ({exc}); fix it or remove it.") from None
    known = {s.name for s in SETTINGS}
    unknown = set(from_file) - known
    if unknown:
        raise EssayKBError(f"{path}: unknown setting(s) {sorted(unknown)}; valid ones are {sorted(known)}.")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        sources = (((overrides or {}).get(setting.name), f"from {setting.option}"),
                   (env.get(setting.env), f"from {setting.env}"),
                   (from_file.get(setting.name), f"from {path}"))
        raw, source = next(((r, s) for r, s in sources if r is not None), (None, ""))
        if raw is not None:
            values[setting.name] = setting.coerce(raw, source)
    return Config(**values)
