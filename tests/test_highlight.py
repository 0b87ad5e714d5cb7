"""Highlights on real seed passages: offsets into the written text, whatever the script or width; marks on whole
words, never on filler words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jieba
import pytest
from opencc import OpenCC

from essay_kb import KnowledgeBase
from essay_kb.chunker import Chunk, chunk_essay
from essay_kb.highlight import Highlight, highlight, marked_pieces
from essay_kb.ingest import read_essay
from essay_kb.lexical import TOKENIZERS, Tokenizer, bigram_tokens, jieba_bigram_tokens
from essay_kb.normalize import normalize_for_search

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
QUESTIONS = Path(__file__).resolve().parent / "data" / "seed_questions.jsonl"
QUESTION = "如何提升基层党员干部的素质？"
CADRE_SECTION = ("二、提升党员干部素质,更好服务人民群众",)


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    return chunk_essay(read_essay(CORPUS / "xinchangtai-jiceng-dangzuzhi-jianshe.txt", CORPUS))


@pytest.fixture(scope="module")
def cadre_paragraph(chunks: list[Chunk]) -> str:
    """Section 二's one body paragraph: four sentences, the first 189 characters long."""
    return next(c.text for c in chunks if c.kind == "body" and c.section == CADRE_SECTION)


def terms(question: str, tokenize: Tokenizer = bigram_tokens) -> list[str]:
    return tokenize(normalize_for_search(question))


def marked(text: str, h: Highlight) -> list[str]:
    return [text[start:end] for start, end in h.term_spans]


def sentence(text: str, h: Highlight) -> str:
    return text[h.sentence[0] : h.sentence[1]]


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
def test_spans_slice_back_to_the_question_terms(cadre_paragraph: str, tokenizer: str) -> None:
    question_terms = terms(QUESTION, TOKENIZERS[tokenizer])
    h = highlight(cadre_paragraph, question_terms)
    normalised = normalize_for_search(cadre_paragraph)
    assert h.term_spans
    for start, end in h.term_spans:
        assert any(t in normalize_for_search(cadre_paragraph[start:end]) for t in h.terms)
    assert all(t in normalised for t in h.terms)
    assert set(question_terms) - set(h.terms) == {t for t in question_terms if t not in normalised}
    assert "基层党员干部" in marked(cadre_paragraph, h)


def test_spans_are_sorted_and_apart_and_the_terms_keep_question_order(cadre_paragraph: str) -> None:
    question_terms = terms(QUESTION)
    h = highlight(cadre_paragraph, question_terms)
    assert all(a[1] < b[0] for a, b in zip(h.term_spans, h.term_spans[1:], strict=False))
    assert list(h.terms) == [t for t in question_terms if t in h.terms]
    assert "如何" not in h.terms  # the question's wording, not in the passage


def test_overlapping_bigrams_mark_one_phrase(cadre_paragraph: str) -> None:
    h = highlight(cadre_paragraph, terms("党员干部"))
    assert set(h.terms) == {"党员", "员干", "干部"}
    assert marked(cadre_paragraph, h).count("党员干部") == 3
    assert "员干" not in marked(cadre_paragraph, h)


def test_best_sentence_for_the_cadre_question_names_the_cadre_team(cadre_paragraph: str) -> None:
    h = highlight(cadre_paragraph, terms(QUESTION))
    assert "党员干部队伍" in sentence(cadre_paragraph, h)
    assert "基层党员干部" in sentence(cadre_paragraph, h)


def test_best_sentence_can_be_a_later_one(cadre_paragraph: str) -> None:
    h = highlight(cadre_paragraph, terms("派遣优秀党员干部到先进地区学习"))
    assert sentence(cadre_paragraph, h).startswith("其次")


def test_a_short_sentence_holding_the_phrase_beats_a_long_one_repeating_its_words(cadre_paragraph: str) -> None:
    # The first sentence has 党员, 素质 three times and 全面提升 twice; the second says 党员素质…全面提升.
    h = highlight(cadre_paragraph, terms("党员素质怎样全面提升？"))
    assert "党员素质得到全面提升" in sentence(cadre_paragraph, h)
    assert h.sentence[0] > 0


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
def test_traditional_passage_is_highlighted_at_the_same_offsets(cadre_paragraph: str, tokenizer: str) -> None:
    traditional = OpenCC("s2t").convert(cadre_paragraph)
    assert traditional != cadre_paragraph and len(traditional) == len(cadre_paragraph)
    question_terms = terms(QUESTION, TOKENIZERS[tokenizer])
    assert highlight(traditional, question_terms) == highlight(cadre_paragraph, question_terms)
    assert "基層黨員幹部" in marked(traditional, highlight(traditional, question_terms))


def test_full_width_reference_entry_is_highlighted_in_place(chunks: list[Chunk]) -> None:
    entry = next(c.text for c in chunks if c.kind == "reference" and "赵璐" in c.text)
    full_width = to_full_width(entry)
    assert full_width != entry and len(full_width) == len(entry)
    h = highlight(full_width, terms("赵璐 2015 年在党校学报 [J] 上的文章"))
    assert {"赵璐", "２０１５", "Ｊ", "党校学报"} <= set(marked(full_width, h))
    assert h.term_spans == highlight(entry, terms("赵璐 2015 年在党校学报 [J] 上的文章")).term_spans


def test_characters_that_expand_when_normalised_keep_offsets_in_the_written_text(cadre_paragraph: str) -> None:
    # ⑴ normalises to "(1)", so normalised positions after it run two ahead of the written ones.
    numbered = cadre_paragraph.replace("首先,", "⑴首先,").replace("其次,", "⑵其次,")
    assert len(normalize_for_search(numbered)) == len(numbered) + 4
    question_terms = terms("派遣优秀党员干部到先进地区学习")
    h, plain = highlight(numbered, question_terms), highlight(cadre_paragraph, question_terms)
    assert marked(numbered, h) == marked(cadre_paragraph, plain)
    assert sentence(numbered, h) == "⑵" + sentence(cadre_paragraph, plain)


