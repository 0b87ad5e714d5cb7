"""Shared fixtures: the real bundled model and a real index of the seed corpus, built once per session."""

from __future__ import annotations

import os

# Before torch and FAISS load OpenMP: its threads otherwise spin while they wait, and on two cores shared with other
# work (CI beside a developer, several test runs) spinning threads starve each other. Measured with two busy
# processes on this 2-core machine: the HNSW tombstone test took 127 s spinning, 24 s passive (8 s on idle cores).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import shutil  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from essay_kb import Config, KnowledgeBase  # noqa: E402
from essay_kb.embedder import Embedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> KnowledgeBase:
    """The seed essay indexed with the bundled model. Tests must not change it; copy it if they need to."""
    root = tmp_path_factory.mktemp("seed")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus")
    kb = KnowledgeBase(Config(corpus=root / "corpus", index=root / "index"), embedder)
    kb.build()
    return kb


@pytest.fixture
def kb_copy(tmp_path: Path, seed_kb: KnowledgeBase) -> KnowledgeBase:
    """A private copy of the seed knowledge base (corpus and built index) that a test may change."""
    shutil.copytree(seed_kb.config.corpus, tmp_path / "corpus")
    shutil.copytree(seed_kb.config.index, tmp_path / "index")
    return KnowledgeBase(Config(corpus=tmp_path / "corpus", index=tmp_path / "index"), seed_kb.embedder)


@pytest.fixture(scope="session")
def indexed_copy(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Callable[[str, Path], KnowledgeBase]:
    """(name, essay folder) → a copy of the folder as a corpus, indexed with the bundled model."""

    def make(name: str, source: Path) -> KnowledgeBase:
        root = tmp_path_factory.mktemp(name)
        shutil.copytree(source, root / "corpus")
        kb = KnowledgeBase(Config(corpus=root / "corpus", index=root / "index"), embedder)
        kb.build()
        return kb

    return make


@pytest.fixture(scope="session")
def demo_kb(indexed_copy: Callable[[str, Path], KnowledgeBase]) -> KnowledgeBase:
    """The default corpus (the seed and the demo essays written for the project), indexed once."""
    return indexed_copy("demo", ROOT / "corpus")
