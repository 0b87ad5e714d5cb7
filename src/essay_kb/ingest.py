"""Files → Essay: decode, extract HTML text, strip scraped-page boilerplate, read metadata.

Everything that changes the text happens here, line by line, before `Essay.text` is built; chunk offsets
index into `Essay.text`, so nothing may edit it afterwards. In `Essay.text` every paragraph, heading and
metadata line is one line: leading and trailing whitespace (ASCII, U+3000, NBSP) is stripped, blank lines
are dropped and line endings are "\\n".
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import charset_normalizer
from bs4 import BeautifulSoup, ParserRejectedMarkup
from bs4.element import Comment, NavigableString

from essay_kb import frontmatter
from essay_kb.errors import UnreadableEssay
from essay_kb.files import SUPPORTED_SUFFIXES as SUPPORTED_SUFFIXES  # re-exported
from essay_kb.files import essay_id_of, read_file_bytes
from essay_kb.frontmatter import ABSTRACT_LINE as ABSTRACT_LINE  # re-exported
from essay_kb.frontmatter import KEYWORDS_LINE as KEYWORDS_LINE  # re-exported
from essay_kb.repair import repair_lines

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class EssayMeta:
    source: str | None = None
    author: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()
    abstract: str | None = None


@dataclass(frozen=True)
class Essay:
    id: str  # posix path relative to the corpus folder, e.g. "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
    title: str
    meta: EssayMeta
    text: str  # cleaned text (boilerplate removed), as written; chunk offsets index into it
    sha256: str  # of the raw file bytes
    meta_extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # (offset of the line in `text`, level 1–6) for lines the source itself marked as headings (markdown `#`,
    # HTML <h1>–<h6>); the markers are gone from `text`, so the chunker needs this to see them.
    marked_headings: tuple[tuple[int, int], ...] = ()
    # (line, reason) for every line left out of `text` as site chrome or metadata, so a user can see them.
    dropped: tuple[tuple[str, str], ...] = field(default=(), compare=False, hash=False)


# --- metadata lines that stay in the text (the chunker reuses these patterns for its chunk kinds) -----------

# Label shapes live in frontmatter.py (re-exported here: the chunker imports them from ingest).
_KEYWORD_SEPARATORS = re.compile(r"[;；,，、]+")

# --- boilerplate: the one table of what a scraped page adds around an essay ---------------------------------

# A longer line is body text that merely mentions a boilerplate word ("版权所有", "来源"); it is never dropped.
MAX_BOILERPLATE_LINE = 120
# A first line longer than this, or ending in 。, is a paragraph: the essay has no title line (the file name is used).
MAX_TITLE_CHARS = 80

_BYLINE_KEY = r"(?:来源|作者|发布时间|发表时间|更新时间|发布日期|日期|责任编辑|编辑)"
_BYLINE_FIELD = re.compile(rf"(?P<key>{_BYLINE_KEY})\s*[:：](?P<value>(?:(?!{_BYLINE_KEY}\s*[:：]).)*)")
_BYLINE_FIELD_NAMES = {"来源": "source", "作者": "author", "责任编辑": "editor", "编辑": "editor"}  # else "date"


@dataclass(frozen=True)
class BoilerplateRule:
    name: str  # "byline" and "reprint" lines also yield metadata; the others are only dropped
    pattern: re.Pattern[str]  # matched against the whole stripped line


BOILERPLATE_RULES: tuple[BoilerplateRule, ...] = (
    # Portal greeting and login banner at the top of scraped pages: "您好, 访客 登录/注册", "登录 | 注册".
    BoilerplateRule("banner", re.compile(
        r"^(?:(?:您好|你好)\s*[,，!！]?\s*(?:访客|游客).*|.{0,20}请先?(?:登录|登陆)\W*"
        r"|.{0,20}(?:登录|登陆)(?:\s*[/|｜丨]\s*|\s+)(?:免费)?注册.{0,20})$"
    )),
    # "来源:用户上传  作者:", "作者：张三 发布时间：2020-01-01": a line made only of such fields → metadata.
    BoilerplateRule("byline", re.compile(rf"^(?:{_BYLINE_KEY}\s*[:：](?:(?!{_BYLINE_KEY}\s*[:：]).)*)+$")),
    # Reprint notices and permalinks, with or without the URL: "转载注明来源:https://…" → meta.url.
    BoilerplateRule("reprint", re.compile(
        r"^(?:转载注明来源|转载请注明(?:来源|出处)?|本文链接|原文链接|原文地址|本文地址|本文网址)"
        r"\s*[:：]?\s*(?P<url>https?://[^\s，。,]+)?.*$"
    )),
    # Breadcrumbs: "当前位置：首页 > 论文 > 政治".
    BoilerplateRule("breadcrumb", re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置)\s*[:：].*$")),
    # Previous/next-article links and back-to-top buttons.
    BoilerplateRule("navigation", re.compile(
        r"^(?:上一篇|下一篇|上一页|下一页)(?:[\s:：].*)?$|^返回(?:顶部|首页|列表)"
    )),
    # Share widgets and QR-code prompts: "分享到：微信 微博", "扫一扫，手机阅读".
    BoilerplateRule("share", re.compile(r"^(?:分享到|分享至|微信扫一扫|扫一扫|扫描二维码)")),
    # Site footers: "Copyright © 2005-2020 …", "© 某网", "版权所有：…", "… 版权所有", ICP licence numbers.
    BoilerplateRule("copyright", re.compile(
        r"^(?:©|\(c\)|copyright\b|版权所有(?![者人权])|版权声明).*$|^.{0,40}版权所有\W*$|^.*ICP[备证]\s*\d",
        re.IGNORECASE,
    )),
)

# --- decoding ---------------------------------------------------------------------------------------------------

# UTF-32 before UTF-16: the UTF-32-LE mark FF FE 00 00 starts with the UTF-16-LE mark FF FE.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# The corpus is Chinese: among charset-normalizer's plausible readings, a Chinese codec that yields Chinese text
# beats a Korean or Japanese one it happened to rank first (it does so for short GBK and Big5 files).
_CHINESE_CODECS = frozenset({"gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950"})
_CJK_CLASS = "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"  # ideographs, CJK and full-width punctuation
_CJK = re.compile(_CJK_CLASS)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_RESAVE = "re-save it as UTF-8 text, or remove it from the corpus"


def decode_essay_bytes(raw: bytes, name: str) -> str:
    """Decode a file's bytes: byte-order mark, then strict UTF-8, then charset-normalizer's guess (strict GB18030
    when it has none and that reads as Chinese).

    Raises:
        UnreadableEssay: empty, binary or in no recognisable encoding; the message names `name`.
    """
    bom_codec = next((codec for bom, codec in _BOMS if raw.startswith(bom)), None)
    try:
        text = raw.decode(bom_codec or "utf-8")
    except UnicodeDecodeError as exc:
        if bom_codec:
            message = f"{name} has a {bom_codec} byte-order mark but is not {bom_codec}; {_RESAVE}"
            raise UnreadableEssay(message) from exc
        logger.debug("%s is not UTF-8; guessing its encoding", name)
        text = _decode_guessed(raw, name)
    if not text.strip():
        raise UnreadableEssay(f"{name} is empty; add the essay text or remove the file from the corpus")
    if "\x00" in text or len(_CONTROL.findall(text)) > max(1, len(text) // 100):  # one stray ^Z is not binary
        raise UnreadableEssay(f"{name} looks like a binary file, not text; {_RESAVE}")
    return text


def _decode_guessed(raw: bytes, name: str) -> str:
    # charset-normalizer ranks single-byte codecs by a "chaos" score that cannot tell them apart on western text:
    # it reads cp1252 "Déjà vu" as cp1257 ("Déją vu") or a short Latin-1 file as BOM-less UTF-16 ("䓩櫠⁶甊").
    # The corpus is Chinese, so the rule is: a Chinese reading if there is one, else cp1252 when that reads as
    # western text, else a Japanese reading, else strict GB18030, else refuse with what was found: mojibake is
    # never indexed. (Measured on our fixtures: cp1252/Latin-1 English, French and German, GBK, GB18030, Big5,
    # Shift-JIS, cp1251; see tests/test_ingest.py.)
    matches = [m for m in charset_normalizer.from_bytes(raw) if not _utf16_without_nul(m.encoding, raw)]
    best = str(matches[0]) if matches else ""
    # cp1252 before GB18030: German "Über … Straße" in cp1252 is strictly valid GB18030 too ("躡er … Stra遝").
    readings = [*((m.encoding, str(m), _is_chinese) for m in matches if m.encoding in _CHINESE_CODECS),
                ("cp1252", _strict(raw, "cp1252"), _is_western),
                (matches[0].encoding if matches else "", best, _is_japanese),
                # charset-normalizer rejects every reading of some short GBK files that merely look odd to it
                # ("城市生活垃圾分类的现状与推进对策来源:ssay类;城市管理资源回收居民参" scores 25 % "chaos").
                ("gb18030", _strict(raw, "gb18030"), _is_chinese)]
    for codec, text, reads_right in readings:
        if text and reads_right(text):
            logger.info("%s is not UTF-8; read it as %s", name, codec)
            return text
    if not matches:
        raise UnreadableEssay(f"{name} is not text in any encoding we recognise (binary or damaged?); {_RESAVE}")
    sample = _WHITESPACE.sub(" ", best)[:24]
    raise UnreadableEssay(f"{name} is not UTF-8, and no encoding reads it as Chinese or western text (best guess "
                          f"{matches[0].encoding}: {sample!r}; Latin-1 text misread, another language, or binary?); "
                          f"{_RESAVE}")


def _strict(raw: bytes, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return ""


def _utf16_without_nul(encoding: str, raw: bytes) -> bool:
    # Real UTF-16/32 text without a byte-order mark has NUL bytes (the high byte of newlines, digits, ASCII);
    # eight bytes of Latin-1 without one are four "ideographs" to charset-normalizer.
    return encoding.startswith(("utf_16", "utf_32")) and b"\x00" not in raw


def _is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) * 2 >= len(_NON_ASCII.findall(text))


_KANA = re.compile("[\u3040-\u30ff]")


def _is_japanese(text: str) -> bool:
    # Kana are a third or more of Japanese prose; Chinese misread as Shift-JIS or Hangul misreadings have few.
    kana, other = len(_KANA.findall(text)), len(_NON_ASCII.findall(text))
    return kana * 4 >= other and (kana + len(_CJK.findall(text))) * 2 >= other


# Western prose is mostly ASCII letters with a few accented ones ("déjà", "Straße": under 10 % of letters in French
# and German essays, a third in "Déjà vu"); another single-byte script read as cp1252 ("Ïðèâåò" for cp1251
# Russian) is nearly all accents.
_MAX_ACCENTED_SHARE = 0.5
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ACCENTED_LETTER = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")


def _is_western(text: str) -> bool:
    ascii_letters, accented = len(_ASCII_LETTER.findall(text)), len(_ACCENTED_LETTER.findall(text))
    return ascii_letters > 0 and accented <= _MAX_ACCENTED_SHARE * (ascii_letters + accented)


# --- source formats → lines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    heading_level: int = 0  # 1–6 when the source marked the line as a heading


_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe",
              "svg", "button", "select", "head", "title")
_HTML_BLOCKS = ("address", "article", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
                "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul", *(f"h{n}" for n in range(1, 7)))
# get_text() flattens the tree, so heading tags leave a mark on their line; control characters never survive
# decoding (see decode_essay_bytes), so the mark cannot collide with essay text.
_HEADING_MARK = re.compile(r"^\x1e([1-6])")
_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]| - | — ).*$")  # "文章标题_中国论文网" → "文章标题"
_WHITESPACE = re.compile(r"\s+")
_CJK_WRAP = re.compile(rf"(?<={_CJK_CLASS})[ \t]*\n\s*(?={_CJK_CLASS})")
# Text in <pre> keeps its line breaks, and they must end lines as str.splitlines() ends them for .txt and .md files
# ("\r" from an old Mac file, U+2028…); splitting on "\n" alone left them inside lines of Essay.text. All but
# \x1e, which can only be our heading mark here.
_HTML_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _CJK_WRAP.sub("", text))


def _html_to_lines(markup: str) -> tuple[list[_Line], str | None, dict[str, str]]:
    """Lines of the page text, its title (<h1>, else <title> without the site name) and its <meta> fields."""
    soup = BeautifulSoup(markup.replace("\x1e", ""), "html.parser")
    # The title becomes one line of Essay.text and is matched against its lines, so a <title> wrapped over several
    # source lines is joined like the page's other text (below), never left holding a "\n" or "\r".
    page_title = _one_line(soup.title.get_text(" ", strip=True)) if soup.title else ""
    meta = {}
    for tag in soup.find_all("meta"):
        name, content = str(tag.get("name", "")).lower(), str(tag.get("content", "")).strip()
        if name in ("keywords", "author", "description") and content:
            meta[name] = content
    for tag in soup.find_all(_HTML_DROP):
        if not tag.decomposed:  # an earlier match may have contained it
            tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # Source line breaks inside a <p> are not paragraph breaks (block tags are, below); between Chinese
    # characters they vanish, as the page author meant, elsewhere they become one space.
    for string in soup.find_all(string=True):
        if type(string) is NavigableString and string.find_parent("pre") is None:
            string.replace_with(_one_line(str(string)))
    h1 = soup.find("h1")
    # An <h1> inside <pre> kept its line breaks in the loop above; as the title it is one line all the same.
    title = _one_line(h1.get_text(" ", strip=True)) if h1 else _SITE_SUFFIX.sub("", page_title)
    for tag in soup.find_all(re.compile(r"^h[1-6]$")):
        tag.insert(0, f"\x1e{tag.name[1]}")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = []
    for raw_line in _HTML_LINE_BREAK.split(soup.get_text()):
        mark = _HEADING_MARK.match(raw_line)
        lines.append(_Line(_HEADING_MARK.sub("", raw_line), int(mark.group(1)) if mark else 0))
    return lines, title or None, meta


_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_FENCE_OR_RULE = re.compile(r"^ {0,3}(?:```|~~~|(?:[-*_]\s*){3,}$)")
_MD_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)、]|[（(]|>|\||\[\d+\])")
# Minimal inline markup: images, links, bold, italics, code. Underscore italics are left alone: they collide
# with identifiers and URLs, and Chinese writers rarely use them.
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![*A-Za-z0-9])\*(?=\S)([^*]+?)(?<=\S)\*(?![*A-Za-z0-9])"), r"\1"),  # not 2*3*4
    (re.compile(r"`([^`]+)`"), r"\1"),
)
_MD_QUOTE = re.compile(r"^\s*>\s?")


def _markdown_to_lines(text: str) -> list[_Line]:
    """Headings lose their `#`s and keep their level; soft-wrapped paragraph lines are joined into one line."""
    lines: list[_Line] = []
    joinable = False  # whether the previous line is a paragraph line a soft-wrapped continuation may extend
    for raw_line in text.splitlines():
        heading = _MD_HEADING.match(raw_line)
        if heading:
            lines.append(_Line(_md_inline(heading.group(2)), len(heading.group(1))))
            joinable = False
        elif not raw_line.strip() or _MD_FENCE_OR_RULE.match(raw_line):
            joinable = False
        else:
            line = _md_inline(_MD_QUOTE.sub("", raw_line).strip())
            if joinable and not _MD_BLOCK_START.match(raw_line):
                lines[-1] = _Line(_join_wrapped(lines[-1].text, line))
            else:
                lines.append(_Line(line))
            joinable = True
    return lines


def _md_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def _join_wrapped(before: str, after: str) -> str:
    # Chinese has no spaces between words, so a line break inside Chinese text joins without one.
    if _CJK.match(before[-1:]) or _CJK.match(after[:1]):
        return before + after
    return f"{before} {after}"


# --- cleaning and metadata ----------------------------------------------------------------------------------------

_EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\ufeff]+|[\s\u200b-\u200d\ufeff]+$")
_VALUE_EDGE = " \t\u3000\xa0|｜丨/,，;；"


def _strip_boilerplate(lines: list[_Line]) -> tuple[list[_Line], dict[str, str]]:
    """Stripped non-empty lines without boilerplate, and the metadata the boilerplate carried (first wins)."""
    kept: list[_Line] = []
    found: dict[str, str] = {}
    for line in lines:
        text = _EDGE_SPACE.sub("", line.text)
        rule = _boilerplate_rule(text) if text else None
        if rule is None:
            if text:
                kept.append(replace(line, text=text))
            continue
        logger.debug("dropping %s line %r", rule.name, text)
        for key, value in _boilerplate_fields(rule, text):
            found.setdefault(key, value)
    return kept, found


def _boilerplate_rule(text: str) -> BoilerplateRule | None:
    if len(text) > MAX_BOILERPLATE_LINE:
        return None
    return next((rule for rule in BOILERPLATE_RULES if rule.pattern.search(text)), None)


def _boilerplate_fields(rule: BoilerplateRule, text: str) -> list[tuple[str, str]]:
    if rule.name == "reprint":
        url = rule.pattern.match(text)
        return [("url", url.group("url"))] if url and url.group("url") else []
    if rule.name != "byline":
        return []
    fields = []
    for match in _BYLINE_FIELD.finditer(text):
        value = match.group("value").strip(_VALUE_EDGE)
        if value:  # "作者:" with nothing after it means unknown, not an empty-string author
            fields.append((_BYLINE_FIELD_NAMES.get(match.group("key"), "date"), value))
    return fields


def parse_keywords(value: str) -> tuple[str, ...]:
    """Split a 关键词 value on ; ； , ， 、 — or on spaces when none of those occur ("新常态 基层 党建")."""
    parts = _KEYWORD_SEPARATORS.split(value) if _KEYWORD_SEPARATORS.search(value) else value.split()
    return tuple(part.strip(_VALUE_EDGE) for part in parts if part.strip(_VALUE_EDGE))


def _pick_title(lines: list[_Line], suffix: str, front: _Front) -> str | None:
    """A markdown file's first `#` heading, else the line frontmatter.py found most title-like, else the first
    line unless it reads as a paragraph, not a title."""
    if suffix == ".md" and any(line.heading_level == 1 for line in lines):
        return next(line.text for line in lines if line.heading_level == 1)
    if front.title:
        return front.title
    # A page that opens with its abstract has no title line: the heading after it is not one.
    first = lines[0].text if lines and not frontmatter.is_label(lines[0].text) else ""
    return first if 0 < len(first) <= MAX_TITLE_CHARS and not first.endswith("。") else None


def _labelled_value(label: re.Pattern[str], lines: list[_Line]) -> str | None:
    """The value after the first `label`, or the next line's text when the label stands alone on its line."""
    for i, line in enumerate(lines):
        match = label.match(line.text)
        if match:
            return match.group("value").strip() or (lines[i + 1].text if i + 1 < len(lines) else "")
    return None


