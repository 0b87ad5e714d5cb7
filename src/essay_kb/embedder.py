"""Embedder over sentence-transformers; the model's own query/passage prompts live here and only here."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from essay_kb.bundled_model import (
    BUNDLED_MODEL_NAME,
    bundled_fingerprint,
    ensure_bundled_model,
    is_bundled_model_name,
)
from essay_kb.errors import ModelUnavailable

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]  # (done, total)


def canonical_model_name(model: str) -> str:
    """The name a model is recorded under: aliases of the bundled model resolve to one name."""
    return BUNDLED_MODEL_NAME if is_bundled_model_name(model) else model


def _force_offline() -> None:
    # The bundled model is a local folder; these make sure no code path below us phones a hub.
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"


def _folder_fingerprint(path: Path) -> str:
    """Identify a model folder on disk by its configuration files and weight sizes (hashing GBs would be slow)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        if file.suffix == ".json" and file.stat().st_size < 1_000_000:
            digest.update(file.read_bytes())
        else:
            digest.update(str(file.stat().st_size).encode())
    return digest.hexdigest()[:16]


class Embedder:
    """Turns passages and questions into L2-normalised float32 vectors.

    Args:
        model: the bundled model's name (default), a sentence-transformers model name, or a folder.
        batch_size: passages per forward pass while indexing.
    """

    def __init__(self, model: str = BUNDLED_MODEL_NAME, batch_size: int = 16) -> None:
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self._model = self._load()
        # ST 6 renamed the method; keep working with ST 5.
        model = self._model
        dimension_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(dimension_of() or 0)
        self.max_seq_length = int(self._model.max_seq_length)
        prompts = dict(self._model.prompts or {})
        self.query_prompt = prompts.get("query")
        # ST 6 prefers "document"; older model cards only have "passage".
        self.passage_prompt = prompts.get("document") or prompts.get("passage")

    def _load(self):  # type: ignore[no-untyped-def]
        from sentence_transformers import SentenceTransformer  # slow import: only when an embedder is built
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the weight-loading bar would tear through our own progress output

        if self.name == BUNDLED_MODEL_NAME:
            _force_offline()
            folder = ensure_bundled_model()
            self.fingerprint = f"{BUNDLED_MODEL_NAME}@{bundled_fingerprint()}"
            return SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        path = Path(self.name).expanduser()
        try:
            model = SentenceTransformer(str(path) if path.is_dir() else self.name, device="cpu")
        except Exception as exc:  # any loader failure means the same thing to the user
            raise ModelUnavailable(
                f"Cannot load embedding model {self.name!r} ({exc.__class__.__name__}: {exc}). "
                f"Use a model folder on disk, or the bundled offline model: --model {BUNDLED_MODEL_NAME}"
            ) from exc
        self.fingerprint = f"{self.name}@{_folder_fingerprint(path)}" if path.is_dir() else self.name
        return model

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "fingerprint": self.fingerprint,
            "dimension": self.dimension,
            "max_seq_length": self.max_seq_length,
            "prompts": {"query": self.query_prompt, "passage": self.passage_prompt},
        }

    def embed_passages(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed passages in batches, calling `progress(done, total)` after each batch."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first: batches of similar length waste less padding, and progress is honest about time.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._encode([texts[i] for i in rows], self.passage_prompt)
            if progress:
                progress(min(start + self.batch_size, len(order)), len(order))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], self.query_prompt)[0]

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            prompt=prompt,
            batch_size=len(texts),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])

