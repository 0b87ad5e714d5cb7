"""essay ↔ essay: paragraph alignment with labels, overlap, character diff. Pure functions over chunks and
their vectors; the KnowledgeBase supplies both (from the index, or embedded on the fly for a pasted text).

Two signals label a pair, because each alone fails: characters alone call a reworded paragraph unrelated,
and embeddings alone call two paragraphs on one topic paraphrases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from essay_kb.chunker import Chunk
from essay_kb.ingest import Essay
from essay_kb.normalize import normalize_for_search

Label = Literal["near-duplicate", "paraphrase", "related", "unique"]
LABELS: tuple[Label, ...] = ("near-duplicate", "paraphrase", "related", "unique")
ALIGNED_KINDS = ("abstract", "body", "conclusion")  # prose that can be borrowed; references compare apart


@dataclass(frozen=True)
class Thresholds:
    """Where the labels change, measured by bench/compare.py on 567 constructed pairs (BENCHMARKS.md).

    multilingual-e5 packs cosines into a narrow band (unrelated Chinese prose ≈ 0.84, same subject ≈ 0.90,
    rewordings ≈ 0.97), so the cosine thresholds sit close together. Character similarity separates edited
    copies (≥ 0.89) from rewordings (≤ 0.52) cleanly; any value between gives the same F1, so the threshold sits
    in the middle of that gap, not at the grid's edge.
    """

    near_duplicate_chars: float = 0.70  # normalised character similarity (rapidfuzz ratio / 100)
    paraphrase_cosine: float = 0.96
    related_cosine: float = 0.875


@dataclass(frozen=True)
class AlignedPair:
    a: Chunk
    b: Chunk | None  # the best partner in the other essay; None when nothing there comes close
    label: Label
    chars: float  # character similarity 0..1 of the normalised texts
    cosine: float


@dataclass(frozen=True)
class DiffPiece:
    op: Literal["equal", "delete", "insert"]
    text: str


def char_similarity(a: str, b: str) -> float:
    """Similarity of two paragraphs' characters (Chinese has no spaces: characters, not words), 0..1."""
    return fuzz.ratio(normalize_for_search(a), normalize_for_search(b)) / 100


def label_pair(chars: float, cosine: float, th: Thresholds) -> Label:
    if chars >= th.near_duplicate_chars:
        return "near-duplicate"
    if cosine >= th.paraphrase_cosine:
        return "paraphrase"
    if cosine >= th.related_cosine:
        return "related"
    return "unique"


def alignable(chunks: Sequence[Chunk]) -> list[int]:
    """Positions of the chunks that take part in alignment."""
    return [i for i, c in enumerate(chunks) if c.kind in ALIGNED_KINDS]


def align_paragraphs(
    a: Sequence[Chunk], a_vectors: np.ndarray, b: Sequence[Chunk], b_vectors: np.ndarray,
    th: Thresholds | None = None,
) -> list[AlignedPair]:
    """Every alignable paragraph of A with its best partner in B (by the stronger of the two signals)."""
    th = th or Thresholds()
    ia, ib = alignable(a), alignable(b)
    if not ia:
        return []
    if not ib:
        return [AlignedPair(a[i], None, "unique", 0.0, 0.0) for i in ia]
    cosines = a_vectors[ia] @ b_vectors[ib].T
    pairs = []
    for row, i in enumerate(ia):
        chars = [char_similarity(a[i].text, b[j].text) for j in ib]
        # The partner is the most similar by characters when that already makes a near-duplicate,
        # otherwise the nearest in meaning.
        col = int(np.argmax(chars)) if max(chars) >= th.near_duplicate_chars else int(np.argmax(cosines[row]))
        label = label_pair(chars[col], float(cosines[row, col]), th)
        partner = b[ib[col]] if label != "unique" else None
        pairs.append(AlignedPair(a[i], partner, label, chars[col], float(cosines[row, col])))
    return pairs


def overlap_share(pairs: Sequence[AlignedPair]) -> float:
    """The share of A's aligned text (by characters) that is a near-duplicate or a paraphrase of B."""
    total = sum(len(p.a.text) for p in pairs)
    borrowed = sum(len(p.a.text) for p in pairs if p.label in ("near-duplicate", "paraphrase"))
    return borrowed / total if total else 0.0


def char_diff(a: str, b: str) -> list[DiffPiece]:
    """A character-level diff from a to b as equal / delete / insert pieces (a replace is delete + insert)."""
    pieces: list[DiffPiece] = []
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            pieces.append(DiffPiece("equal", a[op.src_start : op.src_end]))
            continue
        if op.src_end > op.src_start:
            pieces.append(DiffPiece("delete", a[op.src_start : op.src_end]))
        if op.dest_end > op.dest_start:
            pieces.append(DiffPiece("insert", b[op.dest_start : op.dest_end]))
    return pieces


def similarity_matrix(
    a: Sequence[Chunk], a_vectors: np.ndarray, b: Sequence[Chunk], b_vectors: np.ndarray
) -> np.ndarray:
    """Cosine of every alignable paragraph of A with every one of B (rows A, columns B), for a heatmap."""
    ia, ib = alignable(a), alignable(b)
    if not ia or not ib:
        return np.zeros((len(ia), len(ib)), dtype=np.float32)
    return a_vectors[ia] @ b_vectors[ib].T


@dataclass(frozen=True)
class Relatedness:
    """How related essay B is to essay A, with the evidence a reader can check."""

    essay_id: str
    title: str
    score: float
    aligned_share: float  # share of A's text with a partner in B at least "related"
    borrowed_share: float  # share of A's text that is a near-duplicate or paraphrase of B
    shared_keywords: tuple[str, ...]
    shared_references: int
    title_similarity: float

    def as_dict(self) -> dict[str, object]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in self.__dict__.items()}


# Why these weights: paragraph alignment is the direct evidence (what B says that A says), so it carries most
# of the score, and borrowed text adds to plain topical closeness; keywords, references and titles are the
# bibliographic evidence readers use, and they break ties between essays on one subject.
RELATEDNESS_WEIGHTS = {"aligned": 0.4, "borrowed": 0.3, "keywords": 0.1, "references": 0.1, "title": 0.1}


def relatedness(a: Essay, b: Essay, pairs: Sequence[AlignedPair], shared_references: int) -> Relatedness:
    total = sum(len(p.a.text) for p in pairs) or 1
    aligned = sum(len(p.a.text) for p in pairs if p.label != "unique") / total
    borrowed = overlap_share(pairs)
    keys_a = {normalize_for_search(k) for k in a.meta.keywords}
    keys_b = {normalize_for_search(k) for k in b.meta.keywords}
    shared = tuple(sorted(keys_a & keys_b))
    jaccard = len(shared) / len(keys_a | keys_b) if keys_a | keys_b else 0.0
    title = char_similarity(a.title, b.title)
    w = RELATEDNESS_WEIGHTS
    score = (w["aligned"] * aligned + w["borrowed"] * borrowed + w["keywords"] * jaccard
             + w["references"] * min(shared_references, 3) / 3 + w["title"] * title)
    return Relatedness(b.id, b.title, score, aligned, borrowed, shared, shared_references, title)
