from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from pathlib import Path

import pytest

from essay_kb.errors import EmptyCorpus, UnreadableEssay
from essay_kb.files import list_essay_files, read_file_bytes
from essay_kb.ingest import BOILERPLATE_RULES, Essay, parse_essay, parse_keywords, read_essay

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED = CORPUS / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
SEED_URL = "https://www.xzbu.com/1/view-14728402.htm"


@pytest.fixture(scope="module")
def seed() -> Essay:
    return read_essay(SEED, CORPUS)


def _write(folder: Path, name: str, data: bytes) -> Essay:
    (folder / name).write_bytes(data)
    return read_essay(folder / name, folder)


# --- the seed essay ----------------------------------------------------------------------------------------------


def test_seed_id_is_the_path_relative_to_the_corpus(seed: Essay) -> None:
    assert seed.id == "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def test_seed_sha256_is_of_the_raw_bytes(seed: Essay) -> None:
    assert seed.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_seed_title_is_the_first_line_after_the_login_banner(seed: Essay) -> None:
    assert seed.title == "新常态下加强基层党组织建设的策略研究"
    assert seed.text.split("\n")[0] == seed.title


def test_seed_byline_becomes_source_and_an_empty_author_stays_none(seed: Essay) -> None:
    assert seed.meta.source == "用户上传"
    assert seed.meta.author is None


def test_seed_reprint_notice_becomes_the_url(seed: Essay) -> None:
    assert seed.meta.url == SEED_URL


def test_seed_keywords_are_parsed_from_the_keywords_line(seed: Essay) -> None:
    assert seed.meta.keywords == ("新常态", "基层", "党组织建设", "策略")


def test_seed_abstract_is_the_text_after_the_colon(seed: Essay) -> None:
    assert seed.meta.abstract is not None
    assert seed.meta.abstract.startswith("新常态背景之下")
    assert seed.meta.abstract.endswith("以供相关专业人士进行参考和借鉴。")


def test_seed_text_keeps_title_abstract_keywords_body_and_references(seed: Essay) -> None:
    lines = seed.text.split("\n")
    assert lines[1].startswith("摘 要:")
    assert lines[2] == "关键词:新常态;基层;党组织建设;策略"
    assert "五、结语" in lines
    assert lines[-1].startswith("[5]高国明")


def test_seed_text_has_no_page_boilerplate(seed: Essay) -> None:
    for marker in ("登录", "注册", "访客", "转载", "xzbu.com", "来源:", "作者:"):
        assert marker not in seed.text


def test_seed_lines_have_no_indentation_and_no_blank_lines(seed: Essay) -> None:
    for line in seed.text.split("\n"):
        assert line and line == line.strip()


