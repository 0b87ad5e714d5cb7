"""Small-to-big: score a passage by its best sentence or 2-sentence window, against its own vector (issue 14).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/small_to_big.py [--data ../shared/bench/cmrc2018_trial.json]

Dense retrieval only, on the indexed passages (title and heading chunks left out, duplicates collapsed, as
search.py does). Each part is embedded under the same title › section context as its passage (passage_text),
so a sentence keeps the topic its paragraph leaves implicit. Scorers: the passage cosine, max over parts, and
w·max(parts) + (1 − w)·passage with w fitted on dev items only (the reader set's "dev" split when it exists,
else the even-numbered CMRC articles) and reported on the rest. Then the default hybrid search (search.py, BM25
+ dense, fused) with the dense side scored by passage vectors and by pooled sentence parts, and its cost. Indexes,
part vectors and question vectors are cached under --cache, so a rerun embeds nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

from essay_kb import Config, KnowledgeBase  # noqa: E402
from essay_kb.chunker import split_sentences  # noqa: E402
from essay_kb.evaluate import Question, summarize  # noqa: E402
from essay_kb.fusion import FusionConfig  # noqa: E402
from essay_kb.indexer import passage_text  # noqa: E402
from essay_kb.normalize import normalize_for_search  # noqa: E402
from essay_kb.search import STRUCTURE_KINDS, ranked_rows, search  # noqa: E402
from retrieval import DEFAULT_DATA, write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
DEPTH = 50


@dataclass
class Corpus:
    """One built index seen as arrays: passage vectors, and per part size the part vectors and their rows."""

    name: str
    kb: KnowledgeBase
    chunks: list
    vectors: np.ndarray
    ranked_rows: np.ndarray  # rows a dense search may return (no titles/headings), first of each fingerprint
    parts: dict[str, tuple[np.ndarray, np.ndarray, float]]  # kind → (part rows, part vectors, embed seconds)


def cached_embed(kb: KnowledgeBase, texts: list[str], cache: Path, query: bool) -> tuple[np.ndarray, float]:
    """Vectors of `texts` (passage or query prompt), from the cache when the same texts were embedded before."""
    key = hashlib.sha256(("\x00".join(texts) + kb.embedder.fingerprint + str(query)).encode()).hexdigest()[:16]
    path, meta = cache / f"{key}.npy", cache / f"{key}.json"
    if path.exists():
        return np.load(path), json.loads(meta.read_text())["seconds"]
    t0 = time.perf_counter()
    if query:
        vectors = np.stack([kb.embedder.embed_query(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)
    else:
        vectors = kb.embedder.embed_passages(texts)
    seconds = time.perf_counter() - t0
    np.save(path, vectors)
    meta.write_text(json.dumps({"seconds": seconds, "count": len(texts)}))
    return vectors, seconds


def part_texts(chunks: Sequence, titles: dict[str, str], rows: np.ndarray, size: int) -> tuple[list[int], list[str]]:
    """Sentences (size 1) or overlapping windows of `size` sentences of each passage with more than `size`
    sentences (a passage that is one window already is its own best part), each under its passage's context."""
    out_rows, texts = [], []
    for row in rows:
        chunk = chunks[row]
        spans = split_sentences(chunk.text)
        if len(spans) <= size:
            continue
        for i in range(len(spans) - size + 1):
            piece = chunk.text[spans[i][0] : spans[i + size - 1][1]]
            out_rows.append(int(row))
            texts.append(passage_text(replace(chunk, text=piece), titles[chunk.essay_id]))
    return out_rows, texts


