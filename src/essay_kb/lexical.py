"""BM25 over chunks (bm25s), on the one normalised text, with a Chinese-aware tokeniser passed in by name.

Chinese has no spaces, so a `\\w+` tokeniser would make each run of characters one useless token. The
choice of tokeniser is measured on CMRC 2018 trial by bench/lexical.py (see BENCHMARKS.md).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path

import bm25s
import numpy as np

from essay_kb.errors import EssayKBError
from essay_kb.normalize import normalize_for_search

log = logging.getLogger(__name__)
# bm25s logs every index build at DEBUG through a handler of its own; keep it to warnings.
logging.getLogger("bm25s").setLevel(logging.WARNING)

Tokenizer = Callable[[str], list[str]]
BM25_FOLDER = "bm25"

# Runs of CJK ideographs, or of Latin letters/digits (a word, a number, a year like 2018).
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[.'][a-z0-9]+)*")
_WORD = re.compile(r"\w", re.UNICODE)


def _cjk(run: str) -> bool:
    return not run[0].isascii()


def bigram_tokens(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run (a lone character stays a unigram), plus Latin words."""
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text.lower()):
        if _cjk(run) and len(run) > 1:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


def _jieba():  # type: ignore[no-untyped-def]
    from essay_kb.jieba_dict import tokenizer

    return tokenizer()


def jieba_tokens(text: str) -> list[str]:
    """jieba's search-mode words (long words also yield their sub-words), punctuation and spaces dropped."""
    return [t for t in _jieba().lcut_for_search(text.lower()) if _WORD.search(t)]


def jieba_bigram_tokens(text: str) -> list[str]:
    return jieba_tokens(text) + [t for t in bigram_tokens(text) if len(t) == 2 and _cjk(t)]


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list (a maintained list; scikit-learn comes with sentence-transformers).
    Loaded on the first question with Latin words, so a Chinese question never pays the import."""
    from sklearn.feature_extraction._stop_words import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


_LATIN_LETTER = re.compile(r"[a-z]")


def is_latin_word(term: str) -> bool:
    """A token with Latin letters ("party", "web2.0"); numbers ("2018") are shared by every script."""
    return term.isascii() and _LATIN_LETTER.search(term) is not None


def meaningful_terms(terms: Sequence[str]) -> list[str]:
    """Query terms without English stop words: "the", "what", "does" match any English line and mean nothing."""
    if not any(is_latin_word(t) for t in terms):
        return list(terms)
    stop = english_stop_words()
    return [t for t in terms if t not in stop]


_LATIN_WORD = re.compile(r"[a-z]+", re.IGNORECASE)


def latin_share(text: str) -> float:
    """Latin words against ideographs (one ideograph is about one word): 0 for Chinese prose, 1 for English.
    Counted by words, not letters, so "MIT OpenCourseWare指什么？" is Chinese and "What does 党建 mean?" is not."""
    latin = len(_LATIN_WORD.findall(text))
    cjk = sum(len(run) for run in _CJK_RUN.findall(text) if _cjk(run))
    return latin / (latin + cjk) if latin + cjk else 0.0


TOKENIZERS: dict[str, Tokenizer] = {
    "bigram": bigram_tokens,
    "jieba": jieba_tokens,
    "jieba+bigram": jieba_bigram_tokens,
}


DEFAULT_TOKENIZER = "jieba+bigram"  # best on CMRC 2018 trial, see BENCHMARKS.md


def get_tokenizer(name: str) -> Tokenizer:
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise EssayKBError(f"Unknown lexical tokenizer {name!r}; choose one of {sorted(TOKENIZERS)}.") from None


@lru_cache(maxsize=256)
def question_tokens(question: str, tokenizer: str) -> tuple[str, ...]:
    """A question's tokens. Cached: one search tokenises its question twice (BM25 terms here, the coverage of
    confidence.py), and jieba is the costliest step of a search after the embedding."""
    return tuple(get_tokenizer(tokenizer)(normalize_for_search(question)))


class LexicalIndex:
    """BM25 scores of every chunk for a question; row i is chunk row i of the chunk database."""

    def __init__(self, bm25: bm25s.BM25, tokenizer: str) -> None:
        self._bm25 = bm25
        self.tokenizer = tokenizer
        self._tokenize = get_tokenizer(tokenizer)

    @property
    def count(self) -> int:
        return int(self._bm25.scores["num_docs"])

    @classmethod
    def build(cls, texts: Sequence[str], tokenizer: str) -> LexicalIndex:
        tokenize = get_tokenizer(tokenizer)
        return cls.from_tokens([tokenize(normalize_for_search(t)) for t in texts], tokenizer)

    @classmethod
    def from_tokens(cls, tokens: Sequence[list[str]], tokenizer: str) -> LexicalIndex:
        """Index texts already tokenised by `tokenizer` (builds keep each chunk's tokens to skip this step)."""
        bm25 = bm25s.BM25()
        bm25.index(list(tokens), show_progress=False)
        return cls(bm25, tokenizer)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder / BM25_FOLDER), show_progress=False)

    @classmethod
    def load(cls, folder: Path, tokenizer: str) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder / BM25_FOLDER), show_progress=False), tokenizer)

    def damage(self) -> str:
        """What is wrong with the loaded score arrays ("" when they are sound): every load runs this instead of
        a checksum, at a cost well below the read (bench/verify_cost.py). Bytes changed in place are caught when
        they turn a score negative or not finite, or a row or term pointer out of range."""
        scores = self._bm25.scores
        data, indices, indptr, docs = scores["data"], scores["indices"], scores["indptr"], int(scores["num_docs"])
        if not len(indptr) or indptr[0] != 0 or indptr[-1] != len(data):
            return "its term pointers do not match its scores"
        if len(indices) != len(data) or (len(data) and (indices.min() < 0 or indices.max() >= docs)):
            return "it points at rows that do not exist"
        if (np.diff(indptr) < 0).any():
            return "its term pointers run backwards"
        if not np.isfinite(data).all() or (data < 0).any():
            return "it holds scores that are negative or not finite numbers"
        return ""

    def query_terms(self, question: str) -> list[str]:
        """The question's tokens that occur in the corpus, in question order, without repeats."""
        vocab = self._bm25.vocab_dict
        return list(dict.fromkeys(t for t in question_tokens(question, self.tokenizer) if t in vocab))

    def idf(self, terms: Sequence[str]) -> list[float]:
        """BM25's inverse document frequency of each term; a term no chunk holds gets the highest (df 0).

        bm25s keeps only the final score matrix, term-major: a term's column length is its document frequency.
        """
        indptr, vocab, n = self._bm25.scores["indptr"], self._bm25.vocab_dict, self.count
        out = []
        for t in terms:
            df = int(indptr[vocab[t] + 1] - indptr[vocab[t]]) if t in vocab else 0
            out.append(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every chunk row (zeros when no question term occurs in the corpus)."""
        return self.scores_for_terms(self.query_terms(question))

    def scores_for_terms(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk row for terms from `query_terms` (tokenise a question once, use twice)."""
        if not terms:
            return np.zeros(self.count, dtype=np.float32)
        ids = [self._bm25.vocab_dict[t] for t in terms]
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def top_rows(self, scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best rows of a score array as (row, BM25 score), best first; rows scoring 0 never match.

        Args:
            allowed: optional boolean mask over rows (a filter); masked-out rows never come back.
        """
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top]

    def search(self, question: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.top_rows(self.scores(question), k, allowed)
