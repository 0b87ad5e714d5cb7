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
    CHROME_WORDS,
    COVER_FIELD,
    COVER_KEYS,
    DATABASE,
    ENGLISH_ABSTRACT,
    FIELD,
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
from essay_kb.ingest.title import (
    FILE_NAME,
    HEAD_WINDOW,
    MAX_TITLE,
    find_title,
    first_line_title,
    same_title,
    starts_body,
    surely_authors,
    title_score,
    title_text,
)


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


def _cover_key(key: str) -> str:
    return COVER_KEYS.get(re.sub(r"\s+", "", key), re.sub(r"\s+", "", key))


# A reader's comment under the essay: "东岭网友 2024-05-20 09:02：说得实在…".
_COMMENT = re.compile(r"^\S{1,16}\s*(?:於|于|发表于)?\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}")


MIN_PARAGRAPH = 40


def _essay_end(lines: list[str], dropped: dict[int, str]) -> int:
    # The essay ends at its last paragraph: a line of sentences that is no site notice ("本站部分文章来源于网络，
    # 如有侵权请联系删除。") or reader's comment, and the short paragraphs and headings that follow it up to the
    # page's first chrome or metadata line (a short essay has short paragraphs); the tail is after it.
    last = None
    for i in range(len(lines) - 1, -1, -1):
        norm = shape_text(lines[i])
        if SENTENCE_END.search(norm) and len(norm) >= MIN_PARAGRAPH and not (len(norm) <= 200 and (
                CHROME_WORDS.search(norm) or SITE_NOTICE.search(norm) or _COMMENT.search(norm))):
            last = i
            break
    if last is None:
        return len(lines)
    end = last + 1
    while end < len(lines) and end not in dropped and not _frame_line(lines[end]):
        end += 1
    return end


def _mark_field_blocks(lines: list[str], title: int | None, dropped: dict[int, str], fields: dict[str, str]) -> None:
    # A database record prints its fields as a block ("刊　名：…", "年，卷(期)：…", "专辑：…"): a short
    # "label：value" line or chrome line next to a dropped metadata line is one more of them, wherever it stands.
    changed = True
    while changed:
        changed = False
        for i, line in enumerate(lines):
            if i in dropped or i == title or not any(dropped.get(j) in _BLOCK_REASONS for j in (i - 1, i + 1)):
                continue
            norm = shape_text(line)
            if is_label(line) or NUMBERED_HEADING.match(norm) or NOTES_HEADING.match(norm):
                continue
            field = _TAIL_FIELD.match(norm)
            reason = "metadata" if field or SELF_NOTE.match(norm) else chrome_reason(line)
            if reason:
                dropped[i], changed = reason, True
                if field and ("：" in line or ":" in line):
                    label, _, value = re.split(r"([:：])", line, maxsplit=1)
                    fields.setdefault(re.sub(r"\s+", "", label.strip("(（★☆ ")), value.strip(" )）★☆"))


_BLOCK_REASONS = {"metadata", "field name", "byline", "source line", "chrome", "navigation", "database line"}


def _frame_line(line: str) -> bool:
    norm = shape_text(line)
    return bool(chrome_reason(line) or CHROME_WORDS.search(norm) or WEAK_CHROME_WORDS.search(norm)
                or SITE_NOTICE.search(norm) or _COMMENT.search(norm) or RELATED.search(norm)
                or metadata_fields(line) is not None or _TAIL_FIELD.match(norm) or SELF_NOTE.match(norm)
                or is_site_name(line) or byline_reason(line) == "byline")


# Below an essay, a short "label：value" line without a sentence is the page's ("解读机构：…", "附件：…",
# "联系电话：…"), as is a note on who the author is ("（作者为某某大学教授）").
_TAIL_FIELD = re.compile(r"^[(（★☆]?\s*(?:[\u4e00-\u9fff][\u4e00-\u9fff\s,，()（）]{1,9}[:：][^。！？!?]{0,60}"
                         r"|(?:本文)?作者[为是系][^。！？]{0,60})[)）★☆]?$")


# A title line this title-like (confirmed by the page's <title>, a byline and its labels) ends the page's frame
# above it for sure.
CONFIDENT_TITLE = 6


