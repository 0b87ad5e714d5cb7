"""Damage that must neither spread nor be served: real byte overwrites of a copied seed index, the real `kb`.

Each test damages files of a built index the way a disk, a sync tool or a hand edit does (same-size overwrites,
truncation, a garbage pointer), then checks that reading refuses it in one line, that a build never carries its
rows over, and that `kb index` (with or without --rebuild) sets the damage aside under a new name and rebuilds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from essay_kb import Config, KnowledgeBase
from essay_kb.cli import cmd_index
from essay_kb.errors import IndexBusy, IndexMismatch
from essay_kb.store import current_generation, current_manifest
from essay_kb.store.embedding_cache import CACHE_FILE, CACHE_FOLDER
from essay_kb.store.lock import build_lock

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "如何提升基层党员干部的素质？"
COOPERATIVE = ("# 乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一采购农资、统一销售农产品，让农民在市场中有了"
               "议价能力。\n\n## 经验\n\n村集体牵头、能人带动、农户入股，是合作社办得好的共同经验。\n")


def overwrite(path: Path, offset: int, data: bytes) -> None:
    """Change bytes in place: the file keeps its size, so only a checksum can tell."""
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(data)


def overwrite_middle(path: Path, count: int) -> None:
    overwrite(path, path.stat().st_size // 2 - count // 2, b"\xff" * count)  # 0xffffffff is a float32 NaN


def run_kb(kb: KnowledgeBase, *args: str, probe_model: bool = False) -> subprocess.CompletedProcess[str]:
    """`kb ARGS` in a fresh process; with `probe_model`, the last stdout line says whether the model was loaded."""
    argv = [*args, "--corpus", str(kb.config.corpus), "--index", str(kb.config.index)]
    code = (f"import sys; from essay_kb.cli import main; rc = main({argv!r}); "
            "print('model loaded:', 'sentence_transformers' in sys.modules); sys.exit(rc)")
    command = [sys.executable, "-c", code] if probe_model else [sys.executable, "-m", "essay_kb.cli", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def index_args(rebuild: bool) -> argparse.Namespace:
    return argparse.Namespace(rebuild=rebuild, wait=0)


def fresh_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """Another KnowledgeBase over the same folders (nothing loaded yet), sharing the loaded model."""
    return KnowledgeBase(Config(corpus=kb.config.corpus, index=kb.config.index), kb.embedder)


def damaged(index: Path) -> list[Path]:
    return sorted(p for p in index.rglob("*") if ".damaged-" in p.name)


# Item 1: same-size damage to vectors.faiss.
@pytest.mark.slow  # real `kb` processes, each loading the model
def test_vectors_damaged_in_place_are_refused_and_never_carried_into_the_next_build(kb_copy: KnowledgeBase) -> None:
    generation = current_generation(kb_copy.config.index)
    overwrite_middle(generation / "vectors.faiss", 3000)

    assert_one_line_error(run_kb(kb_copy, "ask", QUESTION), "vectors.faiss is damaged", "kb index --rebuild")

    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    build = run_kb(kb_copy, "index")
    assert build.returncode == 0 and "Traceback" not in build.stderr, build.stderr
    assert f"{generation.name}.damaged-" in build.stderr and "set the damaged generation aside" in build.stderr
    assert [p.name.split(".damaged-")[0] for p in damaged(kb_copy.config.index)] == [generation.name]
    assert run_kb(kb_copy, "check").stdout.startswith("index OK")

    kb = fresh_kb(kb_copy)
    vectors = kb.index().vectors.vectors(list(range(kb.index().vectors.count)))
    assert np.isfinite(vectors).all() and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    hits = kb.ask(QUESTION, k=3, mode="dense")
    assert hits[0].chunk.section[0].startswith("二、") and all(np.isfinite(h.score) for h in hits)


# Item 2: same-size damage to the BM25 arrays.
def test_bm25_arrays_damaged_in_place_are_refused(kb_copy: KnowledgeBase) -> None:
    scores = current_generation(kb_copy.config.index) / "bm25" / "data.csc.index.npy"
    overwrite(scores, scores.stat().st_size - 400, b"\xff" * 400)
    with pytest.raises(IndexMismatch, match=r"bm25 is damaged: .*not finite.*kb index --rebuild"):
        fresh_kb(kb_copy).ask("党员干部", mode="lexical")
    report = fresh_kb(kb_copy).build()
    assert report.embedded == 0 and any("set the damaged generation aside" in n for n in report.notes)
    assert fresh_kb(kb_copy).ask("党员干部", mode="lexical")[0].lexical_score > 0


def _truncate_manifest(index: Path) -> None:
    manifest = current_generation(index) / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:200])


def _delete_manifest(index: Path) -> None:
    (current_generation(index) / "manifest.json").unlink()


def _empty_pointer(index: Path) -> None:
    (index / "CURRENT").write_bytes(b"")


def _pointer_to_nowhere(index: Path) -> None:
    (index / "CURRENT").write_text("gen-20000101-000000-1-1\n", encoding="utf-8")


def _pointer_not_utf8(index: Path) -> None:
    (index / "CURRENT").write_bytes(b"\xff\xfe\x00gen-\xc3\x28")


def _sqlite_header_overwritten(index: Path) -> None:
    overwrite(current_generation(index) / "chunks.sqlite", 0, b"\x00" * 100)


def _format_version_string(index: Path) -> None:
    path = current_generation(index) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["format_version"] = "2"
    path.write_text(json.dumps(data), encoding="utf-8")


def _cache_garbage(index: Path) -> None:
    (index / CACHE_FOLDER / CACHE_FILE).write_bytes(b"this is not a database\n" * 200)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "manifest truncated": _truncate_manifest,
    "manifest deleted": _delete_manifest,
    "CURRENT empty": _empty_pointer,
    "CURRENT names a missing folder": _pointer_to_nowhere,
    "CURRENT not UTF-8": _pointer_not_utf8,
    "chunks.sqlite header overwritten": _sqlite_header_overwritten,
    "format_version a string": _format_version_string,
    "embedding cache garbage": _cache_garbage,
}


# Item 3: `kb index --rebuild` repairs whatever is damaged, setting it aside under a new name.
@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_rebuild_sets_any_damage_aside_and_repairs_the_index(
    damage: str, kb_copy: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    index = kb_copy.config.index
    DAMAGE[damage](index)
    kb = fresh_kb(kb_copy)
    assert kb.check(), "kb check must report the damage"

    assert cmd_index(kb, index_args(rebuild=True)) == 0
    out, err = capsys.readouterr()
    assert "indexed 1 essays" in out and "Traceback" not in err
    assert "set it aside as embeddings.sqlite.damaged-" in err if damage == "embedding cache garbage" \
        else "aside as" in err and ".damaged-" in err
    assert damaged(index), "the damaged part is kept under a new name"
    assert fresh_kb(kb_copy).check() == []
    assert fresh_kb(kb_copy).ask(QUESTION, k=1)[0].chunk.section[0].startswith("二、")


@pytest.mark.slow  # real `kb` processes, each loading the model
def test_rebuild_from_the_command_line_repairs_a_garbage_pointer(kb_copy: KnowledgeBase) -> None:
    _pointer_not_utf8(kb_copy.config.index)
    result = run_kb(kb_copy, "index", "--rebuild")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "set the damaged pointer aside as" in result.stderr
    assert run_kb(kb_copy, "check").stdout.startswith("index OK")


def test_the_apps_rebuild_button_repairs_a_garbage_pointer(monkeypatch, kb_copy: KnowledgeBase) -> None:
    _pointer_not_utf8(kb_copy.config.index)
    monkeypatch.setenv("ESSAY_KB_CORPUS", str(kb_copy.config.corpus))
    monkeypatch.setenv("ESSAY_KB_INDEX", str(kb_copy.config.index))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception
    assert any("cannot be used" in e.value and "CURRENT" in e.value for e in at.error)
    next(b for b in at.button if b.label == "Rebuild the index").click().run()
    assert any("Indexed 1 essays" in s.value for s in at.success), [e.value for e in at.error]
    assert any("set the damaged pointer aside" in i.value for i in at.info)
    at.text_input[0].input(QUESTION).run()
    assert not at.exception and any("class='passage'" in str(m.value) for m in at.markdown)


# Item 4: an overwritten SQLite page.
@pytest.mark.slow  # real `kb` processes, each loading the model
def test_an_overwritten_sqlite_page_is_a_one_line_error(kb_copy: KnowledgeBase) -> None:
    db = current_generation(kb_copy.config.index) / "chunks.sqlite"
    overwrite(db, 4096, bytes(range(256)) * 16)  # the whole second page
    assert_one_line_error(run_kb(kb_copy, "ask", QUESTION), "chunks.sqlite", "kb index --rebuild")


# Item 5: plain `kb index` on a damaged index repairs it instead of saying it is up to date.
def test_plain_index_on_a_damaged_index_repairs_it(kb_copy: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    overwrite_middle(current_generation(kb_copy.config.index) / "vectors.faiss", 3000)
    assert cmd_index(fresh_kb(kb_copy), index_args(rebuild=False)) == 0
    out, err = capsys.readouterr()
    assert "up to date" not in out and "indexed 1 essays" in out
    assert "set the damaged generation aside" in err
    assert fresh_kb(kb_copy).check() == []


# Item 18: commands that need no model do not load it.
def test_check_info_and_a_no_op_index_answer_without_loading_the_model(kb_copy: KnowledgeBase) -> None:
    for args in (("check",), ("info",), ("index",)):
        result = run_kb(kb_copy, *args, probe_model=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "model loaded: False", (args, result.stdout)
    assert "up to date; nothing to do" in result.stdout


def test_a_busy_lock_is_reported_without_loading_the_model(kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "hezuoshe.md").write_text(COOPERATIVE, encoding="utf-8")
    with build_lock(kb_copy.config.index):
        result = run_kb(kb_copy, "index", probe_model=True)
    assert result.returncode == 1 and "Another build is writing the index" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1] == "model loaded: False"
    with build_lock(kb_copy.config.index), pytest.raises(IndexBusy):
        fresh_kb(kb_copy).build()


# Item 23: one comparison of what the index was built with: `kb index` and `kb ask` agree.
def test_index_and_ask_agree_on_an_index_built_by_another_version_of_the_same_model(kb_copy: KnowledgeBase) -> None:
    path = current_generation(kb_copy.config.index) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model"]["fingerprint"] = data["model"]["name"] + "@an-older-conversion"  # same name, other weights
    path.write_text(json.dumps(data), encoding="utf-8")
    kb = fresh_kb(kb_copy)
    with pytest.raises(IndexMismatch, match="an-older-conversion"):
        kb.ask(QUESTION)
    status = kb.status()
    assert status.outdated and not status.up_to_date
    assert any("an-older-conversion" in line and "kb index --rebuild" in line for line in kb.check())
    report = kb.build()
    assert report.chunks > 0 and not report.up_to_date
    manifest = current_manifest(kb_copy.config.index)
    assert manifest is not None and manifest.model.fingerprint == kb_copy.embedder.fingerprint
    assert fresh_kb(kb_copy).ask(QUESTION, k=1)[0].chunk.section[0].startswith("二、")
