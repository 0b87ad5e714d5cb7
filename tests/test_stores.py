"""Every vector store answers the seed questions as the exact one does, on real indexes of the seed corpus."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from essay_kb import KnowledgeBase
from essay_kb.cli import main
from essay_kb.evaluate import read_questions
from essay_kb.normalize import normalize_for_search
from essay_kb.search import SearchFilter, search
from essay_kb.store import current_manifest
from essay_kb.store.vectors import STORE_CHOICES, FaissStore, StoreSpec, choose_store

QUESTIONS = read_questions(Path(__file__).parent / "data" / "seed_questions.jsonl")
STORES = [s for s in STORE_CHOICES if s != "auto"]


@pytest.fixture(scope="module", params=STORES)
def store_kb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             seed_kb: KnowledgeBase) -> KnowledgeBase:
    """The seed index rewritten into one store (its vectors come from the embedding cache: nothing is embedded)."""
    root = tmp_path_factory.mktemp(request.param)
    shutil.copytree(seed_kb.config.corpus, root / "corpus")
    shutil.copytree(seed_kb.config.index, root / "index")
    config = dataclasses.replace(seed_kb.config, corpus=root / "corpus", index=root / "index",
                                 vector_store=request.param)
    kb = KnowledgeBase(config, seed_kb.embedder)
    report = kb.build()
    assert report.embedded == 0
    return kb


def test_the_manifest_records_the_store_and_its_parameters(store_kb: KnowledgeBase) -> None:
    manifest = current_manifest(store_kb.config.index)
    assert manifest is not None
    assert manifest.vector_store == choose_store(store_kb.config.vector_store, manifest.chunks).as_dict()
    assert store_kb.index().vectors.spec.kind == store_kb.config.vector_store


@pytest.fixture(scope="module")
def query_vectors(seed_kb: KnowledgeBase) -> list[np.ndarray]:
    """Each question embedded once (as KnowledgeBase.ask does) for every store and mode."""
    return [seed_kb.embedder.embed_query(normalize_for_search(q.question)) for q in QUESTIONS]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_every_question_gets_the_same_top_passage_as_with_the_exact_store(
    store_kb: KnowledgeBase, seed_kb: KnowledgeBase, query_vectors: list[np.ndarray], mode: str
) -> None:
    for q, vector in zip(QUESTIONS, query_vectors, strict=True):
        exact = search(seed_kb.index(), q.question, vector, 3, mode, seed_kb.fusion)
        found = search(store_kb.index(), q.question, vector, 3, mode, store_kb.fusion)
        assert found[0].chunk.text == exact[0].chunk.text, q.question
        assert found[0].score == pytest.approx(exact[0].score, abs=1e-5)


def test_a_kind_filter_still_returns_k_passages(store_kb: KnowledgeBase) -> None:
    hits = store_kb.ask("基层党组织建设", k=5, mode="dense", flt=SearchFilter(kinds=("reference",)))
    assert len(hits) == 5 and {h.chunk.kind for h in hits} == {"reference"}


def test_hnsw_search_recall_against_exact_search() -> None:
    """The graph store on clustered vectors like sentence embeddings: recall@10 against exact search."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(100, 384))
    points = centres[rng.integers(0, 100, 5000)] + rng.normal(scale=0.7, size=(5000, 384))
    points = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    flat, hnsw = FaissStore.build(points, StoreSpec("flat")), FaissStore.build(points, choose_store("hnsw", 0))
    queries = points[:100] + rng.normal(scale=0.05, size=(100, 384)).astype(np.float32)
    recall = np.mean([len({r for r, _ in flat.search(q, 10)} & {r for r, _ in hnsw.search(q, 10)}) / 10
                      for q in queries])
    assert recall >= 0.95


def test_switching_the_store_from_the_command_line_embeds_nothing(capsys, kb_copy: KnowledgeBase) -> None:
    code = main(["index", "--vector-store", "hnsw", "--corpus", str(kb_copy.config.corpus),
                 "--index", str(kb_copy.config.index)])
    out = capsys.readouterr().out
    assert code == 0 and "vector store changes to hnsw" in out and " 0 embedded" in out
    manifest = current_manifest(kb_copy.config.index)
    assert manifest is not None and manifest.vector_store["kind"] == "hnsw" and manifest.vector_store["m"] > 0
    # `kb ask` follows the manifest, whatever the reader's own setting.
    assert kb_copy.index().vectors.spec.kind == "hnsw"


def test_kb_check_passes_on_every_store(store_kb: KnowledgeBase) -> None:
    assert store_kb.check() == []


def test_a_milvus_server_address_is_a_milvus_store() -> None:
    spec = choose_store("milvus://milvus.example.org:19530", 10)
    assert spec.kind == "milvus" and spec.uri == "http://milvus.example.org:19530"
