"""Throughput and latency of `kb serve`'s GET /ask at 1, 4 and 16 concurrent clients, idle and during rebuilds.

    PYTHONPATH=src:tests .venv/bin/python bench/api.py [--seconds 8]

The seed and demo corpus (corpus/) is copied to a temporary folder and indexed; `kb serve` runs in its own process
on a free port of 127.0.0.1, and client threads here (http.client, one connection per request) ask the seed's
questions round-robin for a fixed window each. "During a rebuild": a copy of a demo essay under a new title is
added and POST /rebuild started, again and again for the whole window, so the model embeds while it answers.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from sockets import request

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["如何提升基层党员干部的素质？", "基层党组织可以搭建哪些平台来服务群众？", "新常态下经济增长的特点是什么？",
             "垃圾分类如何推行？", "干部教育培训存在哪些问题？", "农村基层党建的难点"]
CONCURRENCY = (1, 4, 16)




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clients(port: int, n: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (s) of every answered /ask in the window, and the number of failures."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    failures = [0]

    def run(offset: int) -> None:
        i = offset
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _ = request(port, "GET", f"/ask?q={quote(QUESTIONS[i % len(QUESTIONS)])}&k=5")
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                failures[0] += 1
            i += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0]


def keep_rebuilding(port: int, corpus: Path, stop: threading.Event, done: list[int]) -> None:
    """Add an essay under a new title and rebuild, until `stop`; counts the builds that finished."""
    source = (corpus / "demo" / "ganbu-jiaoyu-peixun.txt").read_text(encoding="utf-8")
    n = 0
    while not stop.is_set():
        n += 1
        # A new title changes every passage's embedded text (passages are embedded under their title), so each
        # build embeds the whole essay rather than taking its vectors from the cache.
        (corpus / f"copy-{n}.txt").write_text(f"干部教育培训研究（副本{n}）\n" + source.split("\n", 1)[1],
                                              encoding="utf-8")
        status, _ = request(port, "POST", "/rebuild")
        assert status == 202, status
        while True:
            _, progress = request(port, "GET", "/rebuild")
            if progress["finished"]:
                assert progress["error"] is None, progress["error"]
                done[0] += 1
                break
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="length of each measured window")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_WAIT_POLICY": "PASSIVE"}
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        kb = [sys.executable, "-m", "essay_kb.cli"]
        where = ["--corpus", str(corpus), "--index", str(index)]
        subprocess.run([*kb, "index", *where], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([*kb, "serve", *where, "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):
                try:
                    request(port, "GET", "/status")
                    break
                except OSError:
                    time.sleep(0.2)
            clients(port, 1, 2)  # warm-up: the traced query path, caches
            rows = []
            for rebuilding in (False, True):
                for n in CONCURRENCY:
                    stop, builds = threading.Event(), [0]
                    builder = threading.Thread(target=keep_rebuilding, args=(port, corpus, stop, builds))
                    if rebuilding:
                        builder.start()
                    latencies, failures = clients(port, n, args.seconds)
                    stop.set()
                    if rebuilding:
                        builder.join()
                    q = statistics.quantiles(latencies, n=20)
                    rows.append(f"| {'yes' if rebuilding else 'no'} | {n} | {len(latencies) / args.seconds:.1f} | "
                                f"{statistics.median(latencies) * 1000:.0f} | {q[18] * 1000:.0f} | {failures} | "
                                f"{builds[0] if rebuilding else '—'} |")
        finally:
            server.terminate()
            server.wait(30)
    print(f"`PYTHONPATH=src:tests python bench/api.py --seconds {args.seconds:g}` on {platform.machine()}, "
          f"{os.cpu_count()} cores; GET /ask k=5 hybrid, seed+demo corpus (6 essays), server and clients on one "
          "machine\n")
    print("| rebuild running | clients | requests/s | p50 ms | p95 ms | errors | rebuilds finished |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
