"""The plain data ingest produces: an Essay and its metadata, and the raw line every reader yields."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    # (offset of the line in `text`, "abstract" | "keywords") for lines ingest found to be the abstract or the
    # keywords although no label says so; the chunker types them so.
    marked_roles: tuple[tuple[int, str], ...] = ()
    # (line, reason) for every line left out of `text` as site chrome or metadata, so a user can see them.
    dropped: tuple[tuple[str, str], ...] = field(default=(), compare=False, hash=False)
    # (offset in `text`, page) where each page of a paginated source (PDF) begins; () for other formats.
    pages: tuple[tuple[int, int], ...] = ()



@dataclass(frozen=True)
class Line:
    text: str
    heading_level: int = 0  # 1–6 when the source marked the line as a heading
    role: str = ""  # "abstract" or "keywords" when front matter found the line to be one without a label
    page: int = 0  # 1-based page of a paginated source (PDF) where the line starts; 0 when the source has none


@dataclass(frozen=True)
class Document:
    """What the reader of a binary format (PDF, Word) yields: the text as lines, and what the file says of itself.

    Lines are paragraphs, headings and footnotes as a text file would hold them: a paragraph re-joined across
    line and page breaks is one line; running headers, footers and page numbers are gone; footnotes stand apart
    (after their page's text or the document's); table rows are lines with cells joined by spaces.
    """

    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)  # "title", "author" from the file's own properties


@dataclass(frozen=True)
class PdfLine:
    """One line of a page as the layout reads it, from the text layer or from OCR (ingest/ocr.py)."""

    text: str
    x0: float
    x1: float
    top: float  # PDF coordinates: y grows upwards
    bottom: float
    size: float  # font size of most of the line's characters
    page: int
