"""The bundled model's tokenizer for one short text, without loading its 250,002-piece vocabulary.

`tokenizers` builds a trie of the whole Unigram vocabulary on load: ~300 MB and ~1 s, more than the rest of a
cold `kb ask`. A Unigram segmentation only ever uses pieces that occur in the pre-tokenised text, so this loads
the tokenizer.json pipeline (normaliser, pre-tokeniser, post-processor) with a vocabulary of just those pieces,
found by binary search in a sorted array of all pieces, and maps the ids back. The model itself is still
`tokenizers`' Unigram; only its vocabulary is cut to what the text can use. Kept exact by:
- the lowest-scoring piece is always in the cut vocabulary: unknown characters are scored below the vocabulary's
  minimum, so the minimum must not change;
- the special tokens keep their ids and handling (added tokens, <s> … </s> template);
- query_encoder.py writes an export only when its vectors match ST's on the probe questions, and the tests
  compare ids with the full tokenizer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

SKELETON = "tokenizer_pipeline.json"  # tokenizer.json with the Unigram vocabulary cut to the special tokens
PIECES = "pieces.npy"  # every ordinary piece's UTF-8 bytes, sorted
PIECE_IDS = "piece_ids.npy"  # the full id of each sorted piece
PIECE_SCORES = "piece_scores.npy"  # and its log-probability (float64, as tokenizer.json holds it)


def write_query_tokenizer(tokenizer_json: Path, out: Path) -> None:
    """Split the full tokenizer.json into the pipeline and the sorted piece arrays that QueryTokenizer reads."""
    data = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    model = data["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"expected a Unigram tokenizer, not {model.get('type')}")
    special = {t["id"] for t in data.get("added_tokens", []) if t.get("special")}
    ordinary = [(i, p, s) for i, (p, s) in enumerate(model["vocab"]) if i not in special]
    ordinary.sort(key=lambda t: t[1].encode("utf-8"))
    np.save(out / PIECES, np.array([p.encode("utf-8") for _, p, _ in ordinary]))
    np.save(out / PIECE_IDS, np.array([i for i, _, _ in ordinary], dtype=np.int32))
    np.save(out / PIECE_SCORES, np.array([s for _, _, s in ordinary], dtype=np.float64))
    skeleton = dict(data, model=dict(model, vocab=[model["vocab"][i] for i in sorted(special)]))
    skeleton["special_ids"] = sorted(special)
    (out / SKELETON).write_text(json.dumps(skeleton, ensure_ascii=False), encoding="utf-8")


class QueryTokenizer:
    """Token ids of one text, equal to the full tokenizer's (see the module docstring)."""

    def __init__(self, folder: Path, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        self._skeleton: dict[str, Any] = json.loads((folder / SKELETON).read_text(encoding="utf-8"))
        self._special_ids: list[int] = self._skeleton.pop("special_ids")
        self._pieces = np.load(folder / PIECES, mmap_mode="r")
        self._ids = np.load(folder / PIECE_IDS, mmap_mode="r")
        self._scores = np.load(folder / PIECE_SCORES, mmap_mode="r")
        self._lowest = int(np.argmin(self._scores))
        self._longest = self._pieces.dtype.itemsize  # bytes
        self._max_tokens = max_tokens
        self._pipeline = Tokenizer.from_str(json.dumps(self._skeleton))  # for its normaliser and pre-tokeniser

    def _rows(self, text: str) -> list[int]:
        """Rows of the sorted arrays for every piece that occurs in the pre-tokenised text."""
        normalizer, pre = self._pipeline.normalizer, self._pipeline.pre_tokenizer
        words = [w for w, _ in pre.pre_tokenize_str(normalizer.normalize_str(text) if normalizer else text)]
        subs = {w[i:j].encode("utf-8") for w in words for i in range(len(w))
                for j in range(i + 1, min(len(w), i + self._longest) + 1)}
        wanted = np.array(sorted(s for s in subs if len(s) <= self._longest), dtype=self._pieces.dtype)
        if not len(wanted):
            return [self._lowest]
        at = np.minimum(np.searchsorted(self._pieces, wanted), len(self._pieces) - 1)
        found = at[self._pieces[at] == wanted]
        return sorted({*found.tolist(), self._lowest})

    def encode(self, text: str) -> list[int]:
        from tokenizers import Tokenizer

        rows = self._rows(text)
        specials = self._skeleton["model"]["vocab"]
        vocab = specials + [[self._pieces[r].decode("utf-8"), float(self._scores[r])] for r in rows]
        full_ids = [*self._special_ids, *(int(self._ids[r]) for r in rows)]
        # The cut vocabulary has its own ids: the added tokens, <unk> and the <s> … </s> template are pointed at them.
        local = {full: i for i, full in enumerate(full_ids)}
        skeleton = dict(self._skeleton, model=dict(self._skeleton["model"], vocab=vocab,
                                                   unk_id=local[self._skeleton["model"]["unk_id"]]))
        skeleton["added_tokens"] = [dict(t, id=local[t["id"]]) for t in skeleton.get("added_tokens", [])]
        skeleton["post_processor"] = _remap(skeleton.get("post_processor"), local)
        tokenizer = Tokenizer.from_str(json.dumps(skeleton, ensure_ascii=False))
        tokenizer.enable_truncation(self._max_tokens)
        return [full_ids[i] for i in tokenizer.encode(text).ids]


def _remap(node: Any, local: dict[int, int]) -> Any:
    """The post-processor with its special-token ids rewritten to the cut vocabulary's ids."""
    if isinstance(node, dict):
        out = {k: _remap(v, local) for k, v in node.items()}
        if "ids" in out and isinstance(out["ids"], list) and all(isinstance(i, int) for i in out["ids"]):
            out["ids"] = [local.get(i, i) for i in out["ids"]]
        return out
    if isinstance(node, list):
        return [_remap(v, local) for v in node]
    return node
