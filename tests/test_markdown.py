"""Markdown exported from note apps reads like any other essay: the real parser and chunker on short notes."""

from __future__ import annotations

from essay_kb.chunker import Chunk, chunk_essay
from essay_kb.ingest import Essay, parse_essay

BODY = """
## 一、缘起

河边的步道修好以后，傍晚散步的老人比从前多了一倍，街道因此开始考虑增设座椅。

## 二、做法

街道先在步道两端各放了三把长椅，一个月后再根据使用情况决定是否继续增加。
"""


def _read(text: str, name: str = "note.md") -> tuple[Essay, list[Chunk]]:
    essay = parse_essay(text.encode(), name)
    return essay, chunk_essay(essay)


def _in_some_chunk(needle: str, chunks: list[Chunk]) -> bool:
    return any(needle in chunk.text for chunk in chunks)


def test_yaml_front_matter_becomes_fields_and_never_text() -> None:
    note = ("---\ntitle: 步道上的长椅\nauthor: 林观澜\ntags: [公共空间, 社区更新]\ncreated: 2025-03-09 18:20\n"
            "source: https://example.cn/notes/42\nstatus: 草稿\n---\n" + BODY)
    essay, chunks = _read(note)
    assert essay.title == "步道上的长椅"  # the body has no `#` title: the header's title is the essay's
    assert chunks[0].kind == "title" and chunks[0].text == "步道上的长椅"
    assert essay.meta.author == "林观澜"
    assert essay.meta.url == "https://example.cn/notes/42"
    assert essay.meta.keywords == ("公共空间", "社区更新")  # no 关键词 line: the tags stand in
    assert essay.meta_extra["date"] == "2025-03-09 18:20"  # as written, not a YAML timestamp
    assert essay.meta_extra["status"] == "草稿"
    for line in note.split("---")[1].strip().splitlines():
        assert not _in_some_chunk(line, chunks), line
        assert (line, "front matter") in essay.dropped


def test_a_keywords_line_wins_over_header_tags_and_a_body_title_over_the_header_title() -> None:
    note = "---\ntitle: 草稿标题\ntags: 读书笔记\n---\n# 步道上的长椅\n\n关键词：公共空间；适老化\n" + BODY
    essay, _ = _read(note)
    assert essay.title == "步道上的长椅"
    assert essay.meta.keywords == ("公共空间", "适老化")
    assert essay.meta_extra["front_matter_title"] == "草稿标题"
    assert essay.meta_extra["tags"] == "读书笔记"


def test_toml_front_matter_is_read_too() -> None:
    essay, chunks = _read('+++\ntitle = "步道上的长椅"\ndate = 2025-03-09\n+++\n' + BODY)
    assert essay.title == "步道上的长椅" and essay.meta_extra["date"] == "2025-03-09"
    assert not _in_some_chunk("+++", chunks) and not _in_some_chunk("date =", chunks)


def test_a_broken_front_matter_is_dropped_and_the_essay_still_reads() -> None:
    note = "---\ntitle: 步道上的长椅\ntags: [公共空间, 社区更新\n---\n# 步道上的长椅\n" + BODY
    essay, chunks = _read(note)
    assert essay.title == "步道上的长椅"
    assert [c.text for c in chunks if c.kind == "heading"] == ["一、缘起", "二、做法"]
    assert not _in_some_chunk("tags:", chunks)
    reasons = dict(essay.dropped)
    assert reasons["tags: [公共空间, 社区更新"].startswith("yaml front matter that does not parse")


def test_rules_around_plain_text_are_not_mistaken_for_a_header() -> None:
    essay, chunks = _read("---\n这一段是正文里被两条分隔线夹住的一句话，不是元数据。\n---\n" + BODY)
    assert _in_some_chunk("这一段是正文里被两条分隔线夹住的一句话", chunks)


def test_callout_titles_become_labels_and_their_content_the_abstract_and_keywords() -> None:
    note = ("# 步道上的长椅\n\n> [!abstract] 摘要\n> 本文记录一条河边步道增设座椅的经过，说明小事也需要居民参与。\n\n"
            "> [!tip]- 关键词\n> 公共空间 · 适老化 · 居民参与\n\n> [!NOTE]\n> 这是一条提醒。\n" + BODY)
    essay, chunks = _read(note)
    assert essay.meta.abstract == "本文记录一条河边步道增设座椅的经过，说明小事也需要居民参与。"
    assert essay.meta.keywords == ("公共空间", "适老化", "居民参与")
    assert [c.kind for c in chunks[:3]] == ["title", "abstract", "keywords"]
    assert not _in_some_chunk("[!", chunks)


