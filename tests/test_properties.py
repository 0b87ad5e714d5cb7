"""Property tests: the invariants the ingest and chunker docstrings promise, checked over generated input.

Example-based tests (test_ingest.py, test_chunker.py) pin behaviour on real essays; these look for the inputs
nobody thought to write down. Each property lives in its own test; the docstring says what a user would lose
if it broke. Example counts keep the whole file at about half a minute.
"""

from __future__ import annotations

import hashlib
import tempfile
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from essay_kb.chunker import _REFERENCES, chunk_essay, split_sentences
from essay_kb.errors import UnreadableEssay
from essay_kb.ingest import Essay, read_essay

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# GB2312 level-1 hanzi (rows B0–D7): the 3,755 most common characters, the ones real essays are made of.
COMMON_HANZI = "".join(
    bytes([row, cell]).decode("gb2312") for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF)
    if (row, cell) < (0xD7, 0xFA)
)
CHINESE_PUNCTUATION = "，。、；：？！“”‘’（）《》【】…—"
# Whitespace ingest must strip from line edges: ASCII, ideographic space U+3000, NBSP, and a zero-width space.
EDGE_WHITESPACE = " \t\u3000\xa0\u200b"

hanzi = st.sampled_from(COMMON_HANZI)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- 1. any bytes: an Essay or UnreadableEssay ---------------------------------------------------------------------

# Raw bytes alone nearly always read as binary; text in some encoding, with markup and odd whitespace mixed in,
# reaches the HTML, markdown and boilerplate code paths too.
_MARKUP = st.sampled_from([
    "<p>", "</p>", "<h1>", "</h1>", "<h2>", "</h2>", "<title>", "</title>", "<pre>", "</pre>", "<br>", "<div>",
    "</div>", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "&nbsp;", "&#12288;",
    "&#x0;", "<meta name=\"keywords\" content=\"甲;乙\">", "# ", "## ", "**", "```", "> ", "- ", "[a](b)",
    "摘要：", "关键词：", "来源:", "作者：", "版权所有", "转载注明来源:https://x.cn/1", "\r\n", "\r", "\n\n",
    "\u2028", "\x85", "\x0c", "\x1e", "\ufeff",
])
_TEXTISH = st.lists(
    st.one_of(_MARKUP, st.text(alphabet=st.one_of(hanzi, st.sampled_from(CHINESE_PUNCTUATION + EDGE_WHITESPACE + "\n")),
                               max_size=20), st.text(max_size=8)),
    max_size=30,
).map("".join)
_CODECS = st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-be", "big5", "latin-1"])


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    text, codec = draw(_TEXTISH), draw(_CODECS)
    data = text.encode(codec, errors="replace")
    if draw(st.booleans()):  # damage it: a stray byte where a decoder least expects one
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data


@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(data=file_bytes(), suffix=st.sampled_from([".txt", ".md", ".html"]))
# Found by this test: a <title> over two source lines became a title holding "\r" (or "\n", or a blank line); a "\r"
# or U+2028 inside <pre> stayed inside its line of Essay.text; html.parser rejected "<![ " with its own exception.
@example(data=b"&#x0;<title>0\r&#x0;", suffix=".html")
@example(data=b"<pre>a\rb\xe2\x80\xa8c</pre>", suffix=".html")
@example(data=b"<![ ", suffix=".html")
def test_any_file_reads_as_an_essay_or_says_which_file_is_unreadable(data: bytes, suffix: str) -> None:
    """Lost if broken: one odd file (binary, damaged, a stray encoding) would crash `kb index` with a traceback
    instead of being skipped and named; or a blank line, a padded one or a stray line break would reach the chunker,
    which takes each line of the text for one stripped paragraph."""
    with tempfile.TemporaryDirectory() as corpus:
        path = _write(Path(corpus), f"essay{suffix}", data)
        try:
            essay = read_essay(path, Path(corpus))
        except UnreadableEssay as exc:
            assert path.name in str(exc)
            return
    assert essay.sha256 == hashlib.sha256(data).hexdigest()
    for line in essay.text.split("\n"):
        # "Stripped" per the ingest docstring: no whitespace (ASCII, U+3000, NBSP — str.strip knows them all)
        # at either end, so no line is blank.
        assert line and line == line.strip(), f"line {line!r} of {essay.text!r}"
    # Line endings are "\n": no other line break survives inside a line, so ingest and the chunker agree on what
    # a line is.
    assert essay.text.splitlines() == essay.text.split("\n")
    # The chunker finds the title by comparing it with lines of the text, so it is one line too.
    assert essay.title.splitlines() == [essay.title]


