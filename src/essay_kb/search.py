"""question → [Hit]: dense and BM25 candidates, fused, deduplicated, filtered, highlighted, with context."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from essay_kb import confidence as calibration
from essay_kb.chunker import Chunk
from essay_kb.fusion import Candidate, FusionConfig, fuse, rank_of, weigh
from essay_kb.highlight import Highlight, highlight
from essay_kb.lexical import LexicalIndex, is_latin_word, latin_share, meaningful_terms
from essay_kb.references import entry_fingerprint
from essay_kb.store import StoredIndex, VectorStore

SearchMode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
STRUCTURE_KINDS = ("title", "heading")
# A question that asks about a passage role lets that role compete on its merits (FusionConfig.kind_weights).
_ASKS_FOR = {
    # "作者认为…" asks what the essay says; "作者是谁", "谁写的" ask who wrote a cited work.
    "reference": re.compile(r"文献|出处|引用|引文|作者是|哪位作者|谁写|reference|cit(?:e|es|ed|ation)|bibliograph|"
                            r"sources?\b|authors?\b|who wrote", re.IGNORECASE),
    "keywords": re.compile(r"关键词|关键字|主题词|key ?words?", re.IGNORECASE),
    "abstract": re.compile(r"摘要|提要|abstract|summary", re.IGNORECASE),
}
CONTENT_KINDS = ("body", "conclusion")
LATIN_TEXT = 0.5  # text with more Latin words than ideographs is Latin text (lexical.latin_share)


@dataclass(frozen=True)
class SearchFilter:
    """Restrict a search: to some essays, some chunk kinds, or a section (its path starts with `section`)."""

    essays: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    section: str | None = None

    def __bool__(self) -> bool:
        return bool(self.essays or self.kinds or self.section)


@dataclass(frozen=True)
class Place:
    """Where else the same paragraph stands (a reprint, an essay saved twice)."""

    essay_id: str
    title: str
    section: str
    paragraph: int


@dataclass(frozen=True)
class Hit:
    rank: int  # 1-based
    score: float  # the fused score in hybrid mode, else the single retriever's
    chunk: Chunk
    title: str  # the essay's title
    dense_score: float | None = None  # cosine
    dense_rank: int | None = None  # rank in the dense candidate list, None when not in it
    lexical_score: float | None = None  # BM25
    lexical_rank: int | None = None
    highlight: Highlight | None = None
    duplicates: tuple[Place, ...] = ()
    before: tuple[Chunk, ...] = field(default=())  # preceding paragraphs of the same section, in order
    after: tuple[Chunk, ...] = field(default=())
    # P(this passage answers the question), calibrated (confidence.py); None in lexical mode (no cosine).
    confidence: float | None = None

    @property
    def shown_score(self) -> str:
        """The score a reader sees: the confidence, or in lexical mode the raw BM25 score; never the fused
        score, whose min-max normalisation gives the best candidate ~1.0 whether it answers or not."""
        if self.confidence is not None:
            return f"confidence {self.confidence:.3f}"
        if self.lexical_score is None or (self.dense_score is not None and not self.lexical_score):
            return f"cosine {self.dense_score or 0.0:.3f}"  # a question in another language: not judged
        return f"BM25 {self.lexical_score or 0.0:.2f}"

    @property
    def matched_phrases(self) -> tuple[str, ...]:
        """The question's words as they stand in the passage (merged spans), distinct, in reading order."""
        spans = self.highlight.term_spans if self.highlight else ()
        return tuple(dict.fromkeys(self.chunk.text[s:e] for s, e in spans))

    @property
    def citation(self) -> str:
        """essay title › section › ¶n (, p. 3 for a PDF), the way a reader cites a passage."""
        # Title, heading and front-matter chunks have paragraph 0: they are not numbered paragraphs.
        paragraph = [f"¶{self.chunk.paragraph}"] if self.chunk.paragraph else []
        page = f", p. {self.chunk.page}" if self.chunk.page else ""
        return " › ".join([self.title, *self.chunk.section, *paragraph]) + page

    def as_dict(self) -> dict[str, Any]:
        c = self.chunk
        h = self.highlight
        return {
            "rank": self.rank, "score": round(self.score, 6), "confidence": _round(self.confidence),
            "answered": calibration.answers_well(self.confidence),
            "essay": c.essay_id, "title": self.title,
            "section": c.section_path, "paragraph": c.paragraph, "page": c.page or None, "type": c.kind,
            "text": c.text,
            "start": c.start, "end": c.end,
            "scores": {"dense": _round(self.dense_score), "dense_rank": self.dense_rank,
                       "bm25": _round(self.lexical_score), "bm25_rank": self.lexical_rank, "fused": _round(self.score)},
            "highlight": None if h is None else {"sentence": list(h.sentence), "terms": list(h.terms),
                                                 "term_spans": [list(s) for s in h.term_spans]},
            "duplicates": [p.__dict__ for p in self.duplicates],
            "context": {"before": [x.text for x in self.before], "after": [x.text for x in self.after]},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def allowed_rows(index: StoredIndex, flt: SearchFilter | None) -> np.ndarray | None:
    """A boolean mask over chunk rows for the filter, or None for no filter."""
    if not flt:
        return None
    mask = np.zeros(index.vectors.count, dtype=bool)
    mask[index.chunks.rows_matching(flt.essays, flt.kinds, flt.section)] = True
    return mask


def gather_candidates(
    vectors: VectorStore,
    lexical_index: LexicalIndex,
    terms: Sequence[str] | None,
    query_vector: np.ndarray | None,
    depth: int,
    allowed: np.ndarray | None = None,
    latin_content: Callable[[list[int]], set[int]] | None = None,
) -> list[Candidate]:
    """Over-fetch `depth` rows from each retriever in use (terms None: no BM25; no vector: no dense), and
    score every candidate with both, so fusion sees the exact cosine of a row only BM25 found and vice versa.

    Args:
        latin_content: given rows, those that are Latin-script content passages; when set, the question's
            Latin words score only there (see cross_language_scores).
    """
    dense = vectors.search(query_vector, depth, allowed) if query_vector is not None else []
    lexical_scores = None
    if terms is not None:
        lexical_scores = (cross_language_scores(lexical_index, terms, depth, latin_content) if latin_content
                          else lexical_index.scores_for_terms(terms))
    lexical: list[tuple[int, float]] = []
    if lexical_scores is not None:
        lexical = lexical_index.top_rows(lexical_scores, depth, allowed)
    dense_ranks, lexical_ranks = rank_of([r for r, _ in dense]), rank_of([r for r, _ in lexical])
    rows = list(dict.fromkeys([r for r, _ in dense] + [r for r, _ in lexical]))
    cosines = vectors.cosines(query_vector, rows) if query_vector is not None else np.zeros(len(rows))
    return [
        Candidate(row, float(cos), float(lexical_scores[row]) if lexical_scores is not None else 0.0,
                  dense_ranks.get(row), lexical_ranks.get(row))
        for row, cos in zip(rows, cosines, strict=True)
    ]


def cross_language_scores(
    lexical_index: LexicalIndex, terms: Sequence[str], depth: int, latin_content: Callable[[list[int]], set[int]]
) -> np.ndarray:
    """BM25 where Latin words count only against Latin-script content passages: "party" in the English abstract
    or a citation of a Chinese essay says nothing about which paragraph answers an English question."""
    latin = [t for t in terms if is_latin_word(t)]
    scores = lexical_index.scores_for_terms([t for t in terms if not is_latin_word(t)])
    if not latin:
        return scores
    latin_scores = lexical_index.scores_for_terms(latin)
    # Only the best rows of the Latin words can reach the candidates; check just those, the rest count nothing.
    top = [r for r, _ in lexical_index.top_rows(latin_scores, depth)]
    keep = np.zeros(len(scores), dtype=bool)
    keep[list(latin_content(top))] = True
    return scores + np.where(keep, latin_scores, 0.0).astype(scores.dtype)


def asked_roles(question: str) -> frozenset[str]:
    """The passage roles a question asks about (参考文献 entries for "谁写的/出处", the keyword line for 关键词)."""
    return frozenset(kind for kind, pattern in _ASKS_FOR.items() if pattern.search(question))


def role_weights(candidates: Sequence[Candidate], kinds: dict[int, str], question: str,
                 fusion: FusionConfig) -> list[float] | None:
    """Each candidate's weight from FusionConfig.kind_weights, 1 for the roles the question asks about."""
    asked = asked_roles(question) if fusion.role_questions else frozenset()
    weights = {kind: w for kind, w in fusion.kind_weights if kind not in asked}
    if not weights:
        return None
    # BM25's best match is exempt: a query that repeats a cited title or an author's name more closely than any
    # passage names that work ("农村基层服务型党组织建设面临的问题及应对策略" pasted from a bibliography).
    return [1.0 if fusion.lexical_top_exempt and c.lexical_rank == 1 else weights.get(kinds[c.row], 1.0)
            for c in candidates]


def latin_content_rows(index: StoredIndex) -> Callable[[list[int]], set[int]]:
    """rows → those that are body or conclusion text in Latin script, read from the texts stored for highlights."""

    def latin_content(rows: list[int]) -> set[int]:
        kinds = index.chunks.kinds_and_fingerprints(rows)
        content = [r for r in rows if kinds[r][0] in CONTENT_KINDS]
        texts = index.chunks.highlight_inputs(content) if content else {}
        return {r for r, (text, _) in texts.items() if latin_share(text) > LATIN_TEXT}

    return latin_content


def cross_language(question: str, fusion: FusionConfig) -> bool:
    """Whether a question is Latin-script text whose Latin words must find Latin passages to count. A Chinese
    question naming "NBA" or "GDP" matches Chinese passages naming them: same language, every word counts."""
    return fusion.cross_language and latin_share(question) > LATIN_TEXT


def lexical_terms(lexical_index: LexicalIndex, question: str, fusion: FusionConfig) -> list[str]:
    terms = lexical_index.query_terms(question)
    return meaningful_terms(terms) if cross_language(question, fusion) else terms


def rank_candidates(candidates: Sequence[Candidate], mode: str, fusion: FusionConfig) -> list[Candidate]:
    if mode == "hybrid":
        return fuse(candidates, fusion)
    single = [
        c._replace(fused_score=c.dense_score if mode == "dense" else c.lexical_score)
        for c in candidates
        if (c.dense_rank if mode == "dense" else c.lexical_rank)
    ]
    return sorted(single, key=lambda c: -c.fused_score)


def ranked_rows(
    index: StoredIndex,
    question: str,
    query_vector: np.ndarray | None,
    mode: str,
    fusion: FusionConfig,
    flt: SearchFilter | None = None,
    lexical_index: LexicalIndex | None = None,
    terms: Sequence[str] | None = None,
) -> tuple[list[Candidate], dict[int, tuple[str, str]]]:
    """Every candidate ranked, and row → (kind, fingerprint) for them.

    Titles and headings are structure, not answers (their words are already indexed with every passage
    under them), so they are left out unless a kind filter asks for them.
    """
    lexical_index = lexical_index or index.lexical
    if terms is None:
        terms = lexical_terms(lexical_index, question, fusion)
    if mode == "dense":
        terms = None
    candidates = gather_candidates(index.vectors, lexical_index, terms, query_vector if mode != "lexical" else None,
                                   fusion.depth, allowed_rows(index, flt),
                                   latin_content_rows(index) if cross_language(question, fusion) else None)
    meta = index.chunks.kinds_and_fingerprints([c.row for c in candidates])
    if not (flt and flt.kinds):
        candidates = [c for c in candidates if meta[c.row][0] not in STRUCTURE_KINDS]
    ranked = rank_candidates(candidates, mode, fusion)
    # Roles are a policy of the fused answer ranking; a single retriever's mode shows that retriever as it is,
    # and a kind filter has already said which kinds the reader wants.
    if mode == "hybrid" and not (flt and flt.kinds):
        weights = role_weights(ranked, {r: k for r, (k, _) in meta.items()}, question, fusion)
        ranked = ranked if weights is None else weigh(ranked, weights)
    return ranked, meta


def search(
    index: StoredIndex,
    question: str,
    query_vector: np.ndarray | None,
    k: int,
    mode: str = "hybrid",
    fusion: FusionConfig | None = None,
    flt: SearchFilter | None = None,
    context: int = 0,
) -> list[Hit]:
    """The k best passages for a question, best first, each shown once with its other places listed."""
    fusion = fusion or FusionConfig()
    if fusion.depth < 2 * k:
        fusion = dataclasses.replace(fusion, depth=2 * k)
    terms = lexical_terms(index.lexical, question, fusion)  # tokenised once: BM25 and highlights use the same terms
    ranked, meta = ranked_rows(index, question, query_vector, mode, fusion, flt, terms=terms)
    groups = group_duplicates(ranked, duplicate_keys(index, meta))[:k]
    rows = [r for best, others in groups for r in (best.row, *others)]
    chunks = dict(zip(rows, index.chunks.chunks(rows), strict=True))
    prepared = index.chunks.highlight_inputs([best.row for best, _ in groups])
    titles = index.chunks.titles()
    # One-character terms (的, 年) would mark half a passage and say nothing; BM25 still weighs them.
    marked_terms = [t for t in terms if len(t) > 1]
    hits = []
    for rank, (best, others) in enumerate(groups, start=1):
        chunk = chunks[best.row]
        before, after = index.chunks.neighbours(chunk, context) if context else ((), ())
        hits.append(Hit(
            rank=rank, score=best.fused_score, chunk=chunk, title=titles[chunk.essay_id],
            dense_score=best.dense_score if mode != "lexical" else None, dense_rank=best.dense_rank,
            lexical_score=best.lexical_score if mode != "dense" else None, lexical_rank=best.lexical_rank,
            highlight=highlight(chunk.text, marked_terms, *prepared[best.row]),
            duplicates=tuple(Place(o.essay_id, titles[o.essay_id], o.section_path, o.paragraph)
                             for o in (chunks[r] for r in others)),
            before=tuple(before), after=tuple(after),
        ))
    return with_confidence(hits, question, index.lexical, mode)


def with_confidence(hits: list[Hit], question: str, lexical_index: LexicalIndex, mode: str) -> list[Hit]:
    """The hits with their calibrated confidence; lexical mode has no cosine to judge by, and a question in
    Latin script over Chinese essays has no shared words, so neither is judged (confidence None)."""
    if mode == "lexical" or not hits or calibration.cross_lingual(question):
        return hits
    tokens = calibration.question_tokens(question, lexical_index.tokenizer)
    weights = lexical_index.idf(tokens)
    return [replace(h, confidence=calibration.confidence(calibration.hit_features(
        h.dense_score, h.highlight.terms if h.highlight else (), tokens, weights))) for h in hits]


def duplicate_keys(index: StoredIndex, meta: dict[int, tuple[str, str]]) -> dict[int, str]:
    """row → what makes two candidates one result: the stored text fingerprint, and for a 参考文献 entry the
    fingerprint without its list number ("[2]赵璐.…" and "[4]赵璐.…" are one work). Computed here from the few
    reference candidates' text rather than stored, so indexes built before need no rebuild."""
    keys = {row: fp for row, (_, fp) in meta.items()}
    references = [row for row, (kind, _) in meta.items() if kind == "reference"]
    for row, chunk in zip(references, index.chunks.chunks(references), strict=True):
        keys[row] = entry_fingerprint(chunk.text)
    return keys


def group_duplicates(ranked: Sequence[Candidate], fingerprints: dict[int, str]) -> list[tuple[Candidate, list[int]]]:
    """Candidates with the same text fingerprint collapse into the best-ranked one (which lists the others)."""
    groups: dict[str, tuple[Candidate, list[int]]] = {}
    for candidate in ranked:
        key = fingerprints[candidate.row]
        if key in groups:
            groups[key][1].append(candidate.row)
        else:
            groups[key] = (candidate, [])
    return list(groups.values())
