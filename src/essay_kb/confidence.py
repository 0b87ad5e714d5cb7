"""How likely a hit answers its question: a logistic model over features a search already has, so a reader
can be told "no passage answers this well" instead of being shown the least bad passage as if it fitted.

The fused score cannot say this: the blend min-max normalises over each question's candidates, so the best
candidate scores near 1.0 whatever it is. The features here are absolute (a cosine, a share of the question's
words found in the passage) and the coefficients are fitted on labelled questions by bench/confidence.py.
Pure functions, no model or index: search.py calls them on the hits it builds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from essay_kb import lexical

FEATURES = ("cosine", "coverage")

# Fitted by `python bench/confidence.py` (see BENCHMARKS.md, "Confidence — issue 14"): logistic regression on
# (cosine, coverage) → P(the hit is the passage that answers), over CMRC 2018 trial's odd-numbered articles, with
# the even ones held out (question AUC 0.98 there).
INTERCEPT = -27.0324
COEFFICIENTS = (25.1743, 12.6060)
# Below this best confidence a question counts as unanswered. CMRC questions reuse their passage's words, so
# readers' paraphrases score far lower; the threshold is therefore chosen by the same bench on the dev split of
# tests/data/reader_questions.jsonl (most unanswerable flagged minus answerable flagged), its test split held out.
THRESHOLD = 0.0134
# What a reader is told, above the closest passages, when the best hit is below THRESHOLD.
NO_GOOD_ANSWER = "No passage answers this well — closest:"


def cross_lingual(question: str) -> bool:
    """A question written in Latin script (English) is not judged. Its words never occur in Chinese passages, so
    coverage is 0, and on this model's cosines an answerable English question and an off-topic one look alike
    (0.75–0.81 against 0.75 on the reader dev split): every English question would be flagged. Not judging is the
    honest answer until labelled English questions give the model something to fit."""
    latin = sum(ch.isascii() and ch.isalpha() for ch in question)
    cjk = sum("\u3400" <= ch <= "\u9fff" for ch in question)
    return latin >= 4 and cjk == 0


def question_tokens(question: str, tokenizer: str) -> tuple[str, ...]:
    """The question's distinct words of two or more characters, in the index's tokenisation (including the
    words the corpus never uses: those are what gives an off-topic question away)."""
    return tuple(dict.fromkeys(t for t in lexical.question_tokens(question, tokenizer) if len(t) > 1))


def hit_features(
    cosine: float | None, found_terms: Sequence[str], tokens: Sequence[str], weights: Sequence[float]
) -> tuple[float, float]:
    """(cosine, coverage) of one hit.

    Args:
        cosine: the hit's cosine with the question (None counts as 0: no dense side).
        found_terms: the question words found in its passage (`Highlight.terms`).
        tokens: `question_tokens` of the question.
        weights: each token's IDF in the index (`LexicalIndex.idf`).

    coverage is the IDF-weighted share of the question's words the passage holds: a missing 医疗 (which no
    essay uses) weighs more than a missing 怎样, so a paraphrase keeps its coverage and an off-topic question
    loses it. Unlike the BM25 score it is a share, so it means the same on an index of any size.
    """
    total = sum(weights)
    found = set(found_terms)
    covered = sum(w for t, w in zip(tokens, weights, strict=True) if t in found)
    return (cosine or 0.0, covered / total if total > 0 else 0.0)


def confidence(features: Sequence[float]) -> float:
    """P(answers) in [0, 1] from one hit's `hit_features`."""
    z = INTERCEPT + sum(w * x for w, x in zip(COEFFICIENTS, features, strict=True))
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def answers_well(confidence: float | None) -> bool | None:
    """Whether a hit of this confidence answers well enough to show without a warning (None: not judged)."""
    return None if confidence is None else confidence >= THRESHOLD


def answered(confidences: Sequence[float | None]) -> bool | None:
    """Whether a question's best hit answers well; None when no hit was judged (lexical mode, no hits)."""
    known = [c for c in confidences if c is not None]
    return answers_well(max(known)) if known else None
