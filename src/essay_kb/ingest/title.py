"""Which line of a scraped page is the essay's title, and the title without what pages add to it.

The title is the most title-like line near the top: no sentence punctuation, a plausible length, followed by its
byline or abstract, often repeated elsewhere on the page (file name, <title>, running head), never a chrome line,
an author list, an affiliation or a numbered heading. Pure functions over the page's stripped lines.
"""

from __future__ import annotations

import re

from essay_kb.ingest.labels import is_label
from essay_kb.ingest.shapes import (
    BYLINE_KEYS,
    CHROME_WORDS,
    COVER_FIELD,
    HEADING_WORDS,
    NUMBERED_HEADING,
    REFERENCE_ENTRY,
    SENTENCE_END,
    SITE_NOTICE,
    TITLE_FIELDS,
    TITLE_LABEL,
    TOC,
    WEAK_CHROME_WORDS,
    byline_reason,
    chrome_reason,
    is_affiliation,
    is_author_line,
    is_site_name,
    metadata_fields,
    shape_text,
)

MAX_TITLE = 60
HEAD_WINDOW = 20  # the title is looked for among the first lines only


# What pages add to a title line: a tag in front ("[转载]", "[理论学习]"), a footnote mark after it ("标题 *"), the
# uploaded file's name ("标题.doc", "標題.doc_第1頁").
_TITLE_TAG = re.compile(r"^[\[【]\s*[^\]】\d]{1,6}\s*[\]】]\s*(?=\S)")


_TITLE_MARK = re.compile(r"\s*[*＊]+$")


FILE_NAME = re.compile(r"\.(?:docx?|pdf|wps|txt|caj)(?:\s*[_\-]\s*第\s*\d+\s*[页頁])?$", re.IGNORECASE)


def clean_title(text: str) -> str:
    """A title line without the page's additions: label, tag, footnote mark, file extension."""
    return FILE_NAME.sub("", _TITLE_MARK.sub("", _TITLE_TAG.sub("", TITLE_LABEL.sub("", text.strip())))).strip()


def title_score(line: str, index: int, lines: list[str], html_title: str | None) -> int:
    labelled = bool(TITLE_LABEL.match(shape_text(line)))
    norm = clean_title(shape_text(line))
    if not 2 <= len(norm) <= MAX_TITLE or HEADING_WORDS.match(norm) or norm.endswith(tuple("。;；:：，,")):
        return -1
    if (chrome_reason(line) or is_label(line) or metadata_fields(line) is not None or is_affiliation(line)
            or (is_author_line(line) and surely_authors(lines, index)) or byline_reason(line)
            or NUMBERED_HEADING.match(norm) or REFERENCE_ENTRY.search(norm)
            or COVER_FIELD.match(norm) or TOC.search(norm)):
        return -1
    if SENTENCE_END.search(norm[:-1]) or SUBTITLE.match(norm):
        return -1  # a "——以…为例" line is the subtitle of the line above it
    score = 4 if labelled else 1
    if html_title and (norm in shape_text(html_title) or shape_text(html_title) in norm):
        score += 4
    following = [x for x in lines[index + 1:index + 6] if not (is_author_line(x) or is_affiliation(x))]
    if following and is_label(following[0]):
        score += 2
    if index + 1 < len(lines) and SUBTITLE.match(shape_text(lines[index + 1])):
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
        if is_label(line) or (best is not None and starts_body(line) and not (notice or _site_words(line))
                              and metadata_fields(line) is None):
            break
        score = -1 if skip and i in skip else title_score(line, i, lines, html_title)
        if score > best_score:
            best, best_score = i, score
    if html_title and (best is None or clean_title(shape_text(lines[best])) != clean_title(shape_text(html_title))):
        # The page's own <title> names a line further down (below a sidebar's paragraphs): that line is the title.
        same = [i for i, line in enumerate(lines[:HEAD_WINDOW]) if not (skip and i in skip)
                and clean_title(shape_text(line)) == clean_title(shape_text(html_title))]
        best = same[0] if same else best
    return best


def _site_words(line: str) -> bool:
    norm = shape_text(line)
    return bool(CHROME_WORDS.search(norm) or SITE_NOTICE.search(norm) or len(WEAK_CHROME_WORDS.findall(norm)) >= 2)


def first_line_title(lines: list[str], html_title: str | None) -> int | None:
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        if chrome_reason(line) or metadata_fields(line) is not None:
            continue
        # A page whose <title> names the essay may open with its byline; elsewhere a short first line is the title
        # even when it has the shape of a name ("罗保铭").
        if html_title and (is_affiliation(line) or (is_author_line(line) and surely_authors(lines, i))):
            continue
        return i if len(line) <= 80 and not line.endswith("。") and not is_label(line) else None
    return None


def surely_authors(lines: list[str], i: int) -> bool:
    # One name alone has the shape of a short heading ("背景"); it is a byline only beside an affiliation or a
    # date line, or repeated (mirrors print the byline twice), or marked like a name (superscripts, "作者:").
    norm = shape_text(lines[i])
    if re.search(r"[\s，,、;；\d¹²³*:：]", norm):
        return True
    near = lines[max(0, i - 1):i] + lines[i + 1:i + 2]
    return (any(is_affiliation(x) or byline_reason(x) or is_label(x) for x in near)
            or sum(shape_text(x) == norm for x in lines[:HEAD_WINDOW]) > 1)


SUBTITLE = re.compile(r"^(?:——|—|--|──)\s*\S")


def title_text(lines: list[str], title: int | None, dropped: dict[int, str]) -> str | None:
    """The title line without a "题目：" label or footnote mark, joined with a "——以…为例" subtitle line below it."""
    if title is None:
        return None
    text = clean_title(lines[title])
    after = title + 1
    if after < len(lines) and after not in dropped and SUBTITLE.match(lines[after]) and len(lines[after]) <= 40:
        dropped[after] = "subtitle (joined to the title)"
        return text + "——" + lines[after].lstrip("—-─ ")
    return text


def same_title(line: str, title: str) -> bool:
    return re.sub(r"^\d{1,2}\s*[、.．]\s*", "", clean_title(shape_text(line))) == clean_title(shape_text(title))


def starts_body(line: str) -> bool:
    # The head (bylines, affiliations) ends at the first label, sentence, numbered heading or reference list.
    norm = shape_text(line)
    # (a line in Latin letters is the English title or abstract of a Chinese essay, not its body)
    chinese = len(re.findall(r"[\u4e00-\u9fff]", norm)) * 2 >= len(re.findall(r"[A-Za-z]", norm))
    return (is_label(line) or (len(norm) > 40 and chinese) or (len(norm) >= 15 and bool(SENTENCE_END.search(norm)))
            or bool(NUMBERED_HEADING.match(norm)) or norm.startswith(("参考文献", "注释")))
