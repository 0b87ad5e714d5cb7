"""essay-kb next to its peers on CMRC 2018 trial (each passage an essay): quality, indexing, latency, memory.

    .venv/bin/python bench/peers.py [--data ../shared/bench/cmrc2018_trial.json] [--questions N]
        [--limit-passages N] [--threads 2] [--txtai-python PATH]

Every system uses the same bundled model folder and the same torch thread count, and runs in its own
subprocess (this script re-invoked with --system NAME, driven over stdin/stdout) so that peak RSS is its own:

- essay-kb hybrid / dense: the library's build and `ask` (a fresh temp index, hence a cold embedding cache),
  at its default precision (bf16 where the CPU has it natively), and hybrid once more at fp32 as the peers run.
- txtai: `Embeddings(path=folder, hybrid=True, content=True, backend="faiss")`, e5 prompts as instructions,
  over the blank-line-split paragraphs of each essay file, hits mapped back to their essay. Once with txtai's
  defaults (its BM25 tokeniser segments per Unicode UAX #29: one token per Chinese character) and once with
  its character-bigram tokeniser (`scoring.tokenizer.ngrams=2`, configuration only).
- naive: the same paragraphs, SentenceTransformer with "passage: "/"query: ", normalised, FAISS IndexFlatIP;
  an essay ranks where its best paragraph does.

Quality is essay-level recall@1/@5 and MRR@10 over 50 retrieved units per question. Query p50 is one question
end to end (embedding + search + mapping to essays), after a warm-up; the systems are built one after another,
then all stay up and answer blocks of questions in turn, so a busy shared machine slows each alike. Units differ
between systems, so indexing is reported both as units/s and as wall seconds for the whole corpus (model load
excluded).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO

from essay_kb.evaluate import Ranks, evaluate_ranks, rank_hits
from retrieval import DEFAULT_DATA, write_corpus

ROOT = Path(__file__).resolve().parents[1]
DEPTH = 50  # units fetched per question, as `kb evaluate` does, so that ten distinct essays can be ranked
WARMUP = 10
BLOCK = 25  # questions per system per round
PROMPTS = {"query": "query: ", "passage": "passage: "}
SYSTEMS = {
    "kb-hybrid": "essay-kb hybrid (default)",
    "kb-dense": "essay-kb dense only",
    "kb-hybrid-fp32": "essay-kb hybrid, precision=fp32",
    "txtai": "txtai hybrid, default tokeniser",
    "txtai-bigram": "txtai hybrid, bigram tokeniser",
    "naive": "naive ST + FAISS flat",
}
BASELINE = "kb-hybrid"
PACKAGES = ("essay-kb", "torch", "sentence-transformers", "transformers", "faiss-cpu", "bm25s", "txtai")

Search = Callable[[str], list[tuple[str, str]]]  # question -> [(essay id, unit text)], best first


@dataclass(frozen=True)
class Built:
    load_s: float  # model load, timed apart from indexing
    index_s: float  # wall seconds to index the whole corpus
    units: int  # what the system indexed and retrieves (chunks, or blank-line paragraphs)
    search: Search
    precision: str = "fp32"


@dataclass(frozen=True)
class Unit:
    essay_id: str
    text: str


@dataclass(frozen=True)
class Ranked:
    rank: int
    chunk: Unit  # the shape `rank_hits` reads from a Hit


def limited_data(data_path: Path, limit: int | None, out: Path) -> Path:
    """A copy of the CMRC file keeping only its first `limit` passages (the file itself when no limit)."""
    if limit is None:
        return data_path
    data = json.loads(data_path.read_text(encoding="utf-8"))
    left = limit
    for article in data["data"]:
        article["paragraphs"] = article["paragraphs"][:left]
        left -= len(article["paragraphs"])
    data["data"] = [a for a in data["data"] if a["paragraphs"]]
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def paragraphs(corpus: Path) -> list[Unit]:
    """What a user feeds a generic engine: each essay file split on blank lines."""
    units = []
    for path in sorted(corpus.iterdir()):
        for part in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            if part.strip():
                units.append(Unit(path.name, part.strip()))
    return units


def build_kb(corpus: Path, index: Path, mode: str, precision: str | None) -> Built:
    import sentence_transformers  # noqa: F401 - imported before the clock starts, as the other systems do

    from essay_kb import Config, KnowledgeBase

    options = {"precision": precision} if precision else {}  # else the default: bf16 where the CPU has it natively
    kb = KnowledgeBase(Config(corpus=corpus, index=index, **options))
    t0 = time.perf_counter()
    kb.embedder  # noqa: B018 - model load timed apart from indexing
    t1 = time.perf_counter()
    report = kb.build()
    t2 = time.perf_counter()
    if report.embedded != report.chunks:
        sys.exit(f"essay-kb reused {report.reused} cached vectors: the build was not timed cold")
    kb.index()

    def search(question: str) -> list[tuple[str, str]]:
        return [(h.chunk.essay_id, h.chunk.text) for h in kb.ask(question, DEPTH, mode=mode)]

    return Built(t1 - t0, t2 - t1, report.chunks, search, getattr(kb.embedder, "precision", "fp32"))


def build_txtai(units: list[Unit], folder: Path, tokenizer: dict | None) -> Built:
    from txtai import Embeddings

    # txtai's default vectors for a folder (transformers + the folder's pooling) with the prompts as instructions
    # gives the very vectors sentence-transformers does; method="sentence-transformers" would not, as it calls
    # encode_query/encode_document, which add the folder's own prompts a second time ("query: query: ...").
    config: dict = {
        "path": str(folder), "content": True, "hybrid": True,
        "backend": "faiss", "instructions": {"query": PROMPTS["query"], "data": PROMPTS["passage"]},
    }
    if tokenizer is not None:  # replaces the scoring block hybrid=True would derive, keeping its other keys
        config["scoring"] = {"method": "bm25", "terms": True, "normalize": True, "tokenizer": tokenizer}
    t0 = time.perf_counter()
    embeddings = Embeddings(config)
    t1 = time.perf_counter()
    embeddings.index([(str(i), u.text, None) for i, u in enumerate(units)])
    t2 = time.perf_counter()

    def search(question: str) -> list[tuple[str, str]]:
        return [(units[int(r["id"])].essay_id, r["text"]) for r in embeddings.search(question, DEPTH)]

    return Built(t1 - t0, t2 - t1, len(units), search)


def build_naive(units: list[Unit], folder: Path) -> Built:
    import faiss
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    model = SentenceTransformer(str(folder), local_files_only=True)
    t1 = time.perf_counter()
    vectors = model.encode([u.text for u in units], prompt=PROMPTS["passage"], normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    t2 = time.perf_counter()

    def search(question: str) -> list[tuple[str, str]]:
        query = model.encode([question], prompt=PROMPTS["query"], normalize_embeddings=True)
        _, rows = index.search(query, DEPTH)
        return [(units[r].essay_id, units[r].text) for r in rows[0] if r >= 0]

    return Built(t1 - t0, t2 - t1, len(units), search)


def build_system(name: str, corpus: Path, tmp: Path) -> Built:
    if name.startswith("kb-"):
        mode, _, precision = name.removeprefix("kb-").partition("-")
        return build_kb(corpus, tmp / "index", mode, precision or None)
    from essay_kb.bundled_model import ensure_bundled_model

    folder = ensure_bundled_model()
    units = paragraphs(corpus)
    if name == "naive":
        return build_naive(units, folder)
    return build_txtai(units, folder, {"ngrams": 2} if name == "txtai-bigram" else None)


def versions() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Worker:
    """One system in this process: builds, then answers blocks of questions when the parent asks."""

    def __init__(self, name: str, args: argparse.Namespace, tmp: Path) -> None:
        import torch

        torch.set_num_threads(args.threads)
        corpus = tmp / "corpus"
        corpus.mkdir()
        questions = write_corpus(limited_data(args.data, args.limit_passages, tmp / "data.json"), corpus)
        self.questions = questions[: args.questions]
        self.essays = len(list(corpus.iterdir()))
        self.load_avg = os.getloadavg()[0]
        cpu0 = cpu_seconds()
        self.built = build_system(name, corpus, tmp)
        self.index_cpu_s = cpu_seconds() - cpu0  # includes the model load; less sensitive to a busy machine
        for q in self.questions[:WARMUP]:
            self.built.search(q.question)
        self.ranks: dict[int, Ranks] = {}
        self.latencies: list[float] = []
        self.name, self.torch_threads = name, torch.get_num_threads()

    def answer(self, start: int, stop: int) -> None:
        for i in range(start, min(stop, len(self.questions))):
            q = self.questions[i]
            t0 = time.perf_counter()
            found = self.built.search(q.question)
            self.latencies.append((time.perf_counter() - t0) * 1000)
            hits = [Ranked(r, Unit(essay, text)) for r, (essay, text) in enumerate(found, start=1)]
            self.ranks[i] = rank_hits(hits, q, {})  # type: ignore[arg-type] - duck-typed Hit

    def result(self) -> dict:
        quality = evaluate_ranks(self.questions, [self.ranks[i] for i in range(len(self.questions))])
        return {
            "system": self.name, "essays": self.essays, "questions": len(self.questions), "units": self.built.units,
            "load_s": self.built.load_s, "index_s": self.built.index_s, "index_cpu_s": self.index_cpu_s,
            "load_avg": self.load_avg, "p50_ms": statistics.median(self.latencies), "essay": quality.essay,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "torch_threads": self.torch_threads, "versions": versions(),
            "precision": self.built.precision,
        }


def serve(name: str, args: argparse.Namespace) -> None:
    """Child side: "ready <n questions>" after the build, "ok" per block, the result as JSON after "end"."""
    reply = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything a library prints goes to stderr, keeping stdout for the protocol
    with tempfile.TemporaryDirectory() as tmp:
        worker = Worker(name, args, Path(tmp))
        print(f"ready {len(worker.questions)}", file=reply)
        for line in sys.stdin:
            command, *span = line.split()
            if command == "end":
                break
            worker.answer(int(span[0]), int(span[1]))
            print("ok", file=reply)
        print(json.dumps(worker.result()), file=reply)


def child_command(name: str, args: argparse.Namespace) -> list[str]:
    python = args.txtai_python if name.startswith("txtai") else sys.executable
    command = [python, str(Path(__file__).resolve()), "--system", name, "--data", str(args.data),
               "--threads", str(args.threads)]
    if args.questions is not None:
        command += ["--questions", str(args.questions)]
    if args.limit_passages is not None:
        command += ["--limit-passages", str(args.limit_passages)]
    return command


class Child:
    def __init__(self, name: str, args: argparse.Namespace, log: IO[str]) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
        self.name = name
        self.log = log
        self.process = subprocess.Popen(child_command(name, args), env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)

    def expect(self, prefix: str) -> str:
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith(prefix):
            self.log.seek(0)
            sys.exit(f"{self.name} failed (exit {self.process.wait()}):\n{self.log.read()[-4000:]}")
        return line

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()


def measure(names: list[str], args: argparse.Namespace) -> list[dict]:
    """Build one system after another, then ask blocks of questions round-robin so load on a shared machine
    falls on every system alike; each child keeps its own process, hence its own peak RSS."""
    with contextlib.ExitStack() as logs:
        children, count = [], 0
        for name in names:
            print(f"building {name} …", file=sys.stderr, flush=True)
            children.append(Child(name, args, logs.enter_context(tempfile.TemporaryFile("w+"))))
            count = int(children[-1].expect("ready").split()[1])
        for start in range(0, count, BLOCK):
            for child in children:
                child.send(f"q {start} {start + BLOCK}")
                child.expect("ok")
        results = []
        for child in children:
            child.send("end")
            results.append(json.loads(child.expect("{")))
            child.process.wait()
    return results


def git_state() -> str:
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    return git("rev-parse", "--short", "HEAD") + (" (src/ has uncommitted changes)" if dirty else "")


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "–"


def print_report(results: list[dict], args: argparse.Namespace, state: str) -> None:
    base = next(r for r in results if r["system"] == BASELINE)
    first = results[0]
    print(f"`{' '.join([Path(sys.executable).name, *sys.argv])}` — essay-kb {state}\n")
    print(f"Machine: Python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} cores, "
          f"torch threads {first['torch_threads']} in every system; {first['essays']} essays, "
          f"{first['questions']} questions, {DEPTH} units retrieved per question.\n")
    print("Versions: " + "; ".join(f"{r['system']}: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items())
                                   for r in results if r["system"] in (BASELINE, "txtai")) + "\n")
    print("| system | R@1 | R@5 | MRR@10 | ΔMRR@10 vs essay-kb hybrid |\n|---|---|---|---|---|")
    for r in results:
        e = r["essay"]
        delta = e["mrr@10"] - base["essay"]["mrr@10"]
        print(f"| {SYSTEMS[r['system']]} | {e['recall@1']:.4f} | {e['recall@5']:.4f} | {e['mrr@10']:.4f} | "
              f"{delta:+.4f} |")
    print("\n| system | precision | units | model load | index wall (ratio) | index CPU | units/s (ratio) "
          "| query p50 (ratio) | peak RSS (ratio) |\n|---|---|---|---|---|---|---|---|---|")
    for r in results:
        rate, base_rate = r["units"] / r["index_s"], base["units"] / base["index_s"]
        print(f"| {SYSTEMS[r['system']]} | {r['precision']} | {r['units']} | {r['load_s']:.1f} s | "
              f"{r['index_s']:.1f} s ({ratio(r['index_s'], base['index_s'])}) | {r['index_cpu_s']:.0f} s | "
              f"{rate:.2f} ({ratio(rate, base_rate)}) | {r['p50_ms']:.1f} ms ({ratio(r['p50_ms'], base['p50_ms'])}) | "
              f"{r['rss_mb']:.0f} MB ({ratio(r['rss_mb'], base['rss_mb'])}) |")
    loads = ", ".join(f"{r['system']} {r['load_avg']:.1f}" for r in results)
    print(f"\nRatios are to essay-kb hybrid. Builds ran one after another (1-min load average at each start: "
          f"{loads}); index CPU is user+sys seconds of the build including the model load. Query p50 is over "
          f"every question, asked in blocks of {BLOCK} round-robin across systems after {WARMUP} warm-up queries. "
          "essay-kb indexes its chunks (title-prefixed); the others index the blank-line paragraphs, the title "
          "being one. The essay-kb dense row builds the same index as hybrid (BM25 included).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--questions", type=int, default=None, help="evaluate only the first N questions")
    parser.add_argument("--limit-passages", type=int, default=None, help="index only the first N passages")
    parser.add_argument("--threads", type=int, default=2, help="torch threads, the same for every system")
    parser.add_argument("--txtai-python", default=sys.executable, help="interpreter that has txtai installed")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, from {', '.join(SYSTEMS)}")
    parser.add_argument("--system", choices=SYSTEMS, help=argparse.SUPPRESS)  # set in the child process
    args = parser.parse_args()
    if args.system:
        serve(args.system, args)
        return
    names = [n for n in args.systems.split(",") if n]
    if BASELINE not in names or any(n not in SYSTEMS for n in names):
        parser.error(f"--systems must include {BASELINE} and name only {', '.join(SYSTEMS)}")
    state = git_state()
    results = measure(names, args)
    if git_state() != state:
        state += f", then {git_state()} by the end of the run"
    print_report(results, args, state)


if __name__ == "__main__":
    main()