# --- 2. every encoding of the same essay reads the same -----------------------------------------------------------

# Rare ideographs too: U+9FA6 onwards and extension A (U+3400–U+4DBF) are outside GBK but inside GB18030.
_RARE_IDEOGRAPH = st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                            st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF))
_OTHER_CHAR = st.one_of(st.sampled_from(CHINESE_PUNCTUATION), st.sampled_from("abcXYZ0123456789 "), st.just("\n"))
_ESSAY_CHAR = st.one_of(hanzi, hanzi, _RARE_IDEOGRAPH, _OTHER_CHAR)

# Without a byte-order mark the encoding is a guess from byte statistics, and it can only be right for text that
# reads as Chinese. Two limits, both of the guess and not of the code under test:
# - a handful of ideographs is genuinely ambiguous (valid Big5, or even valid UTF-8, by chance), so the guessed
#   encodings are held to the property only from this many ideographs, a short paragraph;
# - charset-normalizer judges plausibility by character frequency and rejects a reading in which most ideographs
#   are uncommon. Ideographs drawn uniformly from the 3,755 common ones fail that about once in 70 (it then ranks
#   UTF-16-BE or EUC-JIS first, and no Chinese reading is offered), so for these tests the text is built from
#   passages of the real essays in corpus/, with generated punctuation, letters, line breaks and rare ideographs
#   put in between. That still finds texts charset-normalizer cannot place at all (see the example below).
MIN_IDEOGRAPHS_FOR_GUESSING = 30
REAL_TEXT = "\n".join(path.read_text(encoding="utf-8") for path in sorted(CORPUS.rglob("*.txt")))


def _ideographs(text: str) -> int:
    return sum("\u3400" <= char <= "\u9fff" for char in text)


@st.composite
def chinese_essay_text(draw: st.DrawFn) -> str:
    passages = draw(st.lists(st.tuples(st.integers(0, len(REAL_TEXT) - 1), st.integers(8, 60)), min_size=1,
                             max_size=8))
    text = "".join(REAL_TEXT[start : start + length] for start, length in passages)
    # Put in at most one generated character per four characters of real text, so the text still reads as Chinese.
    # Rare ideographs in half the texts only, so that the other half stays encodable in GBK.
    inserted = st.one_of(_RARE_IDEOGRAPH, _OTHER_CHAR) if draw(st.booleans()) else _OTHER_CHAR
    for char in draw(st.lists(inserted, max_size=len(text) // 4)):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + char + text[at:]
    assume(_ideographs(text) >= MIN_IDEOGRAPHS_FOR_GUESSING)
    return text


def _same_essay_in(encoding: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as corpus:
        folder = Path(corpus)
        try:
            expected = read_essay(_write(folder, "essay.txt", text.encode("utf-8")), folder)
        except UnreadableEssay:
            assume(False)  # blank text: nothing to compare
        essay = read_essay(_write(folder, "essay.txt", text.encode(encoding)), folder)
    assert (essay.text, essay.title) == (expected.text, expected.title)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])  # Python's "utf-16" writes a BOM
@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=_ESSAY_CHAR, min_size=1, max_size=400))
def test_an_essay_with_a_byte_order_mark_reads_as_its_utf8_twin(encoding: str, text: str) -> None:
    """Lost if broken: an essay Notepad saved as UTF-16 or UTF-8-with-BOM would be indexed as mojibake, or with a
    stray U+FEFF in its title, and no question would find it."""
    _same_essay_in(encoding, text)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
