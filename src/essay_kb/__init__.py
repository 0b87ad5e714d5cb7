"""essay-kb: a searchable knowledge base with semantic retrieval over Chinese essays."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from essay_kb.changes import Changes
    from essay_kb.chunker import Chunk
    from essay_kb.config import Config, load_config
    from essay_kb.errors import (
        EmptyCorpus,
        EssayKBError,
        IndexMismatch,
        IndexMissing,
        ModelUnavailable,
        UnreadableEssay,
    )
    from essay_kb.ingest import Essay, EssayMeta
    from essay_kb.kb import KnowledgeBase
    from essay_kb.search import Hit

# Imported on first use (PEP 562): `kb --help` and a cold `kb ask` must not pay for modules they never touch.
_HOME = {
    "Changes": "essay_kb.changes",
    "Chunk": "essay_kb.chunker",
    "Config": "essay_kb.config",
    "load_config": "essay_kb.config",
    "EmptyCorpus": "essay_kb.errors",
    "EssayKBError": "essay_kb.errors",
    "IndexMismatch": "essay_kb.errors",
    "IndexMissing": "essay_kb.errors",
    "ModelUnavailable": "essay_kb.errors",
    "UnreadableEssay": "essay_kb.errors",
    "Essay": "essay_kb.ingest",
    "EssayMeta": "essay_kb.ingest",
    "KnowledgeBase": "essay_kb.kb",
    "Hit": "essay_kb.search",
}
__all__ = [
    "Changes", "Chunk", "Config", "EmptyCorpus", "Essay", "EssayKBError", "EssayMeta", "Hit", "IndexMismatch",
    "IndexMissing", "KnowledgeBase", "ModelUnavailable", "UnreadableEssay", "load_config",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'essay_kb' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)
