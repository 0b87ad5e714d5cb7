"""Essay → [Chunk]: typed parts, headings and section paths, sentence windows, offsets.

A paragraph is one line of `Essay.text` (ingest makes it so). Each line is classified as title, abstract,
keywords, heading, body/conclusion paragraph or reference entry; very short paragraphs join a neighbour; a
paragraph longer than `max_chars` becomes overlapping windows of whole sentences. Every chunk's text is
`essay.text[start:end]`, never an edited copy.

Decisions:
- The "参考文献:" line yields no chunk (five characters that would match every query about references); it opens
  the section ("参考文献",) in which each entry is one `reference` chunk whose `paragraph` is its position.
- `paragraph` counts body, conclusion and reference units within a section, 1-based, after short fragments
  are merged; the windows of one long paragraph share its number. Title, abstract, keywords and heading
  chunks are not paragraphs and carry 0.
- Section names are heading lines as written, without a trailing colon.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from essay_kb.ingest import ABSTRACT_LINE, KEYWORDS_LINE, Essay
from essay_kb.ingest.repair import is_cut_off_tail

logger = logging.getLogger(__name__)

ChunkKind = Literal["title", "abstract", "keywords", "heading", "body", "conclusion", "reference"]
CHUNK_KINDS: tuple[str, ...] = ("title", "abstract", "keywords", "heading", "body", "conclusion", "reference")
# Bump whenever ingest or chunker output changes for some file: indexes built before are read again in full
# (only passages whose text changed are embedded again; see indexer.py). 2: HTML titles and line breaks, GBK.
# 3: hard-wrapped lines re-joined, pinyin annotations removed, a cut-off page's dangling tail dropped (repair.py).
# 4: web pages' chrome and metadata by shape (issue 13). 5: chunks carry their PDF page; PDF and Word readers.
CHUNKER_VERSION = "5"
SECTION_SEPARATOR = " › "

# A numbered line longer than this, or one holding 。；, is a list-item paragraph ("1.坚持…。…"), not a heading.
MAX_HEADING_CHARS = 40
# A body paragraph shorter than this ("具体如下:") carries too little meaning to be retrieved on its own.
MIN_PARAGRAPH_CHARS = 30


@dataclass(frozen=True)
class Chunk:
    essay_id: str
    ordinal: int  # 0-based position of the chunk within its essay
    kind: ChunkKind
    section: tuple[str, ...]  # heading path, outermost first; () before the first heading
    paragraph: int  # 1-based paragraph number within its section; 0 for title, abstract, keywords and headings
    text: str  # as written, == essay.text[start:end]
    start: int
    end: int
    page: int = 0  # 1-based page where the chunk starts in a paginated source (PDF); 0 for other formats

    @property
    def section_path(self) -> str:
        return SECTION_SEPARATOR.join(self.section)


# --- headings ---------------------------------------------------------------------------------------------------

_CN = "一二三四五六七八九十百零〇两"
# (rank, numbering) — a lower rank is an outer level. Ranks only order levels within one essay: an essay whose
# top level is "1." simply has "1." sections at the top. Headings the source marked (markdown #, HTML <hN>) rank
# level - 10, above all numbering, because the author stated their structure outright.
_NUMBERINGS: tuple[tuple[float, re.Pattern[str]], ...] = (
    (0, re.compile(rf"^第[{_CN}\d]+(?:章|部分|编|篇)\s*")),
    (1, re.compile(rf"^第[{_CN}\d]+节\s*")),
    (2, re.compile(rf"^[{_CN}]+\s*[、.．]\s*")),
    (3, re.compile(rf"^[（(]\s*[{_CN}]+\s*[）)]\s*")),
    (4, re.compile(r"^\d{1,2}\s*[、.．](?!\d)\s*")),
    (4, re.compile(r"^\d{1,2}[ \u3000]+(?=[\u4e00-\u9fff])")),  # "1 引言": journals that number with a space
    (4.1, re.compile(r"^\d{1,2}[.．]\d{1,2}\s+")),  # thesis style "1.1 研究背景"; the space tells it from "3.5亿"
    (4.2, re.compile(r"^\d{1,2}[.．]\d{1,2}[.．]\d{1,2}\s+")),
    (5, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*")),
    (6, re.compile(r"^[①-⑳]\s*")),
)
_NOT_A_HEADING = re.compile(r"[。；;]|[，,、]$")
_CONCLUSION_WORDS = r"(?:本章|本节|全文)?(?:结\s*语|结\s*论|结束语|小\s*结)(?:[与和及](?:展望|建议|讨论))?"
_CONCLUSION = re.compile(rf"^{_CONCLUSION_WORDS}\s*[:：]?$")
# Unnumbered section names that open a top-level section on their own.
_NAMED_SECTION = re.compile(
    rf"^(?:引\s*言|前\s*言|绪\s*论|导\s*言|致\s*谢|附\s*录|后\s*记|{_CONCLUSION_WORDS})\s*[:：]?$"
)
_REFERENCES = re.compile(
    r"^[【\[［〔]?\s*(?:主要)?(?:参考文献|參考文獻|参考资料|參考資料|参考书目|references|bibliography)\s*[】\]］〕]?\s*[:：]?$",
    re.IGNORECASE,
)
REFERENCES_SECTION = "参考文献"
# "[1]…", "［1］…", "1.…", "1、…", "(1)…" — the start of one reference entry.
_REFERENCE_ENTRY = re.compile(r"^(?:[\[［]\s*\d{1,3}\s*[\]］]|\d{1,3}\s*[.．、](?!\d)|[（(]\s*\d{1,3}\s*[）)])")
# A finished entry ends with its year or pages ("2018.", "177+179.", "(07)."), not with "[J]." or "北京:"; a line
# after an unfinished one continues it.
_FINISHED_ENTRY = re.compile(r"[\d)）]\s*[.。]$|。$")


@dataclass(frozen=True)
class _Open:
    rank: float
    name: str
    conclusion: bool


@dataclass(frozen=True)
class _Unit:
    kind: ChunkKind
    section: tuple[str, ...]
    start: int
    end: int


def _numbering(line: str) -> tuple[float, int] | None:
    """(rank, end of the numbering) when `line` starts with a section number."""
    for rank, pattern in _NUMBERINGS:
        match = pattern.match(line)
        if match:
            return rank, match.end()
    return None


def _heading(line: str, marked_level: int | None, stack: list[_Open]) -> _Open | None:
    """The heading `line` opens, or None when it is not a heading."""
    name = line.rstrip(":：").rstrip()
    numbering = _numbering(line)
    words = line[numbering[1] :] if numbering else line
    if marked_level is not None:
        if _bare_label(line):  # "<h2>执行摘要</h2>": a label in heading markup labels the next line
            return None
        return _Open(marked_level - 10, name, bool(_CONCLUSION.match(words)))
    if len(line) > MAX_HEADING_CHARS or _NOT_A_HEADING.search(line):
        return None
    if numbering:
        return _Open(numbering[0], name, bool(_CONCLUSION.match(words)))
    if _NAMED_SECTION.match(line):
        # As high as the essay's current top level, so it closes every open section (and "一、" after "引言"
        # closes it in turn).
        return _Open(_top_rank(stack), name, bool(_CONCLUSION.match(line)))
    return None


def _top_rank(stack: list[_Open]) -> float:
    return stack[0].rank if stack else _NUMBERINGS[2][0]


# --- essay → units ------------------------------------------------------------------------------------------------


def _line_spans(text: str) -> list[tuple[int, int]]:
    return [_strip(text, m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _units(essay: Essay) -> list[_Unit]:
    """Classify every line: one unit per line, except that a reference entry may run over several lines and a
    bare label line ("摘  要") takes the line it labels."""
    text, marked, roles = essay.text, dict(essay.marked_headings), dict(essay.marked_roles)
    units: list[_Unit] = []
    stack: list[_Open] = []
    title_open, in_references, numbered_references = True, False, True
    bare_rank: float | None = None
    spans = _line_spans(text)
    for k, (start, end) in enumerate(spans):
        line = text[start:end]
        section = tuple(o.name for o in stack)
        if title_open and line == essay.title:
            units.append(_Unit("title", section, start, end))
            title_open = False
            continue
        if start in roles:  # the abstract or keyword list of a page that lost its labels (ingest found it)
            units.append(_Unit("abstract" if roles[start] == "abstract" else "keywords", section, start, end))
            continue
        if _REFERENCES.match(line):
            stack, in_references, title_open = [_Open(_top_rank(stack), REFERENCES_SECTION, False)], True, False
            continue
        heading = _heading(line, marked.get(start), stack)
        if heading is None and not in_references and not title_open and _bare_heading(line, spans, k, text):
            # An unnumbered heading ranks as the one before it, else one level under the open section.
            bare_rank = bare_rank if bare_rank is not None else (stack[-1].rank + 0.5 if stack else _top_rank(stack))
            heading = _Open(bare_rank, line, bool(_CONCLUSION.match(line)))
        entry = bool(_REFERENCE_ENTRY.match(line))
        if in_references and (entry or heading is None):
            # "1. 张三…" looks like a heading but is an entry. In an unnumbered list every line is an entry; in a
            # numbered one a line that starts no entry continues an unfinished entry, or else ends the list
            # (作者简介, 基金项目 and the like are not references).
            first = not units or units[-1].kind != "reference"
            numbered_references = entry if first else numbered_references
            if first or entry or not numbered_references:
                units.append(_Unit("reference", section, start, end))
                continue
            if not _FINISHED_ENTRY.search(text[units[-1].start : units[-1].end]):
                units[-1] = replace(units[-1], end=end)
                continue
            in_references = False
        if heading is not None:
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            stack.append(heading)
            title_open, in_references = False, False
            units.append(_Unit("heading", tuple(o.name for o in stack), start, end))
        elif units and units[-1].kind in ("abstract", "keywords") and (
                _bare_label(text[units[-1].start : start])
                or _english_run(text[units[-1].start : units[-1].end], line)):
            # a bare label takes the line it labels; an English abstract wrapped over several lines stays one block
            units[-1] = replace(units[-1], end=end)
        elif ABSTRACT_LINE.match(line) or KEYWORDS_LINE.match(line):
            units.append(_Unit("abstract" if ABSTRACT_LINE.match(line) else "keywords", section, start, end))
        else:
            kind: ChunkKind = "conclusion" if any(o.conclusion for o in stack) else "body"
            units.append(_Unit(kind, section, start, end))
    return units


# Some sites drop the numbers of their headings: "精细化不等于数字化" on its own line, a paragraph below it.
MAX_BARE_HEADING = 20
_ANY_PUNCT = re.compile(r"[，。、；：:,.;!?！？“”\"'（）()《》…—\d]")
_PARAGRAPH_END = re.compile(r"[。！？!?]”?$")


def _bare_heading(line: str, spans: list[tuple[int, int]], k: int, text: str) -> bool:
    """A short line without any punctuation between two paragraphs that end their sentences."""
    if not 4 <= len(line) <= MAX_BARE_HEADING or _ANY_PUNCT.search(line) or not re.search(r"[\u4e00-\u9fff]", line):
        return False
    if k == 0 or k + 1 >= len(spans):
        return False
    before, after = text[slice(*spans[k - 1])], text[slice(*spans[k + 1])]
    return len(after) >= 40 and bool(_PARAGRAPH_END.search(after)) and not _bare_label(before) and (
        bool(_PARAGRAPH_END.search(before)) or bool(ABSTRACT_LINE.match(before) or KEYWORDS_LINE.match(before)))


def _english_run(block: str, line: str) -> bool:
    return _english(block) and _english(line) and not KEYWORDS_LINE.match(line)


def _english(text: str) -> bool:
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin >= 20 and latin > 2 * len(re.findall(r"[\u3400-\u9fff]", text))


def _bare_label(line: str) -> bool:
    label = ABSTRACT_LINE.match(line.strip()) or KEYWORDS_LINE.match(line.strip())
    return label is not None and not label.group("value")


_FOOTNOTE_MARK = re.compile(r"[①-⑳]")


def _merge_fragments(units: list[_Unit], text: str, min_chars: int) -> list[_Unit]:
    """Join each body/conclusion unit shorter than `min_chars` to a neighbour of the same kind and section.

    A fragment ending in a colon ("措施如下:") introduces what follows and joins the next unit; any other
    joins the previous one when there is one.
    """
    units = _without_cut_off_tail(units, text)

    def note(u: _Unit) -> bool:  # a footnote ("①…") stays its own passage, however short
        return bool(_FOOTNOTE_MARK.match(text, u.start))

    i = 0
    while i < len(units):
        unit = units[i]
        if unit.kind not in ("body", "conclusion") or unit.end - unit.start >= min_chars or note(unit):
            i += 1
            continue
        prev_ok = i > 0 and _same_group(units[i - 1], unit) and not note(units[i - 1])
        next_ok = i + 1 < len(units) and _same_group(units[i + 1], unit) and not note(units[i + 1])
        if next_ok and (text[unit.end - 1] in ":：" or not prev_ok):
            units[i : i + 2] = [replace(units[i + 1], start=unit.start)]
        elif prev_ok:
            units[i - 1 : i + 1] = [replace(units[i - 1], end=unit.end)]
            i -= 1
        else:
            i += 1  # alone in its section: kept as it is
    return units


def _without_cut_off_tail(units: list[_Unit], text: str) -> list[_Unit]:
    """`units` without a last body paragraph that is only the dangling start of a sentence ("随着现"): glued to the
    paragraph before it, it would end that passage mid-word."""
    body = [i for i, unit in enumerate(units) if unit.kind in ("body", "conclusion")]
    if len(body) < 2 or body[-2] != body[-1] - 1 or not _same_group(units[body[-2]], units[body[-1]]):
        return list(units)
    last, before = units[body[-1]], units[body[-2]]
    if is_cut_off_tail(text[last.start : last.end], text[before.start : before.end]):
        logger.debug("dropping the cut-off tail %r", text[last.start : last.end])
        return [unit for i, unit in enumerate(units) if i != body[-1]]
    return list(units)


def _same_group(a: _Unit, b: _Unit) -> bool:
    return a.kind == b.kind and a.section == b.section


# --- sentences and windows ----------------------------------------------------------------------------------------

# Hand-written rather than a sentence-splitting library: we need exact offsets into the original text (they
# become highlight spans), quotation-aware Chinese rules and no model download; the rules fit on one screen.
# A terminator run, then any closing quotes or brackets, which belong to the sentence they close. "." ends a
# sentence only before whitespace, so 3.5, [J].党史 and www.xzbu.com stay whole.
_BREAK = re.compile(r"(?:[。！？；!?;]+|…+|\.{3,}|\.(?=\s|$))[”’」』\"'）)》】]*|\n")
_QUOTES = {"“": "”", "「": "」", "『": "』"}
_CLOSERS = {close: open_ for open_, close in _QUOTES.items()}


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(opening index, closing index) of every balanced quotation; an unclosed quote protects nothing."""
    spans: list[tuple[int, int]] = []
    open_at: dict[str, list[int]] = {opener: [] for opener in _QUOTES}
    for m in re.finditer(r"[“”「」『』\n]", text):
        char = m.group()
        if char == "\n":  # a quotation never spans paragraphs
            open_at = {opener: [] for opener in _QUOTES}
        elif char in _QUOTES:
            open_at[char].append(m.start())
        elif open_at[_CLOSERS[char]]:
            spans.append((open_at[_CLOSERS[char]].pop(), m.start()))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets into `text` of each sentence, surrounding whitespace excluded.

    A sentence ends after 。！？；!?; … (a run counts once), after "." followed by whitespace, and at a line
    break. A closing quote or bracket right after the terminator belongs to the sentence. A terminator inside
    a balanced “…”, 「…」 or 『…』 does not end the sentence unless it ends the quotation itself (…。”).
    """
    quoted = _quoted_spans(text)
    spans: list[tuple[int, int]] = []
    begin = 0
    for m in _BREAK.finditer(text):
        if any(open_ < m.start() < close and m.end() <= close for open_, close in quoted):
            continue
        end = m.start() if m.group() == "\n" else m.end()
        spans.append(_strip(text, begin, end))
        begin = m.end()
    spans.append(_strip(text, begin, len(text)))
    return [(s, e) for s, e in spans if e > s]


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than `max_chars`, cut after the last comma in the second half of each piece, else hard."""
    pieces = []
    while end - start > max_chars:
        limit = start + max_chars
        comma = max(text.rfind(mark, start + max_chars // 2, limit) for mark in ",，、:：")
        piece_start, cut = start, (comma + 1 if comma >= 0 else limit)
        pieces.append(_strip(text, piece_start, cut))
        start = _strip(text, cut, end)[0]
    pieces.append((start, end))
    return [(s, e) for s, e in pieces if e > s]


def _windows(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Spans of at most `max_chars` covering text[start:end] by whole sentences, each repeating the last
    sentence of the one before it when that sentence and the next fit together."""
    if end - start <= max_chars:
        return [(start, end)]
    pieces = []
    for s, e in split_sentences(text[start:end]):
        pieces.extend(_cut_long(text, start + s, start + e, max_chars))
    windows = []
    i = 0
    while i < len(pieces):
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= max_chars:
            j += 1
        windows.append((pieces[i][0], pieces[j][1]))
        if j + 1 == len(pieces):
            break
        overlap_fits = j > i and pieces[j + 1][1] - pieces[j][0] <= max_chars
        i = j if overlap_fits else j + 1
    return windows


# --- public -------------------------------------------------------------------------------------------------------


def page_at(pages: Sequence[tuple[int, int]], offset: int) -> int:
    """The page holding `offset`, from (offset where a page starts, page) pairs in order; 0 without pages."""
    i = bisect.bisect_right([start for start, _ in pages], offset) - 1
    return pages[i][1] if i >= 0 else (pages[0][1] if pages else 0)


def chunk_essay(essay: Essay, max_chars: int = 600) -> list[Chunk]:
    """Cut an essay into typed chunks of at most `max_chars` characters, in reading order.

    Raises:
        ValueError: `max_chars` is smaller than 1.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    units = _merge_fragments(_units(essay), essay.text, MIN_PARAGRAPH_CHARS)
    chunks: list[Chunk] = []
    paragraphs: dict[tuple[str, ...], int] = {}
    for unit in units:
        paragraph = 0
        if unit.kind in ("body", "conclusion", "reference"):
            paragraph = paragraphs[unit.section] = paragraphs.get(unit.section, 0) + 1
        for start, end in _windows(essay.text, unit.start, unit.end, max_chars):
            chunks.append(Chunk(essay.id, len(chunks), unit.kind, unit.section, paragraph,
                                essay.text[start:end], start, end, page_at(essay.pages, start)))
    logger.debug("%s: %d chunks", essay.id, len(chunks))
    return chunks