def test_expanding_and_traditional_characters_together_keep_phrase_conversions(cadre_paragraph: str) -> None:
    text = "⑴" + OpenCC("s2t").convert(cadre_paragraph)
    h = highlight(text, terms(QUESTION))
    assert "基層黨員幹部" in marked(text, h)
    assert [(s - 1, e - 1) for s, e in h.term_spans] == list(highlight(cadre_paragraph, terms(QUESTION)).term_spans)


@pytest.mark.parametrize("question", ["How can cadres improve?", ""])
def test_no_matching_terms_marks_the_first_sentence_and_nothing_else(cadre_paragraph: str, question: str) -> None:
    h = highlight(cadre_paragraph, terms(question))
    assert h.term_spans == () and h.terms == ()
    assert sentence(cadre_paragraph, h).startswith("为了促使") and sentence(cadre_paragraph, h).endswith("班子。")


def test_marked_pieces_reassemble_the_passage(cadre_paragraph: str) -> None:
    h = highlight(cadre_paragraph, terms(QUESTION))
    pieces = marked_pieces(cadre_paragraph, h)
    assert "".join(p for p, _, _ in pieces) == cadre_paragraph
    assert [p for p, _, is_term in pieces if is_term] == marked(cadre_paragraph, h)
    assert "".join(p for p, in_sentence, _ in pieces if in_sentence) == sentence(cadre_paragraph, h)


# --- word boundaries and filler words --------------------------------------------------------------------------

PLATFORM = "基层党组织可以搭建哪些平台来服务群众？"
PLATFORM_TRADITIONAL = "基層黨組織可以搭建哪些平臺來服務群眾？"
FILLERS = ("可以", "哪些", "如何", "怎样", "进行", "通过", "什么")


def word_bounds(text: str) -> set[int]:
    """Offsets where jieba, cutting the whole normalised passage, starts or ends a word."""
    bounds, end = {0}, 0
    for word in jieba.cut(normalize_for_search(text)):
        end += len(word)
        bounds.add(end)
    return bounds


def test_platform_question_marks_whole_words_and_never_the_filler(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.ask(PLATFORM, k=5)
    for hit in hits:
        text, spans = hit.chunk.text, hit.highlight.term_spans
        assert "可以" in normalize_for_search(PLATFORM) and not any("可以" in text[s:e] for s, e in spans)
        for found in (m.start() for m in re.finditer("基层党组织", text)):
            assert not any(found < cut < found + 5 for span in spans for cut in span), text[found - 5 : found + 10]
    platforms = next(h for h in hits if "服务平台" in h.chunk.text)
    marked_words = marked(platforms.chunk.text, platforms.highlight)
    assert {"基层党组织", "服务平台", "群众"} <= set(marked_words)  # 群众 is a whole word and a term: marked as is
    assert not set(marked_words) & {"基层党", "党组", "可以"}


def test_traditional_platform_question_marks_the_same_words(seed_kb: KnowledgeBase) -> None:
    simplified = seed_kb.ask(PLATFORM, k=5)
    traditional = seed_kb.ask(PLATFORM_TRADITIONAL, k=5)
    assert [h.chunk.text for h in traditional] == [h.chunk.text for h in simplified]
    assert [h.highlight.term_spans for h in traditional] == [h.highlight.term_spans for h in simplified]
    assert all(h.highlight.term_spans for h in traditional)


def test_traditional_passage_marks_whole_words(cadre_paragraph: str) -> None:
    traditional = OpenCC("s2t").convert(cadre_paragraph)
    h = highlight(traditional, terms(PLATFORM_TRADITIONAL, jieba_bigram_tokens))
    assert "基層" in marked(traditional, h)
    assert set(h.term_spans) == set(highlight(cadre_paragraph, terms(PLATFORM, jieba_bigram_tokens)).term_spans)


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
def test_every_mark_starts_and_ends_on_a_word_boundary_and_no_filler_is_marked(
    chunks: list[Chunk], tokenizer: str
) -> None:
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    marks = 0
    for question in [*questions, PLATFORM]:
        question_terms = [t for t in terms(question, TOKENIZERS[tokenizer]) if len(t) > 1]
        for chunk in chunks:
            spans = highlight(chunk.text, question_terms).term_spans
            bounds = word_bounds(chunk.text)
            assert all(s in bounds and e in bounds for s, e in spans), (question, chunk.text)
            words = {w for s, e in spans for w in jieba.cut(normalize_for_search(chunk.text[s:e]))}
            assert not words & set(FILLERS), (question, words & set(FILLERS))
            marks += len(spans)
    assert marks > 500  # the questions do mark the seed's passages


def test_a_term_marks_the_word_it_mostly_makes_and_not_one_it_is_a_small_part_of(chunks: list[Chunk]) -> None:
    entry = next(c.text for c in chunks if c.kind == "reference" and "赵璐" in c.text)
    assert "中共云南省委党校学报" in entry  # jieba: 中共云南省委 | 党校 | 学报
    assert marked(entry, highlight(entry, ["云南"])) == []  # two of six characters: marking them would cut a word
    assert marked(entry, highlight(entry, ["学报"])) == ["学报"]
    platforms = next(c.text for c in chunks if "服务平台" in c.text)
    assert "服务平台" in marked(platforms, highlight(platforms, ["平台"]))  # half the word: the word is marked
