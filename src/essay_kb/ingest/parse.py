"""Bytes of one essay file → Essay: decode, the format's reader, repair, boilerplate and front matter, metadata.

Everything that changes the text happens here, line by line, before `Essay.text` is built; chunk offsets
index into `Essay.text`, so nothing may edit it afterwards. In `Essay.text` every paragraph, heading and
metadata line is one line: leading and trailing whitespace (ASCII, U+3000, NBSP) is stripped, blank lines
are dropped and line endings are "\\n".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from bs4 import ParserRejectedMarkup

from essay_kb.errors import UnreadableEssay
from essay_kb.files import essay_id_of, read_file_bytes
from essay_kb.ingest import frontmatter
from essay_kb.ingest.boilerplate import VALUE_EDGE, only_boilerplate_message, strip_boilerplate
from essay_kb.ingest.decode import RESAVE, decode_essay_bytes
from essay_kb.ingest.essay import Document, Essay, EssayMeta, Line
from essay_kb.ingest.formats import unsupported_format_message
from essay_kb.ingest.html import html_to_lines
from essay_kb.ingest.labels import ABSTRACT_LINE, KEYWORDS_LINE, is_label, keyword_terms
from essay_kb.ingest.markdown import read_markdown
from essay_kb.ingest.repair import repair_lines
from essay_kb.ingest.shapes import chrome_reason
from essay_kb.ingest.text import text_to_lines
from essay_kb.ingest.title import clean_title

# A first line longer than this, or ending in 。, is a paragraph: the essay has no title line (the file name is used).
MAX_TITLE_CHARS = 80
_CJK = re.compile(r"[\u3400-\u9fff]")


def read_essay(path: Path, corpus: Path, max_bytes: int | None = None, *, ocr: bool = False) -> Essay:
    """Read one essay file; raise errors.UnreadableEssay with an actionable message when it cannot be read
    (also when it is not a regular file, or larger than `max_bytes`). `ocr`: as for `parse_essay`."""
    essay_id = essay_id_of(path, corpus)
    return parse_essay(read_file_bytes(path, essay_id, max_bytes), path.name, essay_id, ocr=ocr)


def parse_essay(data: bytes, name: str, essay_id: str | None = None, *, ocr: bool = False) -> Essay:
    """The bytes of one essay file called `name` (its suffix picks the reader), read without the file system.

    Args:
        data: the file's bytes.
        name: the file name; its stem is the title when the text has no title line.
        essay_id: the id the essay gets and error messages name; `name` when not given.
        ocr: read a scanned PDF with OCR (the `ocr` setting) instead of refusing it.

    Raises:
        UnreadableEssay: the bytes are not a readable essay; the message names `essay_id`.
    """
    essay_id = name if essay_id is None else essay_id
    suffix = PurePath(name).suffix.lower()
    document = _binary_document(data, suffix, essay_id, ocr)
    decoded = decode_essay_bytes(data, essay_id) if document is None else ""
    html_title: str | None = None
    html_meta: dict[str, str] = {}
    html_dropped: tuple[tuple[str, str], ...] = ()
    md_fields: dict[str, str] = {}  # a markdown header's fields; the page's own lines win over them
    md_dropped: tuple[tuple[str, str], ...] = ()
    if suffix in (".html", ".htm"):
        try:
            source_lines, html_title, html_meta, html_dropped = html_to_lines(decoded)
        except ParserRejectedMarkup as exc:  # html.parser gives up on some damaged markup, e.g. "<![ "
            raise UnreadableEssay(f"{essay_id} has HTML markup the parser cannot read; {RESAVE}") from exc
    elif suffix == ".md":
        markdown = read_markdown(decoded)
        source_lines, md_fields, md_dropped = markdown.lines, markdown.fields, markdown.dropped
        # Header tags are the keywords only when the essay has no 关键词 line (as HTML meta keywords are).
        html_meta = {"keywords": md_fields["tags"]} if "tags" in md_fields else {}
    elif document is not None:
        source_lines = document.lines
        if not any(line.text.strip() for line in source_lines):
            raise UnreadableEssay(f"{essay_id} has no text to read; if it is a scan, it needs OCR first")
    else:
        source_lines = text_to_lines(decoded)
    # Wrapped lines re-joined, page furniture and pinyin annotations removed; each line keeps its first source
    # line's heading mark.
    source_lines = [replace(source_lines[i], text=text) for i, text in repair_lines([x.text for x in source_lines])]
    lines, found, boilerplate = strip_boilerplate(source_lines)
    if not lines:
        raise UnreadableEssay(only_boilerplate_message(essay_id, source_lines))
    if html_title and chrome_reason(html_title):
        html_title = None  # a blog's <h1> is its own name
    lines, front = _apply_front_matter(lines, html_title)
    found = {**md_fields, **front.fields, **found}
    html_title = clean_title(html_title) if html_title else _breadcrumb_title(boilerplate, lines, front)
    if html_title and front.title and html_title != front.title and _shared_start(html_title, front.title) >= 8:
        html_title = front.title  # "标题-栏目-某某司法局": the page's own line, without what <title> adds
    # A PDF's or Word file's own Title property counts only when the text has no title line: it is often the
    # name of the template or of the file it was printed from.
    own_title = document.meta.get("title") if document is not None else None
    title = _without_author_prefix(html_title or _pick_title(lines, suffix, front) or own_title
                                   or PurePath(name).stem, found)
    if front.title and title != front.title:
        lines = [replace(line, text=title) if line.text == front.title else line for line in lines]
    if html_title and all(line.text != title for line in lines):
        lines.insert(0, Line(title, 1))  # a <title>-only page: keep the title line in the text, as elsewhere
    extra = {key: value for key, value in found.items() if key not in ("source", "author", "url")}
    if document is not None and document.meta.get("author") and not (found.get("author") or found.get("authors")):
        found["author"] = document.meta["author"]
    if "description" in html_meta:  # often the site's blurb, not the essay's abstract: kept aside
        extra["description"] = html_meta["description"]
    if "date" in html_meta and "date" not in extra:  # the page's citation_date when no byline states one
        extra["date"] = html_meta["date"]
    joined = _join_lines(lines)
    return Essay(
        id=essay_id, title=title, meta=_essay_meta(lines, found, html_meta), text=joined.text,
        sha256=hashlib.sha256(data).hexdigest(), meta_extra=extra, marked_headings=joined.marked,
        marked_roles=joined.roles, dropped=(*md_dropped, *boilerplate, *front.dropped.items(), *html_dropped),
        pages=joined.pages,
    )


def _binary_document(data: bytes, suffix: str, essay_id: str, ocr: bool) -> Document | None:
    """A PDF or Word file read by its reader (imported on first use: their libraries are not needed to read
    text); None for the text formats. Formats we cannot read get a message that says what to do."""
    message = unsupported_format_message(essay_id, suffix)
    if message:
        raise UnreadableEssay(message)
    if suffix == ".pdf":
        from essay_kb.ingest.pdf import read_pdf

        return read_pdf(data, essay_id, ocr=ocr)
    if suffix == ".docx":
        from essay_kb.ingest.docx import read_docx

        return read_docx(data, essay_id)
    return None


def parse_keywords(value: str) -> tuple[str, ...]:
    """Split a 关键词 value on ; ； , ， 、 — or on spaces when none of those occur ("新常态 基层 党建"). A list that
    runs on into the English keywords ("数字政府；数据共享；digital government") keeps the Chinese ones."""
    terms = [term.strip(VALUE_EDGE + "`·") for term in keyword_terms(value)]
    terms = [term for term in terms if term]
    chinese = [term for term in terms if _CJK.search(term)]
    return tuple(chinese if chinese and len(chinese) < len(terms) and all(
        _CJK.search(term) or term.isascii() for term in terms) else terms)


@dataclass(frozen=True)
class _Front:
    fields: dict[str, str]
    dropped: dict[str, str]  # line → reason
    title: str | None
    title_score: int = 0  # how title-like front matter found its title line (0: none)


def _pick_title(lines: list[Line], suffix: str, front: _Front) -> str | None:
    """A markdown file's first `#` heading, else the line frontmatter.py found most title-like, else the first
    line unless it reads as a paragraph, not a title."""
    if suffix == ".md" and any(line.heading_level == 1 for line in lines):
        return next(line.text for line in lines if line.heading_level == 1)
    if front.title:
        return front.title
    # A page that opens with its abstract has no title line: the heading after it is not one.
    first = lines[0].text if lines and not is_label(lines[0].text) else ""
    return first if 0 < len(first) <= MAX_TITLE_CHARS and not first.endswith("。") else None


def _names(byline: str | None) -> str | None:
    """"顾文静 1，吕秉坤 2" (an author line found by its shape) → "顾文静；吕秉坤"."""
    names = [re.sub(r"[\s\d¹²³⁴*]+", "", part) for part in re.split(r"[，,、;；]|\s{1,}(?=\D)", byline or "")]
    names = [name for name in names if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name)]
    return "；".join(names) or None


def _shared_start(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _breadcrumb_title(boilerplate: list[tuple[str, str]], lines: list[Line], front: _Front) -> str | None:
    """The title a page states only in its breadcrumb ("当前位置：首页 > 理论研究 > 某某的实践探索"): when no line
    of the page holds it and front matter found no title line with a byline or label beside it."""
    crumbs = [text for text, rule in boilerplate if rule == "breadcrumb"]
    last = re.split(r"\s*(?:>>?|›|»|/)\s*", crumbs[0])[-1].strip() if crumbs else ""
    if len(last) < 8 or last.endswith(("正文", "详情", "详细", "内容")) or front.title_score >= 3:
        return None
    return last if not any(last in line.text for line in lines) else None


def _without_author_prefix(title: str, found: dict[str, str]) -> str:
    # Reprint portals title a piece "周雨桐：高校思政课…" after its author; the byline names the author.
    author = found.get("author") or found.get("authors") or ""
    names = re.findall(r"[\u4e00-\u9fff]{2,4}", author)
    for name in names[:1]:
        for colon in ("：", ":"):
            if title.startswith(name + colon) and len(title) > len(name) + 4:
                return title[len(name) + 1:].strip()
    return title


def _labelled_value(label: re.Pattern[str], lines: list[Line]) -> str | None:
    """The value after the first `label`, or the next line's text when the label stands alone on its line."""
    for line in lines:
        if line.role == ("abstract" if label is ABSTRACT_LINE else "keywords"):
            return line.text
    for i, line in enumerate(lines):
        match = label.match(line.text)
        if match:
            return match.group("value").strip() or (lines[i + 1].text if i + 1 < len(lines) else "")
    return None


