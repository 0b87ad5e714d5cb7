"""Front matter and chrome of scraped pages (issue 13), on our own small strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from essay_kb.chunker import chunk_essay
from essay_kb.ingest import parse_keywords, read_essay
from essay_kb.ingest.frontmatter import read_front_matter
from essay_kb.ingest.labels import ABSTRACT_LINE, KEYWORDS_LINE
from essay_kb.ingest.shapes import chrome_reason, is_affiliation, is_author_line, metadata_fields

BODY = "社区食堂让独居老人按时吃上热饭，也成了邻里见面聊天的地方，这是我们在三个街道走访时最常听到的评价。"


def _read(tmp_path: Path, text: str, name: str = "a.txt"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return read_essay(tmp_path / name, tmp_path)


@pytest.mark.parametrize("line", [
    "首页 | 栏目一 | 栏目二 | 栏目三 | 联系方式",
    "首页 > 期刊 > 社会 > 正文",
    "當前位置：首頁 > 評論",
    "APP下载",
    "文章快速检索 高级检索",
    "• 收藏",
    "字号：【大 中 小】 打印 关闭",
    "阅读：128次 评论：0",
    "版權所有 某某網",
    "2019-11-19(某平台首次上网日期，不代表论文的发表时间)共5页 83-87",
    "某某论文在线阅读 | 免费论文 | 期刊目录",
    "相关论文推荐：",
    "相關新聞",
    "……（剩余4页未读，继续阅读）",
    "下载文档　立即下载　VIP免费下载",
])
def test_chrome_lines_are_recognised_by_shape(line: str) -> None:
    assert chrome_reason(line)


@pytest.mark.parametrize("line", [
    BODY,
    "用户在政务平台登录注册后即可办理相关业务。",
    "卡拉OK Live·台北·我",
    "一、问题的提出",
    "注册制改革对中小企业融资的影响",
    "数字档案检索系统的设计与实现",
    "马克思·韦伯与官僚制理论",
    "基层治理中的评价与反馈机制",
])
def test_essay_lines_are_not_chrome(line: str) -> None:
    assert chrome_reason(line) is None


def test_metadata_line_yields_every_field() -> None:
    assert metadata_fields("中图分类号：D669 文献标识码：A 文章编号：1000-0000(2021)02-0011-05") == [
        ("clc", "D669"), ("doc_code", "A"), ("article_no", "1000-0000(2021)02-0011-05")]
    assert metadata_fields("〔中图分类号〕C912 〔文献标志码〕A") == [("clc", "C912"), ("doc_code", "A")]
    assert metadata_fields("DOI:10.1000/example.2021.02.003") == [("doi", "10.1000/example.2021.02.003")]
    assert metadata_fields(BODY) is None


def test_affiliations_and_author_lines() -> None:
    assert is_affiliation("（某某师范大学社会学院，浙江 杭州 310000）")
    assert is_affiliation("某某市委党校，江西 南昌 330003")
    assert not is_affiliation("大学生志愿者在社区食堂帮厨，受到老人们欢迎。")
    assert is_author_line("林一帆1，宋可2")
    assert is_author_line("王小明　欧阳晴")
    assert not is_author_line("一、问题的提出")


@pytest.mark.parametrize("line", ["摘要：食堂", "摘 要：食堂", "【摘要】食堂", "〔摘要〕食堂", "[摘要]食堂",
                                  "［摘要］食堂", "内容摘要：食堂", "内容提要：食堂", "提要：食堂", "摘要 食堂",
                                  "Abstract: canteen", "〔Abstract〕canteen"])
def test_abstract_label_shapes(line: str) -> None:
    match = ABSTRACT_LINE.match(line)
    assert match and match.group("value") in ("食堂", "canteen")


@pytest.mark.parametrize("line", ["关键词：食堂", "关键字：食堂", "關鍵詞：食堂", "【关键词】食堂", "〔关键词〕食堂",
                                  "Key words: canteen", "Keywords: canteen", "关键词 食堂", "【Keywords】canteen"])
def test_keyword_label_shapes(line: str) -> None:
    match = KEYWORDS_LINE.match(line)
    assert match and match.group("value") in ("食堂", "canteen")


def test_keywords_split_on_spaces_only_without_other_separators() -> None:
    assert parse_keywords("社区食堂 养老服务 邻里") == ("社区食堂", "养老服务", "邻里")
    assert parse_keywords("community canteen; elderly care") == ("community canteen", "elderly care")


def test_title_survives_chrome_bylines_and_affiliations(tmp_path: Path) -> None:
    page = ("APP下载\n首页 | 论文 | 期刊 | 投稿 | 关于\n林一帆，宋可\n（某某师范大学社会学院，浙江 杭州 310000）\n"
            "社区食堂的运营模式与可持续性\n林一帆，宋可\n（某某师范大学社会学院，浙江 杭州 310000）\n"
            "摘要：本文讨论社区食堂。\n关键词：社区食堂；养老服务\n中图分类号：C913 文献标识码：A\n"
            f"一、问题的提出\n{BODY}\n"
            "上一篇：另一篇文章\n版权所有 某某网")
    essay = _read(tmp_path, page)
    assert essay.title == "社区食堂的运营模式与可持续性"
    assert essay.text.splitlines()[0] == essay.title
    assert "APP下载" not in essay.text and "林一帆" not in essay.text and "中图分类号" not in essay.text
    assert "上一篇" not in essay.text and "版权所有" not in essay.text
    assert essay.meta_extra["clc"] == "C913"
    assert ("APP下载", "chrome") in essay.dropped
    assert [c.kind for c in chunk_essay(essay)][:3] == ["title", "abstract", "keywords"]


def test_numbered_heading_after_the_abstract_is_never_the_title(tmp_path: Path) -> None:
    essay = _read(tmp_path, f"设为首页 加入收藏\n摘要：本文讨论社区食堂。\n一、问题的提出\n{BODY}")
    assert essay.title != "一、问题的提出"


def test_labelled_title_and_thesis_cover(tmp_path: Path) -> None:
    page = ("某某大学本科毕业论文\n题目：社区食堂的运营模式\n学    院：社会学院\n指导教师：宋可\n二〇二三年五月\n"
            f"摘要：本文讨论社区食堂。\n目    录\n一、引言…………1\n一、引言\n{BODY}")
    essay = _read(tmp_path, page)
    assert essay.title == "社区食堂的运营模式"
    assert "学    院" not in essay.text and "…………1" not in essay.text and "二〇二三年" not in essay.text


def test_metadata_value_on_the_next_line_and_inline_counters(tmp_path: Path) -> None:
    page = (f"社区食堂的运营模式\n作者简介：\n林一帆，某某大学讲师\n摘要：本文讨论社区食堂。\n{BODY}\n"
            f"发布时间：2023-01-01 浏览：35次 评论：0\n{BODY}")
    essay = _read(tmp_path, page)
    assert essay.meta_extra["author_bio"] == "林一帆，某某大学讲师"
    assert "某某大学讲师" not in essay.text and "浏览" not in essay.text


def test_page_numbers_running_heads_and_english_front(tmp_path: Path) -> None:
    page = ("某某学报 2021年第2期\n社区食堂的运营模式\n林一帆\n（某某大学社会学院，浙江 杭州 310000）\n"
            f"摘要：本文讨论社区食堂。\n{BODY}\n· 12 ·\n某某学报 2021年第2期\n{BODY}\n"
            "On the Operation of Community Canteens\nLIN Yifan\nAbstract: This paper discusses canteens.")
    essay = _read(tmp_path, page)
    assert "· 12 ·" not in essay.text and "某某学报" not in essay.text
    assert "On the Operation" not in essay.text and "LIN Yifan" not in essay.text
    assert essay.meta_extra["english_title"] == "On the Operation of Community Canteens"


def test_related_links_after_the_essay(tmp_path: Path) -> None:
    essay = _read(tmp_path, f"社区食堂的运营模式\n{BODY}\n{BODY}\n相关推荐\n另一篇文章的标题\n第三篇文章的标题")
    assert "另一篇" not in essay.text and "第三篇" not in essay.text


def test_traditional_chrome_is_matched_after_normalising() -> None:
    result = read_front_matter(["網站首頁 | 網站地圖 | 聯繫我們 | 投稿", "社區食堂的運營模式",
                                "來源：某某網 2023-01-01", BODY])
    assert result.title == 1 and 0 in result.dropped and 2 in result.dropped


def test_a_short_first_line_stays_the_title_without_a_byline() -> None:
    # Encyclopedia-style passages: a name as the title, then one paragraph.
    assert read_front_matter(["罗某某", BODY]).title == 0
    assert read_front_matter(["卡拉OK Live·台北·我", BODY]).dropped == {}


@pytest.mark.parametrize("line", ["顾文静 1，吕秉坤 2", "□林晓彤", "賀雅琪 石俊傑 盧曉雯", "杜明远1, 沈嘉禾2"])
def test_author_lines_in_more_shapes(line: str) -> None:
    assert is_author_line(line)


def test_everything_below_the_essay_after_its_first_chrome_line_is_frame(tmp_path: Path) -> None:
    page = (f"社区食堂的运营模式\n{BODY}\n{BODY}\n参考文献：\n[1]林一帆.社区食堂研究[J].城乡发展评论,2020(2):1-9.\n"
            "(责任编辑：周敏)\n发表评论\n请自觉遵守互联网相关的政策法规，严禁发布违法言论。\n评价: 中立 好评 差评\n"
            "主办：某某市委党校　地址：某某大道8号")
    essay = _read(tmp_path, page)
    assert essay.text.endswith("[1]林一帆.社区食堂研究[J].城乡发展评论,2020(2):1-9.")  # a journal "…评论" stays
    assert essay.meta_extra["editor"] == "周敏"
    dropped = dict(essay.dropped)
    assert dropped["请自觉遵守互联网相关的政策法规，严禁发布违法言论。"] == "after the essay"
    assert "主办：某某市委党校　地址：某某大道8号" in dropped


def test_a_short_closing_sentence_without_frame_is_kept(tmp_path: Path) -> None:
    essay = _read(tmp_path, f"社区食堂的运营模式\n{BODY}\n{BODY}\n让每位老人都吃上热饭。")
    assert essay.text.endswith("让每位老人都吃上热饭。")


def test_site_slogan_and_notice_above_the_title(tmp_path: Path) -> None:
    page = ("思政频道，学子的精神家园。祝大家学习进步！\n首页 > 研究 > 正文\n社区食堂的运营模式\n"
            f"本文由用户上传，仅供预览，下载后可查看全文。\n{BODY}")
    essay = _read(tmp_path, page)
    assert essay.title == "社区食堂的运营模式"
    assert essay.text.splitlines()[1] == BODY


def test_subtitle_line_joins_the_title_and_footnote_mark_goes(tmp_path: Path) -> None:
    page = f"城乡治理\n\n社区食堂的运营模式*\n——以三个街道为例\n\n2022-05-16 10:42林一帆\n{BODY}\n{BODY}"
    essay = _read(tmp_path, page)
    assert essay.title == "社区食堂的运营模式——以三个街道为例"
    assert essay.text.splitlines()[0] == essay.title and "城乡治理" not in essay.text


def test_site_tag_line_beside_the_papers_keywords(tmp_path: Path) -> None:
    page = f"社区食堂的运营模式\n关键词:社区食堂养老\n林一帆\n[关键字] 社区食堂 养老服务 邻里互助\n{BODY}"
    essay = _read(tmp_path, page)
    assert essay.meta.keywords == ("社区食堂", "养老服务", "邻里互助")
    assert ("关键词:社区食堂养老", "site tags") in essay.dropped


@pytest.mark.parametrize("between", ["\n", "\n关键词:", ""])
def test_abstract_and_keywords_without_labels(tmp_path: Path, between: str) -> None:
    # A mirror that lost its labels, one that kept only 关键词, one that glued 关键词 to the abstract.
    abstract = "本文讨论社区食堂如何在政府补贴退坡后维持运营，认为志愿服务与邻里互助是其可持续的关键。"
    sep = "关键词:" if between == "" else between
    page = (f"首页 > 期刊 > 正文\n林一帆\n社区食堂的运营模式\n林一帆\n{abstract}{sep}社区食堂；养老服务；邻里互助\n"
            f"{BODY}")
    essay = _read(tmp_path, page)
    assert essay.meta.abstract == abstract
    assert essay.meta.keywords == ("社区食堂", "养老服务", "邻里互助")
    kinds = [(c.kind, c.text[:6]) for c in chunk_essay(essay)]
    assert kinds[1][0] == "abstract" and kinds[2][0] == "keywords" and kinds[3] == ("body", BODY[:6])


def test_a_first_paragraph_is_no_abstract_without_a_keyword_line(tmp_path: Path) -> None:
    essay = _read(tmp_path, f"社区食堂的运营模式\n{BODY}\n{BODY}\n{BODY}")
    assert essay.meta.abstract is None and all(c.kind != "abstract" for c in chunk_essay(essay))


def test_author_prefix_of_a_reprint_title(tmp_path: Path) -> None:
    essay = _read(tmp_path, f"林一帆：社区食堂的运营模式\n作者：林一帆（某某大学社会学院）\n{BODY}")
    assert essay.title == "社区食堂的运营模式"


@pytest.mark.parametrize("line", [
    "索 引 号：11000000/2024-00012", "发布机构：某某市城市管理局", "发文字号：某城管发〔2024〕7号", "有 效 性：有效",
    "UDC：300", "学位申请人：林一帆", "资源ID：6620317  资源大小：86.50KB  全文页数：9页", "（作者单位：某某市委党校）",
    "文章引用: 林一帆. 社区食堂研究[J]. 某某进展, 2024, 14(3): 1-8.", "原标题：《小区里的党支部》",
    "课题组负责人：林一帆　执笔：宋可",
])
def test_metadata_lines_of_more_kinds(line: str) -> None:
    assert metadata_fields(line)


@pytest.mark.parametrize("line", [
    "首页　工作动态　理论研究　队伍建设　网络思政", "Home > Journals > Social Governance Letters > Vol. 6 No. 3",
    "【纠错】 【责任编辑：韩冰】", "▲ 图为社区党员志愿者为独居老人检修电路（某某 供图）", "楼主", "查看: 2315|回复: 4",
    "lanxi 发表于 2023-7-14 21:06 | 只看该作者 | 倒序浏览", "位置：首页 > 理论园地", "青灯夜读的博客",
    "分享：微信 微博 QQ空间", "=====================",
    "Copyright © 2024 by author(s) and Example Publishing Inc. " + "Licensed under CC BY 4.0. " * 4,
])
def test_chrome_of_more_site_kinds(line: str) -> None:
    assert chrome_reason(line)


@pytest.mark.parametrize("line", ["秦　岚1，顾晓雨2", "市人民政府副市长　程立新", "城東街道辦事處　林書瑤",
                                  "唐以宁 邵佳（某某农业大学经济管理学院教授；某某农业大学硕士研究生）"])
def test_bylines_of_speakers_offices_and_spaced_names(line: str) -> None:
    assert is_author_line(line) or is_affiliation(line)


def test_institution_only_line_is_an_affiliation_and_a_label_is_no_name() -> None:
    assert is_affiliation("锦川大学 公共管理学院")
    assert not is_author_line("摘要") and not is_affiliation("走进大学")


def test_title_tag_file_name_and_database_record(tmp_path: Path) -> None:
    page = ("知文库 - 分享文档赚钱的网站\n全部分类\n社区食堂的运营模式.doc\n资源ID：6620317  全文页数：9页\n"
            "温馨提示：\n"
            "1、下载文档前请自行甄别文档内容的完整性，平台不提供额外的编辑、内容补充、找答案等附加服务。\n"
            f"[转载]社区食堂的运营模式\n林一帆\n摘要：本文讨论社区食堂。\n{BODY}")
    essay = _read(tmp_path, page)
    assert essay.title == "社区食堂的运营模式" and ".doc" not in essay.text and "温馨提示" not in essay.text
    record = f"题名\n社区食堂的运营模式\n作者\n林一帆\n年份\n2022年\n导师\n宋可\n{BODY}"
    essay = _read(tmp_path, record, "b.txt")
    assert essay.title == "社区食堂的运营模式" and "林一帆" not in essay.text
    assert (essay.meta_extra["year"], essay.meta_extra["supervisor"]) == ("2022年", "宋可")


def test_title_stated_only_in_the_breadcrumb(tmp_path: Path) -> None:
    page = (f"某某思政工作网\n当前位置：首页 > 理论研究 > 社区食堂走进思政课堂的实践探索\n发布日期：2024-05-21\n"
            f"{BODY}\n{BODY}")
    essay = _read(tmp_path, page)
    assert essay.title == "社区食堂走进思政课堂的实践探索" and essay.text.splitlines()[0] == essay.title


def test_readers_comments_below_the_essay(tmp_path: Path) -> None:
    page = (f"社区食堂的运营模式\n{BODY}\n{BODY}\n相关阅读\n另一篇文章\n网友评论\n"
            "某网友 2024-05-20 09:02：说得实在，这件事办到了大家心坎上，希望能一直坚持下去，越办越好。\n"
            "訪客 於 2024/10/09 10:15 留言：我們社區也有長者共餐，好像是用回收金辦的，很值得推廣！")
    essay = _read(tmp_path, page)
    assert essay.text.splitlines()[-1] == BODY


def test_english_title_line_and_wrapped_english_abstract(tmp_path: Path) -> None:
    page = ("社区食堂的运营模式\nOn the Operation of Community Canteens in Chinese Cities\n林一帆\n"
            "摘要：本文讨论社区食堂。\n关键词：社区食堂；养老服务\nAbstract: Community canteens serve older residents\n"
            "who live alone, and their operation depends on subsidies and\nvolunteers from the neighbourhood.\n"
            f"Key words: community canteen; elderly care\n一、引言\n{BODY}\n{BODY}\n{BODY}")
    essay = _read(tmp_path, page)
    assert "林一帆" not in essay.text
    assert essay.meta_extra["english_title"].startswith("On the Operation")
    kinds = [(c.kind, c.text[:9]) for c in chunk_essay(essay)]
    assert ("abstract", "Abstract:") in kinds and not any(k == "body" and t.isascii() for k, t in kinds)


def test_mojibake_footer_is_read_back_and_dropped(tmp_path: Path) -> None:
    garbled = "版权所有（C）某某编辑部".encode().decode("gbk", errors="replace")
    essay = _read(tmp_path, f"社区食堂的运营模式\n{BODY}\n{BODY}\n{garbled}")
    assert essay.text.splitlines()[-1] == BODY


def test_a_short_essays_short_paragraphs_and_headings_are_all_kept(tmp_path: Path) -> None:
    # One paragraph of ordinary length, then headings and paragraphs shorter than a line of a scraped page's
    # frame: none of it is "after the essay" (the HNSW growth test's cooperative essay lost three passages so).
    page = (f"# 社区食堂的运营模式\n\n{BODY}\n\n## 经验\n\n村集体牵头、能人带动，是办得好的经验。\n\n## 困难\n\n"
            "资金短缺、人手不足，是常见的难题。\n")
    essay = _read(tmp_path, page, "a.md")
    assert essay.dropped == () and essay.text.endswith("资金短缺、人手不足，是常见的难题。")


def test_an_author_line_found_by_its_shape_names_the_authors(tmp_path: Path) -> None:
    essay = _read(tmp_path, f"社区食堂的运营模式\n顾文静 1，吕秉坤 2\n（1.某某大学社会学院，江苏 江州 215009）\n{BODY}")
    assert essay.meta.author == "顾文静；吕秉坤"