def read_front_matter(lines: list[str], html_title: str | None = None) -> FrontMatter:
    """Classify a page's stripped lines: chrome and metadata lines to drop (with the reason), fields, title."""
    dropped: dict[int, str] = {}
    fields: dict[str, str] = {}
    _mark_metadata(lines, dropped, fields)
    _mark_site_tags(lines, dropped)
    title = find_title(lines, html_title, skip=set(dropped))
    score = title_score(lines[title], title, lines, html_title) if title is not None else 0
    if title is None:  # no line reads as a title beside a byline: a short first line is one ("罗保铭", "Lion")
        title = first_line_title(lines, html_title)
    _mark_page_furniture(lines, title, dropped)
    _mark_english_front(lines, dropped, fields)
    _mark_chrome(lines, title, dropped, fields, confident=score >= CONFIDENT_TITLE)
    _mark_field_blocks(lines, title, dropped, fields)
    if title is not None:
        dropped.pop(title, None)
    text = title_text(lines, title, dropped)
    return FrontMatter(dropped, fields, title, text, _unlabelled_roles(lines, title, dropped), score)


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
    if 3 * cjk > sum(len(re.findall(r"[A-Za-z]", line)) for line in lines):  # (a word of five letters ~ two characters)
        for i, line in enumerate(lines[:HEAD_WINDOW]):
            if i not in dropped and _is_english_front(line) and len(line.split()) >= 4 and not ENGLISH_ABSTRACT.match(
                    line) and not re.match(r"(?i)key\s*words?", line):
                dropped[i] = "english front matter"
                fields.setdefault("english_title", line)


def _is_english_front(line: str) -> bool:
    return (not re.search(r"[\u3400-\u9fff]", line) and len(line) <= 300 and not line.rstrip().endswith(".")
            and len(re.findall(r"[A-Za-z]", line)) >= 4)


def _mark_chrome(lines: list[str], title: int | None, dropped: dict[int, str], fields: dict[str, str],
                 confident: bool = False) -> None:
    start = title if title is not None else 0
    end = _essay_end(lines, dropped)
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
        if reason is None and title is not None and i > title and same_title(line, lines[title]):
            reason = "title repeated"  # "1、标题": a preview repeats the title with its page's number
        if reason is None and in_head:
            reason = _head_reason(lines, i, i < start, confident)
        if reason is None and is_author_line(line) and _in_dropped_byline(line, lines, dropped):
            reason = "authors"  # the byline repeated below the keywords
        if reason is None and i < start and (i - 1) in dropped and lines[i - 1].endswith((":", "：")):
            reason = "before the title"  # the value of a dropped "编者荐语：" line
        if reason:
            dropped[i] = reason
            related = related or bool(RELATED.search(shape_text(line)))
            # only a chrome line proper opens the frame; a short line alone does not
            frame = frame or (tail and reason not in ("after the essay", "related links"))
            if reason == "affiliation":
                fields.setdefault("affiliation", line.strip("()（）"))
            elif reason == "authors":
                fields.setdefault("authors", line)
        elif i > start and starts_body(line):
            body_started = True
        if not reason:
            listing = line.rstrip().endswith((":", "：")) or (listing and _is_link(line))


def _in_notes(line: str, notes: bool, frame: bool) -> bool:
    # The 参考文献 / 注释 heading and its entries stay the essay's even below a site notice.
    norm = shape_text(line)
    return bool(NOTES_HEADING.match(norm)) or (notes and (
        not frame or bool(REFERENCE_ENTRY.search(norm) or re.match(r"\d{1,3}\s*[.．、]\s*\S", norm))))


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


def _head_reason(lines: list[str], i: int, before_title: bool, confident: bool) -> str | None:
    line = lines[i]
    if FILE_NAME.search(shape_text(line)) and len(line) <= MAX_CHROME_LINE:
        return "file name"
    if is_affiliation(line):
        return "affiliation"
    if is_author_line(line) and surely_authors(lines, i):
        return "authors"
    reason = byline_reason(line)
    if reason:
        return reason
    if not before_title and is_site_name(line):
        return "byline"  # the office that wrote it: "县委政研室课题组"
    norm = shape_text(line)
    # Above the title stand the site's name, slogan and menus, never the essay's text (a slogan may be a sentence:
    # "…考生的精神家园。祝大家学习进步！").
    if before_title and len(norm) <= (MAX_CHROME_LINE if confident else MAX_TITLE):
        return "before the title"  # (a sidebar's blurb too, above a title the page's <title> confirms)
    return None
