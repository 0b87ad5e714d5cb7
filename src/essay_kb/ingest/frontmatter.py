"""A scraped page's frame, as data: which lines are site chrome or metadata (with the reason), which line is the
title, which lines are an unlabelled abstract or keyword list.

Pure functions over the page's stripped lines (str); parse.py decides what to do with the answer. shapes.py says
what one line looks like; here the line's position decides: before the title, in the head between the title and
the essay, inside the essay, or in the frame below its last paragraph. Never a list of sites.

Hand-written because the main-content extractors (trafilatura, readability-lxml) work on an HTML tree: most
pages reach us as .txt copied out of a browser or a PDF, where only the lines' shapes are left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from essay_kb.ingest.labels import ABSTRACT_LINE, KEYWORDS_LINE, is_label, keyword_terms
from essay_kb.ingest.shapes import (
    BYLINE_KEYS,
    CHROME_WORDS,
    COVER_FIELD,
    COVER_KEYS,
    DATABASE,
    ENGLISH_ABSTRACT,
    FIELD,
    HEADING_WORDS,
    INLINE_CHROME,
    ISSUE,
    MAX_CHROME_LINE,
    NOTES_HEADING,
    NUMBERED_HEADING,
    PAGE_NUMBER,
    REFERENCE_ENTRY,
    RELATED,
    SELF_NOTE,
    SENTENCE_END,
    SITE_NOTICE,
    TITLE_FIELDS,
    TITLE_LABEL,
    TOC,
    WEAK_CHROME_WORDS,
    bare_field,
    byline_reason,
    chrome_reason,
    field_name,
    is_affiliation,
    is_author_line,
    is_keyword_list,
    is_site_name,
    metadata_fields,
    shape_text,
)

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
    title_score: int = 0  # the title line's score (0 when the title is only the first line)


# What pages add to a title line: a tag in front ("[转载]", "[理论学习]"), a footnote mark after it ("标题 *"), the
# uploaded file's name ("标题.doc", "標題.doc_第1頁").
_TITLE_TAG = re.compile(r"^[\[【]\s*[^\]】\d]{1,6}\s*[\]】]\s*(?=\S)")
_TITLE_MARK = re.compile(r"\s*[*＊]+$")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|wps|txt|caj)(?:\s*[_\-]\s*第\s*\d+\s*[页頁])?$", re.IGNORECASE)


def clean_title(text: str) -> str:
    """A title line without the page's additions: label, tag, footnote mark, file extension."""
    return _FILE_NAME.sub("", _TITLE_MARK.sub("", _TITLE_TAG.sub("", TITLE_LABEL.sub("", text.strip())))).strip()


def _title_score(line: str, index: int, lines: list[str], html_title: str | None) -> int:
    labelled = bool(TITLE_LABEL.match(shape_text(line)))
    norm = clean_title(shape_text(line))
    if not 2 <= len(norm) <= MAX_TITLE or HEADING_WORDS.match(norm) or norm.endswith(tuple("。;；:：，,")):
        return -1
    if (chrome_reason(line) or is_label(line) or metadata_fields(line) is not None or is_affiliation(line)
            or (is_author_line(line) and _surely_authors(lines, index)) or byline_reason(line)
            or NUMBERED_HEADING.match(norm) or REFERENCE_ENTRY.search(norm)
            or COVER_FIELD.match(norm) or TOC.search(norm)):
        return -1
    if SENTENCE_END.search(norm[:-1]) or _SUBTITLE.match(norm):
        return -1  # a "——以…为例" line is the subtitle of the line above it
    score = 4 if labelled else 1
    if html_title and (norm in shape_text(html_title) or shape_text(html_title) in norm):
        score += 4
    following = [x for x in lines[index + 1:index + 6] if not (is_author_line(x) or is_affiliation(x))]
    if following and is_label(following[0]):
        score += 2
    if index + 1 < len(lines) and _SUBTITLE.match(shape_text(lines[index + 1])):
        score += 2  # only a title has a "——以…为例" subtitle line
    # A title is followed at once by its byline: authors, affiliation, date, metadata or the abstract.
    if any(metadata_fields(x) is not None or is_affiliation(x) or is_label(x) or byline_reason(x)
           or is_author_line(x) or BYLINE_KEYS.search(shape_text(x)) for x in lines[index + 1:index + 2]):
        score += 1
    # Pages repeat their title: in the file name above it, in a "原文地址：…" line, as a running head.
    # (a site name is short, and stands in its menus and footer: it must be repeated as a whole line)
    if any(norm == shape_text(x) or (len(norm) >= 8 and norm in shape_text(x))
           for j, x in enumerate(lines[:HEAD_WINDOW]) if j != index):
        score += 1
    if index > 0 and re.sub(r"[\s:：]+", "", shape_text(lines[index - 1])) in TITLE_FIELDS:
        score += 4  # "题名" alone on the line above
    after = lines[index + 1] if index + 1 < len(lines) else ""
    if index > 0 and byline_reason(lines[index - 1]) == "byline" and not byline_reason(after):
        score += 1  # a blog puts the date above the title
    if re.search(r"[\u4e00-\u9fff]", norm):
        score += 1
    if is_site_name(line):
        score -= 2  # "某某网", "某某市城市管理局": the site's or the office's name above the essay
    return score


