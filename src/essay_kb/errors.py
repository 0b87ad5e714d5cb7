"""The exception hierarchy. Every message says what happened and the command that fixes it."""

from __future__ import annotations


class EssayKBError(Exception):
    """Base of every error the user can act on; the CLI prints its message without a traceback."""


class UnreadableEssay(EssayKBError):
    """A corpus file could not be decoded or parsed; it is skipped and reported, never indexed half-way."""


class IndexMissing(EssayKBError):
    """No index at the given location."""


class IndexMismatch(EssayKBError):
    """The index on disk was built differently (another model, format or chunker) or is damaged."""


class ModelUnavailable(EssayKBError):
    """The embedding model cannot be loaded (not on disk and no network, or a bad bundled file)."""


class EmptyCorpus(EssayKBError):
    """The corpus folder holds no readable essay."""


class IndexBusy(EssayKBError):
    """Another process is building the index; one writer at a time."""


class QuestionRejected(EssayKBError):
    """The question cannot be searched as given (empty, or far too long)."""


class EssayNotFound(EssayKBError):
    """No essay of that name in the corpus or the index (a server answers 404)."""