@settings(max_examples=150, deadline=None)
@given(text=chinese_essay_text())
# Found by this test: charset-normalizer recognises no encoding at all in these GBK bytes (":ssay类;" looks like
# mojibake to it), and the essay was refused as "not text in any encoding we recognise".
@example(text="城市生活垃圾分类的现状与推进对策来源:ssay类;城市管理资源回收居民参")
def test_an_essay_in_a_chinese_legacy_encoding_reads_as_its_utf8_twin(encoding: str, text: str) -> None:
    """Lost if broken: an essay saved as GBK by an older Windows editor (most scraped Chinese pages are) would be
    indexed as mojibake, and no question would find it."""
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)  # a character outside GBK: GB18030 carries it, GBK cannot
    # decode_essay_bytes tries strict UTF-8 before guessing, by design: bytes that are valid UTF-8 are read as
    # UTF-8. Some GBK text is valid UTF-8 by accident ("一" is D2 BB, which UTF-8 reads as "һ"; with ideographs
    # drawn uniformly hypothesis found "一" * 30). Real essays never are (every ideograph's two bytes would have to
    # form a valid sequence), so such texts are outside the property rather than a failure of it.
    assume(not _is_utf8(raw))
    _same_essay_in(encoding, text)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- 3. the chunker: exact offsets, bounded size, nothing lost, nothing repeated but by design -------------------

_WORDS = st.text(alphabet=hanzi, min_size=1, max_size=12)
_PAD = st.text(alphabet=EDGE_WHITESPACE, max_size=2)  # ingest strips it; the chunker must never see it
_TERMINATOR = st.sampled_from(["。", "！", "？", "；", "……", "。”", "？」", ".", "!", ""])


# Long sentences, with and without commas, are what the chunker must cut inside a sentence. (The strategies are
# built once here: building a text strategy over 3,755 characters inside a draw made generation ten times slower.)
_SENTENCE_BODY = st.one_of(*(
    st.text(alphabet=st.one_of(hanzi, hanzi, hanzi, st.sampled_from("，、：, ")), min_size=low, max_size=high)
    for low, high in ((1, 10), (10, 40), (40, 120), (120, 450))
))


@st.composite
def sentence(draw: st.DrawFn) -> str:
    body = draw(_SENTENCE_BODY)
    if draw(st.integers(0, 5)) == 0:
        body = draw(st.sampled_from(["“", "「", "（"])) + body + draw(st.sampled_from(["。”", "」", "）", ""]))
    if draw(st.integers(0, 5)) == 0:  # an ASCII aside: numbers and URLs whose "." ends no sentence
        body += draw(st.sampled_from(["3.5亿元", "www.xzbu.com", "GDP", "2018年", "[J].党史"]))
    return body + draw(_TERMINATOR)


_PARAGRAPH = st.lists(sentence(), min_size=1, max_size=12).map("".join)
_HEADING = st.one_of(
    st.tuples(st.sampled_from(["一、", "二、", "十一、", "（一）", "(二)", "1. ", "2.", "3、", "1.1 ", "2.3.1 ",
                               "第一章 ", "第二节", "①"]), _WORDS).map("".join),
    st.sampled_from(["引言", "结语", "结论与展望", "致  谢", "五、结语"]),
)
_ABSTRACT = st.one_of(
    st.tuples(st.sampled_from(["摘要：", "摘 要:", "【摘要】", "内容提要:", "Abstract: "]), _PARAGRAPH).map("".join),
    _PARAGRAPH.map(lambda paragraph: f"摘  要\n{paragraph}"),  # a bare label: the next line is the abstract
)
_KEYWORDS = st.one_of(
    st.tuples(st.sampled_from(["关键词：", "关 键 字:", "【关键词】", "Key words: "]),
              st.lists(_WORDS, min_size=1, max_size=5).map("；".join)).map("".join),
    st.lists(_WORDS, min_size=1, max_size=5).map(lambda words: "关键词\n" + " ".join(words)),
)
_ENTRY = st.tuples(_WORDS, _WORDS, st.integers(1990, 2024), st.integers(1, 12)).map(
    lambda e: f"{e[0]}.{e[1]}[J].学报,{e[2]}({e[3]:02d})."
)