def load_corpus(name: str, corpus: Path, cache: Path, kb_embedder=None) -> Corpus:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase(Config(corpus=corpus, index=cache / f"{name}-index"), kb_embedder)
    kb.build()
    index = kb.index()
    rows = list(range(index.chunks.count()))
    chunks = index.chunks.chunks(rows)
    meta = index.chunks.kinds_and_fingerprints(rows)
    seen: set[str] = set()
    ranked = []
    for row in rows:
        kind, fingerprint = meta[row]
        if kind in STRUCTURE_KINDS or fingerprint in seen:
            continue
        seen.add(fingerprint)
        ranked.append(row)
    ranked_rows = np.asarray(ranked)
    titles = index.chunks.titles()
    parts = {}
    for label, size in (("sentence", 1), ("window2", 2)):
        part_rows, texts = part_texts(chunks, titles, ranked_rows, size)
        vectors, seconds = cached_embed(kb, texts, cache, query=False)
        parts[label] = (np.asarray(part_rows, dtype=np.int64), vectors, seconds)
    return Corpus(name, kb, chunks, index.vectors.vectors(rows), ranked_rows, parts)


def scores(c: Corpus, queries: np.ndarray, kind: str | None, weight: float) -> np.ndarray:
    """(questions × passages) scores: w·max(part cosines) + (1 − w)·passage cosine; a passage without parts
    counts its own cosine as its best part."""
    passage = queries @ c.vectors.T
    if kind is None or weight == 0:
        return passage
    rows, vectors, _ = c.parts[kind]
    # Parts are stored in row order, so one reduceat takes the max over each passage's parts.
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    best = passage.copy()
    best[:, rows[starts]] = np.maximum.reduceat(queries @ vectors.T, starts, axis=1)
    return weight * best + (1 - weight) * passage


def ranks(c: Corpus, questions: Sequence[Item], score: np.ndarray) -> tuple[list, list]:
    """(passage rank, essay rank) of each question in the top DEPTH, None when absent."""
    passage_ranks, essay_ranks = [], []
    texts = {int(r): normalize_for_search(c.chunks[r].text) for r in c.ranked_rows}
    for q, s in zip(questions, score[:, c.ranked_rows], strict=True):
        order = c.ranked_rows[np.argsort(-s)[:DEPTH]]
        answer = normalize_for_search(q.answer)
        passage_ranks.append(next((i for i, r in enumerate(order, 1) if answer in texts[int(r)]
                                   and c.chunks[r].essay_id in q.essays), None))
        essays = list(dict.fromkeys(c.chunks[r].essay_id for r in order))
        essay_ranks.append(next((i for i, e in enumerate(essays, 1) if e in q.essays), None))
    return passage_ranks, essay_ranks


def fit_weight(c: Corpus, questions: Sequence[Item], queries: np.ndarray, kind: str) -> float:
    """The weight with the best passage MRR@10 (then R@1) on these (dev) questions."""
    def key(w: float) -> tuple[float, float]:
        s = summarize(ranks(c, questions, scores(c, queries, kind, w))[0])
        return s["mrr@10"], s["recall@1"]
    return max(WEIGHTS, key=key)


@dataclass(frozen=True)
class Item:
    """A question with every essay whose passage holding the answer counts as right (the reader set's also_in)."""

    question: str
    answer: str
    essays: tuple[str, ...]


@dataclass(frozen=True)
class QuestionSet:
    label: str
    corpus: str  # "demo" or "cmrc"
    questions: tuple[Item, ...]
    dev: bool = False  # weights may be fitted on it


