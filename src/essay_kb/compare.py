"""essay ↔ essay: paragraph alignment with labels, overlap, character diff. Pure functions over chunks and
their vectors; the KnowledgeBase supplies both (from the index, or embedded on the fly for a pasted text).

Two signals label a pair, because each alone fails: characters alone call a reworded paragraph unrelated,
and embeddings alone call two paragraphs on one topic paraphrases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from essay_kb.chunker import Chunk
from essay_kb.normalize import normalize_for_search

Label = Literal["near-duplicate", "paraphrase", "related", "unique"]
LABELS: tuple[Label, ...] = ("near-duplicate", "paraphrase", "related", "unique")
ALIGNED_KINDS = ("abstract", "body", "conclusion")  # prose that can be borrowed; references compare apart


@dataclass(frozen=True)
class Thresholds:
    """Where the labels change, chosen by bench/related.py on the written pair set (tests/data/related/): on
    pairs whose first essay is on three of its six topics, then reported on the other three (BENCHMARKS.md,
    "Related essays and Compare — issue 15"). Cosines are those of the index's vectors (a paragraph under its
    title and heading), so Compare embeds nothing for indexed essays.

    The bundled model packs cosines into a narrow band (paragraphs of essays on different topics ≈ 0.88,
    same topic ≈ 0.91, rewordings ≈ 0.97), so meaning alone calls a same-topic paragraph a paraphrase; a
    rewording (洗稿) keeps much of its source's wording, so paraphrase asks for both, unless the meaning is
    nearly identical.
    """

    near_duplicate_chars: float = 0.75  # character similarity, or the share of the paragraph in shared runs
    paraphrase_cosine: float = 0.93
    paraphrase_chars: float = 0.4  # …with at least this character similarity
    paraphrase_alone: float = 0.98  # …or this cosine whatever the characters (a thorough rewording)
    related_cosine: float = 0.905


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


# Shared text below paragraph size: a quotation of one sentence inside two long paragraphs, or a pasted clause.
SHINGLE = 12  # characters hashed together when looking for shared text: longer than any stock phrase's core
MIN_SHARED = 30  # a shared run shorter than this is common phrasing, not a borrowed passage


@dataclass(frozen=True)
class SharedSpan:
    """The same run of text in a passage of A and one of B; offsets index each chunk's original text."""

    a: Chunk
    a_start: int
    a_end: int
    b: Chunk
    b_start: int
    b_end: int

    @property
    def text(self) -> str:
        return self.a.text[self.a_start : self.a_end]

    def reversed(self) -> SharedSpan:
        """The same run seen from B."""
        return SharedSpan(self.b, self.b_start, self.b_end, self.a, self.a_start, self.a_end)


def folded(text: str) -> tuple[str, list[int]]:
    """`text` folded for matching (width, traditional → simplified, case; spaces and line breaks dropped),
    one character per kept character, with the offset in `text` of each: shared runs are found in the folded
    form and cut from the original. Folding character by character keeps the two aligned, which
    normalize_for_search (NFKC may expand, OpenCC phrases may change length) does not promise."""
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(_fold_char(text[i]) for i in keep), keep


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    return (normalize_for_search(ch)[:1] or ch).lower()


def shared_spans(a: Sequence[Chunk], b: Sequence[Chunk], min_chars: int = MIN_SHARED) -> list[SharedSpan]:
    """Every run of at least `min_chars` characters that two alignable passages of A and B share, in A's order.

    Written here because no maintained library locates shared runs in both texts: difflib and rapidfuzz align
    two strings monotonically (one common subsequence), so a quotation that sits early in one paragraph and
    late in the other, or two quotations in crossed order, would be missed. The method is the usual one for
    text reuse: index B's fixed-length shingles, look each of A's up, extend every hit to its full length.
    """
    ia, ib = alignable(a), alignable(b)
    b_folded = [folded(b[j].text) for j in ib]
    where: dict[str, list[tuple[int, int]]] = {}
    for n, (text, _) in enumerate(b_folded):
        for pos in range(len(text) - SHINGLE + 1):
            where.setdefault(text[pos : pos + SHINGLE], []).append((n, pos))
    spans = []
    for i in ia:
        text, offsets = folded(a[i].text)
        pos = 0
        while pos <= len(text) - SHINGLE:
            best = (0, -1, -1)
            for n, start in where.get(text[pos : pos + SHINGLE], ()):
                other = b_folded[n][0]
                length = SHINGLE
                while (pos + length < len(text) and start + length < len(other)
                       and text[pos + length] == other[start + length]):
                    length += 1
                best = max(best, (length, n, start))
            length, n, start = best
            # A whole paragraph found in B counts however short it is (a one-line paragraph copied).
            if length >= min_chars or (pos == 0 and length == len(text)):
                b_offsets = b_folded[n][1]
                spans.append(SharedSpan(a[i], offsets[pos], offsets[pos + length - 1] + 1, b[ib[n]],
                                        b_offsets[start], b_offsets[start + length - 1] + 1))
                pos += length
            else:
                pos += 1
    return spans