def find_title(lines: list[str], html_title: str | None = None, skip: set[int] | None = None) -> int | None:
    """Index of the most title-like line near the top: before the first 摘要/关键词 label or paragraph."""
    best, best_score = None, 0
    notice = False
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        # A site's notice is as long as a paragraph ("温馨提示：\n1、下载文档前请自行甄别…") but does not start the
        # essay.
        notice = (notice and bool(re.match(r"\d+\s*[、.]", line))) or bool(
            chrome_reason(line) and line.rstrip().endswith((":", "：")))
        if is_label(line) or (best is not None and _starts_body(line) and not (notice or _site_words(line))
                              and metadata_fields(line) is None):
            break
        score = -1 if skip and i in skip else _title_score(line, i, lines, html_title)
        # On a tie the later line wins: a page puts its own name and menus above the essay's title.
        if score > best_score:
            best, best_score = i, score
    return best


def _site_words(line: str) -> bool:
    norm = shape_text(line)
    return bool(CHROME_WORDS.search(norm) or SITE_NOTICE.search(norm) or len(WEAK_CHROME_WORDS.findall(norm)) >= 2)


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
    return COVER_KEYS.get(re.sub(r"\s+", "", key), re.sub(r"\s+", "", key))


def _surely_authors(lines: list[str], i: int) -> bool:
    # One name alone has the shape of a short heading ("背景"); it is a byline only beside an affiliation or a
    # date line, or repeated (mirrors print the byline twice), or marked like a name (superscripts, "作者:").
    norm = shape_text(lines[i])
    if re.search(r"[\s，,、\d¹²³*:：]", norm):
        return True
    near = lines[max(0, i - 1):i] + lines[i + 1:i + 2]
    return (any(is_affiliation(x) or byline_reason(x) or is_label(x) for x in near)
            or sum(shape_text(x) == norm for x in lines[:HEAD_WINDOW]) > 1)


# A reader's comment under the essay: "东岭网友 2024-05-20 09:02：说得实在…".
_COMMENT = re.compile(r"^\S{1,16}\s*(?:於|于|发表于)?\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}")


def _essay_end(lines: list[str]) -> int:
    # The essay ends at its last paragraph: a line of sentences that is no site notice ("本站部分文章来源于网络，
    # 如有侵权请联系删除。"); the tail is after it.
    for i in range(len(lines) - 1, -1, -1):
        norm = shape_text(lines[i])
        if SENTENCE_END.search(norm) and len(norm) > 40 and not (len(norm) <= 200 and (
                CHROME_WORDS.search(norm) or SITE_NOTICE.search(norm) or _COMMENT.search(norm))):
            return i + 1
    return len(lines)


