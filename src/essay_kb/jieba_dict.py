"""jieba with its dictionary read from SQLite on demand, so a cold process segments a question in milliseconds.

jieba builds a Python dict of its whole prefix dictionary (~580,000 entries) before it cuts a single sentence:
0.55 s from its own marshal cache, most of a cold `kb ask`. Cutting a question looks up only a few hundred
fragments. So the prefix dictionary is written once to an SQLite table in the user's cache and jieba's own
Tokenizer gets a mapping that answers from it (and remembers every answer). jieba's algorithm, HMM and
dictionary are untouched: the words come out the same (tests compare both on real text). No package does this:
jieba-fast and the Rust ports also load the whole dictionary up front, and their words are not always jieba's.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_WRITE_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("essay-kb")) / "jieba"


class StoredFrequencies:
    """The read side of jieba's FREQ dict (`in`, `[]`, `get`) over the SQLite table; answers are memoised, so a
    long text costs one query per distinct fragment. Read-only and shared by threads."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._memo: dict[str, int | None] = {}
        self.total = int(self._db.execute("SELECT n FROM total").fetchone()[0])
        if "的" not in self:  # a damaged or empty table: refuse it here, not in the middle of a cut
            raise sqlite3.DatabaseError("the stored dictionary lacks common words")

    def _lookup(self, word: str) -> int | None:
        try:
            return self._memo[word]
        except KeyError:
            row = self._db.execute("SELECT n FROM freq WHERE w = ?", (word,)).fetchone()
            n = self._memo[word] = None if row is None else int(row[0])
            return n

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __getitem__(self, word: str) -> int:
        n = self._lookup(word)
        if n is None:
            raise KeyError(word)
        return n

    def get(self, word: str, default: Any = None) -> Any:
        n = self._lookup(word)
        return default if n is None else n


def _stored_path(cache_dir: Path) -> Path:
    import jieba

    # Keyed by jieba's version and its dictionary's size: the stored copy follows an upgrade without hashing 5 MB.
    size = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME).stat().st_size
    return cache_dir / f"jieba-{jieba.__version__}-{size}.sqlite"


def write_stored_dictionary(freq: dict[str, int], total: int, target: Path) -> None:
    """Write jieba's prefix dictionary to `target` atomically (a reader never sees half a table)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with sqlite3.connect(tmp) as db:
            db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE total (n INTEGER NOT NULL)")
            db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            db.execute("INSERT INTO total VALUES (?)", (total,))
        db.close()
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@cache
def tokenizer(cache_dir: Path | None = None) -> Any:
    """A jieba Tokenizer over the stored dictionary; on first use (or when the stored copy is unreadable) jieba
    loads its dictionary the usual way and the stored copy is written for the next process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO through the root logger
    path = _stored_path(cache_dir or default_cache_dir())
    tk = jieba.Tokenizer()
    if path.exists():
        try:
            tk.FREQ = StoredFrequencies(path)
            tk.total = tk.FREQ.total
            tk.initialized = True
            return tk
        except (sqlite3.Error, TypeError) as err:
            log.warning("jieba's stored dictionary %s is unreadable (%s); loading jieba's own.", path, err)
    tk.initialize()
    try:
        with _WRITE_LOCK:
            write_stored_dictionary(tk.FREQ, tk.total, path)
    except OSError as err:  # a read-only cache only costs speed
        log.info("could not store jieba's dictionary at %s: %s", path, err)
    return tk
