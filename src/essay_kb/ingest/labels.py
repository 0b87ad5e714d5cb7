"""The label shapes of 摘要 / 关键词 / Abstract / Key words, and splitting a keyword list into its terms.

Ingest and the chunker match these against raw lines (not normalised ones), so traditional forms are spelled out.
"""

from __future__ import annotations

import re

_OPEN, _CLOSE = r"[【\[［〔]", r"[】\]］〕]"
# Spaces (and the "?" a garbled copy leaves, "摘 ?要") may stand between the characters of a label.
_GAP = r"[\s?？]*"
_ABSTRACT_WORD = rf"(?:[内內]容|中文|英文|执行|執行)?(?:摘{_GAP}要|提{_GAP}要)"
# "摘要:…", "摘 要：…", "【摘要】…", "〔摘要〕…", "［摘要］…", "内容提要:…", "摘要 …" (a space for a colon),
# "Abstract:…".
ABSTRACT_LINE = re.compile(
    rf"^(?:{_OPEN}\s*{_ABSTRACT_WORD}\s*{_CLOSE}\s*[:：]?|{_ABSTRACT_WORD}\s*(?:[:：]|$|[ \u3000]+(?=\S))"
    rf"|abstract\s*(?:[:：]|$)|{_OPEN}\s*abstract\s*{_CLOSE}\s*[:：]?)\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_KEYWORDS_WORD = rf"(?:[关關]{_GAP}[键鍵]{_GAP}[词字詞](?:语|語)?|主{_GAP}题{_GAP}[词詞]|主{_GAP}題{_GAP}[词詞])"
# "关键词:…", "关键字：…", "關鍵詞：…", "【关键词】…", "〔关键词〕…", "Key words:…", "Keywords:…".
KEYWORDS_LINE = re.compile(
    rf"^(?:{_OPEN}\s*{_KEYWORDS_WORD}\s*{_CLOSE}\s*[:：]?|{_KEYWORDS_WORD}\s*(?:[:：]|$|[ \u3000]+(?=\S))"
    rf"|key\s*words?\s*(?:[:：]|$)|{_OPEN}\s*key\s*words?\s*{_CLOSE}\s*[:：]?)\s*(?P<value>.*)$",
    re.IGNORECASE,
)


def is_label(line: str) -> bool:
    return bool(ABSTRACT_LINE.match(line) or KEYWORDS_LINE.match(line))


# A middle dot or bar between spaces separates too ("垃圾分类 · 社区治理"); one inside a name ("马克思·韦伯") does not.
TERM_SEPARATORS = re.compile(r"[;；,，、]+|\s+[·•・|｜]\s+")


def keyword_terms(value: str) -> list[str]:
    parts = TERM_SEPARATORS.split(value) if TERM_SEPARATORS.search(value) else value.split()
    return [part.strip() for part in parts if part.strip()]
