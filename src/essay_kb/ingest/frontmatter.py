"""Front matter and chrome of a scraped essay page, as data: which lines are site chrome, which are metadata
fields, which line is the title, and the label shapes of 摘要 / 关键词.

Pure functions over the page's stripped lines (str); parse.py decides what to do with the answer. Lines are
judged by their shape (length, sentence punctuation, separators, chrome vocabulary, position before the title or
after the essay), never by a list of sites. Matching runs on `normalize_for_search` (NFKC + OpenCC t2s), so one
simplified pattern covers the traditional and full-width forms ("當前位置：" → "当前位置:").

Hand-written because the main-content extractors (trafilatura, readability-lxml) work on an HTML tree: most
pages reach us as .txt copied out of a browser or a PDF, where only the lines' shapes are left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from essay_kb.normalize import normalize_for_search

# --- labels (ingest and the chunker match these against raw lines, so traditional forms are spelled out) ---------

_OPEN, _CLOSE = r"[【\[［〔]", r"[】\]］〕]"
# Spaces (and the "?" a garbled copy leaves, "摘 ?要") may stand between the characters of a label.
_GAP = r"[\s?？]*"
_ABSTRACT_WORD = rf"(?:[内內]容)?(?:摘{_GAP}要|提{_GAP}要)"
# "摘要:…", "摘 要：…", "【摘要】…", "〔摘要〕…", "［摘要］…", "内容提要:…", "摘要 …" (a space for a colon),
# "Abstract:…".
ABSTRACT_LINE = re.compile(
    rf"^(?:{_OPEN}\s*{_ABSTRACT_WORD}\s*{_CLOSE}\s*[:：]?|{_ABSTRACT_WORD}\s*(?:[:：]|$|[ \u3000]+(?=\S))"
    rf"|abstract\s*(?:[:：]|$)|{_OPEN}\s*abstract\s*{_CLOSE}\s*[:：]?)\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_KEYWORDS_WORD = rf"(?:[关關]{_GAP}[键鍵]{_GAP}[词字詞])"
# "关键词:…", "关键字：…", "關鍵詞：…", "【关键词】…", "〔关键词〕…", "Key words:…", "Keywords:…".
KEYWORDS_LINE = re.compile(
    rf"^(?:{_OPEN}\s*{_KEYWORDS_WORD}\s*{_CLOSE}\s*[:：]?|{_KEYWORDS_WORD}\s*(?:[:：]|$|[ \u3000]+(?=\S))"
    rf"|key\s*words?\s*(?:[:：]|$)|{_OPEN}\s*key\s*words?\s*{_CLOSE}\s*[:：]?)\s*(?P<value>.*)$",
    re.IGNORECASE,
)

# --- metadata fields: a labelled line anywhere in the page is metadata, never a passage ---------------------------

_FIELD_LABELS = {
    "中图分类号": "clc", "中图分类": "clc", "分类号": "clc",
    "文献标识码": "doc_code", "文献标志码": "doc_code", "文献编码": "doc_code",
    "文章编号": "article_no", "doi": "doi", "基金项目": "fund", "作者简介": "author_bio", "收稿日期": "received",
    "修回日期": "revised", "引用本文": "citation", "引用格式": "citation", "citation": "citation",
    "责任编辑": "editor", "原文出处": "source", "文献来源": "source",
}
_LABEL_ALT = "|".join(sorted(_FIELD_LABELS, key=len, reverse=True))
_NEXT_FIELD = rf"[〔【\[]\s*(?:{_LABEL_ALT})\s*[〕】\]]|(?:{_LABEL_ALT})\s*[:：]"
_FIELD = re.compile(rf"[〔【\[]?\s*(?P<key>{_LABEL_ALT})\s*[〕】\]]?\s*[:：]?\s*(?P<value>(?:(?!{_NEXT_FIELD}).)*)",
                    re.IGNORECASE)
_FIELD_START = re.compile(rf"^[(（*]?\s*[〔【\[]?\s*(?:{_LABEL_ALT})\s*[〕】\]]?\s*(?:[:：]|(?<=[〕】\]])|$)",
                          re.IGNORECASE)
# Database lines: "2019-11-19(万方平台首次上网日期，不代表论文的发表时间)共5页 83-87".
_DATABASE = re.compile(r"首次上网日期|共\s*\d+\s*页")
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_INSTITUTION = re.compile(r"大学|学院|党校|研究院|研究中心|研究所|学校|委员会|科学院")
# Author lines: 1–4 names of 2–4 characters (two-character surnames included), with superscript digits or marks.
_NAME = r"[\u4e00-\u9fff]{2,4}(?:\s?[\d¹²³⁴,]+|\*)*"
# Some sites mark the byline with a box or bullet: "□林晓彤", "■ 张三".
_AUTHORS = re.compile(rf"^[□■◎●]?\s*(?:作者\s*[:：]\s*)?{_NAME}(?:\s*[，,、\s]\s*{_NAME}){{0,3}}$")
_DATE = re.compile(r"\d{4}\s*[-年./]\s*\d{1,2}(?:\s*[-月./]\s*\d{1,2}日?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_CN_DATE = re.compile(r"^[〇零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月")
_ISSUE = re.compile(r"\d{4}\s*年\s*第?\s*\d{1,2}\s*期|\d{4}\s*[,，(（]\s*\d{1,2}\s*[)）]?")

# --- chrome ---------------------------------------------------------------------------------------------------------

# Words that only a site's frame uses: buttons, counters, navigation, footers, app prompts (simplified only: lines
# are normalised first).
_CHROME_WORDS = re.compile(
    r"app\s*下载|下载app|加入收藏|收藏成功|加入书签|设为首页|[大中小]\s*[】\]]|"
    r"(?:浏览|阅读|评论|点击|访问)(?:量|次数)?\s*[:：]?\s*\d+|\d+\s*(?:次浏览|人阅读|次阅读)|上一篇|下一篇|返回顶部|"
    r"返回首页|当前位置|您的位置|版权所有|版权声明|copyright|©|icp|相关推荐|相关文章|相关阅读|热门文章|"
    r"推荐阅读|扫一扫|关注\s*\+|在线投稿|网站地图|联系我们|免责声明|点击标题|"
    r"编者荐语|往期|最新论文|猜你喜欢|延伸阅读|点个在看|^标签\s*[:：]|^原创\s|本文已影响|手机站|^top$|^english$|"
    r"相关(?:\S{0,4})?(?:推荐|文章|阅读|新闻|论文|文档|链接)|剩余\s*\d+\s*页|继续阅读|阅读全文|立即下载|免费下载|"
    r"仅供预览|发表评论|我要评论|网友评论|最新评论|技术支持\s*[:：]|主办\s*[:：]|侵权",
    re.IGNORECASE,
)
# Words a title or heading may use too ("注册制改革", "公众号运营", "数字档案检索"): chrome only in a very short line
# ("• 收藏") or two of them together ("文章快速检索 高级检索", "打印 关闭").
_WEAK_CHROME_WORDS = re.compile(r"客户端|收藏|分享|打印|字号|登录|登陆|注册|转载|二维码|星标|公众号|检索|首页|举报|"
                                r"纠错|关闭|订阅|投稿|列印|字体|下载|导出|评论|评价|表情|声明|本站|本网")
MAX_WEAK_CHROME_LINE = 8
# What only a site says about its copy of the essay, even in a whole sentence.
_SITE_NOTICE = re.compile(r"仅供(?:预览|参考|学习)|下载后|侵权|本站|本网|用户上传|剩余\s*\d+\s*页")
# Inside the essay, only words no essay sentence or heading uses stand for chrome.
_INLINE_CHROME = re.compile(r"(?:浏览|阅读|评论|点击)\s*[:：]?\s*\d+\s*次|"
                            r"^(?:上一篇|下一篇|返回顶部|相关推荐|相关文章)|"
                            r"加入收藏|收藏成功|加入书签|app\s*下载|版权所有", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*[|｜丨·•>›»/]\s*")
_PIPES = re.compile(r"\s*[|｜丨>›»]\s*")
_SENTENCE_END = re.compile(r"[。！？!?]")
_NUMBERED_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+(?:\.\d+)*\s*[、.．\s])")
# Thesis cover pages: "学    院：某某学院", "指导教师：某某  副教授".
_COVER_FIELD = re.compile(r"^(?P<key>学\s*院|专\s*业|学生姓名|姓\s*名|学\s*号|班\s*级|年\s*级|院\s*系|系\s*别|指导教师|"
                          r"指导老师)\s*[:：]\s*(?P<value>.+)$")
_COVER_KEYS = {"学院": "school", "专业": "major", "学生姓名": "authors", "姓名": "authors", "指导教师": "supervisor",
               "指导老师": "supervisor"}
# Tables of contents: "目    录", "一、引言………………1", "参考文献..........6".
_TOC = re.compile(r"^目\s*录$|(?:…{2,}|\.{4,}|·{4,})\s*\d+$")
_PAGE_NUMBER = re.compile(r"^[·\-—–]\s*\d{1,4}\s*[·\-—–]$|^第\s*\d{1,4}\s*页$")
_TITLE_LABEL = re.compile(r"^(?:论文)?(?:题\s*目|标\s*题)\s*[:：]\s*")
_REFERENCE_ENTRY = re.compile(r"^[\[［〔(（]\d+[\]］〕)）]|\[[A-Z](?:/[A-Z]+)?\]")
_ENGLISH_ABSTRACT = re.compile(rf"^(?:abstract\s*(?:[:：]|$)|{_OPEN}\s*abstract\s*{_CLOSE})", re.IGNORECASE)
# A list of links to other articles follows these in a page's tail.
_NOTES_HEADING = re.compile(r"^[【\[]?\s*(?:主要)?(?:参考文献|参考资料|参考书目|注释|注|references|bibliography)"
                            r"\s*[】\]]?\s*[:：]?$", re.IGNORECASE)
_RELATED = re.compile(r"相关推荐|往期推荐|最新论文|相关文章|相关阅读|热门文章|推荐阅读|猜你喜欢|延伸阅读|相关论文")
MAX_CHROME_LINE = 120  # a longer line is a paragraph that mentions a chrome word
MAX_TITLE = 60
HEAD_WINDOW = 20  # the title is looked for among the first lines only


@dataclass(frozen=True)
class FrontMatter:
    """What the page's frame holds: lines to drop (index → reason), metadata fields, the title line."""

    dropped: dict[int, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    title: int | None = None  # index of the title line, when a line reads as one
    title_text: str | None = None  # that line without a "题目：" label, joined with its "——" subtitle line
    # Lines that are the abstract or the keywords although no label says so (a mirror that lost its labels):
    # index → "abstract" | "keywords".
    roles: dict[int, str] = field(default_factory=dict)


# Pinyin some sites put after characters ("網(wǎng)"); repair.py removes it from the text, here it is only ignored
# so that chrome and labels are recognised either way.
_PINYIN = re.compile(r"(?<=[\u3400-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")


def _norm(line: str) -> str:
    return normalize_for_search(_PINYIN.sub("", line)).strip()


def is_label(line: str) -> bool:
    return bool(ABSTRACT_LINE.match(line) or KEYWORDS_LINE.match(line))


def metadata_fields(line: str) -> list[tuple[str, str]] | None:
    """The fields of a metadata line ("中图分类号:G641 文献标识码:A"), or None when it is not one."""
    norm = _norm(line)
    if len(norm) > 400 or not _FIELD_START.match(norm):
        return None
    fields = []
    for match in _FIELD.finditer(norm):
        value = match.group("value").strip(" \t:：;；,，。")
        while value and value[-1] in ")）" and value.count(value[-1]) > value.count("(" if value[-1] == ")" else "（"):
            value = value[:-1].rstrip()  # the bracket the whole line was in: "(责任编辑：周敏)"
        if value:
            fields.append((_FIELD_LABELS[match.group("key").lower()], value))
    return fields


def is_affiliation(line: str) -> bool:
    """(某某大学马克思主义学院，江苏 南京 210023): an institution with a postcode, or an institution in brackets."""
    norm = _norm(line)
    if len(norm) > 150 or _SENTENCE_END.search(norm) or not _INSTITUTION.search(norm):
        return False
    return bool(_POSTCODE.search(norm)) or (norm[:1] in "(（" and norm[-1:] in ")）")


# Short headings that have the shape of a name.
_HEADING_WORDS = re.compile(r"^(?:引言|前言|导论|绪论|结语|结论|小结|概述|余论|后记|附录|致谢|参考文献|注释|正文)$")


def is_author_line(line: str) -> bool:
    norm = _norm(line).replace("\u3000", " ")
    return (len(norm) <= 30 and bool(_AUTHORS.match(norm)) and not _INSTITUTION.search(norm)
            and not _HEADING_WORDS.match(norm))


def chrome_reason(line: str) -> str | None:
    """Why a short line is site chrome, judged from its shape alone; None when it is not."""
    norm = _norm(line)
    if not norm or len(norm) > MAX_CHROME_LINE:
        return None
    if _DATABASE.search(norm) and len(norm) < 80:
        return "database line"
    if _CHROME_WORDS.search(norm) and not _SENTENCE_END.search(norm):
        return "chrome"
    weak = _WEAK_CHROME_WORDS.findall(norm)
    if weak and not _SENTENCE_END.search(norm) and (len(weak) > 1 or len(norm) <= MAX_WEAK_CHROME_LINE):
        return "chrome"
    tokens = [t for t in _SEPARATOR.split(norm) if t]
    if len(tokens) >= 4 and len(_SEPARATOR.findall(norm)) >= 3 and all(len(t) <= 12 for t in tokens):
        return "navigation"
    # Three items are a menu too when bars or arrows part them ("在线阅读 | 免费论文 | 期刊目录"); a title may
    # hold a "·" or "/" but not a bar.
    if len(tokens) >= 3 and len(_PIPES.findall(norm)) >= 2 and all(len(t) <= 12 for t in tokens):
        return "navigation"
    return None


def _byline_reason(line: str) -> str | None:
    # Lines between the title and the essay that carry a date, an issue or a byline key and no sentence.
    norm = _norm(line)
    if len(norm) > MAX_CHROME_LINE or _SENTENCE_END.search(norm):
        return None
    if (_DATE.search(norm) and len(_DATE.sub("", norm)) <= 40) or _CN_DATE.match(norm):
        return "byline"
    if _ISSUE.search(norm) and len(norm) <= 40:
        return "source line"
    return None


def _title_score(line: str, index: int, lines: list[str], html_title: str | None) -> int:
    labelled = bool(_TITLE_LABEL.match(_norm(line)))
    norm = _TITLE_LABEL.sub("", _norm(line))
    if not 2 <= len(norm) <= MAX_TITLE or _HEADING_WORDS.match(norm) or norm.endswith(tuple("。;；:：，,")):
        return -1
    if (chrome_reason(line) or is_label(line) or metadata_fields(line) is not None or is_affiliation(line)
            or (is_author_line(line) and _surely_authors(lines, index)) or _byline_reason(line)
            or _NUMBERED_HEADING.match(norm) or _REFERENCE_ENTRY.search(norm)
            or _COVER_FIELD.match(norm) or _TOC.search(norm)):
        return -1
    if _SENTENCE_END.search(norm[:-1]) or _SUBTITLE.match(norm):
        return -1  # a "——以…为例" line is the subtitle of the line above it
    score = 4 if labelled else 1
    if html_title and (norm in _norm(html_title) or _norm(html_title) in norm):
        score += 4
    following = [x for x in lines[index + 1:index + 6] if not (is_author_line(x) or is_affiliation(x))]
    if following and is_label(following[0]):
        score += 2
    if index + 1 < len(lines) and _SUBTITLE.match(_norm(lines[index + 1])):
        score += 2  # only a title has a "——以…为例" subtitle line
    # A title is followed at once by its byline: authors, affiliation, date, metadata or the abstract.
    if any(metadata_fields(x) is not None or is_affiliation(x) or is_label(x) or _byline_reason(x)
           or is_author_line(x) for x in lines[index + 1:index + 2]):
        score += 1
    if any(_norm(x) == norm for j, x in enumerate(lines[:HEAD_WINDOW]) if j != index):
        score += 1
    if re.search(r"[\u4e00-\u9fff]", norm):
        score += 1
    return score


def find_title(lines: list[str], html_title: str | None = None, skip: set[int] | None = None) -> int | None:
    """Index of the most title-like line near the top: before the first 摘要/关键词 label or paragraph."""
    best, best_score = None, 0
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        if is_label(line) or (best is not None and _starts_body(line)):
            break
        score = -1 if skip and i in skip else _title_score(line, i, lines, html_title)
        if score > best_score:
            best, best_score = i, score
    return best


def _first_line_title(lines: list[str], html_title: str | None) -> int | None:
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        if chrome_reason(line) or metadata_fields(line) is not None:
            continue
        # A page whose <title> names the essay may open with its byline; elsewhere a short first line is the title
        # even when it has the shape of a name ("罗保铭").
        if html_title and (is_affiliation(line) or (is_author_line(line) and _surely_authors(lines, i))):
            continue
        return i if len(line) <= 80 and not line.endswith("。") and not is_label(line) else None
    return None


def _cover_key(key: str) -> str:
    return _COVER_KEYS.get(re.sub(r"\s+", "", key), re.sub(r"\s+", "", key))


def _surely_authors(lines: list[str], i: int) -> bool:
    # One name alone has the shape of a short heading ("背景"); it is a byline only beside an affiliation or a
    # date line, or repeated (mirrors print the byline twice), or marked like a name (superscripts, "作者:").
    norm = _norm(lines[i])
    if re.search(r"[\s，,、\d¹²³*:：]", norm):
        return True
    near = lines[max(0, i - 1):i] + lines[i + 1:i + 2]
    return (any(is_affiliation(x) or _byline_reason(x) or is_label(x) for x in near)
            or sum(_norm(x) == norm for x in lines[:HEAD_WINDOW]) > 1)


def _essay_end(lines: list[str]) -> int:
    # The essay ends at its last paragraph: a line of sentences that is no site notice ("本站部分文章来源于网络，
    # 如有侵权请联系删除。"); the tail is after it.
    for i in range(len(lines) - 1, -1, -1):
        norm = _norm(lines[i])
        if _SENTENCE_END.search(norm) and len(norm) > 40 and not (
                len(norm) <= MAX_CHROME_LINE and _CHROME_WORDS.search(norm)):
            return i + 1
    return len(lines)


def read_front_matter(lines: list[str], html_title: str | None = None) -> FrontMatter:
    """Classify a page's stripped lines: chrome and metadata lines to drop (with the reason), fields, title."""
    dropped: dict[int, str] = {}
    fields: dict[str, str] = {}
    _mark_metadata(lines, dropped, fields)
    title = find_title(lines, html_title, skip=set(dropped))
    if title is None:  # no line reads as a title beside a byline: a short first line is one ("罗保铭", "Lion")
        title = _first_line_title(lines, html_title)
    _mark_page_furniture(lines, title, dropped)
    _mark_english_front(lines, dropped, fields)
    _mark_chrome(lines, title, dropped, fields)
    _mark_site_tags(lines, dropped)
    if title is not None:
        dropped.pop(title, None)
    title_text = _title_text(lines, title, dropped)
    return FrontMatter(dropped, fields, title, title_text, _unlabelled_roles(lines, title, dropped))


_SUBTITLE = re.compile(r"^(?:——|—|--|──)\s*\S")
_TITLE_MARK = re.compile(r"[*＊]+$")  # "标题*": the mark of a footnote giving the fund


def _title_text(lines: list[str], title: int | None, dropped: dict[int, str]) -> str | None:
    """The title line without a "题目：" label or footnote mark, joined with a "——以…为例" subtitle line below it."""
    if title is None:
        return None
    text = _TITLE_MARK.sub("", _TITLE_LABEL.sub("", lines[title])).rstrip()
    after = title + 1
    if after < len(lines) and after not in dropped and _SUBTITLE.match(lines[after]) and len(lines[after]) <= 40:
        dropped[after] = "subtitle (joined to the title)"
        return text + "——" + lines[after].lstrip("—-─ ")
    return text


def _mark_site_tags(lines: list[str], dropped: dict[int, str]) -> None:
    # An aggregator prints its own tag line ("关键词:协商社区党组织居民", one run-together word) beside the paper's
    # keyword list: when a page has both, the list with several terms is the essay's.
    labelled = [(i, KEYWORDS_LINE.match(line)) for i, line in enumerate(lines) if i not in dropped]
    chinese = [(i, m.group("value")) for i, m in labelled if m and re.search(r"[\u4e00-\u9fff]", m.group("value"))]
    if not any(len(_keyword_terms(value)) >= 2 for _, value in chinese):
        return
    for i, value in chinese:
        if len(_keyword_terms(value)) < 2:
            dropped[i] = "site tags"


_TERM_SEPARATORS = re.compile(r"[;；,，、]+")


def _keyword_terms(value: str) -> list[str]:
    parts = _TERM_SEPARATORS.split(value) if _TERM_SEPARATORS.search(value) else value.split()
    return [part.strip() for part in parts if part.strip()]


def _is_keyword_list(line: str) -> bool:
    """"新就业群体；社区治理；党建联建": 3–8 short terms parted by separators, no sentence."""
    norm = _norm(line)
    if len(norm) > 80 or _SENTENCE_END.search(norm) or not _TERM_SEPARATORS.search(norm):
        return False
    terms = _keyword_terms(norm)
    return 3 <= len(terms) <= 8 and all(2 <= len(term) <= 12 for term in terms)


def _unlabelled_roles(lines: list[str], title: int | None, dropped: dict[int, str]) -> dict[int, str]:
    # A mirror that lost its labels still prints the abstract right under the byline and the keyword list right
    # under it; the paragraph before a 关键词 line is the abstract when no 摘要 label is on the page.
    if title is None or any(ABSTRACT_LINE.match(line) for line in lines):
        return {}
    kept = [i for i in range(title + 1, min(len(lines), title + HEAD_WINDOW)) if i not in dropped]
    if len(kept) < 3:
        return {}
    first, second = kept[0], kept[1]
    paragraph = _norm(lines[first])
    if len(paragraph) < 40 or not _SENTENCE_END.search(paragraph) or is_label(lines[first]):
        return {}
    if KEYWORDS_LINE.match(lines[second]):
        return {first: "abstract"}
    if _is_keyword_list(lines[second]):
        return {first: "abstract", second: "keywords"}
    return {}


def _mark_metadata(lines: list[str], dropped: dict[int, str], fields: dict[str, str]) -> None:
    for i, line in enumerate(lines):
        found = metadata_fields(line)
        if found is None:
            cover = _COVER_FIELD.match(_norm(line))
            found = [(_cover_key(cover.group("key")), cover.group("value").strip())] if cover else None
        if found is None:
            if _TOC.search(_norm(line)):
                dropped[i] = "table of contents"
            continue
        dropped[i] = "metadata"
        for key, value in found:
            fields.setdefault(key, value)
        # "作者简介：" alone on its line: its value is the next line.
        label = _FIELD.match(_norm(line))
        if not found and label and i + 1 < len(lines) and _is_field_value(lines[i + 1]):
            dropped[i + 1] = "metadata"
            fields.setdefault(_FIELD_LABELS[label.group("key").lower()], lines[i + 1])


def _is_field_value(line: str) -> bool:
    return len(line) <= 150 and not is_label(line) and metadata_fields(line) is None


def _mark_page_furniture(lines: list[str], title: int | None, dropped: dict[int, str]) -> None:
    # Printed-page leftovers in a text copied from a PDF: page numbers ("· 45 ·") and running heads (the journal
    # and issue repeated on every page).
    counts: dict[str, int] = {}
    for line in lines:
        counts[_norm(line)] = counts.get(_norm(line), 0) + 1
    for i, line in enumerate(lines):
        norm = _norm(line)
        if _PAGE_NUMBER.match(norm):
            dropped[i] = "page number"
        elif i != title and counts[norm] > 1 and len(norm) <= 40 and _ISSUE.search(norm):
            dropped[i] = "running head"


def _mark_english_front(lines: list[str], dropped: dict[int, str], fields: dict[str, str]) -> None:
    # The English title, authors and affiliations stand just above "Abstract:" in Latin letters.
    for k, line in enumerate(lines):
        if not _ENGLISH_ABSTRACT.match(line):
            continue
        i = k - 1
        while i >= 0 and k - i <= 4 and _is_english_front(lines[i]) and i not in dropped:
            dropped[i] = "english front matter"
            i -= 1
        if i + 1 < k:
            fields.setdefault("english_title", lines[i + 1])


def _is_english_front(line: str) -> bool:
    return (not re.search(r"[\u3400-\u9fff]", line) and len(line) <= 300 and not line.rstrip().endswith(".")
            and len(re.findall(r"[A-Za-z]", line)) >= 4)


def _mark_chrome(lines: list[str], title: int | None, dropped: dict[int, str], fields: dict[str, str]) -> None:
    start = title if title is not None else 0
    end = _essay_end(lines)
    body_started, related, frame, notes = False, False, False, False
    for i, line in enumerate(lines):
        if i in dropped or i == title:
            continue
        in_head = not body_started and i < HEAD_WINDOW
        tail = i >= end
        notes = notes or (tail and bool(_NOTES_HEADING.match(_norm(line))))
        reason = _chrome_at(line, in_head or i < start, tail)
        if reason is None and related and tail and _is_link(line):
            reason = "related links"
        # The page's frame below the essay is one block: from its first chrome line on, nothing is the essay's,
        # except its notes and references; a short line there without a sentence is frame even alone.
        if reason is None and tail and not (notes and (_REFERENCE_ENTRY.search(_norm(line)) or not frame)) and (
                frame or _is_link(line)):
            reason = "after the essay"
        if reason is None and in_head:
            reason = _head_reason(lines, i, i < start)
        if reason is None and is_author_line(line) and _in_dropped_byline(line, lines, dropped):
            reason = "authors"  # the byline repeated below the keywords
        if reason is None and i < start and (i - 1) in dropped and lines[i - 1].endswith((":", "：")):
            reason = "before the title"  # the value of a dropped "编者荐语：" line
        if reason:
            dropped[i] = reason
            related = related or bool(_RELATED.search(_norm(line)))
            frame = frame or tail
            if reason == "affiliation":
                fields.setdefault("affiliation", line.strip("()（）"))
            elif reason == "authors":
                fields.setdefault("authors", line)
        elif i > start and _starts_body(line):
            body_started = True


def _in_dropped_byline(line: str, lines: list[str], dropped: dict[int, str]) -> bool:
    names = re.findall(r"[\u4e00-\u9fff]{2,4}", _norm(line))
    bylines = [_norm(lines[j]) for j, reason in dropped.items() if reason in ("byline", "authors", "metadata")]
    return bool(names) and all(any(name in byline for byline in bylines) for name in names)


def _chrome_at(line: str, head: bool, tail: bool) -> str | None:
    if head:
        norm = _norm(line)
        # A site's notice in the head may be a sentence ("本文由用户上传，仅供预览，下载后可查看全文。").
        if len(norm) <= MAX_TITLE and _SITE_NOTICE.search(norm):
            return "chrome"
        return chrome_reason(line)
    if tail:
        norm = _norm(line)
        # After the essay a notice may be a whole sentence ("本文转载自…，如有侵权请联系删除。").
        # A reference entry may name a journal "…评论" or a "下载" URL: only chrome words proper count there.
        weak = _WEAK_CHROME_WORDS.search(norm) and not _REFERENCE_ENTRY.search(norm)
        if len(norm) <= MAX_CHROME_LINE and (_CHROME_WORDS.search(norm) or weak):
            return "chrome"
        return chrome_reason(line)
    return _inline_chrome(line)


def _is_link(line: str) -> bool:
    norm = _norm(line)
    return len(norm) <= 40 and not _SENTENCE_END.search(norm)


def _starts_body(line: str) -> bool:
    # The head (bylines, affiliations) ends at the first label, sentence, numbered heading or reference list.
    norm = _norm(line)
    return (is_label(line) or len(norm) > 40 or (len(norm) >= 15 and bool(_SENTENCE_END.search(norm)))
            or bool(_NUMBERED_HEADING.match(norm)) or norm.startswith(("参考文献", "注释")))


def _inline_chrome(line: str) -> str | None:
    # Inside the essay only unmistakable chrome goes: counters and database lines, never a sentence.
    norm = _norm(line)
    if len(norm) > MAX_CHROME_LINE or (_SENTENCE_END.search(norm) and len(norm) > 30):
        return None
    if _DATABASE.search(norm):
        return "database line"
    return "chrome" if _INLINE_CHROME.search(norm) else None


def _head_reason(lines: list[str], i: int, before_title: bool) -> str | None:
    line = lines[i]
    if is_affiliation(line):
        return "affiliation"
    if is_author_line(line) and _surely_authors(lines, i):
        return "authors"
    reason = _byline_reason(line)
    if reason:
        return reason
    norm = _norm(line)
    # Above the title stand the site's name, slogan and menus, never the essay's text (a slogan may be a sentence:
    # "…考生的精神家园。祝大家学习进步！").
    if before_title and len(norm) <= MAX_TITLE:
        return "before the title"
    return None
