"""Dense + lexical candidates → one ranking. Pure functions; the method and its parameters are chosen by
bench/hybrid.py on CMRC 2018 trial and kept in FusionConfig's defaults."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

FusionMethod = Literal["rrf", "blend"]


class Candidate(NamedTuple):
    """One chunk row with both retrievers' view of it (ranks are 1-based within each retriever's list).

    A NamedTuple rather than a dataclass: a query creates a few hundred, and tuples are several times cheaper
    to make, which matters inside the search's budget of a tenth of the query embedding.
    """

    row: int
    dense_score: float
    lexical_score: float
    dense_rank: int | None
    lexical_rank: int | None
    fused_score: float = 0.0


@dataclass(frozen=True)
class FusionConfig:
    method: FusionMethod = "blend"
    rrf_k: int = 60
    dense_weight: float = 0.5  # blend: weight of the normalised dense score; rrf: weight of the dense rank term
    depth: int = 50  # candidates fetched from each retriever before fusing
    # Passage roles (issue 14): the fused score of a chunk of these kinds is multiplied by its weight, so a
    # 参考文献 entry or a keyword line, which repeat a question's words without answering it, stands below the
    # body text. 0 leaves the kind out of the ranking. A question that asks about that role lifts its weight
    # (search.asked_roles). 0.3, chosen on the dev split of tests/data/reader_questions.jsonl by
    # bench/reader_questions.py (0.1-0.3 tie there; 0.5 and 0.7 lose English questions to references).
    kind_weights: tuple[tuple[str, float], ...] = (("reference", 0.3), ("keywords", 0.3))
    role_questions: bool = True  # a question about sources, keywords or the abstract lifts that role's weight
    # BM25's first row keeps weight 1: the query quotes that entry (a cited title pasted in). Costs nothing on
    # the dev questions and keeps such a reference first instead of below the top 10 (bench/reader_questions.py).
    lexical_top_exempt: bool = True
    # Latin words of a question count in BM25 only against Latin-script content passages (an English question
    # over Chinese essays otherwise matches English abstracts and citations); English stop words never count.
    cross_language: bool = True


def rank_of(rows: Sequence[int]) -> dict[int, int]:
    return {row: i for i, row in enumerate(rows, start=1)}


def _min_max(values: np.ndarray) -> np.ndarray:
    spread = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / spread if spread > 0 else np.zeros_like(values)


def weigh(candidates: Sequence[Candidate], weights: Sequence[float]) -> list[Candidate]:
    """Candidates (best first) with fused scores multiplied by their weight, re-sorted; weight 0 leaves one out."""
    weighed = [c._replace(fused_score=c.fused_score * w) for c, w in zip(candidates, weights, strict=True) if w > 0]
    return sorted(weighed, key=lambda c: -c.fused_score)


def fuse(candidates: Sequence[Candidate], config: FusionConfig) -> list[Candidate]:
    """Score every candidate by `config.method` and return them best first.

    rrf: w/(k + dense rank) + (1-w)/(k + lexical rank), a missing rank contributing nothing; robust when the
    two score scales say nothing about each other. blend: w·minmax(cosine) + (1-w)·BM25/max(BM25) over the
    candidates; uses how far apart the scores are, not only their order.
    """
    if not candidates:
        return []
    w = config.dense_weight
    if config.method == "rrf":
        fused = np.array([
            (w / (config.rrf_k + c.dense_rank) if c.dense_rank else 0.0)
            + ((1 - w) / (config.rrf_k + c.lexical_rank) if c.lexical_rank else 0.0)
            for c in candidates
        ])
    else:
        dense = _min_max(np.array([c.dense_score for c in candidates], dtype=np.float64))
        lexical = np.array([c.lexical_score for c in candidates], dtype=np.float64)
        top = lexical.max()
        lexical = lexical / top if top > 0 else lexical
        # With no lexical evidence at all (an English question over Chinese text), dense decides alone.
        fused = dense if top <= 0 else w * dense + (1 - w) * lexical
    order = np.argsort(-fused, kind="stable")
    return [candidates[i]._replace(fused_score=float(fused[i])) for i in order]
