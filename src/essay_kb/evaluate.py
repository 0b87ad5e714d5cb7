"""Retrieval quality: recall@1, recall@5 and MRR@10 at passage and essay level over a question set."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from essay_kb.errors import EssayKBError
from essay_kb.normalize import normalize_for_search
from essay_kb.search import Hit

CUTOFFS = (1, 5)
MRR_DEPTH = 10


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    essay: str | None = None  # essay id (path relative to the corpus), when the set names it


@dataclass(frozen=True)
class Ranks:
    passage: int | None  # 1-based rank of the first passage that answers, None when none does
    essay: int | None  # 1-based rank among distinct essays of the first right essay


def read_questions(path: Path) -> list[Question]:
    """Read a JSONL question set; a bad line is reported with its number."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(Question(str(data["question"]), str(data["answer"]), data.get("essay")))
        except (ValueError, KeyError, TypeError) as exc:
            raise EssayKBError(
                f"{path}:{number}: expected a JSON object with \"question\" and \"answer\" ({exc})."
            ) from exc
    if not questions:
        raise EssayKBError(f"{path} holds no questions.")
    return questions


def rank_hits(hits: Sequence[Hit], question: Question, essay_texts: Mapping[str, str]) -> Ranks:
    """Where the first right passage and the first right essay stand in a ranking.

    Args:
        hits: the ranking, best first.
        question: with its answer text and, optionally, its essay.
        essay_texts: normalised full text of every essay, to know which essays contain the answer.
    """
    answer = normalize_for_search(question.answer)

    def right_essay(essay_id: str) -> bool:
        return essay_id == question.essay if question.essay else answer in essay_texts.get(essay_id, "")

    passage_rank = next(
        (h.rank for h in hits if answer in normalize_for_search(h.chunk.text) and
         (question.essay is None or h.chunk.essay_id == question.essay)),
        None,
    )
    seen: list[str] = []
    essay_rank = None
    for hit in hits:
        if hit.chunk.essay_id in seen:
            continue
        seen.append(hit.chunk.essay_id)
        if right_essay(hit.chunk.essay_id):
            essay_rank = len(seen)
            break
    return Ranks(passage_rank, essay_rank)


def summarize(ranks: Iterable[int | None]) -> dict[str, float]:
    ranks = list(ranks)
    n = len(ranks) or 1
    scores = {f"recall@{c}": sum(1 for r in ranks if r is not None and r <= c) / n for c in CUTOFFS}
    scores[f"mrr@{MRR_DEPTH}"] = sum(1 / r for r in ranks if r is not None and r <= MRR_DEPTH) / n
    return {k: round(v, 4) for k, v in scores.items()}


@dataclass(frozen=True)
class EvalReport:
    questions: int
    passage: dict[str, float]
    essay: dict[str, float]
    misses: tuple[str, ...]  # questions whose right essay was not in the top 5

    def as_dict(self) -> dict[str, object]:
        return {"questions": self.questions, "passage": self.passage, "essay": self.essay}


def evaluate_ranks(questions: Sequence[Question], ranks: Sequence[Ranks]) -> EvalReport:
    return EvalReport(
        questions=len(questions),
        passage=summarize(r.passage for r in ranks),
        essay=summarize(r.essay for r in ranks),
        misses=tuple(q.question for q, r in zip(questions, ranks, strict=True) if r.essay is None or r.essay > 5),
    )
