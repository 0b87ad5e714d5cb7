"""Essay files → Essay: one reader per format (text, html, markdown), shared decoding, repair, boilerplate and
front matter; `parse_essay` reads bytes, `read_essay` a file. Lower modules only: normalize, files, errors.

The readers (bs4, readability, charset-normalizer, the shape tables) load on first use: searching an index needs
only the Essay types, and a cold `kb ask` would otherwise spend 0.2 s importing them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from essay_kb.files import SUPPORTED_SUFFIXES
from essay_kb.ingest.essay import Essay, EssayMeta
from essay_kb.ingest.labels import ABSTRACT_LINE, KEYWORDS_LINE

if TYPE_CHECKING:
    from essay_kb.ingest.boilerplate import BOILERPLATE_RULES, MAX_BOILERPLATE_LINE, BoilerplateRule
    from essay_kb.ingest.decode import decode_essay_bytes
    from essay_kb.ingest.parse import MAX_TITLE_CHARS, parse_essay, parse_keywords, read_essay

_LAZY = {
    "BOILERPLATE_RULES": "essay_kb.ingest.boilerplate",
    "MAX_BOILERPLATE_LINE": "essay_kb.ingest.boilerplate",
    "BoilerplateRule": "essay_kb.ingest.boilerplate",
    "decode_essay_bytes": "essay_kb.ingest.decode",
    "MAX_TITLE_CHARS": "essay_kb.ingest.parse",
    "parse_essay": "essay_kb.ingest.parse",
    "parse_keywords": "essay_kb.ingest.parse",
    "read_essay": "essay_kb.ingest.parse",
}

__all__ = [
    "ABSTRACT_LINE", "BOILERPLATE_RULES", "KEYWORDS_LINE", "MAX_BOILERPLATE_LINE", "MAX_TITLE_CHARS",
    "SUPPORTED_SUFFIXES", "BoilerplateRule", "Essay", "EssayMeta", "decode_essay_bytes", "parse_essay",
    "parse_keywords", "read_essay",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'essay_kb.ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
