"""essay → how related each other essay is, from the vectors the index already holds (no embedding).

The score is the essay's passages' closeness to the other essay *measured against the corpus baseline*: for
each passage x of X, its best cosine with the other essay's passages minus its mean best cosine with a sample of
the corpus's essays, in units of that sample's spread (a z-score), averaged over X weighted by length. The
bundled model packs every cosine into a narrow band (unrelated Chinese prose ≈ 0.84, same subject ≈ 0.90), so a
fixed cosine threshold says little on its own; how far above the typical essay a passage stands does, on a
corpus of any topic mix. The score is continuous: a reprint stands many spreads above, an essay on the same
subject one or two, an unrelated one near zero.

Pure functions over arrays; KnowledgeBase.related reads the vectors and texts from the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from essay_kb.chunker import Chunk
from essay_kb.compare import ALIGNED_KINDS, alignable, shared_share, shared_spans
from essay_kb.ingest import Essay
from essay_kb.normalize import normalize_for_search
from essay_kb.references import parse_reference, shared_references
from essay_kb.store import StoredIndex

# A passage's best cosines with the sample essays spread at least this much: with a few near-identical
# essays in a small corpus the measured spread can be ~0, which would make any difference look enormous.
MIN_SPREAD = 0.01
# Essays in the baseline sample. 16 gives the mean best cosine within ~0.003 of the whole corpus's on CMRC-sized
# corpora (bench/related.py) at a fixed, small cost per query.
BASELINE_ESSAYS = 16
# A passage counts as "close" to the other essay at this many spreads above the baseline (the share of X's text
# that is close is shown as evidence).
CLOSE_Z = 2.0


@dataclass(frozen=True)
class Baseline:
    """Per passage of X: the mean and spread of its best cosine with each essay of the baseline sample."""

    mean: np.ndarray
    spread: np.ndarray


@dataclass(frozen=True)
class Sample:
    """X's passages' best cosines with each essay of the baseline sample (essays × passages)."""

    essays: tuple[str, ...]
    best: np.ndarray

    def without(self, essay_id: str) -> Baseline:
        """The baseline for scoring `essay_id`: the sample without it, so that an essay is never measured
        against itself (in a small corpus a reprint in the sample would lift the mean and the spread)."""
        keep = [i for i, e in enumerate(self.essays) if e != essay_id]
        if not keep:
            n = self.best.shape[1]
            return Baseline(np.zeros(n, dtype=np.float32), np.full(n, MIN_SPREAD, dtype=np.float32))
        best = self.best[keep]
        return Baseline(best.mean(axis=0), np.maximum(best.std(axis=0), MIN_SPREAD))


def best_cosines(x: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each row of x, its highest cosine with any row of `other` (vectors are unit length)."""
    if not len(other):
        return np.zeros(len(x), dtype=np.float32)
    return (x @ other.T).max(axis=1)


def corpus_sample(x: np.ndarray, sample: dict[str, np.ndarray]) -> Sample:
    """How close X's passages come to each essay of the baseline sample (essay id → its passage vectors)."""
    best = np.stack([best_cosines(x, v) for v in sample.values()]) if sample else np.zeros((0, len(x)))
    return Sample(tuple(sample), best)


def passage_z(x: np.ndarray, other: np.ndarray, baseline: Baseline) -> np.ndarray:
    """Each passage of X: how many spreads its best match in `other` stands above its baseline."""
    return (best_cosines(x, other) - baseline.mean) / baseline.spread


def closeness(z: np.ndarray, weights: np.ndarray) -> float:
    """The length-weighted mean z of X's passages: one number for how much closer the other essay is than a
    typical one. Long paragraphs weigh more, so a one-line passage cannot decide the score."""
    total = float(weights.sum())
    return float((z * weights).sum() / total) if total > 0 else 0.0


def close_share(z: np.ndarray, weights: np.ndarray) -> float:
    """The share of X's text (by characters) whose best match in the other essay is at least CLOSE_Z above."""
    total = float(weights.sum())
    return float(weights[z >= CLOSE_Z].sum() / total) if total > 0 else 0.0


def baseline_sample(essays: Sequence[tuple[str, str]], exclude: str, n: int = BASELINE_ESSAYS) -> list[str]:
    """n essay ids for the baseline, chosen by content hash (id, sha256) pairs sorted by sha256: the same
    essays whatever their files are called, and a different sample never depends on the query essay's name."""
    return [essay_id for essay_id, _ in sorted(essays, key=lambda e: e[1]) if essay_id != exclude][:n]