def _essay_meta(lines: list[Line], found: dict[str, str], html_meta: dict[str, str]) -> EssayMeta:
    abstract, keywords = _labelled_value(ABSTRACT_LINE, lines), _labelled_value(KEYWORDS_LINE, lines)
    return EssayMeta(
        source=found.get("source") or html_meta.get("source"), author=(
            found.get("author") or _names(found.get("authors")) or html_meta.get("author")),
        url=found.get("url"),
        keywords=parse_keywords(html_meta.get("keywords", "") if keywords is None else keywords),
        abstract=abstract or None,
    )



def _apply_front_matter(lines: list[Line], html_title: str | None) -> tuple[list[Line], _Front]:
    """Lines without the page's chrome and metadata lines (frontmatter.py decides), and what they held."""
    result = frontmatter.read_front_matter([line.text for line in lines], html_title)
    kept = [replace(line, text=result.title_text) if i == result.title and result.title_text
            else replace(line, role=result.roles.get(i, "")) for i, line in enumerate(lines) if i not in result.dropped]
    if not kept:  # nothing but frame: keep the page as it was rather than refuse it
        return lines, _Front({}, {}, None)
    dropped = {lines[i].text: reason for i, reason in result.dropped.items()}
    title = result.title_text or None
    return kept, _Front(result.fields, dropped, title, result.title_score)


@dataclass(frozen=True)
class _Joined:
    text: str
    marked: tuple[tuple[int, int], ...]
    roles: tuple[tuple[int, str], ...]
    pages: tuple[tuple[int, int], ...]


def _join_lines(lines: list[Line]) -> _Joined:
    """The essay's text, and the offsets in it of marked headings, typed lines and page starts."""
    marked, roles, pages, offset = [], [], [], 0
    for line in lines:
        if line.heading_level:
            marked.append((offset, line.heading_level))
        if line.role:
            roles.append((offset, line.role))
        if line.page and (not pages or line.page > pages[-1][1]):
            pages.append((offset, line.page))
        offset += len(line.text) + 1
    return _Joined("\n".join(line.text for line in lines), tuple(marked), tuple(roles), tuple(pages))

