"""The corpus folder as a user manages it: adding essays safely (names, size, type, duplicates)."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path

from essay_kb import ingest
from essay_kb.errors import EssayKBError, UnreadableEssay
from essay_kb.files import SUPPORTED_SUFFIXES, display_name, essay_id_of, list_essay_files, read_file_bytes, too_large
from essay_kb.ingest.formats import unsupported_format_message

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # essays are text: 20 MB is a book; larger is a mistake or an attack

# Anything but letters (Chinese included), digits, dot, dash, underscore, space and parentheses becomes "_".
_UNSAFE = re.compile(r"[^\w.\- ()（）]", re.UNICODE)
# Linux, macOS and Windows file systems allow 255 bytes (ext4) or UTF-16 units per name; 100 Chinese characters
# are 300 UTF-8 bytes. Names are cut to fit in bytes, on a character boundary.
MAX_NAME_BYTES = 255
MAX_STEM_CHARS = 120
# A reader's messages end with the fix for a file already in the corpus ("…, or remove it from the corpus"); a
# refused upload or `kb add` never entered it, so that advice is cut and the message says nothing was added.
_REMOVE_ADVICE = re.compile(r",? or remove (?:it|the file) from the corpus")


def safe_file_name(name: str) -> str:
    """A file name that stays inside the corpus folder: no directories, no "..", no control characters.

    Raises:
        UnreadableEssay: when nothing usable is left, or the type is not a supported essay type.
    """
    base = unicodedata.normalize("NFC", display_name(name).replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnreadableEssay(unsupported_format_message(name, suffix)
                              or f"{name}: only {', '.join(SUPPORTED_SUFFIXES)} files can be added.")
    if not stem.strip("_"):
        raise UnreadableEssay(f"{name!r} is not a usable file name. Rename the file and add it again.")
    budget = MAX_NAME_BYTES - len(suffix.encode())
    stem = stem[:MAX_STEM_CHARS].encode()[:budget].decode("utf-8", "ignore").rstrip(" .")  # never half a character
    return stem + suffix.lower()


def save_essay(corpus: Path, name: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Check an essay's bytes and write them into the corpus under a safe name; returns the essay id.

    Nothing is written unless the file is a readable essay that the corpus does not hold yet.
    """
    target_name = safe_file_name(name)
    if len(data) > max_bytes:
        raise UnreadableEssay(too_large(name, len(data), max_bytes))
    corpus.mkdir(parents=True, exist_ok=True)
    same = _file_with_bytes(corpus, data)
    if same is not None:
        raise EssayKBError(f"{name} is already in the corpus as {essay_id_of(same, corpus)}; not added twice.")
    target = corpus / target_name
    if target.exists():
        raise EssayKBError(_exists(target_name))
    # Parsed from memory, so a bad file never touches the corpus.
    try:
        ingest.parse_essay(data, target_name, essay_id=name)
    except UnreadableEssay as exc:
        raise UnreadableEssay(not_added(str(exc))) from None
    # Written under a hidden name (builds skip dot-files) and linked into place: a build running now, or a crash
    # mid-write, never sees half an essay, and os.link fails rather than replace a file that appeared meanwhile.
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # an essay, readable like the files the user copied in (mkstemp makes it 0600)
        os.link(tmp, target)
    except FileExistsError:
        raise EssayKBError(_exists(target_name)) from None
    finally:
        os.unlink(tmp)
    return target_name


def not_added(message: str) -> str:
    """A reader's refusal of a file, worded for a file that was offered and refused (not one to remove)."""
    return _REMOVE_ADVICE.sub("", message).rstrip(". ") + "; it was not added to the corpus."


def _exists(target_name: str) -> str:
    return f"{target_name} exists in the corpus with other content. Rename the file and add it again."


def _file_with_bytes(corpus: Path, data: bytes) -> Path | None:
    """The corpus file holding exactly `data`, if one does.

    Only regular files are compared, never symlinks: a link's target may be outside the corpus (saying that an
    upload equals /etc/hostname would reveal that file), and a link inside it is not the essay's own name.
    Only files of the same size are read, so the check costs one read of at most one upload's size per candidate.
    """
    for path in list_essay_files(corpus):
        try:
            info = os.lstat(path)
        except OSError:
            continue  # vanished since the listing
        if stat.S_ISREG(info.st_mode) and info.st_size == len(data):
            try:
                if read_file_bytes(path, path.name, len(data)) == data:
                    return path
            except UnreadableEssay:
                continue  # changed or unreadable: not the same bytes
    return None
