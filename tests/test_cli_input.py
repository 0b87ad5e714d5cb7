"""Bad input on the `kb` command line gets one line saying what to do, never a traceback or a silent guess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from essay_kb.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_kb(capsys: pytest.CaptureFixture[str], kb: KnowledgeBase, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--corpus", str(kb.config.corpus), "--index", str(kb.config.index)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_question_of_invalid_utf8_bytes_is_refused_in_one_line(seed_kb: KnowledgeBase) -> None:
    # What a GBK terminal sends for 党员 (b"\xb5\xb3\xd4\xb1"), plus bytes no encoding accepts.
    argv = [sys.executable, "-m", "essay_kb.cli", "ask", b"\xb5\xb3\xd4\xb1\xff\xfe",
            "--corpus", str(seed_kb.config.corpus), "--index", str(seed_kb.config.index)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    result = subprocess.run(argv, capture_output=True, env=env, timeout=120, check=False)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1
    assert "Traceback" not in err
    assert "not UTF-8" in one_error_line(err)


@pytest.mark.parametrize("k", ["0", "-1"])
def test_number_of_passages_below_one_is_refused(capsys, seed_kb: KnowledgeBase, k: str) -> None:
    code, out, err = run_kb(capsys, seed_kb, "ask", "党员干部培训", "-k", k)
    assert code == 1 and out == ""
    assert f"at least 1, not {k}" in one_error_line(err)


def test_unknown_essay_filter_names_the_essay_and_the_known_ones(capsys, seed_kb: KnowledgeBase) -> None:
    code, out, err = run_kb(capsys, seed_kb, "ask", "党员干部培训", "--essay", "nosuch.txt")
    assert code == 1 and "no passage matches" not in out
    line = one_error_line(err)
    assert "'nosuch.txt'" in line and "xinchangtai-jiceng-dangzuzhi-jianshe.txt" in line


def test_known_essay_filter_still_searches(capsys, seed_kb: KnowledgeBase) -> None:
    code, out, _ = run_kb(capsys, seed_kb, "ask", "党员干部培训", "-k", "1", "--essay",
                          "xinchangtai-jiceng-dangzuzhi-jianshe.txt")
    assert code == 0 and out.startswith("1. ")


@pytest.mark.parametrize("command", [["ask", "问题"], ["index"], ["check"], ["info"]])
def test_index_path_that_is_a_file_is_refused_up_front(capsys, tmp_path: Path, command: list[str]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# not an index\n", encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    code = main([*command, "--index", str(readme), "--corpus", str(tmp_path / "corpus")])
    err = capsys.readouterr().err
    assert code == 1
    line = one_error_line(err)
    assert "'index'" in line and "a file" in line and "kb index" not in line  # no advice that would fail next
    assert readme.read_text(encoding="utf-8") == "# not an index\n"


def test_bad_setting_flag_names_the_valid_choices(capsys, tmp_path: Path) -> None:
    code = main(["info", "--vector-store", "hsnw", "--index", str(tmp_path / "index")])
    line = one_error_line(capsys.readouterr().err)
    assert code == 1
    assert "--vector-store" in line and "flat, hnsw" in line and "milvus://host:port" in line


@pytest.mark.parametrize("k", ["0", "-1"])
def test_number_of_related_essays_below_one_is_refused(capsys, seed_kb: KnowledgeBase, k: str) -> None:
    code, out, err = run_kb(capsys, seed_kb, "related", "xinchangtai-jiceng-dangzuzhi-jianshe.txt", "-k", k)
    assert code == 1 and not out
    assert f"at least 1, not {k}" in one_error_line(err)
