"""Corpus files on disk: which files are essays, their names as text, and their bytes, read safely.

A corpus is a folder a user fills by hand or from zip files, so it holds names that are not UTF-8, symbolic
links (to inside and outside the corpus, and loops), FIFOs named .txt and files far too large. Everything that
touches the file system to find or read an essay goes through here, so none of that can hang or crash a build.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from essay_kb.errors import EmptyCorpus, UnreadableEssay

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
# Formats essays often come in that cannot be read: listed anyway, so that a build names each such file and says
# what to do with it (ingest/formats.py) instead of passing it over in silence.
UNREADABLE_SUFFIXES = (".doc", ".wps", ".caj", ".kdh", ".nh")

_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def essay_id_of(path: Path, corpus: Path) -> str:
    """The essay id of a file: its posix path relative to `corpus`, as readable text.

    A name that is not UTF-8 (GBK bytes from a zip made on Chinese Windows) is read as GB18030 when that gives
    Chinese, else shown with its odd bytes escaped ("\\xb0"): ids are stored as UTF-8 text in SQLite and JSON.
    The file itself is always opened by its real path.
    """
    # abspath normalises ".." without resolving symlinks, so a symlinked file keeps its corpus-relative name.
    absolute, root = Path(os.path.abspath(path)), Path(os.path.abspath(corpus))
    if not absolute.is_relative_to(root):
        raise ValueError(f"{path} is not inside the corpus folder {corpus}")
    return display_name(absolute.relative_to(root).as_posix())


def display_name(name: str) -> str:
    """`name` (from the file system, maybe with surrogate escapes for bytes that are not UTF-8) as valid text."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        chinese = raw.decode("gb18030")
    except UnicodeDecodeError:
        chinese = ""
    ideographs = len(_IDEOGRAPH.findall(chinese))
    if ideographs and ideographs * 2 >= len(_NON_ASCII.findall(chinese)):
        return chinese
    return raw.decode("utf-8", "backslashreplace")


def read_file_bytes(path: Path, name: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, read in bounded chunks.

    Raises:
        UnreadableEssay: not a regular file (a FIFO would block forever), larger than `max_bytes` (checked before
            reading, and again while reading a file that grows), a symlink loop, or unreadable; names `name`.
    """
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it is refused below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise UnreadableEssay(_open_problem(name, exc)) from None
    with os.fdopen(fd, "rb", buffering=0) as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableEssay(_NOT_REGULAR.format(name=name))
        if max_bytes is not None and info.st_size > max_bytes:
            raise UnreadableEssay(too_large(name, info.st_size, max_bytes))
        chunks, size = [], 0
        while chunk := fh.read(_READ_CHUNK):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:  # it grew since fstat
                raise UnreadableEssay(too_large(name, size, max_bytes))
            chunks.append(chunk)
    return b"".join(chunks)


_NOT_REGULAR = ("{name} is not a regular file (a FIFO, device or socket); only regular files are read: remove it "
                "from the corpus")


def _open_problem(name: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return f"{name} is a symbolic link that loops back on itself; remove it or point it at an essay file"
    if exc.errno == errno.ENXIO:  # a Unix socket
        return _NOT_REGULAR.format(name=name)
    return f"{name} could not be read ({exc.strerror}); check that it exists and is readable"


_READ_CHUNK = 1 << 20


def too_large(name: str, size: int, max_bytes: int) -> str:
    """The one message for a file over the size limit."""
    return (f"{name} is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit (max_file_mb); split it, "
            "or raise the limit with --max-file-mb or ESSAY_KB_MAX_FILE_MB.")


def list_essay_files(corpus: Path) -> list[Path]:
    """Every essay file below `corpus` (supported formats, and the unreadable ones a build should name), sorted,
    hidden files and folders skipped."""
    if not corpus.is_dir():
        raise EmptyCorpus(f"the corpus folder {corpus} does not exist or is not a folder; point to the folder "
                          "that holds your essays")
    found: list[Path] = []
    for folder, subfolders, files in os.walk(corpus):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]  # prune: never walk .git
        found.extend(Path(folder, name) for name in files
                     if not name.startswith(".")
                     and Path(name).suffix.lower() in SUPPORTED_SUFFIXES + UNREADABLE_SUFFIXES)
    return sorted(found, key=lambda path: path.relative_to(corpus).as_posix())
