"""Bad input never stops a build or damages the index: each bad file gets one line naming it and the fix.

One corpus holds every kind of bad (and awkward but valid) file, built once for the module, beside the seed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from essay_kb import Config, KnowledgeBase
from essay_kb.changes import hash_corpus
from essay_kb.cli import main
from essay_kb.embedder import Embedder
from essay_kb.errors import EssayKBError, QuestionRejected, UnreadableEssay
from essay_kb.indexer import BuildReport
from essay_kb.store import current_manifest

ROOT = Path(__file__).resolve().parents[1]
SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"

ENCODED = "社区网格化管理把街道划分为若干网格，每个网格配备专职网格员，负责走访居民、收集诉求、化解矛盾。"
ENCODINGS = {"gbk": "gbk", "gb18030": "gb18030", "utf16": "utf-16", "utf8bom": "utf-8-sig"}
HTML = """<html><head><title>垃圾分类的社区实践_某某网</title><style>.secret { color: 样式里的字 }</style>
<script>var 脚本变量 = "不应被索引的脚本内容";</script></head>
<body><h1>垃圾分类的社区实践</h1><p>居民按照可回收物、有害垃圾、厨余垃圾和其他垃圾四类投放，志愿者在投放点值守指导。</p>
<script>document.write("另一段脚本文字")</script></body></html>"""


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[KnowledgeBase, BuildReport]:
    root = tmp_path_factory.mktemp("bad")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16)
    for name, codec in ENCODINGS.items():
        (corpus / f"wangge-{name}.txt").write_bytes(f"网格化管理（{name}）\n{ENCODED}\n".encode(codec))
    (corpus / "huge.txt").write_text("超大文件。" * 400_000, encoding="utf-8")  # 6 MB, over a 5 MB limit
    (corpus / "page.html").write_text(HTML, encoding="utf-8")
    (corpus / "title-only.txt").write_text("只有标题的文章\n", encoding="utf-8")
    odd_name = "名字 带 空格..文章.txt"  # spaces, Chinese and ".." in a file name are all fine
    (corpus / odd_name).write_text("名字古怪的文章\n" + ENCODED.replace("社区", "村里"), encoding="utf-8")
    outside = root / "outside.txt"
    outside.write_text("语料库之外的私人文件，不应被索引。" * 5, encoding="utf-8")
    os.symlink(outside, corpus / "link-out.txt")
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / "转载-副本.txt")
    kb = KnowledgeBase(Config(corpus=corpus, index=root / "index", max_file_mb=5), embedder)
    return kb, kb.build()


def problem_for(report: BuildReport, name: str) -> str:
    lines = [p for p in report.problems if p.startswith(name)]
    assert len(lines) == 1, (name, report.problems)
    return lines[0]


@pytest.mark.parametrize(("name", "says"), [
    ("empty.txt", "is empty"),
    ("photo.txt", "binary"),
    ("huge.txt", "over the 5 MB limit (max_file_mb)"),
    ("title-only.txt", "no paragraphs"),
    ("link-out.txt", "outside the corpus; not followed"),
])
def test_each_bad_file_gets_one_line_naming_it_and_the_fix(bad_corpus, name: str, says: str) -> None:
    _, report = bad_corpus
    line = problem_for(report, name)
    assert says in line and "\n" not in line
    assert any(fix in line for fix in ("remove", "re-save", "Copy", "split", "add the essay text"))


def test_the_good_files_index_beside_the_bad_ones(bad_corpus) -> None:
    kb, report = bad_corpus
    indexed = {e.id for e in current_essays(kb)}
    assert indexed == {SEED_ID, "page.html", "名字 带 空格..文章.txt", *(f"wangge-{n}.txt" for n in ENCODINGS)}
    assert len(report.problems) == 5
    assert kb.ask("如何提升基层党员干部的素质？", k=1)[0].chunk.essay_id == SEED_ID


def current_essays(kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    return kb.index().chunks.essays()


@pytest.mark.parametrize("name", ENCODINGS)
def test_chinese_encodings_index_correctly(bad_corpus, name: str) -> None:
    kb, _ = bad_corpus
    chunks = kb.essay_chunks(f"wangge-{name}.txt")
    assert chunks[0].text == f"网格化管理（{name}）"
    assert any(c.text == ENCODED for c in chunks)


def test_scripts_and_styles_are_not_indexed(bad_corpus) -> None:
    kb, _ = bad_corpus
    text = "".join(c.text for c in kb.essay_chunks("page.html"))
    assert "志愿者在投放点值守指导" in text
    for hidden in ("脚本", "样式", "document.write"):
        assert hidden not in text
    hits = kb.ask("不应被索引的脚本内容", k=10, mode="lexical")
    assert all("脚本" not in h.chunk.text for h in hits)


def test_the_file_outside_the_corpus_is_not_read(bad_corpus) -> None:
    kb, _ = bad_corpus
    assert all("私人文件" not in h.chunk.text for h in kb.ask("语料库之外的私人文件", k=10, mode="lexical"))


def test_an_essay_saved_twice_is_indexed_once_under_both_names(bad_corpus) -> None:
    kb, report = bad_corpus
    assert report.changes is not None and report.changes.aliases == {SEED_ID: ("转载-副本.txt",)}
    assert kb.status().up_to_date


def test_bad_files_are_not_retried_until_they_change(bad_corpus) -> None:
    kb, _ = bad_corpus
    status = kb.status()
    assert status.up_to_date
    assert {s.id for s in status.skipped} >= {"empty.txt", "photo.txt", "title-only.txt"}


def test_a_file_that_vanishes_or_changes_during_the_build(kb_copy: KnowledgeBase) -> None:
    corpus = kb_copy.config.corpus
    (corpus / "a-first.txt").write_text("第一篇\n" + ENCODED, encoding="utf-8")
    (corpus / "b-vanishes.txt").write_text("第二篇\n" + ENCODED.replace("社区", "乡镇"), encoding="utf-8")
    (corpus / "c-changes.txt").write_text("第三篇\n" + ENCODED.replace("社区", "园区"), encoding="utf-8")

    def meddle(stage: str, done: int, total: int) -> None:
        if stage == "read" and done == 1:  # a-first.txt is read; the others are not yet
            (corpus / "b-vanishes.txt").unlink()
            (corpus / "c-changes.txt").write_text("第三篇（改）\n" + ENCODED.replace("社区", "厂区"), encoding="utf-8")

    report = kb_copy.build(meddle)
    assert any(p.startswith("b-vanishes.txt could not be read") for p in report.problems)
    assert any(n.startswith("c-changes.txt changed while the build was running") for n in report.notes)
    assert {e.id for e in current_essays(kb_copy)} == {SEED_ID, "a-first.txt", "c-changes.txt"}
    assert kb_copy.essay_chunks("c-changes.txt")[0].text == "第三篇（改）"
    assert kb_copy.status().up_to_date


@pytest.mark.parametrize(("question", "says"), [
    ("", "empty"),
    ("   \n\t　", "empty"),
    ("党建" * 5000, "10,000 characters"),
])
def test_unusable_questions_get_a_clear_answer(seed_kb: KnowledgeBase, question: str, says: str) -> None:
    with pytest.raises(QuestionRejected, match=says):
        seed_kb.ask(question)


def test_a_long_question_on_the_command_line_prints_one_line(capsys, seed_kb: KnowledgeBase) -> None:
    code = main(["ask", "党建" * 5000, "--corpus", str(seed_kb.config.corpus), "--index", str(seed_kb.config.index)])
    err = capsys.readouterr().err
    assert code == 1 and "10,000 characters" in err and "Traceback" not in err


def test_an_upload_over_the_limit_is_refused_with_the_limit(tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "corpus").mkdir()
    kb = KnowledgeBase(Config(corpus=tmp_path / "corpus", index=tmp_path / "index", max_file_mb=1), embedder)
    with pytest.raises(EssayKBError, match=r"over the 1 MB limit \(max_file_mb\)"):
        kb.upload("big.txt", "大".encode() * 400_000)
    assert not any((tmp_path / "corpus").iterdir())


# --- files the file system makes awkward: odd names, links, FIFOs, huge files (run as `kb` in a subprocess, with a
# timeout, so that a hang fails the test instead of stalling the suite) ---------------------------------------------

GBK_NAME = "社区网格治理.txt"
UNDECODABLE_NAME = b"notes-\xff.txt"  # no encoding reads a lone 0xFF as a name: shown escaped


def kb_run(corpus: Path, index: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "1000"}  # rich must not wrap a problem line
    return subprocess.run([sys.executable, "-m", "essay_kb.cli", *args, "--corpus", str(corpus), "--index",
                           str(index)], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def awkward_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """The seed, an essay with a GBK file name, one whose name no encoding reads, a FIFO, a symlink loop and a
    symlink to the seed inside the corpus; indexed by `kb index` in a subprocess."""
    root = tmp_path_factory.mktemp("awkward")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus)
    (corpus / os.fsdecode(GBK_NAME.encode("gbk"))).write_text("网格治理\n" + ENCODED, encoding="utf-8")
    (corpus / os.fsdecode(UNDECODABLE_NAME)).write_text("笔记\n" + ENCODED.replace("社区", "乡镇"), encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")
    os.symlink("loop.txt", corpus / "loop.txt")
    os.symlink(SEED_ID, corpus / "a-link.txt")  # sorts before the seed
    return corpus, root / "index", kb_run(corpus, root / "index", "index")


@pytest.mark.slow  # real `kb` processes, each loading the model
def test_kb_index_reads_odd_names_and_refuses_fifos_and_loops_in_one_line_each(awkward_corpus) -> None:
    _, _, run = awkward_corpus
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    skipped = {line for line in run.stderr.splitlines() if line.startswith("skipped:")}  # before and after
    assert len(skipped) == 2, run.stderr
    assert any("pipe.txt is not a regular file" in line and "remove it" in line for line in skipped)
    assert any("loop.txt is a symbolic link that loops" in line and "remove it" in line for line in skipped)


def test_a_file_name_in_gbk_is_indexed_under_its_chinese_name(awkward_corpus, embedder: Embedder) -> None:
    corpus, index, _ = awkward_corpus
    kb = KnowledgeBase(Config(corpus=corpus, index=index), embedder)
    ids = {e.id for e in current_essays(kb)}
    assert ids == {SEED_ID, GBK_NAME, "notes-\\xff.txt"}
    assert kb.essay_chunks(GBK_NAME)[-1].text == ENCODED


def test_a_symlink_in_the_corpus_is_an_alias_of_the_real_file(awkward_corpus) -> None:
    corpus, index, _ = awkward_corpus
    manifest = current_manifest(index)
    assert manifest is not None
    seed = next(e for e in manifest.essays if e.id == SEED_ID)
    assert seed.aliases == ("a-link.txt",)


@pytest.mark.slow  # real `kb` processes, each loading the model
def test_kb_info_reports_fifos_and_loops_without_hanging(awkward_corpus) -> None:
    corpus, index, _ = awkward_corpus
    run = kb_run(corpus, index, "info", "--json", timeout=120)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    skipped = json.loads(run.stdout)["corpus"]["skipped"]
    assert sorted(line.split(" ")[0] for line in skipped) == ["loop.txt", "pipe.txt"]


def test_kb_add_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    run = kb_run(tmp_path / "corpus", tmp_path / "index", "add", str(tmp_path / "pipe.txt"), timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "pipe.txt is not a regular file" in run.stderr


def peak_rss_mb(*command: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `command` from a fresh Python whose only child it is, so RUSAGE_CHILDREN is that command's peak RSS."""
    probe = ("import json, resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, "
             "text=True, timeout=120); print(json.dumps([r.returncode, r.stderr, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    out = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, timeout=150,
                         env={**os.environ, "COLUMNS": "1000"}, check=True)
    code, stderr, kilobytes = json.loads(out.stdout)
    return subprocess.CompletedProcess(command, code, "", stderr), kilobytes / 1024


