"""Fusion of dense and BM25 candidates: the rules that decide order when the two retrievers disagree."""

from __future__ import annotations

from essay_kb.fusion import Candidate, FusionConfig, fuse


def cand(row: int, cos: float, bm25: float, dr: int | None, lr: int | None) -> Candidate:
    return Candidate(row, cos, bm25, dr, lr)


def test_rrf_prefers_a_row_both_retrievers_found() -> None:
    rows = [cand(1, 0.9, 0.0, 1, None), cand(2, 0.8, 5.0, 2, 1), cand(3, 0.1, 4.0, None, 2)]
    assert [c.row for c in fuse(rows, FusionConfig("rrf"))][0] == 2


def test_blend_without_lexical_evidence_keeps_the_dense_order() -> None:
    rows = [cand(1, 0.7, 0.0, 2, None), cand(2, 0.9, 0.0, 1, None), cand(3, 0.8, 0.0, 3, None)]
    assert [c.row for c in fuse(rows, FusionConfig("blend", dense_weight=0.2))] == [2, 3, 1]


def test_blend_weight_moves_the_ranking_between_the_retrievers() -> None:
    rows = [cand(1, 0.90, 1.0, 1, 2), cand(2, 0.80, 9.0, 2, 1)]
    assert fuse(rows, FusionConfig("blend", dense_weight=0.9))[0].row == 1
    assert fuse(rows, FusionConfig("blend", dense_weight=0.1))[0].row == 2


def test_fused_scores_are_descending() -> None:
    rows = [cand(i, 0.5 + i / 100, float(10 - i), i + 1, i + 1) for i in range(10)]
    scores = [c.fused_score for c in fuse(rows, FusionConfig())]
    assert scores == sorted(scores, reverse=True)
