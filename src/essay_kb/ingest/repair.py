"""Text repair of scraped lines: re-join hard-wrapped paragraphs, drop page furniture, remove pinyin annotations.

Pure functions over the lines a format reader produced, run before boilerplate is stripped (see parse.py), so
every later step sees one line per paragraph. Hand-written: no maintained library re-flows Chinese PDF copies
(they either need the PDF's layout boxes, which a saved .txt no longer has, or reflow on blank lines only), and
none knows the pinyin-annotation garbage of some Chinese sites.

Wrapping is decided from the shape of the whole file, never from one line alone: a file is hard-wrapped when many
of its lines have (nearly) the same display width and most of those end without sentence punctuation. Only then
is a full-width line joined to the line after it. A file written one paragraph per line has lines of all widths,
so its lines, headings, list items, reference entries and short title or label lines are never glued together.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# --- pinyin annotations -------------------------------------------------------------------------------------------

_CJK_CHAR = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# One syllable carrying a tone mark: the mark tells "(xiàn)" from an English word in brackets ("(see)"), and one
# syllable per ideograph is how such sites annotate; an author's own gloss of a word ("内卷(nèi juǎn)") is kept.
_RUN = rf"[a-zü]*[{_TONED}][a-zü]*"
# "現(xiàn)": an annotation right after an ideograph, in ASCII or full-width brackets.
_ANNOTATION = re.compile(rf"(?<={_CJK_CHAR})[(（]{_RUN}[)）]")
# The garbled form some copies carry: "(" turned into "?", and consecutive annotations run together; in
# "評分?jǐn)?shù)據" the annotated ideograph 數 itself is lost and cannot be told from its pinyin (shù has dozens of
# ideographs), so the run is removed and the gap stays. The "?" is garbage, never a sentence end.
_GARBLED = re.compile(rf"(?<={_CJK_CHAR})(?:[?？]{_RUN}[)）])+")


# A syllable in the neutral tone carries no mark ("們(men)"): once a file is known to be annotated (it has toned
# annotations too), a bracketed run of pinyin letters right after an ideograph is one of them as well.
_TONELESS = re.compile(rf"(?<={_CJK_CHAR})[(（][a-zü]{{1,6}}[)）]")
MIN_TONED_ANNOTATIONS = 3


def remove_pinyin(line: str, annotated: bool = False) -> str:
    """`line` without the pinyin annotations some sites put after ideographs ("現(xiàn)代化" → "現代化"); with
    `annotated` (the file has such annotations elsewhere) toneless ones too ("們(men)")."""
    if "(" not in line and "（" not in line and ")" not in line and "）" not in line:
        return line
    line = _GARBLED.sub("", _ANNOTATION.sub("", line))
    return _TONELESS.sub("", line) if annotated else line


# --- hard wrapping ------------------------------------------------------------------------------------------------

# A line ending in one of these may end a paragraph; a wrapped line mostly ends mid-sentence.
_SENTENCE_END = tuple("。！？!?；;：:”」』）)….")
# Page furniture of PDF copies: "· 45 ·", "— 12 —", "- 3 -", "第 3 页", "45".
_PAGE_NUMBER = re.compile(r"^[\s·•\-—–－_~]*(?:第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?|\d{1,4})[\s·•\-—–－_~]*$")
# Lines that start a new block even after a full-width line: headings, list items, references, labels.
_BLOCK_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节部分编篇]|[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]"
    r"|\d{1,2}(?:[.．]\d{1,2})*\s*[、.．\s]|[\[［【〔]|[①-⑳]|(?:摘\s*要|关\s*键\s*[词字]|關\s*鍵\s*詞|abstract|key\s*words?)"
    r"|(?:参考文献|參考文獻|注释|注釋|参考资料)\s*[:：]?$)", re.IGNORECASE)
# A heading or label line ends the line before it even when that line stops without punctuation (a metadata line
# "文章编号：…-04" the width of the margin): a wrapped continuation is as long as the text it finishes, not a short
# numbered line.
MAX_BLOCK_LINE = 30
_PUNCTUATED = re.compile(r"[。！？；，,]")  # a running head has none of these; text does
_INDENT = re.compile(r"^(?:[\u3000\t]|\s{2,})")
# A file is hard-wrapped when at least this many lines share the wrapping width, they are at least this share of
# the file's long lines, and at least this share of them end mid-sentence (a wrap falls on a sentence end by chance).
MIN_WRAPPED_LINES = 4
MIN_WRAPPED_SHARE = 0.4
MIN_OPEN_SHARE = 0.6
MAX_WIDER_SHARE = 0.25  # lines wider than the wrapping width (metadata, URLs), per full line
# A copy with a blank line after nearly every line ("double-spaced") says nothing about paragraphs with its blanks.
DOUBLE_SPACED_SHARE = 0.8
# Wrapping width in display columns (an ideograph is 2); a full line may fall short of it by one ideograph, or by
# a little more when a line break keeps a word or a closing bracket together.
_SLACK = 3
MAX_RUNNING_HEAD = 40  # characters: "某某社会科学  2022年第4期", or an article's short title on odd pages
_MIN_WIDTH = 30  # columns: shorter lines are titles, bylines, labels; they never set the width


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced layout: wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_width(lines: list[str]) -> int | None:
    """The width the file was hard-wrapped at, or None when its shape says it was not wrapped."""
    widths = [display_width(line.rstrip()) for line in lines if display_width(line.rstrip()) >= _MIN_WIDTH]
    if len(widths) < MIN_WRAPPED_LINES:
        return None
    counts = Counter(widths)
    best, full = max(((w, sum(counts[v] for v in range(w - _SLACK, w + 1))) for w in counts),
                     key=lambda pair: (pair[1], pair[0]))
    # Lines wider than the margin are what one-paragraph-per-line files are made of; a wrapped file has almost none.
    # (metadata, reference and English lines run past the margin of a wrapped copy too: they are not counted)
    wider = sum(display_width(line.rstrip()) > best for line in lines if _plain_text(line))
    if full < MIN_WRAPPED_LINES or full < MIN_WRAPPED_SHARE * len(widths) or wider > full * MAX_WIDER_SHARE:
        return None
    open_ended = sum(best - _SLACK <= display_width(line.rstrip()) <= best and not _ends_sentence(line)
                     for line in lines)
    return best if open_ended >= MIN_OPEN_SHARE * full else None


_LABELLED = re.compile(r"^\s*[\u4e00-\u9fff]{2,6}\s*[:：]")


def _plain_text(line: str) -> bool:
    """A line of Chinese text, not a metadata, reference, label or English line."""
    text = line.strip()
    return (len(_CJK.findall(text)) > len(re.findall(r"[A-Za-z]", text)) and not _BLOCK_START.match(text)
            and not _LABELLED.match(text))


def _ends_sentence(line: str) -> bool:
    return line.rstrip().endswith(_SENTENCE_END)


def _is_full(line: str, width: int) -> bool:
    return width - _SLACK <= display_width(line.rstrip()) <= width


def _running_heads(lines: list[str]) -> set[str]:
    """Short lines repeated in the file without sentence punctuation: the journal name and issue of a PDF copy."""
    counts = Counter(_squeeze(line) for line in lines if line.strip())
    return {text for text, n in counts.items()
            if n >= 2 and len(text) <= MAX_RUNNING_HEAD and not _PAGE_NUMBER.match(text)
            and not _PUNCTUATED.search(text)}


def _squeeze(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def _continues(before: str, after: str) -> bool:
    """Whether `after` continues the paragraph that the full-width line `before` was cut from."""
    if not after.strip() or _INDENT.match(after):
        return False
    block = _BLOCK_START.match(after.strip())
    return not (block and (_ends_sentence(before) or len(after.strip()) <= MAX_BLOCK_LINE))


_ASCII_WORD_END = re.compile(r"[A-Za-z0-9,.;:!?)\]]$")
_ASCII_WORD_START = re.compile(r"[A-Za-z0-9(\[]")


def _join(before: str, after: str) -> str:
    before, after = before.rstrip(), after.strip()
    # Chinese has no spaces between words, and a Chinese line may break anywhere, inside a number too ("3." + "5亿");
    # English lines break only at spaces, so two English words meet again with one.
    if _ASCII_WORD_END.search(before) and _ASCII_WORD_START.match(after) and not (
            before[-1] in "0123456789." and after[0].isdigit()):
        return f"{before} {after}"
    return before + after


# A footnote at the foot of a PDF page: "① 某某：《调研报告》，2021年。"
_FOOTNOTE = re.compile(r"^\s*[①-⑳]")


def _past_page_break(lines: list[str], i: int, mid_sentence: bool, width: int, heads: set[str],
                     page_numbers: set[int]) -> int:
    """Index of the first line from `i` on that is not page furniture: page numbers, blank lines, repeated running
    heads, and, when the line before `i` was cut mid-sentence, a short head-like line next to a page number (the
    running head of a two-page copy, printed once)."""
    j, after_number = i, False
    while j < len(lines):
        text = lines[j].strip()
        if j in page_numbers:
            after_number = True
        elif mid_sentence and _FOOTNOTE.match(text):
            pass  # the page's footnotes stand between the two halves of the sentence; kept apart (below)
        elif text and _squeeze(text) not in heads and not (
                mid_sentence and (after_number or j + 1 in page_numbers) and _head_like(text, width)):
            break
        j += 1
    return j


# The running head of odd pages: "秦岚，等：居家养老服务的社区嵌入路径探析".
_AUTHOR_HEAD = re.compile(r"^[\u4e00-\u9fff](?:[\s\u3000]?[\u4e00-\u9fff]){1,3}\s*[，,]\s*等\s*[:：]")


def _head_like(text: str, width: int) -> bool:
    return (display_width(text) < width - _SLACK and len(text) <= MAX_RUNNING_HEAD
            and not _BLOCK_START.match(text) and (not _PUNCTUATED.search(text) or bool(_AUTHOR_HEAD.match(text))))


def rejoin_wrapped(lines: list[str]) -> list[tuple[int, str]]:
    """Paragraphs of a hard-wrapped file as (index of their first line, joined text); other files unchanged.

    Page numbers of a wrapped file are dropped wherever they stand; a repeated running head is dropped
    everywhere once one of its copies is found cutting a paragraph in two (that proves it is page furniture).
    """
    width = wrap_width(lines)
    if width is None:
        return list(enumerate(lines))
    heads = _running_heads(lines)
    page_numbers = {i for i, line in enumerate(lines) if line.strip() and _PAGE_NUMBER.match(line.strip())}
    cutting: set[str] = set()  # running heads seen inside a paragraph
    blank = sum(not line.strip() for line in lines)
    double_spaced = blank >= DOUBLE_SPACED_SHARE * (len(lines) - blank)
    paragraphs: list[tuple[int, str]] = []
    notes: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if i in page_numbers:
            i += 1
            continue
        first, text, last = i, lines[i], lines[i]
        i += 1
        while _is_full(last, width):
            j = _past_page_break(lines, i, not _ends_sentence(last), width, heads, page_numbers)
            skipped = [k for k in range(i, j) if lines[k].strip()]
            # A blank line alone after a full line ends the paragraph; page furniture between them does not.
            if j >= len(lines) or (j > i and not skipped and not double_spaced) or not _continues(last, lines[j]):
                break
            notes.extend((k, lines[k].strip()) for k in skipped if _FOOTNOTE.match(lines[k]))
            cutting.update(_squeeze(lines[k]) for k in skipped
                           if k not in page_numbers and not _FOOTNOTE.match(lines[k]))
            text, last, i = _join(text, lines[j]), lines[j], j + 1
        paragraphs.append((first, text))
        paragraphs.extend(notes)  # footnotes follow the paragraph they cut, each on its own line
        notes = []
    return [(k, text) for k, text in paragraphs if _squeeze(text) not in cutting]


# "…善用这些资源。关键词:基层治理;熟人社会": a keyword label glued to the end of the abstract.
_GLUED_LABEL = re.compile(r"(?<=[。！？.!?])\s*(?=(?:关\s*键\s*[词字]|關\s*鍵\s*[詞字]|key\s*words?)\s*[:：])",
                          re.IGNORECASE)


def split_glued_labels(line: str) -> list[str]:
    """`line` cut before a 关键词 label that follows a sentence on the same line, so the label starts its own line."""
    return [part for part in _GLUED_LABEL.split(line) if part]


# --- mojibake -----------------------------------------------------------------------------------------------------

_MOJIBAKE_HINT = re.compile(r"[鐗堟潈鎵鏈夌紪杈閮锛濂銆]")  # lead characters UTF-8 bytes turn into when read as GBK
MAX_LOST_SHARE = 0.25


def fix_mojibake(line: str) -> str:
    """A line of UTF-8 that was once read as GBK ("鐗堟潈鎵?鏈夛紙C锛"), read back ("版权?有（C）"); other lines
    unchanged. Characters the round trip lost stay "?". Normal Chinese text never survives the round trip: its GBK
    bytes are not UTF-8 (four in five characters come back as replacement characters), so the share of losses
    tells the two apart."""
    if len(line) < 6 or len(_MOJIBAKE_HINT.findall(line)) < 3:
        return line
    back = line.encode("gbk", errors="replace").decode("utf-8", errors="replace")
    lost = back.count("\ufffd")
    if lost > MAX_LOST_SHARE * len(back) or len(_CJK.findall(back)) < 4:
        return line
    return re.sub("\ufffd+", "?", back)


_CJK = re.compile(_CJK_CHAR)


def repair_lines(lines: list[str]) -> list[tuple[int, str]]:
    """All repairs: (index of the source line each repaired line starts at, its text), in order."""
    annotated = sum(len(_ANNOTATION.findall(line)) for line in lines) >= MIN_TONED_ANNOTATIONS
    return [(i, part) for i, text in rejoin_wrapped(lines)
            for part in split_glued_labels(remove_pinyin(fix_mojibake(text), annotated))]


# --- pages cut off mid-sentence -----------------------------------------------------------------------------------

# Shorter than any sentence: "随着现", left when a page (or a paywalled preview) stops mid-sentence.
MAX_CUT_OFF_TAIL = 10
_ANY_PUNCTUATION = re.compile(r"[。！？!?；;：:，,、…“”「」]")


def is_cut_off_tail(fragment: str, before: str) -> bool:
    """Whether `fragment`, the essay's last paragraph, is the dangling start of a sentence a cut-off page lost:
    shorter than a sentence, without any punctuation, after a paragraph that ended its last sentence."""
    words = re.sub(r"\s+", "", fragment)
    return 0 < len(words) < MAX_CUT_OFF_TAIL and not _ANY_PUNCTUATION.search(words) and _ends_sentence(before)
