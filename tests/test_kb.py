"""The KnowledgeBase façade on the seed essay, with the real model and a real FAISS index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from essay_kb import Config, EssayKBError, IndexMismatch, IndexMissing, KnowledgeBase
from essay_kb.store import current_generation

SEED_QUESTION = "如何提升基层党员干部的素质？"


def test_seed_question_finds_the_paragraph_on_building_a_capable_cadre_team(seed_kb: KnowledgeBase) -> None:
    top = seed_kb.ask(SEED_QUESTION)[0]
    assert top.chunk.section[0].startswith("二、提升党员干部素质")
    assert top.chunk.kind == "body"
    assert "党员干部队伍" in top.chunk.text
    assert top.title == "新常态下加强基层党组织建设的策略研究"


def test_hits_are_ranked_by_descending_score_and_carry_offsets(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.ask("参考文献中有哪些关于高校党组织的研究？", k=8)
    assert [h.rank for h in hits] == list(range(1, 9))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    essay_text = seed_kb.index().chunks.essays()[0].text
    for hit in hits:
        assert essay_text[hit.chunk.start : hit.chunk.end] == hit.chunk.text


def test_traditional_chinese_question_finds_the_same_passage(seed_kb: KnowledgeBase) -> None:
    simplified = seed_kb.ask(SEED_QUESTION, k=1)[0]
    traditional = seed_kb.ask("如何提升基層黨員幹部的素質？", k=1)[0]
    assert traditional.chunk == simplified.chunk


def test_reference_question_finds_a_reference_entry(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.ask("赵璐关于农村基层服务型党组织建设的文章", k=3)
    assert hits[0].chunk.kind == "reference"
    assert "赵璐" in hits[0].chunk.text


def test_empty_question_is_refused_with_an_example(seed_kb: KnowledgeBase) -> None:
    with pytest.raises(EssayKBError, match="empty"):
        seed_kb.ask("   ")


def test_missing_index_says_how_to_build_it(tmp_path: Path, seed_kb: KnowledgeBase) -> None:
    kb = KnowledgeBase(Config(corpus=seed_kb.config.corpus, index=tmp_path / "nothing"), seed_kb.embedder)
    with pytest.raises(IndexMissing, match="kb index"):
        kb.ask(SEED_QUESTION)


def test_index_built_with_another_model_is_refused(kb_copy: KnowledgeBase) -> None:
    manifest_path = current_generation(kb_copy.config.index) / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["model"]["fingerprint"] = "some-other-model@123"
    manifest_path.write_text(json.dumps(data))
    with pytest.raises(IndexMismatch, match="kb index --rebuild"):
        kb_copy.ask(SEED_QUESTION)


def test_truncated_vector_file_is_detected_on_load(kb_copy: KnowledgeBase) -> None:
    vectors = current_generation(kb_copy.config.index) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:1000])
    with pytest.raises(IndexMismatch, match="damaged"):
        kb_copy.ask(SEED_QUESTION)


def test_interrupted_build_leaves_the_previous_index_answering(kb_copy: KnowledgeBase) -> None:
    before = current_generation(kb_copy.config.index)

    def interrupt(stage: str, done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        kb_copy.build(interrupt, rebuild=True)  # an unchanged corpus would need no build at all
    assert current_generation(kb_copy.config.index) == before
    assert kb_copy.ask(SEED_QUESTION)[0].chunk.section[0].startswith("二、")


def test_rebuild_cleans_what_a_dead_build_left(kb_copy: KnowledgeBase) -> None:
    leftover = kb_copy.config.index / "gen-20000101-000000-1-1.partial"
    leftover.mkdir()
    (leftover / "chunks.sqlite").write_bytes(b"half")
    kb_copy.build(rebuild=True)
    assert not leftover.exists()
    # The new generation, and the one before it (a reader that just read the pointer may still open it).
    assert len([p for p in kb_copy.config.index.glob("gen-*")]) == 2


def test_unreadable_file_is_skipped_and_reported_while_the_rest_indexes(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "broken.txt").write_bytes(bytes(range(256)) * 4)
    report = kb_copy.build()
    assert report.essays == 1
    assert any("broken.txt" in p for p in report.problems)
    assert kb_copy.ask(SEED_QUESTION)[0].chunk.essay_id == "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def test_status_lists_new_changed_and_removed_essays(kb_copy: KnowledgeBase) -> None:
    corpus = kb_copy.config.corpus
    assert kb_copy.status().up_to_date
    seed = corpus / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
    shutil.copy(seed, corpus / "copy.txt")
    seed.write_text(seed.read_text(encoding="utf-8") + "\n补充一段。", encoding="utf-8")
    status = kb_copy.status()
    assert status.added == ("copy.txt",)  # the seed's old bytes, under a new name
    assert status.changed == ("xinchangtai-jiceng-dangzuzhi-jianshe.txt",)
    seed.unlink()
    assert kb_copy.status().removed == ("xinchangtai-jiceng-dangzuzhi-jianshe.txt",)


def test_adding_an_essay_already_in_the_corpus_is_refused(kb_copy: KnowledgeBase, tmp_path: Path) -> None:
    twin = tmp_path / "twin.txt"
    shutil.copy(kb_copy.config.corpus / "xinchangtai-jiceng-dangzuzhi-jianshe.txt", twin)
    with pytest.raises(EssayKBError, match="already in the corpus"):
        kb_copy.add([twin])
    assert sorted(p.name for p in kb_copy.config.corpus.iterdir()) == ["xinchangtai-jiceng-dangzuzhi-jianshe.txt"]


def test_added_essay_becomes_searchable_after_build(kb_copy: KnowledgeBase, tmp_path: Path) -> None:
    new = tmp_path / "xiangcun.md"
    new.write_text("# 乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一采购农资、统一销售农产品，"
                   "让农民在市场中有了议价能力。\n", encoding="utf-8")
    assert kb_copy.add([new]) == ["xiangcun.md"]
    kb_copy.build()
    assert kb_copy.ask("农民怎样获得议价能力？", k=1)[0].chunk.essay_id == "xiangcun.md"