# --- encodings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16", "utf-16-be-bom"])
def test_seed_reads_the_same_in_every_supported_encoding(tmp_path: Path, seed: Essay, encoding: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    data = "\ufeff".encode("utf-16-be") + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else (
        text.encode(encoding))
    essay = _write(tmp_path, seed.id, data)
    assert (essay.text, essay.title, essay.meta) == (seed.text, seed.title, seed.meta)
    assert essay.sha256 != seed.sha256


def test_gbk_file_is_decoded(tmp_path: Path) -> None:
    text = "新常态下加强基层党组织建设\n\n关键词：新常态；基层\n　　基层党组织建设过程当中，相关人员应当认真贯彻。"
    essay = _write(tmp_path, "gbk.txt", text.encode("gbk"))
    assert essay.title == "新常态下加强基层党组织建设"
    assert essay.meta.keywords == ("新常态", "基层")
    assert essay.text.endswith("\n基层党组织建设过程当中，相关人员应当认真贯彻。")


def test_short_gbk_file_is_read_as_chinese_not_as_another_cjk_codec(tmp_path: Path) -> None:
    assert _write(tmp_path, "short.txt", "党组织建设".encode("gbk")).text == "党组织建设"


def test_binary_file_is_unreadable_and_the_message_says_what_to_do(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    with pytest.raises(UnreadableEssay, match=r"picture\.txt.*UTF-8"):
        _write(tmp_path, "picture.txt", png)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", "\ufeff".encode("utf-8")])
def test_empty_file_is_unreadable(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnreadableEssay, match=r"empty\.txt is empty"):
        _write(tmp_path, "empty.txt", data)


def test_file_of_only_boilerplate_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableEssay, match="boilerplate"):
        _write(tmp_path, "page.txt", "您好, 访客 登录/注册\n转载注明来源:https://example.com/1".encode())


def test_file_of_only_a_login_banner_says_what_was_found(tmp_path: Path) -> None:
    with pytest.raises(UnreadableEssay) as caught:
        _write(tmp_path, "banner.txt", "您好，访客 登录/注册\n".encode())
    message = str(caught.value)
    assert message.startswith("banner.txt holds only page boilerplate")
    assert "a login banner ('您好，访客 登录/注册')" in message and "add the essay text" in message
    assert "UTF-8" not in message  # it is UTF-8: re-saving it would change nothing


# Western text in a legacy single-byte encoding: charset-normalizer guesses cp1257 or cp1250 for these (and
# BOM-less UTF-16 for the short one), which turned "Déjà vu" into "Déją vu". Our own sentences.
WESTERN = [
    ("english-cp1252.txt", "cp1252", "Déjà vu in the café",
     "Every morning the garçon at the corner café served crème brûlée to a señor reading Faust; “Voilà,” he "
     "said — and the naïve visitors wondered whether the façade was original."),
    ("french-latin1.txt", "latin-1", "Le déjà-vu à l'école",
     "Les élèves répètent qu'ils ont déjà vécu ce moment, à la fête où l'été finissait près du lycée."),
    ("german-cp1252.txt", "cp1252", "Über die Brücke",
     "Die Bürger gehen über die Straße zur Brücke; die Größe des Münsters überrascht jeden Besucher."),
    ("short-latin1.txt", "latin-1", "Déjà vu", "Déjà vu."),
]


@pytest.mark.parametrize(("name", "codec", "title", "body"), WESTERN, ids=[w[0] for w in WESTERN])
def test_western_text_in_a_legacy_encoding_reads_right(tmp_path: Path, name: str, codec: str, title: str,
                                                        body: str) -> None:
    essay = _write(tmp_path, name, f"{title}\n{body}\n".encode(codec))
    assert essay.text == f"{title}\n{body}"


@pytest.mark.parametrize(("codec", "text"), [
    ("big5", "社區網格化管理\n每個網格配備專職網格員，負責走訪居民、收集訴求、化解矛盾。"),
    ("gbk", "第一章 Introduction to 社区治理\n社区治理 and governance：居民参与是基层治理的基础。"),
    ("shift_jis", "地域のごみ分別\n地域の住民が集まり、ごみの分別について話し合いました。"),
])
def test_chinese_and_japanese_legacy_encodings_still_read_right(tmp_path: Path, codec: str, text: str) -> None:
    assert _write(tmp_path, "a.txt", text.encode(codec)).text == text


def test_text_no_encoding_reads_as_chinese_or_western_is_refused_saying_what_was_found(tmp_path: Path) -> None:
    russian = "Местное самоуправление\nЖители всё чаще участвуют в обсуждении бюджета своего района.\n"
    with pytest.raises(UnreadableEssay) as caught:
        _write(tmp_path, "ru.txt", russian.encode("cp1251"))
    message = str(caught.value)
    assert message.startswith("ru.txt is not UTF-8, and no encoding reads it as Chinese or western text")
    assert "best guess cp1251: 'Местное самоуправление" in message and "re-save it as UTF-8" in message


def test_a_file_name_in_gbk_becomes_a_chinese_essay_id(tmp_path: Path) -> None:
    name = os.fsdecode("网格治理.txt".encode("gbk"))  # as os.listdir returns a name that is not UTF-8
    essay = _write(tmp_path, name, "网格治理\n每个网格配备专职网格员。".encode())
    assert essay.id == "网格治理.txt"
    assert _write(tmp_path, os.fsdecode(b"notes-\xff.txt"), "笔记\n正文。".encode()).id == "notes-\\xff.txt"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # the old code blocks here for ever; test_bad_input runs `kb` with a timeout
    with pytest.raises(UnreadableEssay, match=r"^pipe\.txt is not a regular file .*remove it from the corpus"):
        read_file_bytes(tmp_path / "pipe.txt", "pipe.txt")


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    with (tmp_path / "big.txt").open("wb") as fh:
        fh.truncate(3 * 2**20)
    with pytest.raises(UnreadableEssay, match=r"big\.txt is 3\.0 MB, over the 1 MB limit \(max_file_mb\)"):
        read_essay(tmp_path / "big.txt", tmp_path, max_bytes=2**20)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableEssay, match="gone.txt"):
        read_essay(tmp_path / "gone.txt", tmp_path)