def _essay_meta(lines: list[_Line], found: dict[str, str], html_meta: dict[str, str]) -> EssayMeta:
    abstract, keywords = _labelled_value(ABSTRACT_LINE, lines), _labelled_value(KEYWORDS_LINE, lines)
    return EssayMeta(
        source=found.get("source"), author=found.get("author") or html_meta.get("author"), url=found.get("url"),
        keywords=parse_keywords(html_meta.get("keywords", "") if keywords is None else keywords),
        abstract=abstract or None,
    )


# --- public -----------------------------------------------------------------------------------------------------


def read_essay(path: Path, corpus: Path, max_bytes: int | None = None) -> Essay:
    """Read one essay file; raise errors.UnreadableEssay with an actionable message when it cannot be read
    (also when it is not a regular file, or larger than `max_bytes`)."""
    essay_id = essay_id_of(path, corpus)
    raw = read_file_bytes(path, essay_id, max_bytes)
    decoded = decode_essay_bytes(raw, essay_id)
    suffix = path.suffix.lower()
    html_title: str | None = None
    html_meta: dict[str, str] = {}
    if suffix in (".html", ".htm"):
        try:
            source_lines, html_title, html_meta = _html_to_lines(decoded)
        except ParserRejectedMarkup as exc:  # html.parser gives up on some damaged markup, e.g. "<![ "
            raise UnreadableEssay(f"{essay_id} has HTML markup the parser cannot read; {_RESAVE}") from exc
    elif suffix == ".md":
        source_lines = _markdown_to_lines(decoded)
    else:
        source_lines = [_Line(line) for line in decoded.splitlines()]
    # Wrapped lines re-joined, page furniture and pinyin annotations removed; each line keeps its first source
    # line's heading mark.
    source_lines = [replace(source_lines[i], text=text) for i, text in repair_lines([x.text for x in source_lines])]
    lines, found = _strip_boilerplate(source_lines)
    if not lines:
        raise UnreadableEssay(_only_boilerplate(essay_id, source_lines))
    lines, front = _apply_front_matter(lines, html_title)
    found = {**front.fields, **found}
    if html_title and frontmatter.chrome_reason(html_title):
        html_title = None
    title = html_title or _pick_title(lines, suffix, front) or path.stem
    if html_title and all(line.text != title for line in lines):
        lines.insert(0, _Line(title, 1))  # a <title>-only page: keep the title line in the text, as elsewhere
    extra = {key: value for key, value in found.items() if key not in ("source", "author", "url")}
    if "description" in html_meta:  # often the site's blurb, not the essay's abstract: kept aside
        extra["description"] = html_meta["description"]
    text, marked = _join_lines(lines)
    return Essay(
        id=essay_id, title=title, meta=_essay_meta(lines, found, html_meta), text=text,
        sha256=hashlib.sha256(raw).hexdigest(), meta_extra=extra, marked_headings=marked,
        dropped=tuple(front.dropped.items()),
    )


