"""What one line of a scraped page is, judged from its shape alone: site chrome, a metadata field, a byline, an
author list, an affiliation. frontmatter.py decides from these and the line's position what a page's frame is.

Lines are judged by their shape (length, sentence punctuation, separators, chrome vocabulary), never by a list of
sites. Matching runs on `norm` (NFKC + OpenCC t2s, pinyin annotations off), so one simplified pattern covers the
traditional and full-width forms ("當前位置：" → "当前位置:").
"""

from __future__ import annotations

import functools
import re

from essay_kb.ingest.labels import _CLOSE, _OPEN, TERM_SEPARATORS, is_label, keyword_terms
from essay_kb.ingest.repair import remove_pinyin
from essay_kb.normalize import normalize_for_search

# --- metadata fields: a labelled line anywhere in the page is metadata, never a passage ---------------------------

FIELD_LABELS = {
    "中图分类号": "clc", "中图分类": "clc", "分类号": "clc",
    "文献标识码": "doc_code", "文献标志码": "doc_code", "文献编码": "doc_code",
    "文章编号": "article_no", "doi": "doi", "基金项目": "fund", "作者简介": "author_bio", "收稿日期": "received",
    "修回日期": "revised", "引用本文": "citation", "引用格式": "citation", "citation": "citation",
    "责任编辑": "editor", "原文出处": "source", "文献来源": "source", "文章引用": "citation", "作者单位": "affiliation",
    "原标题": "original_title", "原载": "source", "原文地址": "url", "课题组负责人": "authors", "执笔": "authors",
    "撰稿": "authors", "发布者": "authors", "责编": "editor", "转自": "source", "本期编辑": "editor",
    "主讲人": "speaker", "主讲": "speaker", "讲者": "speaker", "主持人": "host", "文字整理": "authors",
    "整理": "authors", "书名": "book", "案由": "subject", "刊名": "source", "作者": "authors", "机构": "affiliation",
    "出处": "source",
    # government documents
    "索引号": "index_no", "发布机构": "publisher", "发文机关": "publisher", "发文字号": "doc_number",
    "主题分类": "category", "有效性": "validity", "成文日期": "written", "发布日期": "date",
    # thesis covers and database records
    "udc": "udc", "学号": "student_no", "密级": "secrecy", "学位申请人": "authors", "学科专业": "major",
    "答辩日期": "defended", "学位论文作者签名": "signature", "导师签名": "signature", "学位授予单位": "school",
    # document-sharing sites
    "资源id": "resource", "资源大小": "resource", "资源格式": "resource", "全文页数": "pages", "下载积分": "resource",
}
# A label may be printed with its characters spaced out ("有 效 性："): any spaces between them are allowed.
_LABEL_ALT = "|".join(r"\s*".join(map(re.escape, label)) for label in sorted(FIELD_LABELS, key=len, reverse=True))
_NEXT_FIELD = rf"[〔【\[]\s*(?:{_LABEL_ALT})\s*[〕】\]]|(?:{_LABEL_ALT})\s*[:：]"
FIELD = re.compile(rf"[〔【\[]?\s*(?P<key>{_LABEL_ALT})\s*[〕】\]]?\s*[:：]?\s*(?P<value>(?:(?!{_NEXT_FIELD}).)*)",
                    re.IGNORECASE)
_FIELD_START = re.compile(rf"^[(（*]?\s*[〔【\[]?\s*(?:{_LABEL_ALT})\s*[〕】\]]?\s*(?:[:：]|(?<=[〕】\]])|$)",
                          re.IGNORECASE)
