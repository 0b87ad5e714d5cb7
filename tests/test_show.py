"""`kb show` and the Library's "How this essay was read": one scraped page, read and indexed for real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from test_app import assert_no_link_or_image, rendered_markdown, start_app, visible_text
from test_cli import run_kb

PAGE = Path(__file__).parent / "data" / "pages" / "a-breadcrumb-site-1.txt"
NAME = "page.txt"
TITLE = "城市老旧小区垃圾分类推进中的居民参与研究"
NAV = "首页 | 范文大全 | 教育教学 | 人文社科 | 政法军事 | 经济贸易"
# Site chrome written as Markdown: it must be shown as the characters the page holds, never as a link.
MD_CHROME = "**首页** | [登录](http://127.0.0.1:9/x) | 注册 | 投稿"


def add_page(kb: KnowledgeBase) -> Path:
    path = kb.config.corpus / NAME
    path.write_text(MD_CHROME + "\n" + PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def page_kb(kb_copy: KnowledgeBase) -> KnowledgeBase:
    add_page(kb_copy)
    kb_copy.build()
    return kb_copy


def test_show_prints_title_metadata_dropped_lines_and_passages(capsys, page_kb: KnowledgeBase) -> None:
    code, out, _ = run_kb(capsys, page_kb, "show", NAME)
    assert code == 0
    assert out.startswith(TITLE)
    assert "中图分类号" in out and "X799.3" in out
    assert f"{NAV}  ← navigation" in out
    assert "二、对策建议 › ¶1  [" in out  # a passage with its section, paragraph and offsets
    last = "第三，建立积分兑换机制，居民正确分类可以积累积分，兑换日用品，让参与行为得到即时反馈。"
    assert last not in out  # one line per passage …
    assert last in run_kb(capsys, page_kb, "show", NAME, "--full")[1]  # … unless asked for whole ones

    code, out, _ = run_kb(capsys, page_kb, "show", NAME, "--json")
    report = json.loads(out)
    assert report["title"] == TITLE and report["state"] == "indexed"
    assert report["metadata"]["clc"] == "X799.3"
    assert report["metadata"]["keywords"] == ["垃圾分类", "老旧小区", "居民参与", "志愿服务"]
    assert {"line": NAV, "reason": "navigation"} in report["dropped"]
    assert {"line": MD_CHROME, "reason": "chrome"} in report["dropped"]
    passages = report["passages"]
    assert [p["type"] for p in passages][:3] == ["title", "abstract", "keywords"]
    assert all(report["text"][p["start"]:p["end"]] == p["text"] for p in passages)
    assert not [p for p in passages if "中图分类号" in p["text"] or "范文大全" in p["text"]]


def test_show_says_when_the_essay_is_not_indexed_or_changed(capsys, kb_copy: KnowledgeBase) -> None:
    path = add_page(kb_copy)
    code, out, _ = run_kb(capsys, kb_copy, "show", NAME, "--json")
    report = json.loads(out)
    assert code == 0 and report["state"] == "new" and "not indexed yet" in report["note"]
    assert report["passages"] and all(report["text"][p["start"]:p["end"]] == p["text"] for p in report["passages"])

    kb_copy.build()
    indexed = json.loads(run_kb(capsys, kb_copy, "show", NAME, "--json")[1])
    edited = path.read_text(encoding="utf-8").replace("老旧小区设施陈旧", "老旧小区的设施陈旧")
    path.write_text(edited, encoding="utf-8")
    code, out, _ = run_kb(capsys, kb_copy, "show", NAME)
    assert code == 0 and "the file changed since it was indexed" in out
    changed = json.loads(run_kb(capsys, kb_copy, "show", NAME, "--json")[1])
    assert changed["state"] == "changed"
    assert changed["metadata"]["abstract"].startswith("老旧小区的设施陈旧")  # read from the file as it is now
    assert changed["passages"] == indexed["passages"]  # the indexed passages, whose offsets fit the indexed text
    assert all(changed["text"][p["start"]:p["end"]] == p["text"] for p in changed["passages"])


def test_show_of_an_unknown_essay_is_one_line_naming_the_known_ones(capsys, kb_copy: KnowledgeBase) -> None:
    code, out, err = run_kb(capsys, kb_copy, "show", "../no-such-essay.txt")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: No essay '../no-such-essay.txt'")
    assert "xinchangtai-jiceng-dangzuzhi-jianshe.txt" in err and "Traceback" not in err


def test_library_shows_how_the_essay_was_read(monkeypatch, page_kb: KnowledgeBase) -> None:
    at = start_app(monkeypatch, page_kb.config.corpus, page_kb.config.index)
    at.switch_page("app_pages/library.py").run()
    at.selectbox[0].select(next(o for o in at.selectbox[0].options if NAME in o)).run()
    assert not at.exception
    assert [e.label for e in at.expander] == ["How this essay was read"]
    rendered = rendered_markdown(at)
    assert_no_link_or_image(rendered)
    shown = visible_text(rendered)
    assert f"{NAV} ← navigation" in shown and f"{MD_CHROME} ← chrome" in shown
    assert "CLC number X799.3" in shown  # the field under its English name in the English UI (中图分类号 in Chinese)
    assert "二、对策建议" in shown  # the structure view is still there
