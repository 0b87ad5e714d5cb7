from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from essay_kb.chunker import MIN_PARAGRAPH_CHARS, Chunk, chunk_essay, split_sentences
from essay_kb.ingest import Essay, EssayMeta, read_essay

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED = CORPUS / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
TOP_SECTIONS = (
    "一、落实基本方针路线,加强监督及管理",
    "二、提升党员干部素质,更好服务人民群众",
    "三、加强党组织作风建设,形成良好工作作风",
    "四、加强基层党员教育,提升党员业务能力",
    "五、结语",
)


@pytest.fixture(scope="module")
def seed() -> Essay:
    return read_essay(SEED, CORPUS)


@pytest.fixture(scope="module")
def chunks(seed: Essay) -> list[Chunk]:
    return chunk_essay(seed)


def _essay(text: str, title: str = "标题") -> Essay:
    return Essay(id="synthetic.txt", title=title, meta=EssayMeta(), text=text, sha256="0")


def _read(folder: Path, name: str, text: str) -> Essay:
    (folder / name).write_text(text, encoding="utf-8")
    return read_essay(folder / name, folder)


# --- the seed essay ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_chars", [600, 200, 80, 25])
def test_every_chunk_slices_back_out_of_the_essay_text(seed: Essay, max_chars: int) -> None:
    for chunk in chunk_essay(seed, max_chars):
        assert chunk.text == seed.text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.essay_id == seed.id


@pytest.mark.parametrize("max_chars", [600, 200, 80, 25])
def test_no_chunk_exceeds_max_chars(seed: Essay, max_chars: int) -> None:
    assert max(len(chunk.text) for chunk in chunk_essay(seed, max_chars)) <= max_chars


def test_ordinals_count_chunks_in_reading_order(chunks: list[Chunk]) -> None:
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert [chunk.start for chunk in chunks] == sorted(chunk.start for chunk in chunks)


def test_seed_starts_with_title_abstract_and_keywords_chunks(chunks: list[Chunk]) -> None:
    assert [(c.kind, c.section, c.paragraph) for c in chunks[:3]] == [
        ("title", (), 0), ("abstract", (), 0), ("keywords", (), 0)]
    assert chunks[0].text == "新常态下加强基层党组织建设的策略研究"
    assert chunks[1].text.startswith("摘 要:新常态背景之下")
    assert chunks[2].text == "关键词:新常态;基层;党组织建设;策略"


def test_intro_paragraph_before_the_first_heading_has_an_empty_section(chunks: list[Chunk]) -> None:
    assert (chunks[3].kind, chunks[3].section, chunks[3].paragraph) == ("body", (), 1)
    assert chunks[3].text.startswith("新常态背景下应当促使")


def test_seed_has_five_top_level_sections_in_order(chunks: list[Chunk]) -> None:
    headings = [chunk for chunk in chunks if chunk.kind == "heading"]
    assert [chunk.section for chunk in headings] == [(name,) for name in TOP_SECTIONS]
    assert [chunk.text for chunk in headings] == list(TOP_SECTIONS)


def test_body_paragraphs_carry_their_section_and_number(chunks: list[Chunk]) -> None:
    second = [c for c in chunks if c.section == ("二、提升党员干部素质,更好服务人民群众",) and c.kind == "body"]
    assert [(c.paragraph, c.section_path) for c in second] == [(1, "二、提升党员干部素质,更好服务人民群众")]
    assert second[0].text.startswith("为了促使基层党组织建设")


def test_paragraphs_under_the_conclusion_heading_are_kind_conclusion(chunks: list[Chunk]) -> None:
    under = [chunk for chunk in chunks if chunk.section == ("五、结语",)]
    assert [chunk.kind for chunk in under] == ["heading", "conclusion"]
    assert under[1].text.startswith("综上所述")
    assert all(chunk.kind != "conclusion" for chunk in chunks if chunk.section != ("五、结语",))


def test_reference_entries_become_one_chunk_each(chunks: list[Chunk]) -> None:
    references = [chunk for chunk in chunks if chunk.kind == "reference"]
    assert [chunk.text[:3] for chunk in references] == ["[1]", "[2]", "[3]", "[4]", "[5]"]
    assert [chunk.paragraph for chunk in references] == [1, 2, 3, 4, 5]
    assert {chunk.section for chunk in references} == {("参考文献",)}
    assert references[-1].text.endswith("2014(12):38-39+58.")


def test_references_line_itself_yields_no_chunk(chunks: list[Chunk]) -> None:
    assert not [chunk for chunk in chunks if chunk.text.startswith("参考文献")]


