"""Incremental builds: only new text is embedded, unchanged essays are copied, one writer at a time."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from essay_kb import KnowledgeBase
from essay_kb.errors import IndexBusy
from essay_kb.store import current_generation, current_manifest
from essay_kb.store.lock import build_lock

SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
QUESTION = "如何提升基层党员干部的素质？"
COOPERATIVE = ("# 乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一采购农资、统一销售农产品，让农民在市场中有了"
               "议价能力。\n\n## 经验\n\n村集体牵头、能人带动、农户入股，是合作社办得好的共同经验。\n")


def passages(kb: KnowledgeBase, essay_id: str) -> int:
    return len(kb.essay_chunks(essay_id))


def test_adding_an_essay_embeds_only_its_passages(kb_copy: KnowledgeBase) -> None:
    seed_passages = passages(kb_copy, SEED_ID)
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    report = kb_copy.build()
    assert report.embedded == passages(kb_copy, "hezuoshe.md") > 0
    assert report.reused == seed_passages
    assert kb_copy.ask("农民怎样获得议价能力？", k=1)[0].chunk.essay_id == "hezuoshe.md"
    assert kb_copy.ask(QUESTION, k=1)[0].chunk.section[0].startswith("二、")  # copied rows still line up


@pytest.mark.slow
def test_an_incremental_build_equals_a_full_rebuild(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    kb_copy.build()
    incremental = [(h.chunk.essay_id, h.chunk.ordinal, round(h.score, 5)) for h in kb_copy.ask(QUESTION, k=10)]
    kb_copy.build(rebuild=True)
    assert [(h.chunk.essay_id, h.chunk.ordinal, round(h.score, 5)) for h in kb_copy.ask(QUESTION, k=10)] == incremental


def test_an_unchanged_corpus_needs_no_work(kb_copy: KnowledgeBase) -> None:
    status = kb_copy.status()
    assert status.up_to_date and status.unchanged == (SEED_ID,)
    report = kb_copy.build()
    assert report.embedded == 0 and report.reused == passages(kb_copy, SEED_ID)


def test_editing_one_paragraph_re_embeds_only_that_paragraph(kb_copy: KnowledgeBase) -> None:
    seed = kb_copy.config.corpus / SEED_ID
    text = seed.read_text(encoding="utf-8")
    paragraph = next(c for c in kb_copy.essay_chunks(SEED_ID) if c.kind == "body")
    seed.write_text(text.replace(paragraph.text, paragraph.text + "这是补充的一句话。", 1), encoding="utf-8")
    assert kb_copy.status().changed == (SEED_ID,)
    report = kb_copy.build()
    assert report.embedded == 1
    assert any("这是补充的一句话" in c.text for c in kb_copy.essay_chunks(SEED_ID))


def test_a_removed_essay_disappears_from_results(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    kb_copy.build()
    (kb_copy.config.corpus / "hezuoshe.md").unlink()
    assert kb_copy.status().removed == ("hezuoshe.md",)
    report = kb_copy.build()
    assert report.embedded == 0
    assert all(h.chunk.essay_id == SEED_ID for h in kb_copy.ask("农民怎样获得议价能力？", k=10))


def test_a_renamed_essay_is_not_embedded_again(kb_copy: KnowledgeBase) -> None:
    corpus = kb_copy.config.corpus
    (corpus / "archive").mkdir()
    shutil.move(corpus / SEED_ID, corpus / "archive" / "renamed.txt")
    status = kb_copy.status()
    assert status.renamed == ((SEED_ID, "archive/renamed.txt"),)
    report = kb_copy.build()
    assert report.embedded == 0
    assert kb_copy.ask(QUESTION, k=1)[0].chunk.essay_id == "archive/renamed.txt"


def test_an_essay_saved_under_two_names_is_indexed_once_and_both_are_listed(kb_copy: KnowledgeBase) -> None:
    # The copy's name sorts first, yet the indexed name stays the essay's id: citations do not move.
    shutil.copy(kb_copy.config.corpus / SEED_ID, kb_copy.config.corpus / "0 副本 (1).txt")
    status = kb_copy.status()
    assert status.aliases == {SEED_ID: ("0 副本 (1).txt",)} and not status.added
    assert not status.up_to_date  # the index must record the second name
    report = kb_copy.build()
    assert report.essays == 1 and report.embedded == 0
    manifest = current_manifest(kb_copy.config.index)
    assert manifest is not None and manifest.essays[0].aliases == ("0 副本 (1).txt",)
    assert kb_copy.status().up_to_date
    hits = kb_copy.ask(QUESTION, k=5)
    assert {h.chunk.essay_id for h in hits} == {SEED_ID}


def test_a_build_killed_before_publishing_keeps_its_embeddings(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    before = current_generation(kb_copy.config.index)

    def die_when_writing(stage: str, done: int, total: int) -> None:
        if stage == "write":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        kb_copy.build(die_when_writing)
    assert current_generation(kb_copy.config.index) == before
    report = kb_copy.build()
    assert report.embedded == 0  # the dead build's vectors were cached batch by batch


def test_a_second_writer_is_told_who_holds_the_lock(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    with build_lock(kb_copy.config.index), pytest.raises(IndexBusy, match=r"pid \d+ on .*--wait"):
        kb_copy.build()
    assert kb_copy.status().added == ("hezuoshe.md",)  # nothing was written


def test_a_second_writer_can_wait_for_the_first(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    released = threading.Event()

    def hold_then_release() -> None:
        with build_lock(kb_copy.config.index):
            started.set()
            time.sleep(1.0)
        released.set()

    started = threading.Event()
    holder = threading.Thread(target=hold_then_release)
    holder.start()
    started.wait()
    report = kb_copy.build(wait=30)
    holder.join()
    assert released.is_set() and report.embedded > 0


@pytest.mark.slow
def test_a_reader_moves_to_the_new_generation_once_it_is_complete(kb_copy: KnowledgeBase) -> None:
    reader = KnowledgeBase(kb_copy.config, kb_copy.embedder)  # another user of the same index, e.g. the app
    assert reader.ask("农民怎样获得议价能力？", k=1)[0].chunk.essay_id == SEED_ID
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    seen_during_build = []

    def ask_meanwhile(stage: str, done: int, total: int) -> None:
        seen_during_build.append(reader.ask("农民怎样获得议价能力？", k=1)[0].chunk.essay_id)

    kb_copy.build(ask_meanwhile)
    assert seen_during_build and set(seen_during_build) == {SEED_ID}
    assert reader.ask("农民怎样获得议价能力？", k=1)[0].chunk.essay_id == "hezuoshe.md"
