"""The corpus folder as a user manages it: adding essays safely (names, size, type, duplicates)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from essay_kb.errors import EssayKBError, UnreadableEssay
from essay_kb.ingest import SUPPORTED_SUFFIXES, read_essay

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # essays are text: 20 MB is a book; larger is a mistake or an attack

# Anything but letters (Chinese included), digits, dot, dash, underscore, space and parentheses becomes "_".
_UNSAFE = re.compile(r"[^\w.\- ()（）]", re.UNICODE)


def safe_file_name(name: str) -> str:
    """A file name that stays inside the corpus folder: no directories, no "..", no control characters.

    Raises:
        UnreadableEssay: when nothing usable is left, or the type is not a supported essay type.
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnreadableEssay(f"{name}: only {', '.join(SUPPORTED_SUFFIXES)} files can be added.")
    if not stem.strip("_"):
        raise UnreadableEssay(f"{name!r} is not a usable file name. Rename the file and add it again.")
    return stem[:120] + suffix.lower()


def save_essay(corpus: Path, name: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Check an essay's bytes and write them into the corpus under a safe name; returns the essay id.

    Nothing is written unless the file is a readable essay that the corpus does not hold yet.
    """
    target_name = safe_file_name(name)
    if len(data) > max_bytes:
        raise UnreadableEssay(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB "
                              "(max_file_mb). "
                              "Split it or raise the limit.")
    corpus.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    for existing in corpus.rglob("*"):
        if existing.is_file() and existing.suffix.lower() in SUPPORTED_SUFFIXES and \
                hashlib.sha256(existing.read_bytes()).hexdigest() == digest:
            raise EssayKBError(f"{name} is already in the corpus as {existing.relative_to(corpus).as_posix()}; "
                               "not added twice.")
    target = corpus / target_name
    if target.exists():
        raise EssayKBError(f"{target_name} exists in the corpus with other content. Rename the file and add it again.")
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            read_essay(Path(tmp), corpus)  # a bad file never lands in the corpus
        except UnreadableEssay as exc:
            raise UnreadableEssay(str(exc).replace(tmp, name).replace(Path(tmp).name, name)) from None
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target_name
