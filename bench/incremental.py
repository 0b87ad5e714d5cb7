"""Re-indexing cost on a 1,000-essay corpus built from CMRC 2018 trial passages, printed as Markdown.

    .venv/bin/python bench/incremental.py [--essays 1000] [--runs 5] [--data ../shared/bench/cmrc2018_trial.json]

Essay i is a title and two CMRC passages (i mod 256 and 7i+3 mod 256), so every essay's text is its own.
Measures, after one full build:
- `kb index` on the unchanged corpus as a real process, minus the start of a process that only imports the CLI
  (the issue's target: under 1 s plus process start, nothing embedded);
- the same check in-process (`KnowledgeBase.status()`), and a forced build of the unchanged corpus (every
  essay copied from the current generation, nothing embedded);
- adding one new essay: passages embedded (must equal that essay's passages) and the build's time.
Medians over --runs; single runs are not reported.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from essay_kb import Config, KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "cmrc2018_trial.json"


def passages(data_path: Path) -> list[tuple[str, str]]:
    data = json.loads(data_path.read_text(encoding="utf-8"))["data"]
    return [(a["title"], p["context"]) for a in data for p in a["paragraphs"]]


def essay_text(i: int, source: list[tuple[str, str]]) -> str:
    (title, first), (_, second) = source[i % len(source)], source[(7 * i + 3) % len(source)]
    return f"{title}（第{i}篇）\n\n{first}\n\n{second}\n"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    source = passages(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for i in range(args.essays):
            (corpus / f"essay-{i:05d}.txt").write_text(essay_text(i, source), encoding="utf-8")
        kb = KnowledgeBase(Config(corpus=corpus, index=index))
        first = kb.build()
        print(f"full build: {first.essays} essays, {first.chunks} passages, {first.embedded} embedded in "
              f"{first.seconds:.0f} s ({first.passages_per_second:.1f} passages/s)\n", file=sys.stderr)

        cli = [sys.executable, "-m", "essay_kb.cli"]
        start_only = [timed(lambda: subprocess.run([*cli, "--help"], check=True, capture_output=True))
                      for _ in range(args.runs)]
        outputs = []

        def kb_index() -> None:
            outputs.append(subprocess.run([*cli, "index", "--corpus", str(corpus), "--index", str(index)],
                                          check=True, capture_output=True, text=True).stdout)

        unchanged_cli = [timed(kb_index) for _ in range(args.runs)]
        assert all("nothing to do" in out for out in outputs), outputs[-1]
        status = [timed(kb.status) for _ in range(args.runs)]
        forced = [kb.build() for _ in range(args.runs)]
        assert all(r.embedded == 0 for r in forced)

        added = []
        for run in range(args.runs):
            new = corpus / f"new-{run}.txt"
            new.write_text(essay_text(args.essays + 1000 + run, source), encoding="utf-8")
            report = kb.build()
            added.append((report, len(kb.essay_chunks(new.name))))
        assert all(report.embedded == own for report, own in added), [(r.embedded, own) for r, own in added]

    median = statistics.median
    p50_start, p50_cli = median(start_only), median(unchanged_cli)
    print(f"## Incremental indexing ({args.essays} essays, {first.chunks} passages; "
          f"{platform.processor() or platform.machine()}, medians of {args.runs} runs)\n")
    print("| operation | median | passages embedded |")
    print("|---|---:|---:|")
    print(f"| full build (once) | {first.seconds:.1f} s | {first.embedded} |")
    print(f"| `kb index`, unchanged corpus, whole process | {p50_cli:.2f} s | 0 |")
    print(f"| process start alone (`python -m essay_kb.cli --help`) | {p50_start:.2f} s | — |")
    print(f"| **`kb index`, unchanged corpus, minus process start** | **{p50_cli - p50_start:.2f} s** | 0 |")
    print(f"| `KnowledgeBase.status()` in-process (hash {args.essays} files, diff) | {median(status) * 1000:.0f} ms "
          "| 0 |")
    print(f"| forced build of the unchanged corpus (copy every essay, write a generation) | "
          f"{median(r.seconds for r in forced):.2f} s | 0 |")
    print(f"| add one essay and build | {median(r.seconds for r, _ in added):.2f} s "
          f"(embedding {median(r.embed_seconds for r, _ in added):.2f} s) | "
          f"{median(r.embedded for r, _ in added):.0f} (= that essay's passages in every run) |")


if __name__ == "__main__":
    main()