@st.composite
def references(draw: st.DrawFn) -> str:
    label = st.sampled_from(["参考文献：", "参考文献", "【参考文献】", "[参考文献]", "主要参考文献:", "References"])
    lines = [draw(label)]
    numbering = draw(st.sampled_from(["[{}] ", "［{}］", "{}. ", "({})", ""]))
    for number, entry in enumerate(draw(st.lists(_ENTRY, min_size=1, max_size=6)), 1):
        head = numbering.format(number) + entry
        if numbering and draw(st.booleans()):  # an entry wrapped after "[J].": the next line continues it
            cut = head.index("[J].") + 4
            head = head[:cut] + "\n" + head[cut:]
        lines.append(head)
    if draw(st.booleans()):  # what often follows the list, and is no reference
        lines.append("作者简介：" + draw(_WORDS))
    return "\n".join(lines)


@st.composite
def essay_source(draw: st.DrawFn) -> str:
    """The text of a .txt essay: a title line, then metadata, headings, paragraphs and references in any order."""
    blocks = [draw(_WORDS)] if draw(st.booleans()) else []
    blocks += draw(st.lists(st.one_of(_ABSTRACT, _KEYWORDS, _HEADING, _PARAGRAPH, _PARAGRAPH, _PARAGRAPH,
                                      references()), min_size=1, max_size=12))
    lines = "\n".join(blocks).split("\n")
    blank = st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\n\u3000\n"])
    return "".join(draw(_PAD) + line + draw(_PAD) + draw(blank) for line in lines)


def _read_txt(source: str) -> Essay:
    with tempfile.TemporaryDirectory() as corpus:
        return read_essay(_write(Path(corpus), "essay.txt", source.encode("utf-8")), Path(corpus))


_MAX_CHARS = st.one_of(st.integers(50, 150), st.integers(50, 800))  # small ones cut more paragraphs
_CHUNKER_SETTINGS = settings(max_examples=200, deadline=None)


@pytest.mark.slow
@_CHUNKER_SETTINGS
@given(source=essay_source(), max_chars=_MAX_CHARS)
def test_chunks_are_bounded_slices_of_the_essay_in_reading_order(source: str, max_chars: int) -> None:
    """Lost if broken: highlighted passages would point at the wrong characters of the essay, a chunk could
    overflow the embedding model's input and be silently truncated, and results would come back out of order."""
    essay = _read_txt(source)
    chunks = chunk_essay(essay, max_chars)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.text == essay.text[chunk.start : chunk.end]
        assert chunk.text and chunk.text == chunk.text.strip()
        assert len(chunk.text) <= max_chars
        assert chunk.essay_id == essay.id
    assert all(a.start <= b.start for a, b in pairwise(chunks))


@pytest.mark.slow
@_CHUNKER_SETTINGS
@given(source=essay_source(), max_chars=_MAX_CHARS)
def test_every_character_of_the_essay_is_in_some_chunk(source: str, max_chars: int) -> None:
    """Lost if broken: a sentence that is in no chunk can never be found by any question."""
    essay = _read_txt(source)
    covered = [False] * len(essay.text)
    for chunk in chunk_essay(essay, max_chars):
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    # The one line the chunker leaves out on purpose (chunker docstring, and `_units`: the line is skipped before
    # it becomes a unit): the references label ("参考文献:", "【参考文献】", "References"…) unless it is the title.
    # Bare labels ("摘  要", "关键词" alone) are not left out: they join the line they label.
    offset = 0
    for line in essay.text.split("\n"):
        if not _REFERENCES.match(line):
            lost = [char for at, char in enumerate(line, offset) if not covered[at] and not char.isspace()]
            assert not lost, f"{''.join(lost)!r} of line {line!r} is in no chunk"
        offset += len(line) + 1


@pytest.mark.slow
@_CHUNKER_SETTINGS
@given(source=essay_source(), max_chars=_MAX_CHARS)
def test_chunks_cut_no_sentence_that_fits(source: str, max_chars: int) -> None:
    """Lost if broken: a hit would start or stop mid-sentence, and the half-sentences on either side of the cut
    would each be embedded without the words that give them their meaning."""
    essay = _read_txt(source)
    sentences = split_sentences(essay.text)
    for chunk in chunk_essay(essay, max_chars):
        # Only a sentence longer than max_chars may be cut (after a comma, else hard at max_chars).
        for start, end in sentences:
            if end - start <= max_chars and start < chunk.end and chunk.start < end:
                assert chunk.start <= start and end <= chunk.end, (chunk, essay.text[start:end])