def read_sets(cmrc_questions: list[Question], cmrc_dev_essays: set[str]) -> list[QuestionSet]:
    """Seed (zh, en), the reader set by split/lang/source when present, and CMRC split by article."""
    def load(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def questions(items: list[dict]) -> tuple[Item, ...]:
        return tuple(Item(d["question"], d["answer"], (d["essay"], *d.get("also_in", ()))) for d in items
                     if d.get("answer"))

    sets = [QuestionSet("seed zh", "demo", questions(load(DATA / "seed_questions.jsonl"))),
            QuestionSet("seed en", "demo", questions(load(DATA / "seed_questions_en.jsonl")))]
    reader_path = DATA / "reader_questions.jsonl"
    if reader_path.exists():
        reader = load(reader_path)
        for split in ("dev", "test"):
            items = [d for d in reader if d.get("split") == split]
            sets.append(QuestionSet(f"reader {split}", "demo", questions(items), dev=split == "dev"))
            for lang in sorted({d.get("lang", "") for d in items}):
                sub = [d for d in items if d.get("lang") == lang]
                sets.append(QuestionSet(f"reader {split} {lang}", "demo", questions(sub)))
        for about in sorted({d.get("about", "") for d in reader if d.get("split") == "test"}):
            sub = [d for d in reader if d.get("split") == "test" and d.get("about") == about]
            sets.append(QuestionSet(f"reader test about={about}", "demo", questions(sub)))
    cmrc = [Item(q.question, q.answer, (q.essay or "",)) for q in cmrc_questions]
    dev = tuple(q for q in cmrc if q.essays[0] in cmrc_dev_essays)
    test = tuple(q for q in cmrc if q.essays[0] not in cmrc_dev_essays)
    reader_dev = any(s.dev for s in sets)
    sets += [QuestionSet("CMRC dev (even articles)", "cmrc", dev, dev=not reader_dev),
             QuestionSet("CMRC test (odd articles)", "cmrc", test), QuestionSet("CMRC all", "cmrc", tuple(cmrc))]
    return [s for s in sets if s.questions]


def query_cost(c: Corpus, questions: Sequence[Question], kind: str) -> tuple[float, float, float]:
    """p50 ms of: the query embedding, a top-DEPTH passage search, and the same with part max-pooling (exact
    inner products in numpy, as FAISS flat does; one query at a time)."""
    embed_ms, plain_ms, pooled_ms = [], [], []
    rows, vectors, _ = c.parts[kind]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    c.kb.embedder.prepare_queries()
    for q in questions:
        t0 = time.perf_counter()
        v = c.kb.embedder.embed_query(normalize_for_search(q.question))
        t1 = time.perf_counter()
        s = c.vectors @ v
        np.argpartition(-s, min(DEPTH, len(s) - 1))[:DEPTH]
        t2 = time.perf_counter()
        s = c.vectors @ v
        s[rows[starts]] = 0.5 * s[rows[starts]] + 0.5 * np.maximum.reduceat(vectors @ v, starts)
        np.argpartition(-s, min(DEPTH, len(s) - 1))[:DEPTH]
        t3 = time.perf_counter()
        embed_ms.append((t1 - t0) * 1000)
        plain_ms.append((t2 - t1) * 1000)
        pooled_ms.append((t3 - t2) * 1000)
    return statistics.median(embed_ms), statistics.median(plain_ms), statistics.median(pooled_ms)


def row(label: str, scorer: str, ranked: tuple[list, list], essay: bool) -> str:
    p = summarize(ranked[0])
    e = f" {summarize(ranked[1])['recall@1']:.4f} |" if essay else " |"
    return (f"| {label} | {len(ranked[0])} | {scorer} | {p['recall@1']:.4f} | {p['recall@5']:.4f} | "
            f"{p['mrr@10']:.4f} |{e}")


def corpora_and_sets(description: str) -> tuple[argparse.Namespace, dict[str, Corpus], list[Question],
                                                list[QuestionSet]]:
    """The command line (--data, --cache), the default and CMRC corpora with their part vectors, the CMRC
    questions and every question set; shared with bench/learned_fusion.py."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/issue14-small2big"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    (args.cache / "cmrc-corpus").mkdir(exist_ok=True)
    cmrc_questions = write_corpus(args.data, args.cache / "cmrc-corpus")
    articles = json.loads(args.data.read_text(encoding="utf-8"))["data"]
    dev_essays = {f"{p['id']}.txt" for i, a in enumerate(articles) if i % 2 == 0 for p in a["paragraphs"]}
    demo = load_corpus("demo", ROOT / "corpus", args.cache)
    corpora = {"demo": demo, "cmrc": load_corpus("cmrc", args.cache / "cmrc-corpus", args.cache, demo.kb.embedder)}
    return args, corpora, cmrc_questions, read_sets(cmrc_questions, dev_essays)


def main() -> None:
    args, corpora, cmrc_questions, sets = corpora_and_sets(__doc__.splitlines()[0])
    queries = {s.label: cached_embed(corpora[s.corpus].kb, [normalize_for_search(q.question) for q in s.questions],
                                     args.cache, query=True)[0] for s in sets}
    fitted = {}
    for kind in ("sentence", "window2"):
        dev = [s for s in sets if s.dev]
        fitted[kind] = {s.corpus: fit_weight(corpora[s.corpus], s.questions, queries[s.label], kind) for s in dev}
    print(f"`{' '.join(['python', *sys.argv])}` — dense only, top {DEPTH}; weights fitted on: "
          f"{', '.join(s.label for s in sets if s.dev)} → {fitted}\n")
    print("| set | questions | scorer | passage R@1 | passage R@5 | passage MRR@10 | essay R@1 |\n"
          "|---|---|---|---|---|---|---|")
    for s in sets:
        c, q = corpora[s.corpus], queries[s.label]
        essay = s.corpus == "cmrc"
        print(row(s.label, "passage vector", ranks(c, s.questions, scores(c, q, None, 0)), essay))
        for kind in ("sentence", "window2"):
            print(row(s.label, f"max {kind}", ranks(c, s.questions, scores(c, q, kind, 1.0)), essay))
            for w in sorted(set(fitted[kind].values())):
                print(row(s.label, f"{w}·max {kind} + {1 - w:.1f}·passage",
                          ranks(c, s.questions, scores(c, q, kind, w)), essay))
    print_hybrid(corpora, sets, queries, fitted["sentence"].get("demo", 0.7))
    print_costs(corpora, cmrc_questions, args.cache)


def print_costs(corpora: dict[str, Corpus], cmrc_questions: list[Question], cache: Path) -> None:
    print("\n| corpus | kind | passages | parts | extra MB (float32) | passage embed s | part embed s | "
          "query embed p50 ms | passage search p50 ms | pooled search p50 ms |\n" + "|---" * 10 + "|")
    for name, c in corpora.items():
        index = c.kb.index()
        titles = index.chunks.titles()
        texts = [passage_text(c.chunks[r], titles[c.chunks[r].essay_id]) for r in range(len(c.chunks))]
        _, passage_s = cached_embed(c.kb, texts, cache, query=False)
        for kind, (rows, vectors, seconds) in c.parts.items():
            sample = cmrc_questions[:200] if name == "cmrc" else read_seed()
            embed, plain, pooled = query_cost(c, sample, kind)
            print(f"| {name} | {kind} | {len(c.vectors)} | {len(rows)} | {vectors.nbytes / 2**20:.2f} | "
                  f"{passage_s:.1f} | {seconds:.1f} | {embed:.2f} | {plain:.3f} | {pooled:.3f} |")


class PooledVectors:
    """The index's vector store with sentence parts pooled in: a passage scores w·best sentence + (1 − w)·its
    own cosine (a passage without parts keeps its cosine). Exact, in numpy, over the bench's cached part
    vectors; it answers search() and cosines() like a store, so search.py runs unchanged on it."""

    def __init__(self, c: Corpus, kind: str, weight: float) -> None:
        self.store = c.kb.index().vectors
        self.spec = self.store.spec
        self.rows, self.parts, _ = c.parts[kind]
        self.starts = np.flatnonzero(np.r_[True, self.rows[1:] != self.rows[:-1]])
        self.matrix = c.vectors
        self.weight = weight

    @property
    def count(self) -> int:
        return self.store.count

    @property
    def dimension(self) -> int:
        return self.store.dimension

    def _scores(self, query: np.ndarray) -> np.ndarray:
        s = self.matrix @ query
        pooled = self.rows[self.starts]
        best = np.maximum.reduceat(self.parts @ query, self.starts)
        s[pooled] = self.weight * best + (1 - self.weight) * s[pooled]
        return s

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        s = self._scores(query)
        if allowed is not None:
            s[~allowed] = -np.inf
        top = np.argsort(-s, kind="stable")[:k]
        return [(int(r), float(s[r])) for r in top if np.isfinite(s[r])]

    def cosines(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        return self._scores(query)[rows]


def plain_and_pooled(c: Corpus, weight: float):  # type: ignore[no-untyped-def]
    """The index as search sees it (passage vectors), and the same with pooled sentence parts."""
    index = c.kb.index()
    return index, replace(index, vectors=PooledVectors(c, "sentence", weight))


def hybrid_ranks(c: Corpus, index, items: Sequence[Item], queries: np.ndarray) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    """(passage rank, essay rank) per question in the full hybrid ranking (duplicates collapsed, as search)."""
    passage_ranks, essay_ranks = [], []
    for q, v in zip(items, queries, strict=True):
        ranked, meta = ranked_rows(index, q.question, v, "hybrid", FusionConfig())
        seen, order = set(), []
        for cand in ranked:
            if meta[cand.row][1] not in seen:
                seen.add(meta[cand.row][1])
                order.append(cand.row)
        answer = normalize_for_search(q.answer)
        passage_ranks.append(next((i for i, r in enumerate(order, 1) if c.chunks[r].essay_id in q.essays
                                   and answer in normalize_for_search(c.chunks[r].text)), None))
        essays = list(dict.fromkeys(c.chunks[r].essay_id for r in order))
        essay_ranks.append(next((i for i, e in enumerate(essays, 1) if e in q.essays), None))
    return passage_ranks, essay_ranks


def print_hybrid(corpora: dict[str, Corpus], sets: list[QuestionSet], queries: dict[str, np.ndarray],
                 weight: float) -> None:
    """The default hybrid search (BM25 + dense, fused) with passage vectors alone and with pooled parts."""
    print(f"\n### Hybrid search ({FusionConfig().method}, defaults): passage vectors vs pooled sentence parts "
          f"(w={weight})\n")
    print("| set | questions | dense side | passage R@1 | passage R@5 | passage MRR@10 | essay R@1 |\n"
          "|---|---|---|---|---|---|---|")
    indexes = {name: plain_and_pooled(c, weight) for name, c in corpora.items()}
    for s in sets:
        c = corpora[s.corpus]
        for label, index in zip(("passage vector", "pooled parts"), indexes[s.corpus], strict=True):
            print(row(s.label, label, hybrid_ranks(c, index, s.questions, queries[s.label]), True))
    print("\n| corpus, questions, hybrid k=5 | dense side | query embedding p50 | search p50 (after the embedding) |"
          " ratio |\n|---|---|---|---|---|")
    samples = {"demo": read_seed() * 3, "cmrc": [q for s in sets if s.label == "CMRC all" for q in s.questions][:300]}
    for name, questions in samples.items():
        c = corpora[name]
        embed_ms: dict[int, list[float]] = {0: [], 1: []}
        search_ms: dict[int, list[float]] = {0: [], 1: []}
        for q in questions:  # interleaved, so load from other work on the machine hits both alike
            for i, index in enumerate(indexes[name]):
                t0 = time.perf_counter()
                v = c.kb.embedder.embed_query(normalize_for_search(q.question))
                t1 = time.perf_counter()
                search(index, q.question, v, 5)
                embed_ms[i].append((t1 - t0) * 1000)
                search_ms[i].append((time.perf_counter() - t1) * 1000)
        for i, label in enumerate(("passage vector", "pooled parts (numpy, exact)")):
            embed, cost = statistics.median(embed_ms[i]), statistics.median(search_ms[i])
            print(f"| {name}, {len(questions)} | {label} | {embed:.2f} ms | {cost:.2f} ms | {cost / embed:.1%} |")


def read_seed() -> list[Question]:
    return [Question(d["question"], d["answer"], d["essay"]) for d in
            (json.loads(x) for x in (DATA / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines() if x)]


if __name__ == "__main__":
    main()
