"""essay-kb: a searchable knowledge base with semantic retrieval over Chinese essays."""

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

__all__ = [
    "Chunk",
    "Config",
    "Changes",
    "EmptyCorpus",
    "Essay",
    "EssayKBError",
    "EssayMeta",
    "Hit",
    "IndexMismatch",
    "IndexMissing",
    "KnowledgeBase",
    "ModelUnavailable",
    "UnreadableEssay",
    "load_config",
]
