"""question → [Hit]: dense retrieval over a stored index (lexical fusion and highlights build on this)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from essay_kb.chunker import Chunk
from essay_kb.store import StoredIndex


@dataclass(frozen=True)
class Hit:
    rank: int  # 1-based
    score: float
    chunk: Chunk
    title: str  # the essay's title
    dense_score: float | None = None
    dense_rank: int | None = None

    @property
    def citation(self) -> str:
        """essay title › section › ¶n, the way a reader cites a passage."""
        # Title, heading and front-matter chunks have paragraph 0: they are not numbered paragraphs.
        paragraph = [f"¶{self.chunk.paragraph}"] if self.chunk.paragraph else []
        parts = [self.title, *self.chunk.section, *paragraph]
        return " › ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "essay": c.essay_id,
            "title": self.title,
            "section": c.section_path,
            "paragraph": c.paragraph,
            "type": c.kind,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "dense_rank": self.dense_rank,
        }


def search_dense(index: StoredIndex, query_vector: np.ndarray, k: int) -> list[Hit]:
    """The k passages whose vectors are nearest the question's, best first."""
    found = index.vectors.search(query_vector, k)
    chunks = index.chunks.chunks([row for row, _ in found])
    titles = index.chunks.titles()
    return [
        Hit(rank=i, score=score, chunk=chunk, title=titles[chunk.essay_id], dense_score=score, dense_rank=i)
        for i, ((_, score), chunk) in enumerate(zip(found, chunks, strict=True), start=1)
    ]
