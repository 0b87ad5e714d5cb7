"""PDF bytes → Document: the text layer's characters laid out again as a text file holds them.

pypdfium2 (PDFium, Apache-2.0/BSD) gives every character with its box and font size; bench/pdf_extract.py chose
it over pdfminer.six, pdfplumber and pypdf on Chinese PDFs (same text, several times faster). The layout on top is
hand-written because no maintained permissive library turns a paper's pages into paragraphs: extractors give
lines (or blocks that break at every page), and none drops running headers or keeps footnotes apart.

Steps, per page: characters → lines (a new line where the baseline moves or the text jumps a gap), lines → the
page's regions (running header and footer, body columns, footnotes in a smaller font at the foot), then body lines
of the whole document → paragraphs, joined across line, column and page breaks.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from essay_kb.errors import UnreadableEssay
from essay_kb.ingest.essay import Document, Line, PdfLine

OCR_HINT = ("make a searchable PDF with an OCR program (e.g. `ocrmypdf -l chi_sim in.pdf out.pdf`) and add that, "
            "or add the essay's text as a .txt file")
OCR_SETTING_HINT = ("set ocr = true in essay-kb.toml (or ESSAY_KB_OCR=1) after pip install 'essay-kb[ocr]', then "
                    "run `kb index --rebuild`")
# Fewer non-blank characters than this in the whole file: a scan (a page number or a stamp is all its text layer).
MIN_TEXT_CHARS = 20
# Compatibility ideographs and Kangxi radicals some PDF fonts map glyphs to; NFKC maps them to the unified
# ideograph a text file would hold. Only these: other characters stay as the text path keeps them.
_COMPAT = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
# "— 3 —", "- 12 -", "3", "第 3 页", "3/12": a page number standing alone.
_PAGE_NUMBER = re.compile(r"^[\s\-—–·•]*(?:第\s*\d{1,4}\s*页|\d{1,4}(?:\s*/\s*\d{1,4})?)[\s\-—–·•]*$")
# Points: how far in from a column's left edge its lines may start (indents, centred headings) and still be its own.
_COLUMN_SPREAD = 60
_FIRST_UNIT = re.compile(r"[\x21-\x7e]+|.[\x21-\x7e，。、；：！？）」』”’]*")
_NOTE_START = re.compile(r"^(?:[①-⑳]|\[\d{1,3}\]|\d{1,2}[\s.．、)]|注\s*\d|\*)")
_GENERIC_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - .*|untitled.*|无标题.*|about:blank|.*\.(?:docx?|pdf|html?|txt|wps))$",
    re.IGNORECASE)


def read_pdf(data: bytes, essay_id: str, *, ocr: bool = False) -> Document:
    """The paragraphs, headings and footnotes of a PDF, and its title and author properties.

    Args:
        ocr: read a PDF without a text layer (a scan) with OCR (ingest/ocr.py, the `ocr` extra) instead of
            refusing it; its lines are then laid out as a text layer's are.

    Raises:
        UnreadableEssay: the PDF is password-protected, damaged, or a scan (with `ocr` off, or OCR not installed
            or finding no text); the message names `essay_id` and what to do.
    """
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableEssay(f"{essay_id} is password-protected; remove the password (print it to PDF) and "
                                  "add it again") from exc
        raise UnreadableEssay(f"{essay_id} is damaged or incomplete; download it again") from exc
    try:
        pages = [_page_lines(pdf[i], i + 1) for i in range(len(pdf))]
        if _char_count(pages) < MIN_TEXT_CHARS:
            pages = _scanned_pages(pdf, essay_id, ocr)
        meta = _properties(pdf.get_metadata_dict())
    finally:
        pdf.close()
    pages = _without_running_lines(pages)
    body_size = _body_size(pages)
    lines: list[Line] = []
    flow: list[PdfLine] = []  # body lines of the document in reading order
    notes_by_page: dict[int, list[PdfLine]] = {}
    for page in pages:
        body, notes = _split_notes(page, body_size)
        flow += _reading_order(body)
        notes_by_page[page[0].page if page else 0] = notes
    headings = _heading_levels(flow, body_size)
    for paragraph in _paragraphs(flow, headings):
        # A page's footnotes follow the last paragraph that ends on it, never split a paragraph running on.
        for page in sorted(p for p in notes_by_page if p < paragraph.page):
            lines += [Line(text, page=page) for text in _note_texts(notes_by_page.pop(page))]
        lines.append(paragraph)
    for page, notes in sorted(notes_by_page.items()):
        lines += [Line(text, page=page) for text in _note_texts(notes)]
    return Document(lines=[line for line in lines if line.text], meta=meta)


def _char_count(pages: list[list[PdfLine]]) -> int:
    return sum(len(line.text.strip()) for page in pages for line in page)


def _scanned_pages(pdf: pdfium.PdfDocument, essay_id: str, ocr: bool) -> list[list[PdfLine]]:
    """A scan's lines read by OCR when the `ocr` setting is on; otherwise the refusal says how to turn it on."""
    if not ocr:
        raise UnreadableEssay(f"{essay_id} has no text layer (a scanned PDF); it needs OCR: {OCR_SETTING_HINT}, "
                              f"or {OCR_HINT}")
    from essay_kb.ingest.ocr import ocr_pages  # on first use: only scans need it, and it needs the extra

    pages = ocr_pages(pdf, essay_id)
    if _char_count(pages) < MIN_TEXT_CHARS:
        raise UnreadableEssay(f"{essay_id} is a scanned PDF in which OCR found no text; add the essay's text as a "
                              ".txt file")
    return pages


