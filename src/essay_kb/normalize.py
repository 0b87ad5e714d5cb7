"""The one search-normalisation function. Indexing and querying both call it, so the two sides never drift.

Normalisation is for matching only: it may change the length of a string (NFKC turns "㈠" into "(一)",
"ﬁ" into "fi"; OpenCC may map a phrase to one of another length), so nothing that is normalised is ever
used for offsets. Chunk offsets, highlight spans and sentence spans always index into the original
`Essay.text`.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from functools import lru_cache

import opencc

logger = logging.getLogger(__name__)

# Traditional → simplified, characters and common phrases. "t2s" rather than "tw2s"/"hk2s" because the corpus
# mixes sources and t2s is the regional-neutral OpenCC standard.
OPENCC_CONFIG = "t2s"


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    # Loading the dictionaries takes milliseconds; converting a query takes about a microsecond. Build once.
    logger.debug("loading OpenCC converter %s", OPENCC_CONFIG)
    return opencc.OpenCC(OPENCC_CONFIG)


def normalize_for_search(text: str) -> str:
    """Fold the variants a reader considers the same text, for matching queries against chunks.

    NFKC first (full-width letters, digits and punctuation become half-width, compatibility forms are
    unfolded), then OpenCC traditional → simplified. Case is left alone: the embedding model handles case,
    and folding it is a tokeniser decision.

    Args:
        text: any text, a whole chunk or a query.

    Returns:
        The normalised text. Its length may differ from `text`; never use it for offsets.
    """
    if not text:
        return text
    simplified: str = _converter().convert(unicodedata.normalize("NFKC", text))
    return simplified


def matchable_text(text: str) -> str:
    """The form query terms are matched in: normalised and lower-cased like the tokenisers' output, so "ABC"
    in a passage matches the term "abc". The index stores it per chunk, so queries need not recompute it."""
    return normalize_for_search(text).lower()


def text_fingerprint(text: str) -> str:
    """Identify a passage's text regardless of script, width and spacing: the same paragraph in a reprint,
    an essay saved twice, or a traditional-character copy gets the same fingerprint."""
    return hashlib.sha1("".join(normalize_for_search(text).split()).encode("utf-8")).hexdigest()[:16]
