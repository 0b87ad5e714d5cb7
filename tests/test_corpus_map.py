"""The corpus map (issue 18): every indexed essay placed by its stored vectors, clustered, clusters named by their
words. Real model, real index, real app (AppTest); the browser test is tests/test_browser_map.py."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from essay_kb import KnowledgeBase
from essay_kb.corpus_map import CorpusMap, MapEssay
from essay_kb.normalize import normalize_for_search

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "related"
MANIFEST = [json.loads(line) for line in (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
TOPIC = {e["file"]: e["topic"] for e in MANIFEST if "file" in e}
MAP_PAGE = str(Path(__file__).parent / "map_page.py")


@pytest.fixture(scope="module")
def pair_kb(indexed_copy: Callable[[str, Path], KnowledgeBase]) -> KnowledgeBase:
    return indexed_copy("map-pairs", DATA / "essays")


def distance(a: MapEssay, b: MapEssay) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def assert_whole(found: CorpusMap, kb: KnowledgeBase) -> None:
    ids = [e.id for e in found.essays]
    assert sorted(ids) == sorted(kb.index().chunks.titles())
    assert len(ids) == len(set(ids))
    assert all(math.isfinite(e.x) and math.isfinite(e.y) for e in found.essays)
    assert sorted(c.id for c in found.clusters) == list(range(len(found.clusters)))
    for cluster in found.clusters:
        assert cluster.size == sum(e.cluster == cluster.id for e in found.essays) > 0


def test_the_map_places_every_indexed_essay_once(demo_kb: KnowledgeBase) -> None:
    found = demo_kb.corpus_map()
    assert_whole(found, demo_kb)
    assert found.generation == demo_kb.index().folder.name
    titles = demo_kb.index().chunks.titles()
    assert all(e.title == titles[e.id] for e in found.essays)
    # Six essays on three subjects (party building, waste sorting, the economy) are not all one blob.
    assert len({(round(e.x, 3), round(e.y, 3)) for e in found.essays}) == len(found.essays)


@pytest.mark.slow
def test_a_reprint_lands_beside_its_original_and_in_its_cluster(pair_kb: KnowledgeBase) -> None:
    found = pair_kb.corpus_map()
    assert_whole(found, pair_kb)
    by_id = {e.id: e for e in found.essays}
    reprints = [e for e in MANIFEST if e.get("kind") == "reprint"]
    assert reprints
    for entry in reprints:
        copy, original = by_id[entry["file"]], by_id[entry["of"]]
        strangers = [e for e in found.essays if TOPIC[e.id] != TOPIC[entry["of"]]]
        assert distance(copy, original) < min(distance(copy, s) for s in strangers), entry["file"]
        assert copy.cluster == original.cluster, entry["file"]


@pytest.mark.slow
def test_clusters_follow_the_topics_of_the_written_set(pair_kb: KnowledgeBase) -> None:
    """More than one cluster, and most essays share a cluster with most of their topic."""
    found = pair_kb.corpus_map()
    assert len(found.clusters) > 1
    by_topic: dict[str, list[int]] = {}
    for e in found.essays:
        by_topic.setdefault(TOPIC[e.id], []).append(e.cluster)
    in_main = sum(max(clusters.count(c) for c in clusters) for clusters in by_topic.values())
    assert in_main >= 0.7 * len(found.essays)


def assert_labels_are_words_of_their_essays(found: CorpusMap, kb: KnowledgeBase) -> None:
    texts = {e.id: normalize_for_search(e.text).lower() for e in kb.index().chunks.essays()}
    for cluster in found.clusters:
        assert 1 <= len(cluster.words) <= 4
        assert len(set(cluster.words)) == len(cluster.words)
        members = [texts[e.id] for e in found.essays if e.cluster == cluster.id]
        for word in cluster.words:
            assert len(word) > 1 and not word.isdigit(), word
            assert any(word in text for text in members), (cluster.id, word)


def test_cluster_labels_are_words_of_the_clusters_essays(demo_kb: KnowledgeBase) -> None:
    assert_labels_are_words_of_their_essays(demo_kb.corpus_map(), demo_kb)


@pytest.mark.slow
def test_cluster_labels_set_the_topics_apart(pair_kb: KnowledgeBase) -> None:
    found = pair_kb.corpus_map()
    assert_labels_are_words_of_their_essays(found, pair_kb)
    labels = [set(c.words) for c in found.clusters]
    assert all(not (a & b) for i, a in enumerate(labels) for b in labels[i + 1:]) or len(labels) == 1, labels


def test_the_map_is_the_same_on_every_call_and_whatever_the_files_are_called(
    demo_kb: KnowledgeBase, indexed_copy: Callable[[str, Path], KnowledgeBase], tmp_path: Path
) -> None:
    first = demo_kb.corpus_map()
    again = KnowledgeBase(demo_kb.config, demo_kb.embedder).corpus_map()  # a new instance: computed anew
    assert again == first
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    # New names that sort in another order than the old ones: a hash of the old name.
    new_name = {e.id: f"{hashlib.sha1(e.id.encode()).hexdigest()[:10]}.txt" for e in first.essays}
    for old, new in new_name.items():
        shutil.copy(demo_kb.config.corpus / old, renamed / new)
    other = indexed_copy("map-renamed", renamed).corpus_map()
    moved = {e.id: e for e in other.essays}
    for e in first.essays:
        twin = moved[new_name[e.id]]
        assert (twin.title, twin.author) == (e.title, e.author)
        assert twin.x == pytest.approx(e.x, abs=1e-4) and twin.y == pytest.approx(e.y, abs=1e-4)
        assert other.clusters[twin.cluster].words == first.clusters[e.cluster].words


def test_a_one_essay_corpus_has_a_one_point_map(seed_kb: KnowledgeBase) -> None:
    found = seed_kb.corpus_map()
    assert len(found.essays) == 1 and len(found.clusters) == 1
    assert found.clusters[0].size == 1 and found.clusters[0].words
    assert_labels_are_words_of_their_essays(found, seed_kb)


def test_the_map_follows_a_rebuild_and_a_two_essay_corpus_works(kb_copy: KnowledgeBase) -> None:
    before = kb_copy.corpus_map()
    assert kb_copy.corpus_map() is before  # computed once per generation
    shutil.copy(ROOT / "corpus" / "demo" / "chengshi-laji-fenlei.txt", kb_copy.config.corpus)
    kb_copy.build()
    after = kb_copy.corpus_map()
    assert after.generation != before.generation
    assert len(after.essays) == 2 and len(after.clusters) == 1
    assert distance(*after.essays) > 0
    assert_labels_are_words_of_their_essays(after, kb_copy)


def map_page(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase, language: str) -> AppTest:
    monkeypatch.setenv("ESSAY_KB_CORPUS", str(kb.config.corpus))
    monkeypatch.setenv("ESSAY_KB_INDEX", str(kb.config.index))
    at = AppTest.from_file(MAP_PAGE, default_timeout=300)
    at.session_state["ui_language"] = language
    return at.run()


@pytest.mark.parametrize(("language", "caption"), [("zh", "篇文章按内容相近程度排布"), ("en", "essays placed by")])
def test_the_map_section_renders_for_the_demo_corpus(
    monkeypatch: pytest.MonkeyPatch, demo_kb: KnowledgeBase, language: str, caption: str
) -> None:
    at = map_page(monkeypatch, demo_kb, language)
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    points, names = (layer["data"]["values"] for layer in spec["layer"][:2])
    found = demo_kb.corpus_map()
    assert sorted((p["id"], p["title"]) for p in points) == sorted((e.id, e.title) for e in found.essays)
    assert all(word in n["cluster"] for c, n in zip(found.clusters, names, strict=True) for word in c.words)
    assert [p["name"] for p in spec["params"]] == list(charts[0].proto.selection_mode) == ["picked"]  # clickable
    assert any(caption in c.value and str(len(found.essays)) in c.value for c in at.caption)