def _properties(info: dict[str, str]) -> dict[str, str]:
    meta = {}
    for key, name in (("title", "Title"), ("author", "Author")):
        value = (info.get(name) or "").strip()
        if value and not _GENERIC_TITLE.match(value):
            meta[key] = value
    return meta


def _char_text(textpage: pdfium.PdfTextPage, i: int, code: int) -> str:
    if 0xD800 <= code < 0xDC00:  # PDFium hands a character beyond the BMP over as two surrogates
        low = pdfium_c.FPDFText_GetUnicode(textpage, i + 1)
        return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
    if 0xDC00 <= code < 0xE000:
        return ""
    return _COMPAT.sub(lambda m: unicodedata.normalize("NFKC", m.group()), chr(code))


def _page_lines(page: pdfium.PdfPage, number: int) -> list[PdfLine]:
    """The page's text lines in PDFium's order; a line ends where the baseline moves or the text jumps back or
    across a gap wider than three characters (a column gutter)."""
    textpage = page.get_textpage()
    lines: list[PdfLine] = []
    chars: list[tuple[str, float, float, float, float, float]] = []

    def flush() -> None:
        text = "".join(c[0] for c in chars).strip()
        if text:
            size = Counter(round(c[5], 1) for c in chars if not c[0].isspace()).most_common(1)[0][0]
            lines.append(PdfLine(text, min(c[1] for c in chars), max(c[2] for c in chars),
                               max(c[4] for c in chars), min(c[3] for c in chars), size, number))
        chars.clear()

    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if code in (0x0D, 0x0A, 0xFFFE, 0x02) or pdfium_c.FPDFText_IsGenerated(textpage, i):
            continue  # PDFium's own line breaks and guessed spaces; the boxes decide
        text = _char_text(textpage, i, code)
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        size = pdfium_c.FPDFText_GetFontSize(textpage, i)
        if chars:
            last = chars[-1]
            middle = (bottom + top) / 2
            if not last[3] <= middle <= last[4] or left < last[1] - size or left > last[2] + 3 * size:
                flush()
        chars.append((text, left, right, bottom, top, size))
    flush()
    textpage.close()
    return lines


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _without_running_lines(pages: list[list[PdfLine]]) -> list[list[PdfLine]]:
    """Pages without their running headers and footers: a line at the top or foot of the page whose text (digits
    aside) recurs at the top or foot of other pages, or a bare page number there."""
    edges = [_edge_lines(page) for page in pages]
    counts = Counter(_shape(line.text) for edge in edges for line in {id(x): x for x in edge}.values())
    repeated = max(2, (len(pages) + 1) // 2)
    out = []
    for page, edge in zip(pages, edges, strict=True):
        drop = {id(line) for line in edge
                if _PAGE_NUMBER.match(line.text) or (len(pages) > 1 and counts[_shape(line.text)] >= repeated)}
        out.append([line for line in page if id(line) not in drop])
    return out


def _edge_lines(page: list[PdfLine]) -> list[PdfLine]:
    # Two lines at each end: a header may be two lines (journal name, then issue), and a footer a rule and a number.
    ordered = sorted(page, key=lambda line: -line.top)
    return ordered[:2] + ordered[-2:] if len(ordered) > 4 else ordered


def _body_size(pages: list[list[PdfLine]]) -> float:
    sizes = Counter()
    for line in (line for page in pages for line in page):
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _split_notes(page: list[PdfLine], body_size: float) -> tuple[list[PdfLine], list[PdfLine]]:
    """Body lines, and footnotes: the run of smaller-type lines at the foot of the page, below all body text."""
    ordered = sorted(page, key=lambda line: -line.top)
    cut = len(ordered)
    while cut > 0 and ordered[cut - 1].size < body_size * 0.9:
        cut -= 1
    if cut == 0:  # a page all in small type (a table, a reference list) has no footnotes, it is body
        return page, []
    notes = set(map(id, ordered[cut:]))
    return [line for line in page if id(line) not in notes], ordered[cut:]


def _reading_order(lines: list[PdfLine]) -> list[PdfLine]:
    """A page's body lines in reading order: full-width lines above the columns, each column top to bottom, then
    full-width lines below. A page is in two columns when many lines keep to each half of the text area."""
    if not lines:
        return []
    left_edge, right_edge = min(x.x0 for x in lines), max(x.x1 for x in lines)
    middle = (left_edge + right_edge) / 2
    left = [x for x in lines if x.x1 <= middle + 2]
    right = [x for x in lines if x.x0 >= middle - 2]
    if len(left) < 3 or len(right) < 3:
        return sorted(lines, key=lambda x: (-x.top, x.x0))
    columns = {id(x) for x in left + right}
    column_top = max(x.top for x in left + right)
    wide = [x for x in lines if id(x) not in columns]
    above = [x for x in wide if x.bottom >= column_top - 1]
    below = [x for x in wide if x not in above]

    def down(group: list[PdfLine]) -> list[PdfLine]:
        return sorted(group, key=lambda x: (-x.top, x.x0))

    return down(above) + down(left) + down(right) + down(below)


def _heading_levels(flow: list[PdfLine], body_size: float) -> dict[float, int]:
    """Font size → heading level for sizes clearly above the body's: the largest is level 1."""
    sizes = sorted({x.size for x in flow if x.size > body_size * 1.1}, reverse=True)
    return {size: min(i + 1, 6) for i, size in enumerate(sizes)}


def _paragraphs(flow: list[PdfLine], headings: dict[float, int]) -> list[Line]:
    """Body lines joined into paragraphs. A line starts a new paragraph when it is a heading (larger type) or
    follows one, is indented, follows a line that stops short of its column's right edge, or sits further below
    the line before than lines of a paragraph do."""
    edges = _column_edges(flow)
    pitch = _line_pitch(flow)
    paras: list[list[PdfLine]] = []
    for line in flow:
        if not paras or _starts_paragraph(paras[-1][-1], line, edges, pitch, headings):
            paras.append([line])
        else:
            paras[-1].append(line)
    return [Line(_join(p), heading_level=headings.get(p[0].size, 0), page=p[0].page) for p in paras]


def _column_key(line: PdfLine, edges: dict[tuple[int, int], tuple[float, float]]) -> tuple[int, int]:
    return next(((page, left) for (page, left) in edges if page == line.page and -2 <= line.x0 - left < _COLUMN_SPREAD),
                (line.page, round(line.x0)))


def _column_edges(flow: list[PdfLine]) -> dict[tuple[int, int], tuple[float, float]]:
    """(page, left edge) → (left, right) of each column: the leftmost start and the widest end of the lines that
    start near the column's most common start. Lines start at a column's left edge or an indent in; which of the
    two is more common depends on the page (a reference list is all indented first lines)."""
    starts = Counter((x.page, round(x.x0)) for x in flow)
    edges: dict[tuple[int, int], tuple[float, float]] = {}
    for (page, x0), count in starts.most_common():
        if count < 2 or any(p == page and abs(x0 - left) < _COLUMN_SPREAD for (p, left) in edges):
            continue
        members = [x for x in flow if x.page == page and abs(x.x0 - x0) < _COLUMN_SPREAD]
        left = min(x.x0 for x in members)
        edges[(page, round(left))] = (left, max(x.x1 for x in members))
    return edges


def _line_pitch(flow: list[PdfLine]) -> float:
    gaps = [a.top - b.top for a, b in zip(flow, flow[1:], strict=False)
            if a.page == b.page and a.size == b.size and 0 < a.top - b.top < 3 * a.size]
    return statistics.median(gaps) if gaps else 0.0


def _starts_paragraph(prev: PdfLine, line: PdfLine, edges: dict[tuple[int, int], tuple[float, float]], pitch: float,
                      headings: dict[float, int]) -> bool:
    if line.size in headings or prev.size in headings or line.size != prev.size:
        return True
    left, _ = edges.get(_column_key(line, edges), (line.x0, line.x1))
    _, prev_right = edges.get(_column_key(prev, edges), (prev.x0, prev.x1))
    if line.x0 > left + line.size * 0.8:  # indented (or centred)
        return True
    # The line before stops short of its column's right edge by more than the next line's first unbreakable run
    # needs: the writer ended the paragraph there (a wrap would have pulled that run up).
    if prev_right - prev.x1 > _unit_width(line) + prev.size * 0.5:
        return True
    same_column = line.page == prev.page and _column_key(line, edges) == _column_key(prev, edges)
    return same_column and pitch > 0 and prev.top - line.top > pitch * 1.4


def _unit_width(line: PdfLine) -> float:
    """Roughly how wide the line's first unbreakable run is: a character with the closing punctuation and ASCII
    (numbers, a Latin word) that may not be separated from it, or an ASCII word."""
    run = _FIRST_UNIT.match(line.text)
    text = run.group() if run else line.text[:1]
    return sum(line.size * (0.55 if c.isascii() else 1.0) for c in text)


def _join(parts: list[PdfLine]) -> str:
    text = parts[0].text
    for part in parts[1:]:
        # Latin words wrapped at a line end were separated by a space the line break ate.
        space = " " if text[-1:].isascii() and text[-1:].isalnum() and part.text[:1].isascii() else ""
        text += space + part.text
    return text


def _note_texts(notes: list[PdfLine]) -> list[str]:
    """Footnote lines joined into one line per note: a note starts with its marker (①, [1], 1.)."""
    texts: list[str] = []
    for line in notes:
        if texts and not _NOTE_START.match(line.text):
            texts[-1] = _join([PdfLine(texts[-1], 0, 0, 0, 0, 0, 0), line])
        else:
            texts.append(line.text)
    return texts
