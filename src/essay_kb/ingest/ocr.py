"""Scanned PDF pages → text lines by OCR, for pdf.py to lay out as it lays out a text layer's lines.

RapidOCR (rapidocr-onnxruntime, Apache-2.0) runs PaddleOCR's PP-OCRv4 Chinese models on ONNX Runtime; its wheel
carries the models, so it reads offline. It is the optional `ocr` extra (it pulls OpenCV and ONNX Runtime), used
only when the `ocr` setting is on. bench/ocr.py measures its speed and accuracy on scans of the seed essay.

OCR gives boxes of text, not font sizes; the layout needs both. A box's text line becomes a `PdfLine` in PDF
points, its font size estimated from the width of its characters (a Chinese character is as wide as its size),
and sizes close to the body's are made equal to it, so the layout's rules (a change of size starts a paragraph,
larger type is a heading, smaller type at the foot a footnote) read a scan as they read a text layer.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import pypdfium2 as pdfium

from essay_kb.errors import UnreadableEssay
from essay_kb.ingest.essay import PdfLine

# Pixels per PDF point when rendering (144 dpi): bench/ocr.py found no better accuracy at 3 and slower reading.
RENDER_SCALE = 2.0
# Estimated sizes within this fraction of the body's are the body's: OCR boxes vary by a few percent from line
# to line, while headings are set at least ~12% larger.
_BODY_SPREAD = 0.1
# Other sizes this close to each other are one size (all headings of a level alike).
_SIZE_SPREAD = 0.06


@dataclass(frozen=True)
class _Box:
    text: str
    x0: float
    x1: float
    top: float  # PDF coordinates, as PdfLine's: y grows upwards
    bottom: float


def ocr_pages(pdf: pdfium.PdfDocument, essay_id: str) -> list[list[PdfLine]]:
    """Each page of `pdf` rendered and read by OCR: its text lines, in no particular order.

    Raises:
        UnreadableEssay: RapidOCR (the `ocr` extra) is not installed.
    """
    engine = _engine(essay_id)
    pages = []
    for i in range(len(pdf)):
        page = pdf[i]
        height = page.get_height()
        # The picture is BGR, as OpenCV (and so RapidOCR) reads pictures. The line-orientation classifier is off:
        # it turned upright lines of a clean page upside down (an indented line came back empty), and the pages
        # of a PDF are upright.
        found, _ = engine(page.render(scale=RENDER_SCALE).to_numpy(), use_cls=False)
        boxes = [_box(corners, text, height) for corners, text, _score in found or ()]
        pages.append(_lines(boxes, i + 1))
    return _with_even_sizes(pages)


def _engine(essay_id: str) -> Any:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError as exc:
        raise UnreadableEssay(f"{essay_id} is a scanned PDF; OCR is on but not installed: "
                              "pip install 'essay-kb[ocr]'") from exc
    return _loaded_engine()


@cache
def _loaded_engine() -> Any:
    # Loaded once per process (about 0.2 s); a build may read many scans.
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _box(corners: list[list[float]], text: str, page_height: float) -> _Box:
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return _Box(text.strip(), min(xs) / RENDER_SCALE, max(xs) / RENDER_SCALE,
                page_height - min(ys) / RENDER_SCALE, page_height - max(ys) / RENDER_SCALE)


def _lines(boxes: list[_Box], page: int) -> list[PdfLine]:
    """Boxes on one baseline joined left to right into lines; a gap wider than three characters (a column
    gutter) separates two lines, as pdf.py's text-layer lines are cut."""
    rows: list[list[_Box]] = []
    for box in sorted((b for b in boxes if b.text), key=lambda b: -(b.top + b.bottom)):
        middle = (box.top + box.bottom) / 2
        if rows and rows[-1][0].bottom <= middle <= rows[-1][0].top:
            rows[-1].append(box)
        else:
            rows.append([box])
    lines = []
    for row in rows:
        part: list[_Box] = []
        for box in sorted(row, key=lambda b: b.x0):
            if part and box.x0 - part[-1].x1 > 3 * _size(part):
                lines.append(_line(part, page))
                part = []
            part.append(box)
        lines.append(_line(part, page))
    return lines


def _size(boxes: list[_Box]) -> float:
    """The font size the boxes' characters suggest: their width over how many ideograph widths they hold (an ASCII
    character about half of one)."""
    width = sum(b.x1 - b.x0 for b in boxes)
    return width / max(1.0, sum(0.55 if c.isascii() else 1.0 for b in boxes for c in b.text))


def _line(boxes: list[_Box], page: int) -> PdfLine:
    text = boxes[0].text
    for box in boxes[1:]:
        text += (" " if text[-1].isascii() and box.text[0].isascii() else "") + box.text
    return PdfLine(text, boxes[0].x0, boxes[-1].x1, max(b.top for b in boxes), min(b.bottom for b in boxes),
                   _size(boxes), page)


def _with_even_sizes(pages: list[list[PdfLine]]) -> list[list[PdfLine]]:
    """Lines whose estimated size is near the body's get exactly the body's size, and other sizes near each other
    one size, so that size comparisons in the layout mean what they mean for a text layer."""
    lines = [line for page in pages for line in page]
    if not lines:
        return pages
    # Full lines estimate the size best; short ones (a paragraph's last, a page number) carry their padding.
    long = [line.size for line in lines if len(line.text) >= 10] or [line.size for line in lines]
    body = statistics.median(long)
    others = sorted((line.size for line in lines if abs(line.size - body) > body * _BODY_SPREAD), reverse=True)
    groups: list[list[float]] = []
    for size in others:
        if groups and size >= groups[-1][0] * (1 - _SIZE_SPREAD):
            groups[-1].append(size)
        else:
            groups.append([size])
    even = {size: round(statistics.median(group), 1) for group in groups for size in group}
    body = round(body, 1)
    # A line mostly of ASCII (a reference's volume and pages, a URL) has no ideograph to measure: body size.
    return [[replace(line, size=body if _mostly_ascii(line.text) else even.get(line.size, body)) for line in page]
            for page in pages]


def _mostly_ascii(text: str) -> bool:
    return sum(c.isascii() for c in text) * 3 > len(text)