def read_front_matter(lines: list[str], html_title: str | None = None) -> FrontMatter:
    """Classify a page's stripped lines: chrome and metadata lines to drop (with the reason), fields, title."""
    dropped: dict[int, str] = {}
    fields: dict[str, str] = {}
    _mark_metadata(lines, dropped, fields)
    _mark_site_tags(lines, dropped)
    title = find_title(lines, html_title, skip=set(dropped))
    score = _title_score(lines[title], title, lines, html_title) if title is not None else 0
    if title is None:  # no line reads as a title beside a byline: a short first line is one ("罗保铭", "Lion")
        title = _first_line_title(lines, html_title)
    _mark_page_furniture(lines, title, dropped)
    _mark_english_front(lines, dropped, fields)
    _mark_chrome(lines, title, dropped, fields)
    if title is not None:
        dropped.pop(title, None)
    title_text = _title_text(lines, title, dropped)
    return FrontMatter(dropped, fields, title, title_text, _unlabelled_roles(lines, title, dropped), score)


_SUBTITLE = re.compile(r"^(?:——|—|--|──)\s*\S")


def _title_text(lines: list[str], title: int | None, dropped: dict[int, str]) -> str | None:
    """The title line without a "题目：" label or footnote mark, joined with a "——以…为例" subtitle line below it."""
    if title is None:
        return None
    text = clean_title(lines[title])
    after = title + 1
    if after < len(lines) and after not in dropped and _SUBTITLE.match(lines[after]) and len(lines[after]) <= 40:
        dropped[after] = "subtitle (joined to the title)"
        return text + "——" + lines[after].lstrip("—-─ ")
    return text


def _mark_site_tags(lines: list[str], dropped: dict[int, str]) -> None:
    # An aggregator prints its own tag line ("关键词:协商社区党组织居民", one run-together word), beside the paper's
    # keyword list or alone; a paper lists several keywords.
    labelled = [(i, KEYWORDS_LINE.match(line)) for i, line in enumerate(lines) if i not in dropped]
    for i, match in labelled:
        value = match.group("value") if match else ""
        if re.search(r"[\u4e00-\u9fff]", value) and len(keyword_terms(value)) == 1 and len(value.strip()) >= 4:
            dropped[i] = "site tags"


def _unlabelled_roles(lines: list[str], title: int | None, dropped: dict[int, str]) -> dict[int, str]:
    # A mirror that lost its labels still prints the abstract right under the byline and the keyword list right
    # under it; the paragraph before a 关键词 line is the abstract when no 摘要 label is on the page.
    if title is None or any(ABSTRACT_LINE.match(line) for line in lines):
        return {}
    kept = [i for i in range(title + 1, min(len(lines), title + HEAD_WINDOW)) if i not in dropped]
    if len(kept) < 3:
        return {}
    first, second = kept[0], kept[1]
    paragraph = shape_text(lines[first])
    if len(paragraph) < 40 or not SENTENCE_END.search(paragraph) or is_label(lines[first]):
        return {}
    if KEYWORDS_LINE.match(lines[second]):
        return {first: "abstract"}
    if is_keyword_list(lines[second]):
        return {first: "abstract", second: "keywords"}
    return {}


def _mark_metadata(lines: list[str], dropped: dict[int, str], fields: dict[str, str]) -> None:
    for i, line in enumerate(lines):
        found = metadata_fields(line)
        if found is None:
            cover = COVER_FIELD.match(shape_text(line))
            found = [(_cover_key(cover.group("key")), cover.group("value").strip())] if cover else None
        if found is None:
            norm = shape_text(line)
            if TOC.search(norm) or (len(norm) <= 10 and not SENTENCE_END.search(norm) and any(
                    TOC.search(shape_text(x)) for x in lines[max(0, i - 1):i + 2] if x != line)):
                dropped[i] = "table of contents"  # a column name between the entries of a 目次
            elif SELF_NOTE.match(norm) and len(norm) <= MAX_CHROME_LINE:
                dropped[i] = "metadata"
                fields.setdefault("note", line.strip("()（） "))
            elif re.sub(r"[\s:：]+", "", norm) in TITLE_FIELDS:
                dropped[i] = "field name"
            elif bare_field(line) and i + 1 < len(lines) and _is_field_value(lines[i + 1]):
                dropped[i], dropped[i + 1] = "field name", "metadata"
                fields.setdefault(bare_field(line) or "", lines[i + 1])
            continue
        dropped[i] = "metadata"
        for key, value in found:
            fields.setdefault(key, value)
        # "作者简介：" alone on its line: its value is the next line.
        label = FIELD.match(shape_text(line))
        if not found and label and i + 1 < len(lines) and _is_field_value(lines[i + 1]):
            dropped[i + 1] = "metadata"
            fields.setdefault(field_name(label.group("key")), lines[i + 1])