def test_kb_add_refuses_a_1_gb_file_by_its_size_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(2**30)  # sparse: costs no disk
    run, peak = peak_rss_mb(sys.executable, "-m", "essay_kb.cli", "add", str(huge), "--corpus",
                            str(tmp_path / "corpus"), "--index", str(tmp_path / "index"))
    assert peak < 400, f"kb add peaked at {peak:.0f} MB"  # reading it first peaked at 1.1 GB (92 MB now)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "huge.txt is 1024.0 MB, over the 20 MB limit (max_file_mb)" in run.stderr


def test_a_gbk_name_that_reads_as_an_existing_name_is_refused_not_merged(tmp_path: Path) -> None:
    (tmp_path / "网格.txt").write_text("网格\n" + ENCODED, encoding="utf-8")
    (tmp_path / os.fsdecode("网格.txt".encode("gbk"))).write_text("网格\n" + ENCODED[:20], encoding="utf-8")
    found = hash_corpus(tmp_path, 2**20)
    assert [f.id for f in found.files] == ["网格.txt"]
    assert [s.problem for s in found.refused] == [
        "网格.txt names two files once a GBK file name is decoded; rename one of them."]


@pytest.mark.parametrize(("name", "advice"), [("旧稿.doc", "save it as .docx"), ("论文.caj", "PDF version"),
                                              ("草稿.wps", "save it as .docx")])
def test_a_format_we_cannot_read_is_named_with_what_to_do(tmp_path: Path, name: str, advice: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("标题\n\n正文第一段，讲基层治理。\n", encoding="utf-8")
    (corpus / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    kb = KnowledgeBase(Config(corpus=corpus, index=tmp_path / "index"), None)
    problems = [p for p in kb.will_skip(kb.status()) if name in p]
    assert len(problems) == 1 and advice in problems[0]
    with pytest.raises(UnreadableEssay, match=advice):
        kb.add([corpus / name])