# Database lines: "2019-11-19(万方平台首次上网日期，不代表论文的发表时间)共5页 83-87".
DATABASE = re.compile(r"首次上网日期|共\s*\d+\s*页")
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_INSTITUTION = re.compile(r"大学|学院|党校|研究院|研究中心|研究所|学校|委员会|科学院")
_INSTITUTION_END = re.compile(r"(?:大学|学院|党校|研究院|研究中心|研究所|学校|委员会|科学院|系|教研部|教研室)$")
_INSTITUTION_WORD = re.compile(r"大学|学院|党校|研究院|研究中心|研究所|学校|委员会|科学院|系|教研部|教研室")
# Author lines: 1–4 names of 2–4 characters (two-character surnames included), with superscript digits or marks.
# A two-character name may be spaced out to the width of three ("秦　岚").
_NAME = r"[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}(?:\s?[\d¹²³⁴,]+|\*)*"
# Some sites mark the byline with a box or bullet: "□林晓彤", "■ 张三".
_AUTHORS = re.compile(rf"^[□■◎●]?\s*(?:作者\s*[:：]\s*|文\s*[/／]\s*)?{_NAME}(?:\s*[，,、;；\s]\s*{_NAME}){{0,3}}$")
_NAMED_AFFILIATION = re.compile(r"^(?:文\s*[/／]\s*)?(?P<names>[^()（）]{2,30}?)\s*[(（](?P<inner>[^()（）]+)[)）]$")
_DATE = re.compile(r"\d{4}\s*[-年./]\s*\d{1,2}(?:\s*[-月./]\s*\d{1,2}日?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_CN_DATE = re.compile(r"^[〇零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月")
VOLUME = re.compile(r"第\s*\d+\s*卷\s*第\s*\d+\s*期|vol\.\s*\d+\s*no\.\s*\d+", re.IGNORECASE)
# "第7期（总第215期）": the issue of an internal bulletin.
_BULLETIN_ISSUE = re.compile(r"^第\s*\d+\s*期\s*[(（]\s*总第\s*\d+\s*期\s*[)）]$")
ISSUE = re.compile(r"\d{4}\s*年\s*第?\s*\d{1,2}\s*期|\d{4}\s*[,，(（]\s*\d{1,2}\s*[)）]?")

# --- chrome ---------------------------------------------------------------------------------------------------------

# Words that only a site's frame uses: buttons, counters, navigation, footers, app prompts (simplified only: lines
# are normalised first).
CHROME_WORDS = re.compile(
    r"app\s*下载|下载app|加入收藏|收藏成功|加入书签|设为首页|[大中小]\s*[】\]]|"
    r"(?:浏览|阅读|评论|点击|访问)(?:量|次数)?\s*[:：]?\s*\d+|\d+\s*(?:次浏览|人阅读|次阅读)|上一篇|下一篇|返回顶部|"
    r"返回首页|当前位置|您的位置|版权所有|版权[?所]{0,3}有[(（]|版权声明|copyright|©|icp|相关推荐|相关文章|相关阅读|热门文章|"
    r"推荐阅读|扫一扫|关注\s*\+|在线投稿|网站地图|联系我们|免责声明|点击标题|"
    r"编者荐语|往期|最新论文|猜你喜欢|延伸阅读|点个在看|^标签\s*[:：]|^原创\s|本文已影响|手机站|^top$|^english$|"
    r"相关(?:\S{0,4})?(?:推荐|文章|阅读|新闻|论文|文档|链接)|剩余\s*\d+\s*页|继续阅读|阅读全文|立即下载|免费下载|"
    r"仅供预览|发表评论|我要评论|网友评论|最新评论|技术支持\s*[:：]|主办\s*[:：]|侵权|"
    # site and forum frames: breadcrumbs, blog and download pages, thread headers, declarations
    r"^位置\s*[:：]|的博客$|欢迎来到|帮助中心|^全部分类$|^温馨提示|一键下载|登录下载|快捷下载|查看更多|^文档简介$|"
    r"查看\s*[:：]\s*\d+|回复\s*[:：]\s*\d+|发表于\s*\d{4}|只看该作者|倒序浏览|阅读模式|本帖最后由|返回列表|发新帖|"
    r"^(?:楼主|沙发|板凳|地板|\d+\s*楼)$|加好友|发纸条|写留言|加关注|^\[\[?toc\]\]?$|本人郑重声明|独创性声明|"
    r"^https?://\S+$|^(?:文章|全站|个人)?分类\s*[:：]|^全文$|^分享\s*[:：]|^展开全文$|留言\s*\(\d+\)|人气\s*\(|"
    r"^此分类[上下]一篇|^[上下]一条\s*[:：]|^[上下]一篇文章|^留言列表$|"
    r"^open access$|阅读时长|笔记\s*\d+\s*条|^[【\[][^】\]]{1,6}[】\]]\s*\d+\s*[【\[]|"
    r"^search\b|^(?:home|login|sign in|menu|share)$|"
    # a PDF copy's running head: "秦岚，等：居家养老服务的…"
    r"^[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}\s*[，,]\s*等\s*[:：]",
    re.IGNORECASE,
)
# Words a title or heading may use too ("注册制改革", "公众号运营", "数字档案检索"): chrome only in a very short line
# ("• 收藏") or two of them together ("文章快速检索 高级检索", "打印 关闭").
WEAK_CHROME_WORDS = re.compile(r"客户端|收藏|分享|打印|字号|登录|登陆|注册|转载|二维码|星标|公众号|检索|首页|举报|"
                                r"纠错|关闭|订阅|投稿|列印|字体|下载|导出|评论|评价|表情|声明|本站|本网")
MAX_WEAK_CHROME_LINE = 8
# What only a site says about its copy of the essay, even in a whole sentence.
SITE_NOTICE = re.compile(r"仅供(?:预览|参考|学习)|下载后|侵权|本站|本网|用户上传|剩余\s*\d+\s*页|郑重声明")
# Inside the essay, only words no essay sentence or heading uses stand for chrome.
INLINE_CHROME = re.compile(r"(?:浏览|阅读|评论|点击)\s*[:：]?\s*\d+\s*次|^[▲△]|供图[)）]?$|查看更多|^全文$|^展开全文$|"
                           r"^copyright\b|^©|"
                           r"^[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}\s*[，,]\s*等\s*[:：]|"
                            r"^(?:上一篇|下一篇|返回顶部|相关推荐|相关文章)|"
                            r"加入收藏|收藏成功|加入书签|app\s*下载|版权所有", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*[|｜丨·•>›»/]\s*")
_PIPES = re.compile(r"\s*[|｜丨>›»]\s*")
SENTENCE_END = re.compile(r"[。！？!?]")
NUMBERED_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+(?:\.\d+)*\s*[、.．\s])")
# Thesis cover pages: "学    院：某某学院", "指导教师：某某  副教授".
COVER_FIELD = re.compile(r"^(?P<key>学\s*院|专\s*业|学生姓名|姓\s*名|学\s*号|班\s*级|年\s*级|院\s*系|系\s*别|指导教师|"
                          r"指导老师)\s*[:：]\s*(?P<value>.+)$")
COVER_KEYS = {"学院": "school", "专业": "major", "学生姓名": "authors", "姓名": "authors", "指导教师": "supervisor",
               "指导老师": "supervisor"}
# Tables of contents: "目    录", "一、引言………………1", "参考文献..........6".
TOC = re.compile(r"^目\s*[录次]$|(?:…{2,}|\.{4,}|·{4,})\s*(?:\S{1,6}\s*)?[(（]?(?:\d+|[ⅰ-ⅻⅠ-Ⅻ]+|[ivx]+)[)）]?$",
                 re.IGNORECASE)
# A row of bracketed buttons: "【纠错】 【责任编辑：韩冰】", "【打印】【关闭】".
BUTTONS = re.compile(r"^(?:[【\[]\s*[^】\]]{1,12}\s*[】\]]\s*){2,}$")
# Photo captions: "▲ 图为社区党员志愿者…（某某 供图）".
CAPTION = re.compile(r"^(?:[▲△↑]\s*|图为|（?图片来源)|(?:供图|摄)[)）]?$")
# "（本文为第七届…论坛交流论文）", "本文系…项目的阶段性成果": the essay's own note about itself.
SELF_NOTE = re.compile(r"^[(（]?\s*本文(?:为|系|是|原载|发表于|刊于|原刊)"
                       r"|^《[^》]{2,60}》\s*[，,].{0,30}著[，,].{0,40}出版社")  # the book a review is of
PAGE_NUMBER = re.compile(r"^[·\-—–]\s*\d{1,4}\s*[·\-—–]$|^第\s*\d{1,4}\s*页$")
TITLE_LABEL = re.compile(r"^(?:论文)?(?:题\s*目|标\s*题)\s*[:：]\s*")
REFERENCE_ENTRY = re.compile(r"^[\[［〔(（]\d+[\]］〕)）]|\[[A-Z](?:/[A-Z]+)?\]")
ENGLISH_ABSTRACT = re.compile(rf"^(?:abstract\s*(?:[:：]|$)|{_OPEN}\s*abstract\s*{_CLOSE})", re.IGNORECASE)
# A list of links to other articles follows these in a page's tail.
NOTES_HEADING = re.compile(r"^[【\[]?\s*(?:主要)?(?:参考文献|参考资料|参考书目|注释|注|references|bibliography)"
                            r"\s*[】\]]?\s*[:：]?$", re.IGNORECASE)
RELATED = re.compile(r"相关推荐|往期推荐|最新论文|相关文章|相关阅读|热门文章|推荐阅读|猜你喜欢|延伸阅读|相关论文")
MAX_CHROME_LINE = 120  # a longer line is a paragraph that mentions a chrome word


@functools.lru_cache(maxsize=8192)
def shape_text(line: str) -> str:
    """`line` as the shape rules see it: NFKC, simplified, pinyin annotations off (repair.py removes them from the
    text; here they are only ignored, so chrome and labels are recognised either way), stripped.

    Cached: the rules ask for the same line's shape hundreds of times per page, and OpenCC is the costly part."""
    return normalize_for_search(remove_pinyin(line, annotated=True)).strip()



def metadata_fields(line: str) -> list[tuple[str, str]] | None:
    """The fields of a metadata line ("中图分类号:G641 文献标识码:A"), or None when it is not one."""
    norm = shape_text(line)
    if len(norm) > 400 or not _FIELD_START.match(norm):
        return None
    fields = []
    for match in FIELD.finditer(norm):
        value = match.group("value").strip(" \t:：;；,，。")
        while value and value[-1] in ")）" and value.count(value[-1]) > value.count("(" if value[-1] == ")" else "（"):
            value = value[:-1].rstrip()  # the bracket the whole line was in: "(责任编辑：周敏)"
        if value:
            fields.append((field_name(match.group("key")), value))
    return fields


def field_name(label: str) -> str:
    """The metadata field a label stands for: "有 效 性" → "validity"."""
    return FIELD_LABELS[re.sub(r"\s+", "", label).lower()]


# Field names a database printout puts alone on a line, with the value on the next one ("作者\n何思源").
BARE_FIELDS = {"作者": "authors", "作者单位": "affiliation", "机构": "affiliation", "学位授予单位": "school",
               "年份": "year", "学位类别": "degree", "导师": "supervisor", "并列篇名": "english_title",
               "英文篇名": "english_title", "期刊名称": "source", "刊名": "source", "出版日期": "date",
               "发表日期": "date", "来源": "source", "分类号": "clc", "基金": "fund", "页码": "pages"}
TITLE_FIELDS = {"题名", "篇名", "标题", "论文题目", "中文篇名"}  # alone on a line: the next line is the title


def bare_field(line: str) -> str | None:
    """The field a line names when it is only a field name ("学位授予单位"), else None."""
    return BARE_FIELDS.get(re.sub(r"[\s:：]+", "", shape_text(line)))


def is_affiliation(line: str) -> bool:
    """(某某大学马克思主义学院，江苏 南京 210023): an institution with a postcode, or an institution in brackets."""
    norm = shape_text(line)
    if len(norm) > 150 or SENTENCE_END.search(norm) or not _INSTITUTION.search(norm):
        return False
    if _POSTCODE.search(norm) or (norm[:1] in "(（" and norm[-1:] in ")）"):
        return True
    # "锦川大学 公共管理学院", "某某大学马克思主义学院": institutions only, two of them
    if (len(norm) <= 30 and len(_INSTITUTION_WORD.findall(norm)) >= 2 and _INSTITUTION_END.search(norm)
            and not re.search(r"[，,、;；:：]", norm)):
        return True
    # "唐以宁 邵佳（某某大学经济管理学院教授；…）", "文/张三（某某党校）": names with their institutions in brackets.
    named = _NAMED_AFFILIATION.match(norm)
    return bool(named and _INSTITUTION.search(named.group("inner")) and _AUTHORS.match(named.group("names")))


# Short headings that have the shape of a name.
HEADING_WORDS = re.compile(r"^(?:引言|前言|导论|绪论|结语|结论|小结|概述|余论|后记|附录|致谢|参考文献|注释|正文)$")


def is_author_line(line: str) -> bool:
    norm = shape_text(line).replace("\u3000", " ")
    if len(norm) > 40 or is_label(line):  # "摘要" alone has the shape of a two-character name
        return False
    signed = _SIGNED.match(norm)  # "市人民政府副市长 程立新", "某某街道办事处 林书瑶": who speaks or writes
    if signed and (_ROLE.search(signed.group("who")) or _SITE_NAME.search(signed.group("who"))
                   or _INSTITUTION.search(signed.group("who"))):
        return bool(_AUTHORS.match(signed.group("names")))
    return (len(norm) <= 30 and bool(_AUTHORS.match(norm)) and not _INSTITUTION.search(norm)
            and not HEADING_WORDS.match(norm))


_SIGNED = re.compile(r"^(?:文\s*[/／]\s*)?(?P<who>[\u4e00-\u9fff]{2,20})\s+"
                     r"(?P<names>[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3})$")
_ROLE = re.compile(r"(?:书记|市长|省长|县长|区长|镇长|乡长|主任|部长|局长|厅长|处长|科长|主席|院长|校长|会长|"
                   r"理事长|委员|秘书长|教授|研究员|记者|通讯员)$")


def chrome_reason(line: str) -> str | None:
    """Why a short line is site chrome, judged from its shape alone; None when it is not."""
    norm = shape_text(line)
    if re.match(r"(?:copyright\b|©)", norm, re.IGNORECASE) and len(norm) <= 300:
        return "copyright"  # a licence notice is as long as a paragraph
    if not norm or len(norm) > MAX_CHROME_LINE:
        return None
    if DATABASE.search(norm) and len(norm) < 80:
        return "database line"
    if BUTTONS.match(norm):
        return "chrome"
    if CAPTION.search(norm) and len(norm) <= 80:
        return "caption"
    if CHROME_WORDS.search(norm) and not SENTENCE_END.search(norm):
        return "chrome"
    weak = WEAK_CHROME_WORDS.findall(norm)
    if weak and not SENTENCE_END.search(norm) and (len(weak) > 1 or len(norm) <= MAX_WEAK_CHROME_LINE):
        return "chrome"
    tokens = [t for t in _SEPARATOR.split(norm) if t]
    if len(tokens) >= 4 and len(_SEPARATOR.findall(norm)) >= 3 and all(len(t) <= 12 for t in tokens):
        return "navigation"
    words = norm.split()
    if len(words) >= 4 and all(len(w) <= 6 and re.fullmatch(r"[\u4e00-\u9fff]+", w) for w in words):
        return "navigation"  # "首页　工作动态　理论研究　队伍建设": a menu spaced out with U+3000
    if re.fullmatch(r"[=\-_*~#·.]{5,}", norm):
        return "separator"
    # Three items are a menu too when bars or arrows part them ("在线阅读 | 免费论文 | 期刊目录"); a title may
    # hold a "·" or "/" but not a bar.
    if len(tokens) >= 3 and len(_PIPES.findall(norm)) >= 2 and all(len(t) <= (30 if t.isascii() else 12)
                                                                      for t in tokens):
        return "navigation"
    return None


# The name of a site or an office standing above the essay: "高校思政工作网", "中共某县委政策研究室".
_SITE_NAME = re.compile(r"(?:网|网站|在线|频道|博客|论坛|文库|研究室|办公室|管理局|委员会|办事处|编辑部|人民政府|"
                        r"课题组|调研组|写作组)$")
# Byline keys inside a longer line: "2025-06-12 09:31  来源：某某  作者：某某".
BYLINE_KEYS = re.compile(r"(?:来源|作者|发布时间|发布日期|发布者|发布人|浏览量|点击数)\s*[:：]")
_WEEKDAY_DATE = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]")


def is_site_name(line: str) -> bool:
    norm = shape_text(line)
    return len(norm) <= 20 and not SENTENCE_END.search(norm) and bool(_SITE_NAME.search(norm))


def byline_reason(line: str) -> str | None:
    # Lines between the title and the essay that carry a date, an issue or a byline key and no sentence.
    norm = shape_text(line)
    if len(norm) > MAX_CHROME_LINE or SENTENCE_END.search(norm):
        return None
    if (_DATE.search(norm) and len(_DATE.sub("", norm)) <= 40) or _CN_DATE.match(norm):
        return "byline"
    if _WEEKDAY_DATE.search(norm) and re.search(r"\d{4}", norm) and len(norm) <= 40:
        return "byline"  # "10月 08 星期二 2024 21:47"
    if (VOLUME.search(norm) and len(norm) <= 80) or _BULLETIN_ISSUE.match(norm):
        return "source line"
    if ISSUE.search(norm) and len(norm) <= 40:
        return "source line"
    return None



def is_keyword_list(line: str) -> bool:
    """"新就业群体；社区治理；党建联建": 3–8 short terms parted by separators, no sentence."""
    norm = shape_text(line)
    if len(norm) > 80 or SENTENCE_END.search(norm) or not TERM_SEPARATORS.search(norm):
        return False
    terms = keyword_terms(norm)
    return 3 <= len(terms) <= 8 and all(2 <= len(term) <= 12 for term in terms)