def _is_field_value(line: str) -> bool:
    return len(line) <= 150 and not is_label(line) and metadata_fields(line) is None


def _mark_page_furniture(lines: list[str], title: int | None, dropped: dict[int, str]) -> None:
    # Printed-page leftovers in a text copied from a PDF: page numbers ("· 45 ·") and running heads (the journal
    # and issue repeated on every page).
    # (a running head may carry the page number: "44　老龄社会研究 2023年第5期")
    counts: dict[str, int] = {}
    for line in lines:
        counts[_without_page(line)] = counts.get(_without_page(line), 0) + 1
    for i, line in enumerate(lines):
        norm = _without_page(line)
        if PAGE_NUMBER.match(norm):
            dropped[i] = "page number"
        elif i != title and counts[norm] > 1 and len(norm) <= 40 and ISSUE.search(norm):
            dropped[i] = "running head"


def _without_page(line: str) -> str:
    return re.sub(r"^\d{1,4}\s+|\s+\d{1,4}$", "", shape_text(line))


def _mark_english_front(lines: list[str], dropped: dict[int, str], fields: dict[str, str]) -> None:
    # The English title, authors and affiliations stand just above "Abstract:" in Latin letters.
    for k, line in enumerate(lines):
        if not ENGLISH_ABSTRACT.match(line):
            continue
        i = k - 1
        while i >= 0 and k - i <= 4 and _is_english_front(lines[i]) and i not in dropped:
            dropped[i] = "english front matter"
            i -= 1
        if i + 1 < k:
            fields.setdefault("english_title", lines[i + 1])
    # In a Chinese essay, a line in Latin letters only near the top is its English title (a journal page prints it
    # under the Chinese one), never a heading of the essay.
    cjk = sum(len(re.findall(r"[\u3400-\u9fff]", line)) for line in lines)
    if cjk > sum(len(re.findall(r"[A-Za-z]", line)) for line in lines):
        for i, line in enumerate(lines[:HEAD_WINDOW]):
            if i not in dropped and _is_english_front(line) and len(line.split()) >= 4 and not ENGLISH_ABSTRACT.match(
                    line) and not re.match(r"(?i)key\s*words?", line):
                dropped[i] = "english front matter"
                fields.setdefault("english_title", line)


def _is_english_front(line: str) -> bool:
    return (not re.search(r"[\u3400-\u9fff]", line) and len(line) <= 300 and not line.rstrip().endswith(".")
            and len(re.findall(r"[A-Za-z]", line)) >= 4)


def _mark_chrome(lines: list[str], title: int | None, dropped: dict[int, str], fields: dict[str, str]) -> None:
    start = title if title is not None else 0
    end = _essay_end(lines)
    body_started, related, frame, notes, listing = False, False, False, False, False
    for i, line in enumerate(lines):
        if i in dropped or i == title:
            continue
        in_head = not body_started and i < HEAD_WINDOW
        tail = i >= end
        notes = notes or (tail and bool(NOTES_HEADING.match(shape_text(line))))
        reason = _chrome_at(line, in_head or i < start, tail)
        if reason is None and related and tail and _is_link(line):
            reason = "related links"
        # The page's frame below the essay is one block: from its first chrome line on, nothing is the essay's,
        # except its notes and references; a short line there without a sentence is frame even alone, unless it
        # is an item of a list the essay opened ("居民提出的建议：").
        listing = listing and not frame
        if reason is None and tail and not _in_notes(line, notes, frame) and (
                frame or (_is_link(line) and not listing)):
            reason = "after the essay"
        if reason is None and title is not None and i > title and _same_title(line, lines[title]):
            reason = "title repeated"  # "1、标题": a preview repeats the title with its page's number
        if reason is None and in_head:
            reason = _head_reason(lines, i, i < start)
        if reason is None and is_author_line(line) and _in_dropped_byline(line, lines, dropped):
            reason = "authors"  # the byline repeated below the keywords
        if reason is None and i < start and (i - 1) in dropped and lines[i - 1].endswith((":", "：")):
            reason = "before the title"  # the value of a dropped "编者荐语：" line
        if reason:
            dropped[i] = reason
            related = related or bool(RELATED.search(shape_text(line)))
            frame = frame or tail
            if reason == "affiliation":
                fields.setdefault("affiliation", line.strip("()（）"))
            elif reason == "authors":
                fields.setdefault("authors", line)
        elif i > start and _starts_body(line):
            body_started = True
        if not reason:
            listing = line.rstrip().endswith((":", "：")) or (listing and _is_link(line))