def test_no_chunk_contains_page_boilerplate(chunks: list[Chunk]) -> None:
    for chunk in chunks:
        for marker in ("登录", "xzbu.com", "转载", "访客"):
            assert marker not in chunk.text


def test_seed_chunk_kinds_in_order(chunks: list[Chunk]) -> None:
    assert [chunk.kind for chunk in chunks] == (
        ["title", "abstract", "keywords", "body"] + ["heading", "body"] * 4 + ["heading", "conclusion"]
        + ["reference"] * 5)


def test_small_windows_of_the_seed_overlap_by_one_sentence(seed: Essay) -> None:
    windows = [c for c in chunk_essay(seed, 300) if c.section == ("三、加强党组织作风建设,形成良好工作作风",)
               and c.kind == "body"]
    assert len(windows) > 1 and {c.paragraph for c in windows} == {1}
    assert len(windows) == 2 and windows[1].start < windows[0].end
    shared = seed.text[windows[1].start : windows[0].end]
    assert shared.startswith("例如基层党组织建设") and shared.endswith("帮助人民解决实际问题。")


# --- headings and sections ---------------------------------------------------------------------------------------

NESTED = """标题
引言部分的第一段,介绍研究背景与意义,说明为什么要写这篇文章。
一、总体要求
总体要求下面的第一段正文,讲明指导思想和基本原则,内容比较充分。
(一)指导思想
指导思想下面的正文段落,阐述了坚持党的领导的重要意义和具体要求。
1.坚持党的领导
坚持党的领导下面的正文,说明党的领导是最本质的特征和最大优势。
（1）加强思想建设
加强思想建设下面的正文,强调理想信念教育和理论武装的根本作用。
2.坚持人民至上
人民至上下面的正文段落,强调一切为了人民、一切依靠人民的理念。
二、主要任务
主要任务下面的正文段落,列出几项重点任务并说明各自的实施路径。
1.这是一个编号的长段落而不是标题,因为它很长,而且包含句号。它继续说明具体的做法和要求。
结论
全文结论部分的正文段落,总结主要观点并展望未来的研究方向和工作。"""


def test_section_path_nests_by_numbering_level() -> None:
    chunks = chunk_essay(_essay(NESTED))
    sections = {c.text[:4]: c.section for c in chunks if c.kind == "heading"}
    assert sections["（1）加"] == ("一、总体要求", "(一)指导思想", "1.坚持党的领导", "（1）加强思想建设")
    assert sections["2.坚持"] == ("一、总体要求", "(一)指导思想", "2.坚持人民至上")
    assert sections["二、主要"] == ("二、主要任务",)
    assert sections["结论"] == ("结论",)


def test_paragraph_body_takes_the_innermost_section() -> None:
    chunks = chunk_essay(_essay(NESTED))
    body = next(c for c in chunks if c.text.startswith("加强思想建设下面"))
    assert body.section_path == "一、总体要求 › (一)指导思想 › 1.坚持党的领导 › （1）加强思想建设"
    assert (body.kind, body.paragraph) == ("body", 1)


def test_long_numbered_line_is_a_body_paragraph_not_a_heading() -> None:
    chunks = chunk_essay(_essay(NESTED))
    item = next(c for c in chunks if c.text.startswith("1.这是一个编号的长段落"))
    assert (item.kind, item.section, item.paragraph) == ("body", ("二、主要任务",), 2)


def test_unnumbered_conclusion_heading_makes_its_paragraphs_conclusion() -> None:
    chunks = chunk_essay(_essay(NESTED))
    assert [c.kind for c in chunks if c.section == ("结论",)] == ["heading", "conclusion"]


def test_numbers_and_decimals_do_not_make_headings() -> None:
    text = "标题\n3.5亿元投入基层党组织建设\n2019.5\n一、真正的标题"
    assert [c.kind for c in chunk_essay(_essay(text))] == ["title", "body", "heading"]


def test_markdown_headings_drive_the_sections(tmp_path: Path) -> None:
    markdown = (
        "# 题目\n\n## 背景\n\n背景部分的正文段落,内容足够长,不会和别的段落合并。\n\n"
        "### 细节\n\n细节部分的正文段落,内容足够长,不会和别的段落合并。\n\n"
        "## 结语\n\n结语部分的正文段落,内容足够长。"
    )
    essay = _read(tmp_path, "a.md", markdown)
    chunks = chunk_essay(essay)
    assert [(c.kind, c.section) for c in chunks] == [
        ("title", ()), ("heading", ("背景",)), ("body", ("背景",)), ("heading", ("背景", "细节")),
        ("body", ("背景", "细节")), ("heading", ("结语",)), ("conclusion", ("结语",))]


