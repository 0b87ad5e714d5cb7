"""Which sentence of a passage answers the question, and where the question's terms occur in it.

Lexical on purpose: it runs on every hit of every query and must cost far less than the query embedding,
so it matches the question's BM25 terms instead of embedding each sentence.

Matching happens in normalised space (`normalize_for_search`, lower-cased like the tokenisers' output), so a
traditional or full-width passage matches simplified, half-width terms; every offset it returns indexes the
passage as written.

Marks begin and end on word boundaries: the passage is cut into words by jieba (the tokeniser BM25 uses), and a
passage word is marked when the question's terms cover at least half of it, counting only terms that lie inside
the word or span it whole. So 基层 and 党组织 mark 基层党组织 whole, never **基层党**组织 (the bigram 层党 straddles two
words and counts for neither); 平台 marks the word 服务平台; and a short term inside a long word (基层 in a
seven-character compound) marks nothing rather than half a word. Stop and filler words (可以, 如何, the) are never
marked: they say nothing about the answer. They still count when picking the best sentence, which is unchanged.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_CHINESE, STOPWORDS_EN

from essay_kb.chunker import split_sentences
from essay_kb.lexical import _jieba
from essay_kb.normalize import matchable_text

# bm25s ships a maintained Chinese list (the common 841-word one: 可以, 哪些, 如何, 进行, 通过 …) and a short English
# one; reusing them beats a hand-written list. Words are compared in normalised form (simplified, lower-case).
_STOP_WORDS = frozenset(STOPWORDS_CHINESE) | frozenset(STOPWORDS_EN)
# jieba segments each run of these characters on its own (its `re_han_default`), so cutting one such block gives
# the same words as cutting the whole passage, and only the blocks holding a term need segmenting.
_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")


@dataclass(frozen=True)
class Highlight:
    sentence: tuple[int, int]  # offsets in the passage text of the sentence that best answers the question
    terms: tuple[str, ...]  # the query terms (normalised form) found in the passage, in query order
    term_spans: tuple[tuple[int, int], ...]  # sorted, merged, non-overlapping spans of whole marked words


@dataclass(frozen=True)
class _Occurrence:
    term: str
    start: int  # in the normalised text
    run_length: int  # length of the merged run (the highlighted phrase) this occurrence is part of


# --- normalised text and its offset map --------------------------------------------------------------------------


_normalised = matchable_text


@lru_cache(maxsize=8192)
def _normalised_char(char: str) -> str:
    return _normalised(char)


def _normalised_with_offsets(text: str, normalised: str | None = None) -> tuple[str, Sequence[int]]:
    """The normalised text and, for each of its characters, the offset of its source character in `text`."""
    normalised = _normalised(text) if normalised is None else normalised
    if len(normalised) == len(text):
        # NFKC and t2s map one character to one in nearly every passage: positions correspond. (An expansion
        # cancelled by a contraction elsewhere would fool this; we accept that for the fast path.)
        return normalised, range(len(text))
    return _mapped(text)


def _mapped(text: str) -> tuple[str, list[int]]:
    """Normalisation with a faithful offset map, for the rare passage whose length normalisation changes.

    Whole-string normalisation says nothing about which output came from which input, so the characters that
    change length on their own (㈱ → (株), ﬁ → fi) are normalised one by one, and every run between them is
    normalised whole, which keeps OpenCC's phrase conversions (乾隆 stays 乾隆 though 乾 alone → 干). A run
    that still changes length (a composition across characters, e.g. ｶﾞ → ガ) falls back to one character at a
    time: it may miss a match there, but it never misplaces an offset.
    """
    pieces: list[str] = []
    offsets: list[int] = []
    run_start = 0
    for i, char in enumerate(text):
        piece = _normalised_char(char)
        if len(piece) != 1:
            _add_run(text, run_start, i, pieces, offsets)
            pieces.append(piece)
            offsets.extend([i] * len(piece))
            run_start = i + 1
    _add_run(text, run_start, len(text), pieces, offsets)
    return "".join(pieces), offsets


def _add_run(text: str, start: int, end: int, pieces: list[str], offsets: list[int]) -> None:
    run = _normalised(text[start:end])
    if len(run) == end - start:
        pieces.append(run)
        offsets.extend(range(start, end))
        return
    for i in range(start, end):
        piece = _normalised_char(text[i])
        pieces.append(piece)
        offsets.extend([i] * len(piece))


# --- word-boundary marks ----------------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def _word_ends(block: str) -> tuple[int, ...]:
    """End offsets (within the block) of jieba's words; cached because the same passages come back query after
    query, and segmenting is the one step here that costs more than a string search."""
    ends, end = [], 0
    for word in _jieba().cut(block):
        end += len(word)
        ends.append(end)
    return tuple(ends)


def _covered(w0: int, w1: int, found: Sequence[tuple[int, int, str]]) -> int:
    """How many characters of the word [w0, w1) the terms cover, counting a term only if it lies inside the word
    or spans it whole: a term straddling the word's edge (层党 across 基层|党组织) shares letters, not meaning."""
    inside: set[int] = set()
    for start, end, _ in found:
        if start <= w0 and w1 <= end:
            return w1 - w0
        if w0 <= start and end <= w1:
            inside.update(range(start, end))
    return len(inside)