def paragraph_coverage(a: Sequence[Chunk], spans: Sequence[SharedSpan]) -> list[float]:
    """For each chunk of `a`, the share of its characters (spaces left out) inside the shared runs."""
    covered: dict[int, set[int]] = {}
    for s in spans:
        covered.setdefault(s.a.ordinal, set()).update(
            i for i in range(s.a_start, s.a_end) if not s.a.text[i].isspace())
    sizes = [len(c.text) - sum(ch.isspace() for ch in c.text) for c in a]
    return [min(1.0, len(covered.get(c.ordinal, ())) / n) if n else 0.0 for c, n in zip(a, sizes, strict=True)]


def shared_share(a: Sequence[Chunk], spans: Sequence[SharedSpan]) -> float:
    """The share of A's alignable text (characters, spaces left out as the runs leave them out) inside shared
    runs."""
    total = sum(len(a[i].text) - sum(ch.isspace() for ch in a[i].text) for i in alignable(a))
    covered: dict[int, set[int]] = {}
    for s in spans:
        covered.setdefault(s.a.ordinal, set()).update(
            i for i in range(s.a_start, s.a_end) if not s.a.text[i].isspace())
    return min(1.0, sum(len(c) for c in covered.values()) / total) if total else 0.0


def char_similarity(a: str, b: str) -> float:
    """Similarity of two paragraphs' characters (Chinese has no spaces: characters, not words), 0..1."""
    return fuzz.ratio(normalize_for_search(a), normalize_for_search(b)) / 100


def label_pair(chars: float, covered: float, cosine: float, th: Thresholds) -> Label:
    """A paragraph's label from its best character similarity, the share of it in runs the other essay also
    holds, and its best cosine there."""
    if max(chars, covered) >= th.near_duplicate_chars:
        return "near-duplicate"
    if (cosine >= th.paraphrase_cosine and chars >= th.paraphrase_chars) or cosine >= th.paraphrase_alone:
        return "paraphrase"
    if cosine >= th.related_cosine:
        return "related"
    return "unique"


def alignable(chunks: Sequence[Chunk]) -> list[int]:
    """Positions of the chunks that take part in alignment."""
    return [i for i, c in enumerate(chunks) if c.kind in ALIGNED_KINDS]


def align_paragraphs(
    a: Sequence[Chunk], a_vectors: np.ndarray, b: Sequence[Chunk], b_vectors: np.ndarray,
    th: Thresholds | None = None, spans: Sequence[SharedSpan] | None = None,
) -> list[AlignedPair]:
    """Every alignable paragraph of A with its best partner in B.

    Args:
        spans: the runs A shares with B (`shared_spans(a, b)`), computed here when not given.
    """
    th = th or Thresholds()
    ia, ib = alignable(a), alignable(b)
    if not ia:
        return []
    if not ib:
        return [AlignedPair(a[i], None, "unique", 0.0, 0.0) for i in ia]
    spans = shared_spans(a, b) if spans is None else spans
    covered = dict(zip(ia, paragraph_coverage([a[i] for i in ia], spans), strict=True))
    cosines = a_vectors[ia] @ b_vectors[ib].T
    pairs = []
    for row, i in enumerate(ia):
        chars = [char_similarity(a[i].text, b[j].text) for j in ib]
        label = label_pair(max(chars), covered[i], float(cosines[row].max()), th)
        # The partner: the most alike in characters for a near-duplicate (or, for one assembled from pieces of
        # several paragraphs, the paragraph holding most of its shared text), otherwise the nearest in meaning.
        if label == "near-duplicate":
            shared = [sum(s.a_end - s.a_start for s in spans if s.a.ordinal == a[i].ordinal and s.b.ordinal ==
                          b[j].ordinal) for j in ib]
            col = int(np.argmax(chars)) if max(chars) >= th.near_duplicate_chars else int(np.argmax(shared))
        else:
            col = int(np.argmax(cosines[row]))
        partner = b[ib[col]] if label != "unique" else None
        pairs.append(AlignedPair(a[i], partner, label, chars[col], float(cosines[row, col])))
    return pairs


def reworded_share(pairs: Sequence[AlignedPair]) -> float:
    """The share of A's aligned text (by characters) in paragraphs labelled paraphrase: said again in other
    words, which shared runs of characters cannot show."""
    total = sum(len(p.a.text) for p in pairs)
    return sum(len(p.a.text) for p in pairs if p.label == "paraphrase") / total if total else 0.0


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