@dataclass(frozen=True)
class _Front:
    fields: dict[str, str]
    dropped: dict[str, str]  # line → reason
    title: str | None


def _apply_front_matter(lines: list[_Line], html_title: str | None) -> tuple[list[_Line], _Front]:
    """Lines without the page's chrome and metadata lines (frontmatter.py decides), and what they held."""
    result = frontmatter.read_front_matter([line.text for line in lines], html_title)
    kept = [replace(line, text=result.title_text) if i == result.title and result.title_text else line
            for i, line in enumerate(lines) if i not in result.dropped]
    if not kept:  # nothing but frame: keep the page as it was rather than refuse it
        return lines, _Front({}, {}, None)
    dropped = {lines[i].text: reason for i, reason in result.dropped.items()}
    title = result.title_text or None
    return kept, _Front(result.fields, dropped, title)


def _join_lines(lines: list[_Line]) -> tuple[str, tuple[tuple[int, int], ...]]:
    marked, offset = [], 0
    for line in lines:
        if line.heading_level:
            marked.append((offset, line.heading_level))
        offset += len(line.text) + 1
    return "\n".join(line.text for line in lines), tuple(marked)


_BOILERPLATE_KINDS = {"banner": "a login banner", "byline": "a byline", "reprint": "a reprint notice",
                      "breadcrumb": "a breadcrumb", "navigation": "page navigation", "share": "a share widget",
                      "copyright": "a copyright footer"}


def _only_boilerplate(essay_id: str, source_lines: list[_Line]) -> str:
    found: dict[str, str] = {}
    for line in source_lines:
        text = _EDGE_SPACE.sub("", line.text)
        rule = _boilerplate_rule(text) if text else None
        if rule:
            found.setdefault(rule.name, text)
    if not found:
        return (f"{essay_id} has no essay text once page markup and boilerplate are removed; add the essay text, "
                "or remove the file from the corpus")
    what = "; ".join(f"{_BOILERPLATE_KINDS[kind]} ({text[:30]!r})" for kind, text in found.items())
    return (f"{essay_id} holds only page boilerplate, no essay text: {what}; add the essay text below it, or "
            "remove the file from the corpus")
