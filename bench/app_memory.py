"""Peak memory of the app: runs app.py (Streamlit AppTest, the same script the server runs) on a copy of
the default corpus, builds the index, asks a question, and prints the process's peak RSS.

    .venv/bin/python bench/app_memory.py
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "corpus", Path(tmp) / "corpus")
        os.environ["ESSAY_KB_CORPUS"] = str(Path(tmp) / "corpus")
        os.environ["ESSAY_KB_INDEX"] = str(Path(tmp) / "index")
        t0 = time.perf_counter()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        first_run = time.perf_counter() - t0
        timings = []
        for question in ["如何提升基层党员干部的素质？", "基层党组织作风建设", "参考文献有哪些", "结语说了什么"] * 3:
            t0 = time.perf_counter()
            at.text_input[0].input(question).run()
            timings.append((time.perf_counter() - t0) * 1000)
        assert not at.exception, at.exception
    timings.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"`{Path(sys.executable).name} bench/app_memory.py`\n")
    print("| measure | value |\n|---|---|")
    print(f"| first run (load model, build the default corpus index) | {first_run:.1f} s |")
    print(f"| question → rendered results, median of {len(timings)} | {timings[len(timings) // 2]:.0f} ms |")
    print(f"| app process peak RSS | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