@pytest.mark.slow
@_CHUNKER_SETTINGS
@given(source=essay_source(), max_chars=_MAX_CHARS)
def test_only_windows_of_one_paragraph_overlap_and_by_one_sentence(source: str, max_chars: int) -> None:
    """Lost if broken: the same passage would come back as several hits, crowding out other results and
    inflating how often an essay seems to discuss something."""
    essay = _read_txt(source)
    chunks = chunk_essay(essay, max_chars)
    # split_sentences breaks at every line break and resets quotations per line, so its sentences of the whole
    # text are exactly those of each paragraph, wherever the chunker's paragraphs (units) begin and end.
    sentences = split_sentences(essay.text)
    for before, later in zip(chunks, chunks[2:], strict=False):
        assert later.start >= before.end, "a chunk overlaps one that is not its neighbour"
    for before, after in pairwise(chunks):
        if after.start >= before.end:
            continue
        # Overlapping neighbours are windows of one paragraph (chunks of different paragraphs never overlap), and
        # what they share lies in one sentence: all of it when it fits in max_chars, else the one piece of it that
        # ends the first window.
        assert (after.kind, after.section, after.paragraph) == (before.kind, before.section, before.paragraph)
        assert before.start < after.start and before.end < after.end
        shared = next((s, e) for s, e in sentences if s <= after.start < e)
        assert before.end <= shared[1], "the overlap runs over more than one sentence"
        if shared[1] - shared[0] <= max_chars:
            assert (after.start, before.end) == shared, "the overlap is not a whole sentence"


@pytest.mark.slow
@_CHUNKER_SETTINGS
@given(source=essay_source(), max_chars=_MAX_CHARS)
def test_windows_of_a_long_paragraph_repeat_the_sentence_at_their_seam(source: str, max_chars: int) -> None:
    """Lost if broken: a question about what two neighbouring windows say together (a claim and its reason,
    a sentence apart) would match neither window well."""
    essay = _read_txt(source)
    sentences = split_sentences(essay.text)
    chunks = chunk_essay(essay, max_chars)
    for before, after in pairwise(chunks):
        # Body, conclusion and reference chunks with one paragraph number are windows of one paragraph (title,
        # abstract, keywords and headings all carry 0, so only these three kinds say which unit they came from).
        same_paragraph = (after.kind, after.section, after.paragraph) == (before.kind, before.section, before.paragraph)
        if not same_paragraph or after.kind not in ("body", "conclusion", "reference") or after.start < before.end:
            continue
        # They do not overlap: the docstring allows that only when the first window is that one sentence alone,
        # or its last sentence and the next one do not fit in max_chars together. Checked where both sentences fit
        # in max_chars on their own (a longer one is cut into pieces the test cannot see).
        last = next((s, e) for s, e in sentences if s < before.end <= e)
        following = next((s, e) for s, e in sentences if s <= after.start < e)
        if last[1] - last[0] <= max_chars and following[1] - following[0] <= max_chars:
            assert before.start == last[0] or following[1] - last[0] > max_chars, (before, after)


# --- 4. sentences ---------------------------------------------------------------------------------------------------

_SENTENCE_TEXT = st.text(alphabet=st.one_of(
    hanzi, st.sampled_from("。！？；!?;…..”’」』\"'）)》】“「『，,ab1 \t\n\u3000\xa0\r\u2028"), st.characters(),
), max_size=200)


@settings(max_examples=1000, deadline=None)
@given(text=_SENTENCE_TEXT)
def test_sentences_are_ordered_stripped_spans_that_cover_the_text(text: str) -> None:
    """Lost if broken: chunk windows are cut along these spans and highlights are drawn with them, so a gap
    would drop words from the index and an overlap would repeat them; padding would highlight blank space."""
    spans = split_sentences(text)
    covered = [False] * len(text)
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert "\n" not in text[start:end], "a sentence ends at a line break"
        covered[start:end] = [True] * (end - start)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))
    assert all(covered[at] or char.isspace() for at, char in enumerate(text))
