"""An HNSW index grows with the corpus instead of being rebuilt: new essays become new graph nodes, removed or
edited ones tombstones no search returns; answers stay those of exact search. Real indexes of the seed corpus."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from essay_kb.cli import main
from essay_kb.evaluate import read_questions
from essay_kb.store import vectors as vector_stores
from essay_kb.store.vectors import MAX_TOMBSTONES, SLOTS_FILE, FaissStore

QUESTIONS = [q.question for q in read_questions(Path(__file__).parent / "data" / "seed_questions.jsonl")]
SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
COOPERATIVE = ("# 乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一采购农资、统一销售农产品，让农民在市场中有了"
               "议价能力。\n\n## 经验\n\n村集体牵头、能人带动、农户入股，是合作社办得好的共同经验。\n\n## 困难\n\n"
               "资金短缺、人才不足、管理不规范，是不少合作社面临的难题。\n")
COOPERATIVE_Q = "农民怎样获得议价能力？"


def copy_kb(kb: KnowledgeBase, root: Path, vector_store: str) -> KnowledgeBase:
    shutil.copytree(kb.config.corpus, root / "corpus")
    shutil.copytree(kb.config.index, root / "index")
    config = dataclasses.replace(kb.config, corpus=root / "corpus", index=root / "index", vector_store=vector_store)
    return KnowledgeBase(config, kb.embedder)


@pytest.fixture
def hnsw_kb(tmp_path: Path, seed_kb: KnowledgeBase) -> KnowledgeBase:
    kb = copy_kb(seed_kb, tmp_path / "hnsw", "hnsw")
    assert kb.build().embedded == 0
    return kb


def store_of(kb: KnowledgeBase) -> FaissStore:
    store = kb.index().vectors
    assert isinstance(store, FaissStore) and store.spec.kind == "hnsw"
    return store


def assert_answers_like_exact_search(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Every seed question (and one about the added essay) gets exact search's top passages and scores."""
    exact = copy_kb(kb, tmp_path / "exact", "flat")
    assert exact.build().embedded == 0
    for question in [*QUESTIONS, COOPERATIVE_Q]:
        got, want = kb.ask(question, 3, mode="dense"), exact.ask(question, 3, mode="dense")
        assert [(h.chunk.essay_id, h.chunk.text) for h in got] == [(h.chunk.essay_id, h.chunk.text) for h in want]
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-3), question
    assert main(["check", "--corpus", str(kb.config.corpus), "--index", str(kb.config.index)]) == 0


@pytest.mark.slow
def test_adding_an_essay_adds_nodes_to_the_previous_graph(hnsw_kb: KnowledgeBase, tmp_path: Path) -> None:
    before = store_of(hnsw_kb).slots
    (hnsw_kb.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")  # sorts before the seed
    report = hnsw_kb.build()
    store = store_of(hnsw_kb)
    added = len(hnsw_kb.essay_chunks("hezuoshe.md"))
    assert report.embedded == added > 0
    assert store.slots == before + added == store.count  # grown, not rebuilt; nothing to tombstone
    assert hnsw_kb.ask(COOPERATIVE_Q, 1)[0].chunk.essay_id == "hezuoshe.md"
    assert_answers_like_exact_search(hnsw_kb, tmp_path)


@pytest.mark.slow
def test_edited_and_removed_essays_leave_tombstones_no_search_returns(
    hnsw_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seed corpus is tiny, so any edit is a large share of the graph; let tombstones stay to exercise them.
    monkeypatch.setattr(vector_stores, "MAX_TOMBSTONES", 0.9)
    corpus = hnsw_kb.config.corpus
    (corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    hnsw_kb.build()
    slots = store_of(hnsw_kb).slots
    seed = corpus / SEED_ID
    paragraph = next(c for c in hnsw_kb.essay_chunks(SEED_ID) if c.kind == "body")
    seed.write_text(seed.read_text(encoding="utf-8").replace(paragraph.text, paragraph.text + "这是补充的一句话。", 1),
                    encoding="utf-8")
    assert hnsw_kb.build().embedded == 1
    store = store_of(hnsw_kb)
    seed_chunks = len(hnsw_kb.essay_chunks(SEED_ID))
    assert store.slots == slots + seed_chunks  # the edited essay's rows are new nodes, its old ones tombstones
    assert store.count == hnsw_kb.index().manifest.chunks < store.slots
    assert (hnsw_kb.index().folder / SLOTS_FILE).exists()
    assert any("这是补充的一句话" in h.chunk.text for h in hnsw_kb.ask(paragraph.text, 3, mode="dense"))
    assert_answers_like_exact_search(hnsw_kb, tmp_path / "edited")

    (corpus / "hezuoshe.md").unlink()
    hnsw_kb.build()
    assert all(h.chunk.essay_id == SEED_ID for h in hnsw_kb.ask(COOPERATIVE_Q, 20, mode="dense"))
    reopened = KnowledgeBase(hnsw_kb.config, hnsw_kb.embedder)  # what a fresh process reads from disk
    assert all(h.chunk.essay_id == SEED_ID for h in reopened.ask(COOPERATIVE_Q, 20, mode="dense"))
    assert_answers_like_exact_search(reopened, tmp_path / "removed")


def test_too_many_tombstones_rebuild_the_graph(hnsw_kb: KnowledgeBase) -> None:
    corpus = hnsw_kb.config.corpus
    (corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    hnsw_kb.build()
    removed, slots = len(hnsw_kb.essay_chunks("hezuoshe.md")), store_of(hnsw_kb).slots
    assert removed > MAX_TOMBSTONES * slots  # removing it would leave more tombstones than allowed
    (corpus / "hezuoshe.md").unlink()
    hnsw_kb.build()
    store = store_of(hnsw_kb)
    assert store.slots == store.count == slots - removed
    assert not (hnsw_kb.index().folder / SLOTS_FILE).exists()
