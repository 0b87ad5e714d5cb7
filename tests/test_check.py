"""`kb check`, loading a damaged index, and a build killed with SIGKILL: real files, real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from essay_kb.cli import main
from essay_kb.errors import IndexMismatch
from essay_kb.store import current_generation
from essay_kb.store.embedding_cache import CACHE_FILE, CACHE_FOLDER

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "如何提升基层党员干部的素质？"


def kb_check(capsys: pytest.CaptureFixture[str], kb: KnowledgeBase) -> tuple[int, list[str]]:
    code = main(["check", "--corpus", str(kb.config.corpus), "--index", str(kb.config.index)])
    return code, capsys.readouterr().out.splitlines()


def test_a_sound_index_passes(capsys, kb_copy: KnowledgeBase) -> None:
    code, lines = kb_check(capsys, kb_copy)
    assert code == 0 and lines[0].startswith("index OK:"), lines


def test_a_truncated_faiss_file_is_refused_by_check_and_by_loading(capsys, kb_copy: KnowledgeBase) -> None:
    vectors = current_generation(kb_copy.config.index) / "vectors.faiss"
    size = vectors.stat().st_size
    vectors.write_bytes(vectors.read_bytes()[:1000])
    code, lines = kb_check(capsys, kb_copy)
    assert code == 1
    assert lines == [f"problem: {vectors} has 1000 bytes, the manifest says {size} (truncated or overwritten): "
                     "run `kb index --rebuild`"]
    with pytest.raises(IndexMismatch, match="vectors.faiss has .* bytes.*kb index --rebuild"):
        kb_copy.ask(QUESTION)
    assert main(["index", "--rebuild", "--corpus", str(kb_copy.config.corpus),
                 "--index", str(kb_copy.config.index)]) == 0
    assert kb_check(capsys, kb_copy)[0] == 0


@pytest.mark.slow
def test_changed_bytes_of_the_same_size_are_caught_by_the_checksum(capsys, kb_copy: KnowledgeBase) -> None:
    db = current_generation(kb_copy.config.index) / "chunks.sqlite"
    data = bytearray(db.read_bytes())
    data[-100] ^= 0xFF
    db.write_bytes(bytes(data))
    code, lines = kb_check(capsys, kb_copy)
    assert code == 1 and "chunks.sqlite does not match its checksum" in lines[0] and "--rebuild" in lines[0]


@pytest.mark.slow
def test_row_counts_that_disagree_are_reported(capsys, kb_copy: KnowledgeBase) -> None:
    folder = current_generation(kb_copy.config.index)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["chunks"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, lines = kb_check(capsys, kb_copy)
    assert code == 1 and "FAISS vectors" in lines[0] and "manifest records" in lines[0]
    with pytest.raises(IndexMismatch, match="inconsistent"):
        kb_copy.ask(QUESTION)


@pytest.mark.slow
def test_another_model_and_stale_essays_are_reported_with_their_fixes(capsys, kb_copy: KnowledgeBase) -> None:
    folder = current_generation(kb_copy.config.index)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["model"]["fingerprint"] = "some-other-model@123"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (kb_copy.config.corpus / "new.txt").write_text("新文章\n" + "社区治理需要居民参与。" * 5, encoding="utf-8")
    code, lines = kb_check(capsys, kb_copy)
    assert code == 1
    assert any("some-other-model@123" in line and "kb index --rebuild" in line for line in lines)
    assert "problem: stale: new.txt is new since the index was built: run `kb index`" in lines


def test_no_index_is_a_problem(capsys, tmp_path: Path) -> None:
    code = main(["check", "--corpus", str(tmp_path), "--index", str(tmp_path / "none")])
    assert code == 1 and "no index at" in capsys.readouterr().out


def cache_rows(index: Path) -> int:
    db = sqlite3.connect(index / CACHE_FOLDER / CACHE_FILE, timeout=30)
    try:
        return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
    finally:
        db.close()


def kb_process(kb: KnowledgeBase, *args: str) -> list[str]:
    return [sys.executable, "-m", "essay_kb.cli", *args, "--corpus", str(kb.config.corpus),
            "--index", str(kb.config.index)]


@pytest.mark.slow
def test_sigkill_mid_build_keeps_the_old_index_answering_and_the_next_build_resumes(kb_copy: KnowledgeBase) -> None:
    shutil.copytree(ROOT / "corpus" / "demo", kb_copy.config.corpus / "demo")  # ~100 passages to embed
    before, cached = current_generation(kb_copy.config.index), cache_rows(kb_copy.config.index)
    build = subprocess.Popen(kb_process(kb_copy, "index"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while cache_rows(kb_copy.config.index) == cached:  # killed after its first batch of vectors is committed
        assert build.poll() is None, build.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    resumed_from = cache_rows(kb_copy.config.index)

    assert current_generation(kb_copy.config.index) == before
    ask = subprocess.run(kb_process(kb_copy, "ask", QUESTION, "--json", "-k", "1"), capture_output=True, text=True,
                         timeout=300)
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)[0]["section"].startswith("二、")  # the old generation answers

    report = kb_copy.build()
    assert report.essays == 1 + len(list((ROOT / "corpus" / "demo").glob("*.txt")))
    assert report.embedded == report.chunks - report.reused
    assert report.embedded <= report.chunks - kb_copy_seed_passages(kb_copy) - (resumed_from - cached)
    assert not list(kb_copy.config.index.glob("*.partial"))
    assert kb_copy.ask("垃圾分类", k=1)[0].chunk.essay_id.startswith("demo/")


def kb_copy_seed_passages(kb: KnowledgeBase) -> int:
    return len(kb.essay_chunks("xinchangtai-jiceng-dangzuzhi-jianshe.txt"))