def test_toc_markers_comments_and_tag_lines_are_not_text() -> None:
    markers = ["[TOC]", "[[toc]]", "${toc}", "[[_TOC_]]"]
    note = ("# 步道上的长椅\n\n" + "\n\n".join(markers) + "\n\n<!-- 写给自己：\n还要补照片 -->\n%%待核实%%\n" + BODY
            + "\n#公共空间 #社区更新\n")
    essay, chunks = _read(note)
    for marker in [*markers, "写给自己", "还要补照片", "待核实", "#公共空间"]:
        assert not _in_some_chunk(marker, chunks), marker
    assert ("[TOC]", "table of contents marker") in essay.dropped
    assert essay.title == "步道上的长椅"
    assert essay.meta.keywords == ("公共空间", "社区更新")


def test_footnotes_leave_the_body_and_are_listed_as_dropped() -> None:
    note = ("# 步道上的长椅\n\n长椅放好以后，晚上来散步的人明显多了。[^1]街道又在旁边装了两盏路灯。[^note]\n\n"
            "[^1]: 笔记：人数来自社区志愿者的记录。\n    第二段说明：记录只有两周。\n[^note]: 路灯是后来加的。\n")
    essay, chunks = _read(note)
    body = [c.text for c in chunks if c.kind in ("body", "conclusion")]
    assert body == ["长椅放好以后，晚上来散步的人明显多了。街道又在旁边装了两盏路灯。"]
    reasons = dict(essay.dropped)
    assert reasons["[^1]: 笔记：人数来自社区志愿者的记录。"] == "footnote"
    assert reasons["第二段说明：记录只有两周。"] == "footnote"
    assert reasons["[^note]: 路灯是后来加的。"] == "footnote"


def test_code_span_keywords_split_into_terms() -> None:
    for line in ("**关键词：**`公共空间` `适老化` `居民参与`", "关键词：`公共空间``适老化``居民参与`"):
        essay, _ = _read(f"# 步道上的长椅\n\n{line}\n{BODY}")
        assert essay.meta.keywords == ("公共空间", "适老化", "居民参与"), line


def test_wiki_links_embeds_and_highlights_read_as_their_text() -> None:
    note = ("# 步道上的长椅\n\n![[长椅照片.png]]\n\n参见[[社区更新笔记|上一篇笔记]]和[[路灯#安装时间]]，"
            "==座椅的位置要先问居民==，再由[[街道办]]统一采购。\n")
    essay, chunks = _read(note)
    body = [c.text for c in chunks if c.kind in ("body", "conclusion")]
    assert body == ["参见上一篇笔记和路灯，座椅的位置要先问居民，再由街道办统一采购。"]
    assert not _in_some_chunk("长椅照片", chunks)


def test_setext_headings_property_lines_and_html_only_lines() -> None:
    note = ("步道上的长椅\n======\n\ntags:: 公共空间, 适老化\n- author:: 林观澜\n\n<aside>\n"
            "长椅放好以后，晚上来散步的人明显多了。\n</aside>\n\n缘起\n----\n\n"
            "std::move 这样的写法出现在正文里时仍是正文，不是属性。\n\n- 第一项\n---\n")
    essay, chunks = _read(note)
    assert essay.title == "步道上的长椅"
    assert [c.text for c in chunks if c.kind == "heading"] == ["缘起"]  # a list item over "---" stays an item
    assert essay.meta.author == "林观澜" and essay.meta.keywords == ("公共空间", "适老化")
    assert ("tags:: 公共空间, 适老化", "property") in essay.dropped
    assert _in_some_chunk("std::move 这样的写法", chunks) and "- 第一项" in essay.text.split("\n")
    assert not _in_some_chunk("aside", chunks) and _in_some_chunk("长椅放好以后", chunks)


def test_code_blocks_keep_their_lines_and_a_header_with_aliases_is_not_expanded() -> None:
    note = ("---\nbase: &b [公共空间, 适老化]\ntags: *b\n---\n# 步道上的长椅\n\n"
            "```text\n# 这一行在代码块里，不是标题\n[^1]: 也不是脚注\n```\n\n正文写在代码块后面，是一段完整的句子。\n")
    essay, chunks = _read(note)
    assert [c.text for c in chunks if c.kind == "heading"] == []
    assert "# 这一行在代码块里，不是标题" in essay.text.split("\n")
    assert essay.meta.keywords == () and not _in_some_chunk("base:", chunks)
    assert dict(essay.dropped)["tags: *b"].startswith("yaml front matter with aliases")
