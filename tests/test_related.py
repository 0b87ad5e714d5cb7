"""Related essays and shared text on the written pair set (tests/data/related/): essays on six topics with the
reprints, rewrites, shared quotations and reused abstracts real collections hold. Real model, real index."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from essay_kb import Config, KnowledgeBase
from essay_kb.cli import main
from essay_kb.normalize import normalize_for_search

DATA = Path(__file__).parent / "data" / "related"
MANIFEST = [json.loads(line) for line in (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
TOPIC = {e["file"]: e["topic"] for e in MANIFEST if "file" in e}


@pytest.fixture(scope="session")
def pair_kb(indexed_copy: Callable[[str, Path], KnowledgeBase]) -> KnowledgeBase:
    return indexed_copy("pairs", DATA / "essays")


def derived(kind: str) -> list[dict]:
    return [e for e in MANIFEST if e.get("kind") == kind]


@pytest.mark.slow
def test_a_reprint_or_a_rewrite_finds_its_source_first(pair_kb: KnowledgeBase) -> None:
    for entry in derived("reprint") + derived("rewrite"):
        ranked = pair_kb.related(entry["file"], 3)
        assert ranked[0].essay_id == entry["of"], (entry["file"], [r.essay_id for r in ranked])


@pytest.mark.slow
def test_a_reprint_shares_its_text_and_an_essay_on_another_topic_shares_none(pair_kb: KnowledgeBase) -> None:
    for entry in derived("reprint"):
        ranked = pair_kb.related(entry["of"], len(TOPIC))
        by_id = {r.essay_id: r for r in ranked}
        assert by_id[entry["file"]].shared_text > 0.8
        strangers = [r for r in ranked if TOPIC[r.essay_id] != TOPIC[entry["of"]]]
        assert strangers and all(r.shared_text == 0.0 for r in strangers)
        # Continuous scores: the reprint stands far above the best essay of another topic.
        assert by_id[entry["file"]].score > max(r.score for r in strangers) + 2


@pytest.mark.slow
def test_related_essays_are_the_same_whatever_the_files_are_called(pair_kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = pair_kb.config.corpus
    renamed = tmp_path / "corpus"
    renamed.mkdir()
    # New names that sort in another order: a hash of the old name.
    new_name = {e: f"{hashlib.sha1(e.encode()).hexdigest()[:10]}.txt" for e in TOPIC}
    for old, new in new_name.items():
        shutil.copy(corpus / old, renamed / new)
    shutil.copytree(pair_kb.config.index, tmp_path / "index")
    kb = KnowledgeBase(Config(corpus=renamed, index=tmp_path / "index"), pair_kb.embedder)
    kb.build()  # the stored vectors are reused: the passages' text did not change
    back = {new: old for old, new in new_name.items()}
    for essay in sorted(TOPIC)[::4]:
        before = [(r.essay_id, round(r.score, 6), r.shared_text) for r in pair_kb.related(essay, 6)]
        after = [(back[r.essay_id], round(r.score, 6), r.shared_text) for r in kb.related(new_name[essay], 6)]
        assert after == before


@pytest.mark.slow
def test_a_shared_quotation_is_found_both_ways_with_its_offsets(pair_kb: KnowledgeBase) -> None:
    quotes = derived("quote")
    assert quotes
    for entry in quotes:
        a, b = entry["files"]
        for x, y in ((a, b), (b, a)):
            comparison = pair_kb.compare(x, y)
            quote = normalize_for_search(entry["quote"])
            spans = [s for s in comparison.shared if quote in normalize_for_search(s.text)]
            assert spans, (x, y, [s.text for s in comparison.shared])
            span = spans[0]
            assert normalize_for_search(span.a.text[span.a_start:span.a_end]) == normalize_for_search(
                span.b.text[span.b_start:span.b_end])
            assert 0 < comparison.overlap_a < 0.5  # one sentence shared, counted by its characters


@pytest.mark.slow
def test_metadata_lines_never_align(pair_kb: KnowledgeBase) -> None:
    markers = ("中图分类号", "文献标识码", "文章编号", "收稿日期", "作者简介", "基金项目", "责任编辑", "浏览次数")
    with_metadata = [f for f in TOPIC if any(m in (pair_kb.config.corpus / f).read_text(encoding="utf-8")
                                             for m in markers)]
    assert len(with_metadata) >= 4
    for a, b in zip(with_metadata, with_metadata[1:], strict=False):
        comparison = pair_kb.compare(a, b)
        for pair in comparison.a_to_b:
            assert not any(m in pair.a.text for m in markers)
            assert pair.b is None or not any(m in pair.b.text for m in markers)
        assert not any(any(m in s.text for m in markers) for s in comparison.shared)


@pytest.mark.slow
def test_cli_related_and_compare_speak_to_people(capsys, pair_kb: KnowledgeBase) -> None:
    entry = derived("rewrite")[0]
    where = ["--corpus", str(pair_kb.config.corpus), "--index", str(pair_kb.config.index)]
    for argv in (["related", entry["file"]], ["compare", entry["file"], entry["of"]]):
        assert main([*argv, *where]) == 0
        out = capsys.readouterr().out
        for raw in ("essay_id", "aligned_share", "borrowed_share", "close_share", "shared_text", "chars ",
                    "title_similarity", "→ \n", "→\n"):
            assert raw not in out, (argv, raw, out)
        assert "%" in out


def test_the_pair_set_manifest_matches_its_files() -> None:
    """The set's ground truth holds: every file exists, anchors start paragraphs, quotes are in both files."""
    files = {p.relative_to(DATA / "essays").as_posix() for p in (DATA / "essays").rglob("*.txt")}
    assert files == set(TOPIC)
    text = {f: (DATA / "essays" / f).read_text(encoding="utf-8") for f in files}
    for entry in MANIFEST:
        if entry.get("kind") == "rewrite":
            for source, rewritten in entry["pairs"]:
                assert f"\n{source}" in "\n" + text[entry["of"]].replace("\u3000", "")
                assert f"\n{rewritten}" in "\n" + text[entry["file"]].replace("\u3000", "")
        if entry.get("kind") == "quote":
            assert all(entry["quote"] in text[f] for f in entry["files"])
