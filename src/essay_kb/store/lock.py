"""One writer per index folder: a lock file (filelock), and a note of who holds it for the ones who wait.

The lock is an OS file lock, so the kernel releases it when its holder dies, SIGKILL included: a dead build
never leaves the index locked. The owner note may outlive its writer; it is only read while the lock is held.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from essay_kb.errors import IndexBusy

LOCK_FILE = ".build.lock"
OWNER_FILE = ".build.owner"


def lock_holder(root: Path) -> str:
    """Who holds the build lock, in words: "pid 1234 on host (kb index), since 05:12:03"."""
    try:
        owner = json.loads((root / OWNER_FILE).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(owner["started"]))
        return f"pid {owner['pid']} on {owner['host']} ({owner['command']}), since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def build_lock(root: Path, wait: float = 0) -> Iterator[None]:
    """Hold the index's build lock for the duration of the block.

    Args:
        wait: seconds to wait for a build in progress to finish; 0 fails at once, a negative value waits forever.

    Raises:
        IndexBusy: another build holds the lock (the message says which process).
    """
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / LOCK_FILE)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise IndexBusy(
            f"Another build is writing the index at {root}: {lock_holder(root)}. Wait for it to finish, "
            "or run `kb index --wait 600` to queue behind it. Searches keep working meanwhile."
        ) from None
    try:
        command = " ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]])[:200] if sys.argv else "python"
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "started": time.time()}
        (root / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        yield
    finally:
        lock.release()
