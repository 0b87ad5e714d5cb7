"""Hybrid search on the seed essay: modes, score parts, highlights, filters, context and duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from essay_kb.errors import QuestionRejected
from essay_kb.evaluate import read_questions
from essay_kb.search import SearchFilter

DATA = Path(__file__).parent / "data"
SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def test_hybrid_hits_explain_both_retrievers(seed_kb: KnowledgeBase) -> None:
    hit = seed_kb.ask("如何提升基层党员干部的素质？", k=1)[0]
    assert hit.chunk.section[0].startswith("二、")
    assert hit.dense_score is not None and hit.dense_rank is not None
    assert hit.lexical_score is not None and hit.lexical_score > 0 and hit.lexical_rank is not None


def test_best_sentence_and_matched_terms_are_marked(seed_kb: KnowledgeBase) -> None:
    hit = seed_kb.ask("如何提升基层党员干部的素质？", k=1)[0]
    start, end = hit.highlight.sentence
    assert "素质" in hit.chunk.text[start:end]
    assert any("党员干部" in hit.chunk.text[s:e] for s, e in hit.highlight.term_spans)


def test_lexical_mode_has_no_dense_part_and_dense_mode_no_lexical_rank(seed_kb: KnowledgeBase) -> None:
    lexical = seed_kb.ask("赵璐", k=1, mode="lexical")[0]
    assert lexical.dense_score is None and "赵璐" in lexical.chunk.text
    dense = seed_kb.ask("赵璐", k=3, mode="dense")
    assert all(h.lexical_rank is None for h in dense)


def test_kind_filter_returns_only_that_kind(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.ask("党组织建设的策略", k=10, flt=SearchFilter(kinds=("reference",)))
    assert len(hits) == 5
    assert {h.chunk.kind for h in hits} == {"reference"}


def test_section_filter_keeps_the_search_inside_the_section(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.ask("党员教育", k=5, flt=SearchFilter(section="三、"))
    assert hits and all(h.chunk.section_path.startswith("三、") for h in hits)


def test_essay_filter_with_unknown_essay_names_it_and_the_known_ones(seed_kb: KnowledgeBase) -> None:
    with pytest.raises(QuestionRejected, match=r"No essay 'no-such-essay.txt' in the index.*xinchangtai"):
        seed_kb.ask("党员教育", flt=SearchFilter(essays=("no-such-essay.txt",)))


def test_context_brings_the_neighbouring_entries_of_the_same_section(seed_kb: KnowledgeBase) -> None:
    hit = seed_kb.ask("吴霄岳 三型 高校基层党组织", k=1, context=1)[0]
    assert hit.chunk.text.startswith("[3]")
    assert [c.text[:3] for c in hit.before] == ["[2]"]
    assert [c.text[:3] for c in hit.after] == ["[4]"]


def test_an_essay_reprinted_elsewhere_shows_each_passage_once(kb_copy: KnowledgeBase) -> None:
    corpus = kb_copy.config.corpus
    # A reprint with its own byline: other bytes (so indexed as an essay of its own), the same paragraphs.
    reprint = "来源：某理论网  作者：佚名\n" + (corpus / SEED_ID).read_text(encoding="utf-8")
    (corpus / "reprint.txt").write_text(reprint, encoding="utf-8")
    kb_copy.build()
    hits = kb_copy.ask("如何提升基层党员干部的素质？", k=5)
    texts = [h.chunk.text for h in hits]
    assert len(texts) == len(set(texts))
    top = hits[0]
    assert {top.chunk.essay_id, *(p.essay_id for p in top.duplicates)} == {SEED_ID, "reprint.txt"}


def test_english_question_finds_the_cadre_paragraph(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.ask("How can the quality of grassroots Party cadres be improved?", k=3)
    assert any(h.chunk.section and h.chunk.section[0].startswith("二、") for h in hits)


def test_seed_question_set_meets_its_floor(seed_kb: KnowledgeBase) -> None:
    report = seed_kb.evaluate(read_questions(DATA / "seed_questions.jsonl"))
    assert report.questions >= 20
    assert report.passage["recall@5"] >= 0.95, report.misses
    assert report.passage["mrr@10"] >= 0.8


@pytest.mark.slow
def test_english_questions_are_not_dragged_down_by_the_lexical_side(seed_kb: KnowledgeBase) -> None:
    questions = read_questions(DATA / "seed_questions_en.jsonl")
    hybrid = seed_kb.evaluate(questions, mode="hybrid")
    dense = seed_kb.evaluate(questions, mode="dense")
    # Hybrid may only do better than the dense side alone (its role prior lifts body text over references).
    assert all(hybrid.passage[m] >= dense.passage[m] for m in dense.passage), (hybrid.passage, dense.passage)
    assert hybrid.passage["recall@5"] >= 0.8