# --- lines, boilerplate and metadata ----------------------------------------------------------------------------


def test_crlf_and_full_width_indentation_are_normalised(tmp_path: Path) -> None:
    essay = _write(tmp_path, "a.txt", "标题\r\n\r\n\u3000\u3000第一段正文。\r\n  第二段正文。\r".encode())
    assert essay.text == "标题\n第一段正文。\n第二段正文。"


@pytest.mark.parametrize("line", [
    "您好, 访客 \xa0 登录/注册", "你好，游客 请登录", "登录 | 注册",
    "来源：人民网", "作者：张三 发布时间：2020-01-01", "责任编辑：李四", "日期:2019-05-06",
    "转载请注明出处 https://a.cn/x", "本文链接：https://a.cn/x", "原文链接:https://a.cn",
    "上一篇：论基层治理", "下一篇", "返回顶部", "分享到：微信 微博", "扫一扫，手机阅读",
    "Copyright © 2005-2020 xzbu.com", "© 2020 某网", "版权所有：中国论文网", "中国论文网 版权所有", "京ICP备12345678号",
    "当前位置：首页 > 论文",
])
def test_boilerplate_lines_are_dropped(tmp_path: Path, line: str) -> None:
    essay = _write(tmp_path, "a.txt", f"标题\n{line}\n正文段落。".encode())
    assert essay.text == "标题\n正文段落。"


@pytest.mark.parametrize("line", [
    "资金来源：财政拨款和社会捐助",
    "作者认为：基层党组织建设要坚持实事求是。",
    "用户在政务平台登录注册后即可办理相关业务。",
    "群众办事请登录政务服务网查询。",
    "版权所有者依法享有署名权。",
    "根据《著作权法》，作品的版权所有者享有署名权、修改权和保护作品完整权等权利。" * 4,
])
def test_body_lines_that_mention_boilerplate_words_are_kept(tmp_path: Path, line: str) -> None:
    assert line in _write(tmp_path, "a.txt", f"标题\n{line}".encode()).text


def test_boilerplate_rules_each_have_a_name_and_compiled_pattern() -> None:
    assert len({rule.name for rule in BOILERPLATE_RULES}) == len(BOILERPLATE_RULES)


def test_byline_fields_become_metadata_with_full_width_colons(tmp_path: Path) -> None:
    essay = _write(tmp_path, "a.txt", "标题\n作者：张三　　来源：人民网　　发布时间：2020-01-01\n正文。".encode())
    assert (essay.meta.author, essay.meta.source) == ("张三", "人民网")
    assert essay.meta_extra == {"date": "2020-01-01"}


def test_keywords_split_on_chinese_separators_or_else_on_spaces() -> None:
    assert parse_keywords("新常态；基层，党建、策略,治理") == ("新常态", "基层", "党建", "策略", "治理")
    assert parse_keywords(" 新常态  基层 党建 ") == ("新常态", "基层", "党建")
    assert parse_keywords("party building; grassroots") == ("party building", "grassroots")


