"""The Streamlit app through AppTest: real script, real model, real index."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from essay_kb import KnowledgeBase

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 300  # the first run loads the model; a first build embeds the seed essay


def start_app(monkeypatch: pytest.MonkeyPatch, corpus: Path, index: Path) -> AppTest:
    monkeypatch.setenv("ESSAY_KB_CORPUS", str(corpus))
    monkeypatch.setenv("ESSAY_KB_INDEX", str(index))
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def page_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.info, *at.success, *at.error])


def test_question_shows_the_cadre_paragraph_first(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    assert not at.exception
    at.text_input[0].input("如何提升基层党员干部的素质？").run()
    assert not at.exception
    cards = [m.value for m in at.markdown if "class='passage'" in str(m.value)]
    assert cards, page_text(at)
    assert "党员干部队伍" in re.sub(r"<[^>]+>", "", cards[0])
    assert "<mark>" in cards[0] and "<b>" in cards[0]
    assert "二、提升党员干部素质" in page_text(at)


def test_first_run_without_index_builds_it(monkeypatch, tmp_path: Path, seed_kb: KnowledgeBase) -> None:
    shutil.copytree(seed_kb.config.corpus, tmp_path / "corpus")
    at = start_app(monkeypatch, tmp_path / "corpus", tmp_path / "index")
    assert not at.exception
    assert any("Indexed 1 essays" in s.value for s in at.success)
    assert (tmp_path / "index" / "CURRENT").is_file()


def test_empty_corpus_says_how_to_add_essays(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    at = start_app(monkeypatch, tmp_path / "corpus", tmp_path / "index")
    assert not at.exception
    assert any("holds no readable essay" in i.value for i in at.info)


def test_essay_text_is_escaped_not_rendered_as_html(monkeypatch, kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "xss.txt").write_text(
        "脚本注入测试\n\n这一段正文讨论基层党组织建设，<script>alert(1)</script><b>加粗</b>不应生效。\n",
        encoding="utf-8",
    )
    kb_copy.build()
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.text_input[0].input("脚本注入测试 基层党组织建设 加粗").run()
    cards = [str(m.value) for m in at.markdown if "class='passage'" in str(m.value)]
    assert any("&lt;script&gt;" in c for c in cards)
    assert not any("<script>" in c for c in cards)