def test_reference_styles_and_wrapped_entries(tmp_path: Path) -> None:
    text = (
        "标题\n正文段落,内容足够长,不会和别的段落合并,说明一些情况。\n参考文献\n"
        "［1］张三.论基层治理[J].\n学报,2019(1):1-5.\n"
        "2. 李四.论党建[M].北京:人民出版社,2018.\n[3]王五.论组织[J].求是,2020."
    )
    references = [c for c in chunk_essay(_read(tmp_path, "a.txt", text)) if c.kind == "reference"]
    assert [c.text for c in references] == [
        "［1］张三.论基层治理[J].\n学报,2019(1):1-5.",
        "2. 李四.论党建[M].北京:人民出版社,2018.",
        "[3]王五.论组织[J].求是,2020.",
    ]


# --- short fragments ---------------------------------------------------------------------------------------------


def test_short_fragment_joins_the_next_paragraph_when_it_introduces_it() -> None:
    text = "标题\n一、措施\n具体措施如下:\n第一,加强组织领导,建立健全工作机制,确保各项任务落到实处。"
    body = [c for c in chunk_essay(_essay(text)) if c.kind == "body"]
    assert len(body) == 1 and body[0].text.startswith("具体措施如下:\n第一")


def test_short_fragment_joins_the_previous_paragraph_otherwise() -> None:
    text = "标题\n一、措施\n第一,加强组织领导,建立健全工作机制,确保各项任务落到实处。\n以上。\n二、下一节"
    body = [c for c in chunk_essay(_essay(text)) if c.kind == "body"]
    assert len(body) == 1 and body[0].text.endswith("落到实处。\n以上。")


def test_short_fragment_never_crosses_a_section() -> None:
    text = "标题\n一、甲\n很短的一段。\n二、乙\n另一节里的正文段落,内容足够长,不会和别的段落合并。"
    body = [c for c in chunk_essay(_essay(text)) if c.kind == "body"]
    assert [c.text for c in body] == ["很短的一段。", "另一节里的正文段落,内容足够长,不会和别的段落合并。"]
    assert len(body[0].text) < MIN_PARAGRAPH_CHARS


# --- sentences and windows ---------------------------------------------------------------------------------------


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_split_sentences_on_chinese_and_ascii_terminators() -> None:
    assert _texts("第一句。第二句！第三句？第四句；第五句…… 第六句! Last one. 尾巴") == [
        "第一句。", "第二句！", "第三句？", "第四句；", "第五句……", "第六句!", "Last one.", "尾巴"]


def test_closing_quote_after_a_terminator_belongs_to_the_sentence() -> None:
    expected = ["他说:“今天很好。”", "然后走了。", "「好。」", "『是。』"]
    assert _texts("他说:“今天很好。”然后走了。「好。」『是。』") == expected


def test_no_split_inside_a_quotation() -> None:
    assert _texts("他说“第一。第二！第三”之后离开。再见。") == ["他说“第一。第二！第三”之后离开。", "再见。"]


def test_unclosed_quotation_does_not_swallow_the_paragraph() -> None:
    assert _texts("他说“第一。第二。") == ["他说“第一。", "第二。"]


def test_no_split_inside_numbers_urls_or_citations() -> None:
    expected = ["增长3.5%以上。", "见www.xzbu.com网站[J].党史博采,2014."]
    assert _texts("增长3.5%以上。见www.xzbu.com网站[J].党史博采,2014.") == expected


def test_line_breaks_end_sentences_and_offsets_skip_whitespace() -> None:
    text = "  第一行没有句号\n　第二行。 "
    assert split_sentences(text) == [(2, 9), (11, 15)]


def _long_paragraph() -> str:
    sentences = [f"第{i}年经济增长3.5%,高于预期的2.75%。" if i % 3 == 0
                 else f"有人说:“第{i}条措施很好。确实如此！”" if i % 3 == 1
                 else f"第{i}项工作要扎实推进,确保取得实效;" for i in range(40)]
    return "".join(sentences)