def vote(neighbours: Sequence[Sequence[tuple[str, float]]], own: str) -> dict[str, float]:
    """Stage one: each passage of X found its nearest passages in the index; an essay's vote is the sum over X's
    passages of its best cosine among them, so an essay near many of X's passages outranks one near a single
    passage."""
    votes: dict[str, float] = {}
    for found in neighbours:
        best: dict[str, float] = {}
        for essay_id, cosine in found:
            if essay_id != own and cosine > best.get(essay_id, -1.0):
                best[essay_id] = cosine
        for essay_id, cosine in best.items():
            votes[essay_id] = votes.get(essay_id, 0.0) + cosine
    return votes


# ---- over an index -----------------------------------------------------------------------------------------

# Stage one: each passage of X asks the vector store for this many nearest passages (plus X's own, which come
# back first); the essays they belong to are the candidates. Stage two scores CANDIDATES of them exactly.
NEIGHBOURS = 30
CANDIDATES = 30
LEXICAL_CANDIDATES = 10  # essays BM25 finds for X's title and keywords, added to the candidates


@dataclass(frozen=True)
class Relatedness:
    """How related another essay is to X, with the evidence a reader can check."""

    essay_id: str
    title: str
    score: float  # closeness: X's passages' mean z against the corpus baseline (see the module's docstring)
    close_share: float  # share of X's text whose best match in this essay is ≥ CLOSE_Z above the baseline
    shared_text: float  # share of X's text in runs of ≥ 30 characters this essay also holds
    shared_keywords: tuple[str, ...]
    shared_references: int
    sha256: str  # the essay's content hash: the last tie-breaker, so file names never decide an order

    def sort_key(self) -> tuple[float, float, int, int, str]:
        return (-self.score, -self.shared_text, -self.shared_references, -len(self.shared_keywords), self.sha256)

    def as_dict(self) -> dict[str, object]:
        return {"essay": self.essay_id, "title": self.title, "score": round(self.score, 4),
                "close_share": round(self.close_share, 4), "shared_text": round(self.shared_text, 4),
                "shared_keywords": list(self.shared_keywords), "shared_references": self.shared_references}


def related_essays(
    index: StoredIndex, essay: Essay, chunks: Sequence[Chunk], vectors: np.ndarray, k: int
) -> list[Relatedness]:
    """The k indexed essays most related to `essay` (whose chunks and their vectors are given: from the index,
    or embedded for a file that is not indexed), best first. Embeds nothing."""
    own = alignable(chunks)
    if not own:
        return []
    x = vectors[own]
    weights = np.array([len(chunks[i].text) for i in own], dtype=np.float64)
    layout = index.chunks.layout()
    rows_of = layout.rows_by_essay(ALIGNED_KINDS)
    others = {e for e in rows_of if e != essay.id}
    if not others:
        return []
    # X's own passages come back first (they share its title and topic), and a reprint or two can fill the
    # rest; fetch deeper until enough other essays are in view (rarely more than once).
    depth = NEIGHBOURS + len(chunks)
    while True:
        found = []
        for v in x:
            hits = index.vectors.search(v, depth)
            found.append([(layout.essay[r], c) for r, c in hits if layout.kind[r] in ALIGNED_KINDS])
        votes = vote(found, essay.id)
        if len(votes) >= min(CANDIDATES, len(others)) or depth >= index.vectors.count:
            break
        depth *= 2
    candidates = sorted(votes, key=lambda e: (-votes[e], layout.sha256[e]))[:CANDIDATES]
    query = " ".join([essay.title, *essay.meta.keywords])
    for row, _ in index.lexical.search(query, LEXICAL_CANDIDATES * 4):
        if layout.essay[row] in others and layout.essay[row] not in candidates:
            candidates.append(layout.essay[row])
    if len(others) <= CANDIDATES:  # a small corpus: score every essay exactly, no need to vote
        candidates = sorted(others, key=lambda e: layout.sha256[e])
    sample = corpus_sample(x, {e: index.vectors.vectors(rows_of[e])
                               for e in baseline_sample([(e, layout.sha256[e]) for e in others], essay.id)})
    metas = {e.id: e for e in index.chunks.essays(candidates)}
    own_refs = [parse_reference(c.text) for c in chunks if c.kind == "reference"]
    own_keys = {normalize_for_search(k) for k in essay.meta.keywords}
    scored = []
    for other in candidates:
        z = passage_z(x, index.vectors.vectors(rows_of[other]), sample.without(other))
        their = index.chunks.essay_chunks(other)
        meta = metas[other]
        refs = [parse_reference(c.text) for c in their if c.kind == "reference"]
        scored.append(Relatedness(
            other, meta.title, closeness(z, weights), close_share(z, weights),
            shared_share(chunks, shared_spans(chunks, their)),
            tuple(sorted(own_keys & {normalize_for_search(k) for k in meta.meta.keywords})),
            len(shared_references(own_refs, refs)), layout.sha256[other]))
    return sorted(scored, key=Relatedness.sort_key)[:k]
