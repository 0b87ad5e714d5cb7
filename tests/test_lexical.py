"""BM25 over the seed essay's real chunks, with each Chinese tokeniser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from essay_kb import KnowledgeBase
from essay_kb.lexical import TOKENIZERS, LexicalIndex, bigram_tokens, jieba_tokens, latin_share, meaningful_terms


def seed_texts(kb: KnowledgeBase) -> list[str]:
    index = kb.index()
    return [c.text for c in index.chunks.chunks(list(range(index.chunks.count())))]


def test_bigrams_cover_chinese_runs_and_keep_latin_words_and_numbers() -> None:
    tokens = bigram_tokens("新常态下 Party Building 2018年")
    assert tokens[:4] == ["新常", "常态", "态下", "party"]
    assert "2018" in tokens and "年" in tokens


def test_jieba_yields_words_and_their_parts_without_punctuation() -> None:
    tokens = jieba_tokens("加强基层党组织建设，提升党员干部素质。")
    assert "党组织" in tokens and "基层" in tokens
    assert "，" not in tokens and "。" not in tokens


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
def test_author_name_finds_its_reference_entry(seed_kb: KnowledgeBase, tokenizer: str) -> None:
    texts = seed_texts(seed_kb)
    lexical = LexicalIndex.build(texts, tokenizer)
    row, _ = lexical.search("赵璐写的文章", 1)[0]
    assert texts[row].startswith("[4]赵璐")


def test_traditional_query_matches_simplified_text(seed_kb: KnowledgeBase) -> None:
    texts = seed_texts(seed_kb)
    lexical = LexicalIndex.build(texts, "bigram")
    assert lexical.search("黨員幹部培訓", 1) == lexical.search("党员干部培训", 1)


def test_question_without_known_terms_matches_nothing(seed_kb: KnowledgeBase) -> None:
    lexical = LexicalIndex.build(seed_texts(seed_kb), "bigram")
    assert lexical.query_terms("How do we train cadres?") == []
    assert lexical.search("How do we train cadres?", 5) == []


def test_saved_index_scores_like_the_built_one(seed_kb: KnowledgeBase, tmp_path: Path) -> None:
    lexical = LexicalIndex.build(seed_texts(seed_kb), "jieba+bigram")
    lexical.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, "jieba+bigram")
    question = "基层党组织作风建设"
    assert np.allclose(loaded.scores(question), lexical.scores(question))
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))


def test_filter_mask_keeps_only_allowed_rows(seed_kb: KnowledgeBase) -> None:
    texts = seed_texts(seed_kb)
    lexical = LexicalIndex.build(texts, "bigram")
    allowed = np.array([t.startswith("[") for t in texts])
    found = lexical.search("党组织建设", 10, allowed)
    assert found and all(texts[r].startswith("[") for r, _ in found)


def test_english_stop_words_are_dropped_and_other_terms_kept() -> None:
    terms = ["what", "do", "the", "party", "党组织", "2015"]
    assert meaningful_terms(terms) == ["party", "党组织", "2015"]
    assert meaningful_terms(["党组织", "建设"]) == ["党组织", "建设"]


def test_a_question_is_latin_text_by_words_not_letters() -> None:
    assert latin_share("MIT OpenCourseWare指什么？") < 0.5  # a Chinese question naming an English name
    assert latin_share("What does 党建 mean in this essay?") > 0.5
    assert latin_share("基层党组织可以搭建哪些平台来服务群众？") == 0.0