def _in_notes(line: str, notes: bool, frame: bool) -> bool:
    # The 参考文献 / 注释 heading and its entries stay the essay's even below a site notice.
    norm = shape_text(line)
    return bool(NOTES_HEADING.match(norm)) or (notes and (
        not frame or bool(REFERENCE_ENTRY.search(norm) or re.match(r"\d{1,3}\s*[.．、]\s*\S", norm))))


def _same_title(line: str, title: str) -> bool:
    return re.sub(r"^\d{1,2}\s*[、.．]\s*", "", clean_title(shape_text(line))) == clean_title(shape_text(title))


def _in_dropped_byline(line: str, lines: list[str], dropped: dict[int, str]) -> bool:
    names = re.findall(r"[\u4e00-\u9fff]{2,4}", shape_text(line))
    bylines = [shape_text(lines[j]) for j, reason in dropped.items() if reason in ("byline", "authors", "metadata")]
    return bool(names) and all(any(name in byline for byline in bylines) for name in names)


def _chrome_at(line: str, head: bool, tail: bool) -> str | None:
    if head:
        norm = shape_text(line)
        # A site's notice in the head may be a sentence ("本文由用户上传，仅供预览，下载后可查看全文。").
        if len(norm) <= MAX_TITLE and SITE_NOTICE.search(norm):
            return "chrome"
        return chrome_reason(line)
    if tail:
        norm = shape_text(line)
        # After the essay a notice may be a whole sentence ("本文转载自…，如有侵权请联系删除。").
        # A reference entry may name a journal "…评论" or a "下载" URL: only chrome words proper count there.
        weak = WEAK_CHROME_WORDS.search(norm) and not REFERENCE_ENTRY.search(norm)
        if len(norm) <= MAX_CHROME_LINE and (CHROME_WORDS.search(norm) or weak):
            return "chrome"
        return chrome_reason(line)
    return _inline_chrome(line)


def _is_link(line: str) -> bool:
    norm = shape_text(line)
    return len(norm) <= 40 and not SENTENCE_END.search(norm) and not norm.endswith(":")  # "建议：" opens a list


def _starts_body(line: str) -> bool:
    # The head (bylines, affiliations) ends at the first label, sentence, numbered heading or reference list.
    norm = shape_text(line)
    return (is_label(line) or len(norm) > 40 or (len(norm) >= 15 and bool(SENTENCE_END.search(norm)))
            or bool(NUMBERED_HEADING.match(norm)) or norm.startswith(("参考文献", "注释")))


def _inline_chrome(line: str) -> str | None:
    # Inside the essay only unmistakable chrome goes: counters and database lines, never a sentence.
    norm = shape_text(line)
    if chrome_reason(line) == "copyright":
        return "copyright"
    if len(norm) > MAX_CHROME_LINE or (SENTENCE_END.search(norm) and len(norm) > 30):
        return None
    if DATABASE.search(norm):
        return "database line"
    return "chrome" if INLINE_CHROME.search(norm) else None


def _head_reason(lines: list[str], i: int, before_title: bool) -> str | None:
    line = lines[i]
    if _FILE_NAME.search(shape_text(line)) and len(line) <= MAX_CHROME_LINE:
        return "file name"
    if is_affiliation(line):
        return "affiliation"
    if is_author_line(line) and _surely_authors(lines, i):
        return "authors"
    reason = byline_reason(line)
    if reason:
        return reason
    norm = shape_text(line)
    # Above the title stand the site's name, slogan and menus, never the essay's text (a slogan may be a sentence:
    # "…考生的精神家园。祝大家学习进步！").
    if before_title and len(norm) <= MAX_TITLE:
        return "before the title"
    return None