def _word_spans(normalised: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The passage words (normalised offsets) mostly covered by terms, stop words left out."""
    if not found:
        return []
    starts = sorted({start for start, _, _ in found})
    spans = []
    for block in _BLOCK.finditer(normalised):
        b0, b1 = block.span()
        i = bisect_right(starts, b1 - 1)
        if not i or starts[i - 1] < b0:  # no term starts in this block
            continue
        in_block = [f for f in found if f[0] < b1 and f[1] > b0]
        w0 = b0
        for end in _word_ends(block.group()):
            w1 = b0 + end
            if normalised[w0:w1] not in _STOP_WORDS and 2 * _covered(w0, w1, in_block) >= w1 - w0:
                spans.append((w0, w1))
            w0 = w1
    return spans


# --- terms, runs and the best sentence ---------------------------------------------------------------------------


def _find_all(normalised: str, terms: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every occurrence, overlapping ones included (哈哈 twice in 哈哈哈)."""
    found = []
    for term in dict.fromkeys(t for t in terms if t):
        start = normalised.find(term)
        while start >= 0:
            found.append((start, start + len(term), term))
            start = normalised.find(term, start + 1)
    return found


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans become one: the bigrams 党员, 员干, 干部 mark 党员干部 as one phrase."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _occurrences(found: list[tuple[int, int, str]], runs: list[tuple[int, int]]) -> list[_Occurrence]:
    """Each occurrence with the length of the run it lies in (runs and occurrences both sorted by start)."""
    occurrences, r = [], 0
    for start, _, term in sorted(found):
        while runs[r][1] <= start:
            r += 1
        occurrences.append(_Occurrence(term, start, runs[r][1] - runs[r][0]))
    return occurrences


def _best_sentence(
    sentences: list[tuple[int, int]], occurrences: list[_Occurrence], offsets: Sequence[int]
) -> tuple[int, int]:
    """The sentence that holds the most of the question, counted so that a sentence matching the question's
    phrase beats one that merely repeats a word or is long.

    A sentence scores, for each distinct query term occurring in it, the length of the longest highlighted run
    (phrase) that term is part of there. So a phrase of L characters built from k terms adds k·L (about L²
    for overlapping bigrams): 基层党员干部 (5 bigrams × 6 = 30) outweighs 基层 … 党员 … 干部 scattered (3 × 2
    = 6). A term repeated in the sentence adds nothing more, so a long sentence gains only by holding more of
    the question. Ties go to the earlier sentence; with no term in the passage the first sentence wins.
    """
    starts = [s for s, _ in sentences]
    weights: list[dict[str, int]] = [{} for _ in sentences]
    for o in occurrences:
        i = bisect_right(starts, offsets[o.start]) - 1
        if i >= 0 and offsets[o.start] < sentences[i][1]:  # not in the whitespace between sentences
            weights[i][o.term] = max(weights[i].get(o.term, 0), o.run_length)
    scores = [sum(w.values()) for w in weights]
    return sentences[scores.index(max(scores))]  # index() finds the first maximum: ties keep the earlier one


# --- public -------------------------------------------------------------------------------------------------------


def highlight(
    text: str,
    query_terms: Sequence[str],
    matchable: str | None = None,
    sentences: Sequence[tuple[int, int]] | None = None,
) -> Highlight:
    """Mark the question's terms in a passage and pick its best sentence.

    Args:
        text: the passage as written (traditional characters and full-width forms allowed); offsets refer to it.
        query_terms: the question's normalised tokens (e.g. `LexicalIndex.query_terms`).
        matchable: `matchable_text(text)` when already known (the index stores it).
        sentences: `split_sentences(text)` when already known (the index stores them).

    Returns:
        The best sentence, the query terms found, and the merged spans of the words they mark.
    """
    normalised, offsets = _normalised_with_offsets(text, matchable)
    found = _find_all(normalised, query_terms)
    runs = _merge([(start, end) for start, end, _ in found])
    words = _merge(_word_spans(normalised, found))
    # Mapping back may join spans (the "(株)" of ㈱ are three characters from one), so merge again.
    spans = _merge([(offsets[s], offsets[e - 1] + 1) for s, e in words])
    sentences = list(sentences if sentences is not None else split_sentences(text)) or [(0, len(text))]
    matched = {term for _, _, term in found}
    return Highlight(
        sentence=_best_sentence(sentences, _occurrences(found, runs), offsets),
        terms=tuple(t for t in dict.fromkeys(query_terms) if t in matched),
        term_spans=tuple(spans),
    )


def marked_pieces(text: str, h: Highlight) -> list[tuple[str, bool, bool]]:
    """The passage cut at every highlight boundary: (piece, inside the best sentence, inside a term span),
    so a UI can wrap pieces in its own markup after escaping them."""
    cuts = sorted({0, len(text), *h.sentence, *(x for span in h.term_spans for x in span)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        in_sentence = h.sentence[0] <= start and end <= h.sentence[1]
        is_term = any(s <= start and end <= e for s, e in h.term_spans)
        pieces.append((text[start:end], in_sentence, is_term))
    return pieces
