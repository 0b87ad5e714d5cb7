"""Sentence parts ("small-to-big", store/parts.py): a long paragraph is found by the one clause a question asks."""

from __future__ import annotations

import json

import numpy as np

from essay_kb import KnowledgeBase
from essay_kb.chunker import split_sentences
from essay_kb.store import current_generation
from essay_kb.store.parts import PARTS_FOLDER, PooledStore

SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def test_each_sentence_of_a_long_paragraph_gets_its_own_vector(seed_kb: KnowledgeBase) -> None:
    index = seed_kb.index()
    assert isinstance(index.vectors, PooledStore)
    chunks = index.chunks.chunks(list(range(index.chunks.count())))
    counts = np.bincount(index.vectors.part_rows, minlength=len(chunks))
    for row, chunk in enumerate(chunks):
        sentences = len(split_sentences(chunk.text))
        wanted = sentences if sentences > 1 and chunk.kind not in ("title", "heading") else 0
        assert counts[row] == wanted, chunk.text[:40]
    section_three = next(c for c in chunks if c.section and c.section[0].startswith("三、") and c.kind == "body")
    assert counts[chunks.index(section_three)] == 3


def test_a_question_on_one_clause_of_a_long_paragraph_finds_it(demo_kb: KnowledgeBase) -> None:
    # Issue 14's own example: the answer (服务平台、网络中心…) is one clause of the seed's 400-character section 三,
    # whose paragraph vector is about work style; on passage vectors alone it fell out of the top 3.
    question = "基层党组织可以搭建哪些平台来服务群众？"
    hits = demo_kb.ask(question, 3)
    assert any(h.chunk.essay_id == SEED_ID and h.chunk.section[0].startswith("三、") for h in hits)
    # Dense alone ranked three reference entries first (their short titles sit near any Party-building question).
    assert all(h.chunk.kind != "reference" for h in demo_kb.ask(question, 3, mode="dense"))


def test_an_index_built_before_sentence_parts_is_rebuilt_without_embedding_passages(kb_copy: KnowledgeBase) -> None:
    folder = current_generation(kb_copy.config.index)
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["parts"]
    manifest["files"] = {name: r for name, r in manifest["files"].items() if not name.startswith(PARTS_FOLDER)}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for path in sorted((folder / PARTS_FOLDER).iterdir()):
        path.unlink()
    (folder / PARTS_FOLDER).rmdir()
    old = KnowledgeBase(kb_copy.config, kb_copy.embedder)
    assert not isinstance(old.index().vectors, PooledStore)  # an old index still answers until rebuilt
    assert any("parts" in reason for reason in old.rebuild_reasons(old.index().manifest)[0])
    report = old.build()
    assert not report.up_to_date
    assert report.embedded == 0  # passage vectors come from the embedding cache
    assert isinstance(old.index().vectors, PooledStore)


def test_adding_an_essay_adds_its_sentence_parts_and_keeps_the_others(kb_copy: KnowledgeBase) -> None:
    before = len(kb_copy.index().vectors.part_rows)  # type: ignore[attr-defined]
    (kb_copy.config.corpus / "new.txt").write_text(
        "社区议事会\n\n社区议事会每月召开一次。居民可以当面提出意见，党员负责记录和回复。\n", encoding="utf-8"
    )
    report = kb_copy.build()
    index = kb_copy.index()
    assert report.embedded == 2  # the title and the paragraph
    assert len(index.vectors.part_rows) == before + 2  # type: ignore[attr-defined]
    new_rows = [r for r, c in enumerate(index.chunks.chunks(list(range(index.chunks.count()))))
                if c.essay_id == "new.txt"]
    assert np.isin(index.vectors.part_rows, new_rows).sum() == 2  # type: ignore[attr-defined]