# --- HTML and markdown ------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>基层治理研究_某论文网</title>
<meta name="keywords" content="基层治理,党建"><meta name="author" content="王五">
<meta name="description" content="一篇关于基层治理的论文"><style>p {color: red}</style>
<script>var tracker = "登录";</script></head><body>
<header><a href="/">首页</a> 您好, 访客 登录/注册</header><nav><a>上一篇</a> 栏目导航</nav>
<article><h1>基层治理研究</h1><div class="byline">来源：用户上传　作者：王五</div>
<p>　　摘要：本文讨论
基层治理的路径。</p><h2>一、引言</h2><p>基层治理是<b>国家治理</b>的基础。<br>第二行在换行之后。</p>
<!-- a comment --><ul><li>第一项内容</li><li>第二项内容</li></ul></article>
<aside>热门文章</aside><form><input value="搜索"></form><footer>Copyright © 2020 某论文网</footer>
<noscript>请启用脚本</noscript></body></html>"""


def test_html_text_has_no_script_style_nav_header_footer_aside_form(tmp_path: Path) -> None:
    essay = _write(tmp_path, "page.html", PAGE.encode())
    for dropped in ("tracker", "color", "栏目导航", "首页", "热门文章", "搜索", "Copyright", "请启用脚本", "comment"):
        assert dropped not in essay.text


def test_html_block_structure_becomes_lines(tmp_path: Path) -> None:
    essay = _write(tmp_path, "page.html", PAGE.encode())
    assert essay.text.split("\n") == [
        "基层治理研究", "摘要：本文讨论基层治理的路径。", "一、引言",
        "基层治理是国家治理的基础。", "第二行在换行之后。", "第一项内容", "第二项内容",
    ]


def test_html_title_and_meta_tags_become_metadata(tmp_path: Path) -> None:
    essay = _write(tmp_path, "page.htm", PAGE.encode())
    assert essay.title == "基层治理研究"
    assert essay.meta.author == "王五"
    assert essay.meta.source == "用户上传"
    assert essay.meta.keywords == ("基层治理", "党建")
    assert essay.meta.abstract == "本文讨论基层治理的路径。"
    assert essay.meta_extra["description"] == "一篇关于基层治理的论文"


def test_html_headings_are_marked_with_their_level(tmp_path: Path) -> None:
    essay = _write(tmp_path, "page.html", PAGE.encode())
    lines = {offset: essay.text[offset:].split("\n")[0] for offset, _ in essay.marked_headings}
    assert [(lines[offset], level) for offset, level in essay.marked_headings] == [("基层治理研究", 1), ("一、引言", 2)]


def test_html_without_h1_takes_the_page_title_without_the_site_name(tmp_path: Path) -> None:
    essay = _write(tmp_path, "t.html", "<title>乡村振兴战略研究 - 某网</title><p>正文第一段。</p>".encode())
    assert essay.title == "乡村振兴战略研究"
    assert essay.text == "乡村振兴战略研究\n正文第一段。"


MARKDOWN = """# 乡村振兴战略研究

**摘要**：本文讨论*乡村振兴*的路径，
并提出建议。

## 一、引言