def test_long_paragraph_splits_into_overlapping_windows() -> None:
    paragraph = _long_paragraph()
    essay = _essay(f"标题\n{paragraph}")
    windows = [c for c in chunk_essay(essay, max_chars=120) if c.kind == "body"]
    assert len(windows) > 5 and {c.paragraph for c in windows} == {1}
    assert all(len(c.text) <= 120 for c in windows)
    for earlier, later in pairwise(windows):
        assert later.start < earlier.end  # one sentence shared
        assert essay.text[later.start : earlier.end] in [essay.text[s:e] for s, e in _absolute_sentences(essay)]
    assert windows[0].start == essay.text.index(paragraph) and windows[-1].end == len(essay.text)


def _absolute_sentences(essay: Essay) -> list[tuple[int, int]]:
    return split_sentences(essay.text)


def test_windows_never_cut_inside_a_number_or_a_quotation() -> None:
    essay = _essay(f"标题\n{_long_paragraph()}")
    protected = [(m.start(), m.end()) for m in re.finditer(r"\d+\.\d+|“[^”]*”", essay.text)]
    for chunk in chunk_essay(essay, max_chars=120):
        for start, end in protected:
            assert not start < chunk.start < end and not start < chunk.end < end


def test_sentence_longer_than_max_chars_is_cut_as_a_last_resort() -> None:
    sentence = "这是一个没有任何句号的超长句子" * 10 + "。"
    chunks = chunk_essay(_essay(f"标题\n{sentence}"), max_chars=50)
    body = [c for c in chunks if c.kind == "body"]
    assert len(body) == 4 and all(len(c.text) <= 50 for c in body)
    assert "".join(c.text for c in body) == sentence


def test_max_chars_must_be_positive(seed: Essay) -> None:
    with pytest.raises(ValueError, match="max_chars"):
        chunk_essay(seed, 0)


def test_unnumbered_reference_list_gives_one_chunk_per_line() -> None:
    text = (
        "标题\n正文段落,内容足够长,不会和别的段落合并,说明一些情况。\n参考文献:\n"
        "张三.论基层治理[J].学报,2019.\n李四.论党建[M].2018."
    )
    references = [c.text for c in chunk_essay(_essay(text)) if c.kind == "reference"]
    assert references == ["张三.论基层治理[J].学报,2019.", "李四.论党建[M].2018."]


def test_bare_abstract_label_line_joins_the_line_it_labels(tmp_path: Path) -> None:
    text = "标题\n摘  要\n本文研究基层党组织建设。\n关键词\n党建；基层\n正文段落,内容足够长,不会合并。"
    essay = _read(tmp_path, "a.txt", text)
    assert (essay.meta.abstract, essay.meta.keywords) == ("本文研究基层党组织建设。", ("党建", "基层"))
    chunks = chunk_essay(essay)
    assert [(c.kind, c.text) for c in chunks[1:3]] == [("abstract", "摘  要\n本文研究基层党组织建设。"),
                                                       ("keywords", "关键词\n党建；基层")]
    assert chunks[3].kind == "body"


def test_line_after_a_finished_numbered_reference_list_is_not_a_reference() -> None:
    text = (
        "标题\n正文段落,内容足够长,不会和别的段落合并,说明一些情况。\n参考文献:\n[1]张三.论基层治理[J].学报,2019.\n"
        "作者简介:王五,男,1980年生,研究方向为基层治理与党的建设。"
    )
    chunks = chunk_essay(_essay(text))
    assert [(c.kind, c.section) for c in chunks[-2:]] == [("reference", ("参考文献",)), ("body", ("参考文献",))]


def test_headings_numbered_with_a_space_and_unnumbered_headings() -> None:
    para = "社区把业主请到一起，逐户听取意见，再请设计单位调整电梯井的位置，最后大家达成了一致意见。"
    essay = _essay(f"标题\n1 引言\n{para}\n2 研究设计\n{para}\n邻里协商的三个环节\n{para}\n程序本身的价值\n{para}")
    sections = [(c.kind, c.section_path) for c in chunk_essay(essay) if c.kind != "title"]
    assert [s for k, s in sections if k == "heading"] == ["1 引言", "2 研究设计", "2 研究设计 › 邻里协商的三个环节",
                                                          "2 研究设计 › 程序本身的价值"]
    assert all(k in ("heading", "body") for k, _ in sections)


def test_traditional_references_heading() -> None:
    para = "社區把業主請到一起，逐戶聽取意見，再請設計單位調整電梯井的位置，最後大家達成了一致意見。"
    essay = _essay(f"標題\n{para}\n參考文獻:\n[1]林一帆.電梯加裝[J].城鄉,2020(2):1-9.", title="標題")
    assert [c.kind for c in chunk_essay(essay)][-1] == "reference"
