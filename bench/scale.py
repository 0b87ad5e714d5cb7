"""How the vector stores (flat, HNSW) and the BM25 index scale to 10k-1M passages, printed as Markdown.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--queries 500] [--bm25-sizes 10000,100000]
        [--grid 16:40,16:80,32:40,32:80] [--grid-max-size 100000] [--ef 32,64,96,128,256]

Vectors are synthetic but shaped like sentence embeddings rather than uniform noise: a seeded mixture of
--clusters random unit centres with Zipf-like sizes, each point its centre plus anisotropic Gaussian spread
(a shared 64-dimensional subspace with a decaying spectrum, plus a little isotropic noise), L2-normalised,
dimension 384. Queries come from the same distribution with another seed, so none is in the corpus.

Every store is built, saved and searched in a fresh child process (so peak RSS is that store's alone; the
corpus is generated inside the child batch by batch and added with `FaissStore.add`, i.e. what
`FaissStore.build` does, so the input array is never held whole). Build time counts only `add`. Latency is
`FaissStore.search(q, 10)` on one query at a time with FAISS on 1 and on 2 OpenMP threads, reported as
p50/p95 over the queries; recall@10 is against exact (flat) results. HNSW efSearch is varied on one built
index per (m, ef_construction). The BM25 side indexes chunks of real Chinese text (CMRC 2018 trial passages,
cut into sentence windows, repeated with shuffled sentence order and a chunk number) with
`LexicalIndex.from_tokens` and queries it with CMRC questions (`scores` + `top_rows`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "cmrc2018_trial.json"
DIM = 384
K = 10
BATCH = 50_000
SUBSPACE = 64


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


# ---------------------------------------------------------------- synthetic corpus


class Mixture:
    """A seeded Gaussian mixture on the unit sphere that looks more like sentence embeddings than noise does."""

    def __init__(self, seed: int, clusters: int) -> None:
        rng = np.random.default_rng([seed, 0])
        centres = rng.standard_normal((clusters, DIM), dtype=np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        weights = 1.0 / np.arange(1, clusters + 1) ** 0.8  # Zipf-like cluster sizes
        self.weights = rng.permutation(weights / weights.sum())
        self.spread = rng.uniform(0.55, 1.0, clusters).astype(np.float32)  # norm of a point's offset
        basis, _ = np.linalg.qr(rng.standard_normal((DIM, SUBSPACE)))
        spectrum = np.arange(1, SUBSPACE + 1) ** -0.5
        self.basis = (basis.T * (spectrum / np.linalg.norm(spectrum))[:, None]).astype(np.float32)
        self.seed = seed

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        ids = rng.choice(len(self.centres), n, p=self.weights)
        noise = rng.standard_normal((n, SUBSPACE), dtype=np.float32) @ self.basis * 0.95
        noise += rng.standard_normal((n, DIM), dtype=np.float32) * (0.3 / math.sqrt(DIM))
        x = self.centres[ids] + noise * self.spread[ids, None]
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x

    def corpus_batches(self, size: int):  # type: ignore[no-untyped-def]
        for b, start in enumerate(range(0, size, BATCH)):
            yield self.sample(np.random.default_rng([self.seed, 1, b]), min(BATCH, size - start))

    def queries(self, n: int) -> np.ndarray:
        return self.sample(np.random.default_rng([self.seed, 2]), n)


# ---------------------------------------------------------------- child: one vector store


def vector_worker(job: dict) -> dict:
    import faiss

    from essay_kb.store.vectors import VECTORS_FILE, FaissStore, StoreSpec

    base_rss = peak_rss_mb()
    mixture = Mixture(job["seed"], job["clusters"])
    spec = StoreSpec(**job["spec"])
    faiss.omp_set_num_threads(2)
    store = FaissStore.create(DIM, spec)
    build_s = 0.0
    for batch in mixture.corpus_batches(job["size"]):
        t0 = time.perf_counter()
        store.add(batch)
        build_s += time.perf_counter() - t0
        del batch
    log(f"  built {spec.kind} m={spec.m} efC={spec.ef_construction} n={job['size']} in {build_s:.1f} s")
    folder = Path(job["tmp"])
    t0 = time.perf_counter()
    store.save(folder)
    save_s = time.perf_counter() - t0
    disk = (folder / VECTORS_FILE).stat().st_size
    (folder / VECTORS_FILE).unlink()
    queries = mixture.queries(job["queries"])
    truth_file = Path(job["truth"])
    if spec.kind == "flat":
        exact, truth = store._index.search(queries, K)  # exact, batched (BLAS); the truth for recall
        np.save(truth_file, truth)
        sample = np.random.default_rng(0).choice(job["size"], min(job["size"], 2000), replace=False)
        shape = {"top1": float(np.median(exact[:, 0])), "top10": float(np.median(exact[:, -1])),
                 "random": float(np.median(queries @ store.vectors(sorted(sample.tolist())).T))}
    truth = np.load(truth_file)

    def run(n_queries: int) -> dict:
        out = {}
        for threads in (1, 2):
            faiss.omp_set_num_threads(threads)
            for q in queries[:20]:  # warm-up
                store.search(q, K)
            times, found = [], []
            for q in queries[:n_queries]:
                t0 = time.perf_counter()
                hits = store.search(q, K)
                times.append((time.perf_counter() - t0) * 1000)
                found.append([r for r, _ in hits])
            out[f"p50_{threads}"], out[f"p95_{threads}"] = pct(times, 50), pct(times, 95)
            if threads == 1:
                out["recall"] = float(np.mean([len(set(f) & set(t)) / K
                                               for f, t in zip(found, truth[:n_queries].tolist(), strict=True)]))
        return out

    results = {}
    if spec.kind == "flat":
        results[0] = run(job["flat_queries"])
    else:
        for ef in job["ef"]:
            store._index.hnsw.efSearch = ef
            results[ef] = run(job["queries"])
            r = results[ef]
            log(f"    ef={ef}: recall {r['recall']:.3f}, p50 {r['p50_1']:.2f}/{r['p50_2']:.2f} ms")
    return {"build_s": build_s, "save_s": save_s, "disk": disk, "rss_mb": peak_rss_mb(), "base_rss_mb": base_rss,
            "results": results, **({"shape": shape} if spec.kind == "flat" else {})}


# ---------------------------------------------------------------- child: one BM25 index

_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")


def cmrc(data_path: Path) -> tuple[list[str], list[str]]:
    data = json.loads(data_path.read_text(encoding="utf-8"))["data"]
    passages = [p["context"] for a in data for p in a["paragraphs"]]
    questions = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"] if qa["question"].strip()]
    return passages, questions


def base_chunks(passages: list[str], window: int = 3, stride: int = 2) -> list[list[str]]:
    """Sentence windows of every passage, as lists of sentences."""
    chunks = []
    for passage in passages:
        sentences = [s.strip() for s in _SENTENCE.findall(passage) if s.strip()]
        for start in range(0, max(1, len(sentences) - window + stride), stride):
            if sentences[start : start + window]:
                chunks.append(sentences[start : start + window])
    return chunks


def bm25_worker(job: dict) -> dict:
    from essay_kb.lexical import LexicalIndex, get_tokenizer
    from essay_kb.normalize import normalize_for_search

    base_rss = peak_rss_mb()
    passages, questions = cmrc(Path(job["data"]))
    base = base_chunks(passages)
    tokenize = get_tokenizer(job["tokenizer"])
    tokenize("预热")
    rng = random.Random(job["seed"])
    cache: dict[str, list[str]] = {}
    texts, tokens = [], []
    for i in range(job["size"]):
        sentences = list(base[i % len(base)])
        if i >= len(base):
            rng.shuffle(sentences)
        suffix = f"（第{i}段）"
        texts.append("".join(sentences) + suffix)
        toks: list[str] = []
        for s in [*sentences, suffix]:
            if s not in cache:
                cache[s] = tokenize(normalize_for_search(s))
            toks.extend(cache[s])
        tokens.append(toks)
    # Tokenising whole chunks is what LexicalIndex.build pays; measure its rate on a sample, scale to all.
    sample = texts[: min(len(texts), job["tokenize_sample"])]
    t0 = time.perf_counter()
    for t in sample:
        tokenize(normalize_for_search(t))
    tok_rate = sum(map(len, sample)) / (time.perf_counter() - t0)
    tokenize_s = sum(map(len, texts)) / tok_rate
    t0 = time.perf_counter()
    index = LexicalIndex.from_tokens(tokens, job["tokenizer"])
    index_s = time.perf_counter() - t0
    log(f"  bm25 n={job['size']}: index {index_s:.1f} s (+ tokenise ~{tokenize_s:.1f} s)")
    folder = Path(job["tmp"])
    index.save(folder)
    disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    for q in questions[:20]:
        index.top_rows(index.scores(q), K)
    times = []
    for q in questions[: job["queries"]]:
        t0 = time.perf_counter()
        index.top_rows(index.scores(q), K)
        times.append((time.perf_counter() - t0) * 1000)
    return {"index_s": index_s, "tokenize_s": tokenize_s, "disk": disk, "rss_mb": peak_rss_mb(),
            "base_rss_mb": base_rss, "p50": pct(times, 50), "p95": pct(times, 95), "queries": len(times),
            "chunks": len(texts), "tokens": sum(map(len, tokens)), "base_chunks": len(base)}


# ---------------------------------------------------------------- parent


def child(job: dict, cache: Path | None = None) -> dict:
    """Run one job in a fresh interpreter; its stderr (progress) passes through. Results are kept in `cache`."""
    key = json.dumps({k: v for k, v in job.items() if k not in ("tmp_root", "truth")}, sort_keys=True)
    if cache is not None:
        cached = cache / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.json"
        if cached.exists():
            log("  (cached)")
            return json.loads(cached.read_text())["result"]
    with tempfile.TemporaryDirectory(dir=job.get("tmp_root")) as tmp:
        job = {**job, "tmp": tmp}
        proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(job)], stdout=subprocess.PIPE,
                              text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if cache is not None:
        cached.write_text(json.dumps({"job": json.loads(key), "result": result}))
    return result


def interpolate(points: list[tuple[int, float]], target: float) -> str:
    """Smallest size at which latency reaches `target`, linear between measured sizes (or extrapolated)."""
    points = sorted(points)
    if points[0][1] >= target:
        n, y = points[0]
        return f"≤ {n:,} (already {y:.2f} ms at {n:,}; ~{n * target / y:,.0f} if linear through 0)"
    for (n0, y0), (n1, y1) in zip(points, points[1:], strict=False):
        if y0 < target <= y1:
            return f"~{n0 + (target - y0) * (n1 - n0) / (y1 - y0):,.0f} (interpolated)"
    (n0, y0), (n1, y1) = points[-2] if len(points) > 1 else (0, 0.0), points[-1]
    slope = (y1 - y0) / (n1 - n0)
    return f"~{n1 + (target - y1) / slope:,.0f} (extrapolated beyond {n1:,})" if slope > 0 else "not reached"


def growth(values: dict[int, float]) -> str:
    sizes = sorted(values)
    parts = [f"{values[n]:.3g}" for n in sizes]
    factors = [f"×{values[b] / values[a]:.1f}" for a, b in zip(sizes, sizes[1:], strict=False) if values[a] > 0]
    slope = ""
    if len(sizes) > 1 and all(values[n] > 0 for n in sizes):
        slope = f"{np.polyfit(np.log(sizes), np.log([values[n] for n in sizes]), 1)[0]:.2f}"
    return " → ".join(parts) + (f" ({', '.join(factors)})" if factors else "") + f" | {slope}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--flat-queries", type=int, default=500, help="queries timed on flat (slow at 1M)")
    parser.add_argument("--clusters", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20181)
    parser.add_argument("--grid", default="16:40,16:80,32:40,32:80", help="m:ef_construction pairs")
    parser.add_argument("--grid-max-size", type=int, default=10**9,
                        help="above this size build only the default HNSW and --big-grid")
    parser.add_argument("--big-grid", default="", help="m:ef_construction pairs also built above --grid-max-size")
    parser.add_argument("--ef", default="32,64,96,128,256")
    parser.add_argument("--big-ef", default="", help="efSearch values also tried above --grid-max-size")
    parser.add_argument("--bm25-sizes", default="10000,100000")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--tokenizer", default="jieba+bigram")
    parser.add_argument("--tokenize-sample", type=int, default=3000)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep each store's results (and the exact truth) here and reuse them on reruns")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        result = vector_worker(job) if job["kind"] == "vectors" else bm25_worker(job)
        print(json.dumps(result))
        return

    from essay_kb.store.vectors import HNSW_DEFAULT, HNSW_THRESHOLD

    sizes = [int(s) for s in args.sizes.split(",") if s]
    efs = sorted({int(e) for e in args.ef.split(",")} | {HNSW_DEFAULT.ef_search})
    pairs = lambda text: [tuple(map(int, p.split(":"))) for p in text.split(",") if p]  # noqa: E731
    default_pair = (HNSW_DEFAULT.m, HNSW_DEFAULT.ef_construction)
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    vec: dict[int, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as root:
        for size in sizes:
            grid = pairs(args.grid) if size <= args.grid_max_size else pairs(args.big_grid)
            size_efs = efs if size <= args.grid_max_size else sorted({*efs, *(int(e) for e in args.big_ef.split(",")
                                                                               if e)})
            grid = [default_pair, *[p for p in dict.fromkeys(grid) if p != default_pair]]
            truth = str((args.cache or Path(root)) / f"truth-{size}-{args.seed}-{args.clusters}-{args.queries}.npy")
            common = {"kind": "vectors", "size": size, "seed": args.seed, "clusters": args.clusters,
                      "queries": args.queries, "truth": truth, "tmp_root": root}
            log(f"size {size:,}: flat")
            flat = {**common, "spec": {"kind": "flat"}, "flat_queries": args.flat_queries}
            vec[size] = {"flat": child(flat, args.cache)}
            for m, efc in grid:
                log(f"size {size:,}: hnsw m={m} efC={efc}")
                vec[size][f"{m}:{efc}"] = child({**common, "ef": size_efs, "spec": {
                    "kind": "hnsw", "m": m, "ef_construction": efc, "ef_search": HNSW_DEFAULT.ef_search}}, args.cache)
        bm25 = {}
        for size in [int(s) for s in args.bm25_sizes.split(",") if s]:
            log(f"bm25 {size:,}")
            bm25[size] = child({"kind": "bm25", "size": size, "seed": args.seed, "data": str(args.data),
                                "tokenizer": args.tokenizer, "queries": args.queries,
                                "tokenize_sample": args.tokenize_sample, "tmp_root": root}, args.cache)
    total_s = time.perf_counter() - started
    report(args, sizes, efs, vec, bm25, HNSW_DEFAULT, HNSW_THRESHOLD, total_s)


def report(args, sizes, efs, vec, bm25, default, threshold, total_s) -> None:  # type: ignore[no-untyped-def]
    mb = 1024 * 1024
    default_key = f"{default.m}:{default.ef_construction}"
    load = os.getloadavg()
    print(f"`{' '.join([Path(sys.executable).name, *sys.argv])}` — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs (load average at the end {load[0]:.1f}: another job shares the machine), "
          f"dimension {DIM}, {args.clusters} clusters, k={K}, {args.queries} queries per store "
          f"(flat timed on {min(args.flat_queries, args.queries)}), total {total_s / 60:.0f} min\n")
    print("## Vector stores\n")
    print(f"HNSW rows at efSearch={default.ef_search} (the default); **bold** = `HNSW_DEFAULT` "
          f"(m={default.m}, ef_construction={default.ef_construction}, ef_search={default.ef_search}). "
          "Build = `add` of all vectors on 2 threads; RSS = peak of the whole child process (Python + FAISS + "
          "one 50k batch of input + the index, built and searched).\n")
    print("| size | store | build s | disk MB | peak RSS MB | p50 / p95 ms, 1 thread | p50 / p95 ms, 2 threads "
          "| recall@10 |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        for key, res in vec[size].items():
            r = res["results"]["0" if key == "flat" else str(default.ef_search)]
            name = "flat" if key == "flat" else f"hnsw m={key.split(':')[0]} efC={key.split(':')[1]}"
            if key == default_key:
                name = f"**{name}**"
            print(f"| {size:,} | {name} | {res['build_s']:.1f} | {res['disk'] / mb:.0f} | {res['rss_mb']:.0f} | "
                  f"{r['p50_1']:.2f} / {r['p95_1']:.2f} | {r['p50_2']:.2f} / {r['p95_2']:.2f} | {r['recall']:.3f} |")
    base = min(res["base_rss_mb"] for s in sizes for res in vec[s].values())
    print(f"\nRSS of a child before building anything: ~{base:.0f} MB.\n")
    shapes = [(s, vec[s]["flat"]["shape"]) for s in sizes if "shape" in vec[s]["flat"]]
    if shapes:
        print("How the synthetic data looks (median cosine of a query to its nearest / 10th nearest / a random "
              "corpus vector): " + "; ".join(f"{s:,}: {d['top1']:.2f} / {d['top10']:.2f} / {d['random']:.2f}"
                                             for s, d in shapes) + ".\n")

    for size in sorted(sizes, reverse=True):
        print(f"## HNSW grid at {size:,} vectors (efSearch set on each built index)\n")
        print("| m | efC | build s | disk MB | peak RSS MB | efSearch | recall@10 | p50 / p95 ms, 1 thread "
              "| p50 / p95 ms, 2 threads |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, res in vec[size].items():
            if key == "flat":
                continue
            m, efc = key.split(":")
            for ef in sorted(int(e) for e in res["results"]):
                r = res["results"][str(ef)]
                print(f"| {m} | {efc} | {res['build_s']:.1f} | {res['disk'] / mb:.0f} | {res['rss_mb']:.0f} | {ef} "
                      f"| {r['recall']:.3f} | {r['p50_1']:.2f} / {r['p95_1']:.2f} | {r['p50_2']:.2f} / "
                      f"{r['p95_2']:.2f} |")
        print()

    print("## Growth with size\n")
    print("Values at each size (" + ", ".join(f"{s:,}" for s in sizes) + "), factor per step, and the "
          "log-log slope (1 = linear).\n")
    print("| store | cost | values (factor) | slope |\n|---|---|---|---:|")
    for key, name in (("flat", "flat"), (default_key, f"hnsw default ({default_key})")):
        rows = {
            "build s": {s: vec[s][key]["build_s"] for s in sizes},
            "disk MB": {s: vec[s][key]["disk"] / mb for s in sizes},
            "peak RSS MB": {s: vec[s][key]["rss_mb"] for s in sizes},
        }
        ef = "0" if key == "flat" else str(default.ef_search)
        for t in (1, 2):
            rows[f"p50 ms, {t} thread{'s' if t > 1 else ''}"] = {s: vec[s][key]["results"][ef][f"p50_{t}"]
                                                                 for s in sizes}
        for cost, values in rows.items():
            print(f"| {name} | {cost} | {growth(values)} |")
    if bm25:
        for cost, values in (("index s (bm25s)", {s: r["index_s"] for s, r in bm25.items()}),
                             ("disk MB", {s: r["disk"] / mb for s, r in bm25.items()}),
                             ("peak RSS MB", {s: r["rss_mb"] for s, r in bm25.items()}),
                             ("query p50 ms", {s: r["p50"] for s, r in bm25.items()})):
            print(f"| bm25 | {cost} | {growth(values)} |")

    print("\n## When does exact search get slow?\n")
    print(f"Smallest size at which flat `search` p50 (k={K}) exceeds a budget; `HNSW_THRESHOLD` is now "
          f"{threshold:,}.\n")
    print("| budget | 1 thread | 2 threads |\n|---:|---|---|")
    for target in (2.0, 5.0):
        cells = [interpolate([(s, vec[s]["flat"]["results"]["0"][f"p50_{t}"]) for s in sizes], target)
                 for t in (1, 2)]
        print(f"| {target:.0f} ms | {cells[0]} | {cells[1]} |")

    largest = max(sizes)
    ok = [(r["p50_2"], key, ef, r) for key, res in vec[largest].items() if key != "flat"
          for ef, r in ((int(e), r) for e, r in res["results"].items()) if r["recall"] >= 0.95 and r["p50_2"] <= 5]
    print(f"\n## HNSW settings at {largest:,} with recall@10 ≥ 0.95 and p50 ≤ 5 ms on 2 threads\n")
    if ok:
        print("| m | efC | efSearch | recall@10 | p50 ms, 2 threads | build s |\n|---:|---:|---:|---:|---:|---:|")
        for p50, key, ef, r in sorted(ok)[:8]:
            m, efc = key.split(":")
            print(f"| {m} | {efc} | {ef} | {r['recall']:.3f} | {p50:.2f} | {vec[largest][key]['build_s']:.0f} |")
    else:
        best = max(((r["recall"], key, int(ef), r["p50_2"]) for key, res in vec[largest].items() if key != "flat"
                    for ef, r in res["results"].items()), default=None)
        print(f"None. Best recall found: {best}.")

    if bm25:
        print("\n## BM25 (bm25s, real Chinese text)\n")
        first = next(iter(bm25.values()))
        print(f"{first['base_chunks']} distinct sentence-window chunks (3 sentences, stride 2) of the CMRC 2018 "
              f"trial passages, repeated with shuffled sentence order and a chunk number to reach each size; "
              f"tokeniser `{args.tokenizer}`. *index s* = `LexicalIndex.from_tokens` (bm25s) on tokens prepared "
              f"beforehand; *tokenise s* = what `LexicalIndex.build` adds, estimated from the tokeniser's rate on "
              f"{args.tokenize_sample:,} whole chunks. Latency = `scores(question)` + `top_rows(scores, {K})` "
              f"over {first['queries']} CMRC questions.\n")
        print("| chunks | tokens | index s | tokenise s (est.) | disk MB | peak RSS MB | query p50 / p95 ms |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size, r in bm25.items():
            print(f"| {size:,} | {r['tokens']:,} | {r['index_s']:.1f} | {r['tokenize_s']:.0f} | "
                  f"{r['disk'] / mb:.0f} | {r['rss_mb']:.0f} | {r['p50']:.2f} / {r['p95']:.2f} |")


if __name__ == "__main__":
    main()
