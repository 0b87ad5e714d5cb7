"""Text repair (repair.py): hard-wrapped lines re-joined, page furniture and pinyin annotations removed, a page
cut off mid-sentence leaves no tiny passage. All strings are written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from essay_kb.chunker import chunk_essay
from essay_kb.ingest import read_essay
from essay_kb.ingest.repair import (
    display_width,
    is_cut_off_tail,
    rejoin_wrapped,
    remove_pinyin,
    repair_lines,
    wrap_width,
)

# Two paragraphs wrapped every 20 ideographs, each opened by a two-U+3000 indent, as PDF copies are.
P1 = ("\u3000\u3000老旧小区加装电梯牵涉每一户居民的利益，低层住户担心采光和噪音，高层住户盼望出行方便，"
      "双方各有道理。社区把业主请到一起，逐户听取意见，再请设计单位调整电梯井的位置，最后达成了一致。")
P2 = ("\u3000\u3000协商的过程虽然慢，但形成的方案大家认可，施工期间几乎没有投诉。这说明基层治理中程序本身也"
      "有价值，让每一方都说出自己的顾虑，比匆忙拍板更能减少后来的矛盾，也更能积累邻里之间的信任。")


def _wrap(paragraph: str, width: int = 20) -> list[str]:
    return [paragraph[i : i + width] for i in range(0, len(paragraph), width)]


def _texts(lines: list[str]) -> list[str]:
    return [text for _, text in rejoin_wrapped(lines)]


def test_wrapped_lines_are_joined_into_their_paragraphs() -> None:
    lines = ["电梯加装中的邻里协商", "一、问题的由来", *_wrap(P1), *_wrap(P2)]
    assert _texts(lines) == ["电梯加装中的邻里协商", "一、问题的由来", P1, P2]


def test_each_joined_paragraph_starts_at_its_first_source_line() -> None:
    lines = ["电梯加装中的邻里协商", *_wrap(P1), *_wrap(P2)]
    assert [i for i, _ in rejoin_wrapped(lines)] == [0, 1, 1 + len(_wrap(P1))]


def test_paragraphs_without_indent_end_at_their_short_last_line() -> None:
    one, two = P1.strip("\u3000"), P2.strip("\u3000")
    lines = [*_wrap(one), *_wrap(two)]
    assert _texts(lines) == [one, two]


def test_a_file_with_one_paragraph_per_line_is_left_alone() -> None:
    lines = ["社区议事会的运行机制", "摘要：本文讨论社区议事会如何运行。", "关键词：议事会；协商", "一、议事会的组成",
             "议事会由居民代表、业主委员会成员和物业负责人组成，每月召开一次，议题由居民提出。",
             "1. 议题要事先公示", "2. 表决要当场计票", "[1]王明.社区协商研究[J].治理评论,2020(02):1-9.",
             "议事会的决定需要通过公示接受监督，公示期满无异议的才交由物业或社区执行，执行情况在下次会议上通报。"]
    assert wrap_width(lines) is None
    assert _texts(lines) == lines


def test_lines_of_equal_length_that_end_sentences_are_not_a_wrapped_file() -> None:
    # A list of finished sentences that happen to be the same length: every line ends with 。, so no wrapping.
    lines = ["第一条经验是把居民的意见放在前面，先听后议再决定。", "第二条经验是把议事的规则写清楚，人人都能看得懂。",
             "第三条经验是把执行的情况公开出来，接受大家监督。", "第四条经验是把好的做法固定下来，形成长效的机制。"]
    assert _texts(lines) == lines


def test_a_heading_after_a_full_line_that_ends_a_sentence_is_not_glued_on() -> None:
    body = P1.strip("\u3000")[:59] + "。"
    lines = [*_wrap(body), *_wrap(P2)]
    assert len(lines[len(_wrap(body)) - 1]) == 20  # the paragraph ends exactly at the margin
    lines[len(_wrap(body)):len(_wrap(body))] = ["二、协商的价值"]
    assert _texts(lines) == [body, "二、协商的价值", P2]


def test_page_number_and_running_head_inside_a_paragraph_are_removed() -> None:
    head = "某某社会科学  2022年第4期"
    wrapped = _wrap(P1)
    lines = [head, "电梯加装中的邻里协商", *wrapped[:2], "· 17 ·", head, *wrapped[2:], *_wrap(P2), "— 18 —"]
    assert _texts(lines) == ["电梯加装中的邻里协商", P1, P2]


def test_a_repeated_line_that_never_cuts_a_paragraph_is_kept() -> None:
    lines = ["小结", *_wrap(P1), "小结", *_wrap(P2)]
    assert _texts(lines) == ["小结", P1, "小结", P2]


@pytest.mark.parametrize(("garbled", "clean"), [
    ("現(xiàn)代化", "現代化"),
    ("評分?jǐn)?shù)據(jù)", "評分據"),  # the garbled copy lost 數 itself: the gap stays, the garbage goes
    ("【關(guān)鍵詞(cí)】基層(céng)治理", "【關鍵詞】基層治理"),
    ("讓(ràng)居民參(cān)與(yǔ)議事", "讓居民參與議事"),
])
def test_pinyin_annotations_are_removed(garbled: str, clean: str) -> None:
    assert remove_pinyin(garbled) == clean


@pytest.mark.parametrize("text", [
    "(一)加强组织领导", "（2019）03-0044-06", "详情(见下文)", "数据治理(data governance)", "调研(2021年)",
    "英文(see)", "你怎么看?(A)", "王明(1980—)，男", "居民(ma)说", "所谓内卷(nèi juǎn)一词",
])
def test_real_parentheses_are_kept(text: str) -> None:
    assert remove_pinyin(text) == text


def test_a_garbled_question_mark_is_not_a_sentence_end() -> None:
    repaired = [text for _, text in repair_lines(["一些地方把評分?jǐn)?shù)據(jù)納入考核。"])]
    assert repaired == ["一些地方把評分據納入考核。"]


def test_cut_off_tail_is_recognised_only_after_a_finished_sentence() -> None:
    assert is_cut_off_tail("随着现", "使服务与需求对接起来。")
    assert not is_cut_off_tail("随着现", "使服务与需求对接起来")
    assert not is_cut_off_tail("谢谢大家！", "使服务与需求对接起来。")
    assert not is_cut_off_tail("这一段虽然不长但是已经超过了十个字", "对接起来。")


def test_read_essay_joins_a_wrapped_page_and_drops_its_furniture(tmp_path: Path) -> None:
    head = "某某社会科学  2022年第4期"
    wrapped = _wrap(P1)
    text = "\n".join([head, "电梯加装中的邻里协商", *wrapped[:3], "· 17 ·", head, *wrapped[3:], *_wrap(P2)])
    (tmp_path / "wrapped.txt").write_text(text + "\n", encoding="utf-8")
    essay = read_essay(tmp_path / "wrapped.txt", tmp_path)
    assert essay.title == "电梯加装中的邻里协商"
    body = [c.text for c in chunk_essay(essay) if c.kind == "body"]
    assert body == [P1.strip("\u3000"), P2.strip("\u3000")]


def test_a_page_cut_off_mid_sentence_leaves_no_tiny_passage(tmp_path: Path) -> None:
    text = "社区志愿服务的思考\n一、现状\n" + P1.strip("\u3000") + "\n" + P2.strip("\u3000") + "\n随着现\n"
    (tmp_path / "cut.txt").write_text(text, encoding="utf-8")
    chunks = chunk_essay(read_essay(tmp_path / "cut.txt", tmp_path))
    assert [c.text for c in chunks if c.kind == "body"] == [P1.strip("\u3000"), P2.strip("\u3000")]
    assert all("随着现" not in c.text for c in chunks)


def test_a_short_last_paragraph_with_punctuation_still_joins_its_neighbour(tmp_path: Path) -> None:
    text = "社区志愿服务的思考\n一、现状\n" + P1.strip("\u3000") + "\n就是这样。\n"
    (tmp_path / "short.txt").write_text(text, encoding="utf-8")
    body = [c.text for c in chunk_essay(read_essay(tmp_path / "short.txt", tmp_path)) if c.kind == "body"]
    assert body == [P1.strip("\u3000") + "\n就是这样。"]


def test_a_double_spaced_wrapped_copy_is_joined_across_its_blank_lines() -> None:
    lines = [part for line in ["电梯加装中的邻里协商", *_wrap(P1), *_wrap(P2)] for part in (line, "")]
    assert [text for text in _texts(lines) if text] == ["电梯加装中的邻里协商", P1, P2]


def test_blank_lines_between_paragraphs_of_a_wrapped_copy_end_them() -> None:
    one = P1.strip("\u3000")[:59] + "。"  # ends exactly at the margin, so only the blank line ends it
    lines = [*_wrap(one), "", *_wrap(P2.strip("\u3000"))]
    assert [text for text in _texts(lines) if text] == [one, P2.strip("\u3000")]


def test_sidebar_titles_of_similar_length_beside_long_paragraphs_are_not_wrapping() -> None:
    titles = ["社区治理中的协商民主实践研究综述", "基层党组织引领社区治理的路径探析",
              "老旧小区改造中居民参与的机制研究", "城市社区网格化管理的成效与问题分析"]
    paragraphs = [P1.strip("\u3000") * 2, P2.strip("\u3000") * 2, P1.strip("\u3000") + P2, P2 + P1]
    lines = [*paragraphs, *titles]
    assert wrap_width(lines) is None
    assert _texts(lines) == lines


@pytest.mark.parametrize(("before", "after", "joined"), [
    ("社区议事会", "每月召开一次。", "社区议事会每月召开一次。"),
    ("总投资达到3.", "5亿元。", "总投资达到3.5亿元。"),
    ("参见the", "community board.", "参见the community board."),
    ("covers 2019", "年的数据。", "covers 2019年的数据。"),
])
def test_wrapped_lines_join_with_a_space_only_between_english_words(before: str, after: str, joined: str) -> None:
    pad = "居" * ((40 - display_width(before)) // 2)  # fills the line to the 40-column margin
    lines = [*_wrap(P1), pad + before, after]
    assert _texts(lines) == [P1, pad + joined]


def test_a_running_head_printed_once_next_to_a_page_number_inside_a_sentence_is_removed() -> None:
    wrapped = _wrap(P1)
    lines = ["电梯加装中的邻里协商", *wrapped[:2], "· 17 ·", "某某社会科学  2022年第4期", *wrapped[2:]]
    assert _texts(lines) == ["电梯加装中的邻里协商", P1]


def test_a_heading_before_a_page_break_is_kept() -> None:
    body = P1.strip("\u3000")[:59] + "。"  # ends a sentence at the margin, so the heading after it is real
    lines = [*_wrap(body), "二、协商的价值", "· 17 ·", *_wrap(P2)]
    assert _texts(lines) == [body, "二、协商的价值", P2]


def test_a_metadata_line_as_wide_as_the_margin_does_not_swallow_the_heading_below_it() -> None:
    meta = "中图分类号：D669　文献标识码：A　文章编号：1000-04"  # as wide as the wrapped lines, no punctuation
    lines = ["电梯加装中的邻里协商", *_wrap(P1), meta[:20], "一、问题的由来", *_wrap(P2), "参考文献：",
             "[1]林一帆.电梯加装[J].城乡,2020(2):1-9."]
    texts = _texts(lines)
    assert "一、问题的由来" in texts and "参考文献：" in texts
    assert texts[-1].startswith("[1]")


def test_a_keyword_label_glued_to_the_abstract_starts_its_own_line() -> None:
    line = "本文讨论加装电梯中的协商。关键词:电梯加装;邻里协商"
    assert [text for _, text in repair_lines([line])] == ["本文讨论加装电梯中的协商。", "关键词:电梯加装;邻里协商"]
    assert [text for _, text in repair_lines(["关于关键词:的用法"])] == ["关于关键词:的用法"]