乡村振兴是[国家战略](https://example.com)，`必须`坚持。

1. 第一项
2. 第二项
"""


def test_markdown_headings_lose_their_hashes_and_keep_their_level(tmp_path: Path) -> None:
    essay = _write(tmp_path, "a.md", MARKDOWN.encode())
    assert essay.title == "乡村振兴战略研究"
    lines = essay.text.split("\n")
    assert lines[0] == "乡村振兴战略研究" and "一、引言" in lines
    assert [level for _, level in essay.marked_headings] == [1, 2]
    assert essay.text[essay.marked_headings[1][0]:].startswith("一、引言")


def test_markdown_emphasis_links_and_soft_wraps_are_removed(tmp_path: Path) -> None:
    essay = _write(tmp_path, "a.md", MARKDOWN.encode())
    assert essay.text.split("\n")[1:] == [
        "摘要：本文讨论乡村振兴的路径，并提出建议。", "一、引言", "乡村振兴是国家战略，必须坚持。",
        "1. 第一项", "2. 第二项",
    ]
    assert essay.meta.abstract == "本文讨论乡村振兴的路径，并提出建议。"


# --- listing -----------------------------------------------------------------------------------------------------


def test_list_essay_files_is_sorted_and_skips_hidden_and_unsupported_files(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "sub/c.HTML", "sub/d.htm", ".hidden.txt", ".git/e.txt", "notes.pdf", "x.docx",
                 "old.doc", "table.xlsx", "photo.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("正文", encoding="utf-8")
    found = [path.relative_to(tmp_path).as_posix() for path in list_essay_files(tmp_path)]
    # .doc is listed so that a build can say what to do with it; spreadsheets and pictures are not essays.
    assert found == ["a.md", "b.txt", "notes.pdf", "old.doc", "sub/c.HTML", "sub/d.htm", "x.docx"]


def test_essay_ids_in_subfolders_are_posix_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("标题\n正文。", encoding="utf-8")
    assert read_essay(tmp_path / "sub" / "a.txt", tmp_path).id == "sub/a.txt"


def test_listing_a_missing_corpus_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(EmptyCorpus, match="does not exist"):
        list_essay_files(tmp_path / "nowhere")


def test_seed_corpus_lists_the_seed_essay() -> None:
    assert SEED in list_essay_files(CORPUS)


# --- parse_essay: the same reading from bytes, without the file system ------------------------------------------

PAGES = Path(__file__).resolve().parent / "data" / "pages"


@pytest.mark.parametrize(("name", "data"), [
    ("seed.txt", SEED.read_bytes()),
    ("gbk.txt", (PAGES / "a-party-school-1.txt").read_text(encoding="utf-8").encode("gbk")),
    ("page.html", (PAGES / "a-html-chrome-1.html").read_bytes()),
    ("notes.md", (PAGES / "a-english-abstract-2.md").read_bytes()),
])
def test_parse_essay_of_bytes_reads_them_as_read_essay_reads_the_file(tmp_path: Path, name: str, data: bytes) -> None:
    from_file = _write(tmp_path, name, data)
    from_bytes = parse_essay(data, name)
    # asdict, not ==: Essay leaves meta_extra and dropped out of equality, and they must match too.
    assert asdict(from_bytes) == asdict(from_file)
    assert from_bytes.dropped or name != "page.html"  # the html page has chrome: the comparison is not vacuous


def test_parse_essay_refuses_bad_bytes_with_the_message_read_essay_gives(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    with pytest.raises(UnreadableEssay) as from_file:
        _write(tmp_path, "photo.txt", data)
    with pytest.raises(UnreadableEssay) as from_bytes:
        parse_essay(data, "photo.txt")
    assert str(from_bytes.value) == str(from_file.value)


def test_every_dropped_line_is_kept_with_its_reason(tmp_path: Path) -> None:
    # Lines the boilerplate table drops are listed beside those the front-matter classifier drops, so `kb show`
    # and the Library explain every line that is not in the text.
    page = tmp_path / "page.txt"
    page.write_text("您好，访客 登录/注册\n当前位置：首页 > 论文 > 政治\n社区议事会的实践\n"
                    "中图分类号：D669 文献标识码：A\n社区议事会让居民自己商量身边的事，提高了参与的积极性。\n"
                    "转载请注明来源：https://example.cn/a/1.html\n", encoding="utf-8")
    essay = read_essay(page, tmp_path)
    reasons = dict(essay.dropped)
    assert reasons["您好，访客 登录/注册"] == "banner"
    assert reasons["当前位置：首页 > 论文 > 政治"] == "breadcrumb"
    assert reasons["转载请注明来源：https://example.cn/a/1.html"] == "reprint"
    assert any(line.startswith("中图分类号") for line in reasons)
    assert not any(line in essay.text for line in reasons)
