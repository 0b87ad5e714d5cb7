"""Ranking variants on reader-worded questions over the default corpus (seed + demo essays) and CMRC 2018 trial:
passage recall@1/@5 and MRR@10 per question group, CMRC essay recall@1, and the search's p50 cost beyond the
query embedding. Prints Markdown for BENCHMARKS.md (issue 14).

    .venv/bin/python bench/reader_questions.py [--cache /tmp/reader-bench] [--data ../shared/bench/cmrc2018_trial.json]

Indexes and question embeddings are kept under --cache, so a rerun embeds nothing. Each variant is one function
returning the FusionConfig it searches with; a variant's weights are fitted on the "dev" split of
tests/data/reader_questions.jsonl only, and its "test" split is reported apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

from essay_kb import Config, KnowledgeBase  # noqa: E402
from essay_kb.evaluate import Question, summarize  # noqa: E402
from essay_kb.fusion import FusionConfig  # noqa: E402
from essay_kb.normalize import normalize_for_search  # noqa: E402
from essay_kb.search import Hit, search  # noqa: E402
from retrieval import DEFAULT_DATA, write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
K = 10
SEED = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"

# ---- variants: one function each, returning the configuration it searches with ----------------------------


def base() -> FusionConfig:
    """What search did before issue 14: every kind on equal terms, BM25 on every question word."""
    return FusionConfig(kind_weights=(), cross_language=False, role_questions=False, lexical_top_exempt=False)


def prior(weight: float, kinds: Sequence[str] = ("reference", "keywords"), asked: bool = False) -> FusionConfig:
    """(a) the fused score of references and keyword lines multiplied by `weight`; (c) with `asked`."""
    return dataclasses.replace(base(), kind_weights=tuple((k, weight) for k in kinds), role_questions=asked)


def apart(asked: bool = False) -> FusionConfig:
    """(b) references out of the ranking (a "sources" list would show them); (c) with `asked`."""
    return dataclasses.replace(base(), kind_weights=(("reference", 0.0),), role_questions=asked)


def cross_language() -> FusionConfig:
    """Latin words count only against Latin content passages; no English stop words. The default corpus holds
    no Latin content text, so here it can only match base; tests/test_ranking.py builds the case it changes."""
    return dataclasses.replace(base(), cross_language=True)


def default() -> FusionConfig:
    """The configuration search uses now (FusionConfig's defaults)."""
    return FusionConfig()


VARIANTS: dict[str, Callable[[], FusionConfig]] = {
    "base (before issue 14)": base,
    "(a) prior 0.5 ref+kw": lambda: prior(0.5),
    "(a)+(c) prior 0.1 ref+kw": lambda: prior(0.1, asked=True),
    "(a)+(c) prior 0.3 ref+kw": lambda: prior(0.3, asked=True),
    "(a)+(c) prior 0.5 ref+kw": lambda: prior(0.5, asked=True),
    "(a)+(c) prior 0.7 ref+kw": lambda: prior(0.7, asked=True),
    "(a)+(c) prior 0.5 ref+kw+abstract": lambda: prior(0.5, ("reference", "keywords", "abstract"), asked=True),
    "(a)+(c) prior 0.3 ref+kw, BM25 top exempt": lambda: dataclasses.replace(prior(0.3, asked=True),
                                                                              lexical_top_exempt=True),
    "(a)+(c) prior 0.3, BM25 top exempt, dense w=0.7": lambda: dataclasses.replace(
        prior(0.3, asked=True), lexical_top_exempt=True, dense_weight=0.7),
    "(b) references apart": apart,
    "(b)+(c) references apart": lambda: apart(asked=True),
    "cross-language BM25": cross_language,
    "default now": default,
}

# ---- question groups ---------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def as_question(item: dict[str, object]) -> Question:
    return Question(str(item["question"]), str(item["answer"]), item.get("essay"))  # type: ignore[arg-type]


ALSO_IN: dict[str, set[str]] = {}  # question → other essays that hold the same answer (a revised copy)


def question_groups() -> dict[str, list[Question]]:
    """Answerable questions by set, split, language and what they are about. The seed sets ask about "this
    article" and are searched in the seed essay's own index (as tests/test_search.py does); the reader set
    names its essays and is searched in the default corpus."""
    groups = {"seed zh": [as_question(i) for i in read_jsonl(DATA / "seed_questions.jsonl")],
              "seed en": [as_question(i) for i in read_jsonl(DATA / "seed_questions_en.jsonl")]}
    reader = DATA / "reader_questions.jsonl"
    if reader.exists():
        items = [i for i in read_jsonl(reader) if i.get("answer")]
        ALSO_IN.update({str(i["question"]): set(i.get("also_in", ())) for i in items})  # type: ignore[arg-type]
        for split in ("dev", "test"):
            part = [i for i in items if i.get("split") == split]
            for label, keep in (("zh", lambda i: i.get("about") == "content" and i.get("lang") == "zh"),
                                ("hant", lambda i: i.get("about") == "content" and i.get("lang") == "zh-hant"),
                                ("en", lambda i: i.get("about") == "content" and i.get("lang") == "en"),
                                ("sources", lambda i: i.get("about") == "sources")):
                chosen = [as_question(i) for i in part if keep(i)]
                if chosen:
                    groups[f"reader {split} {label}"] = chosen
    return groups


# ---- measuring ---------------------------------------------------------------------------------------------


def built(cache: Path, name: str, fill: Callable[[Path], None]) -> KnowledgeBase:
    """A knowledge base under cache/name, built once (a rebuild reuses the stored embeddings)."""
    corpus = cache / name / "corpus"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        fill(corpus)
    kb = KnowledgeBase(Config(corpus=corpus, index=cache / name / "index"))
    kb.build()
    return kb


def embedded(kb: KnowledgeBase, questions: Sequence[Question], cache: Path) -> np.ndarray:
    key = hashlib.sha1("\n".join(q.question for q in questions).encode()).hexdigest()[:16]
    path = cache / f"questions-{key}.npy"
    if not path.exists():
        np.save(path, np.stack([kb.embedder.embed_query(normalize_for_search(q.question)) for q in questions]))
    return np.load(path)


def passage_rank(hits: Sequence[Hit], q: Question) -> int | None:
    """Rank of the first hit holding the answer in the question's essay (or in a copy listed under the hit)."""
    answer = normalize_for_search(q.answer)
    for hit in hits:
        essays = {hit.chunk.essay_id, *(p.essay_id for p in hit.duplicates)}
        wanted = {q.essay, *ALSO_IN.get(q.question, ())}
        if answer in normalize_for_search(hit.chunk.text) and (q.essay is None or essays & wanted):
            return hit.rank
    return None


def cell(kb: KnowledgeBase, questions: Sequence[Question], vectors: np.ndarray, fusion: FusionConfig) -> str:
    index = kb.index()
    ranks = [passage_rank(search(index, q.question, v, K, "hybrid", fusion), q)
             for q, v in zip(questions, vectors, strict=True)]
    s = summarize(ranks)
    return f"{s['recall@1']:.2f} / {s['recall@5']:.2f} / {s['mrr@10']:.2f}"


def cmrc_recall_at_1(kb: KnowledgeBase, questions: Sequence[Question], vectors: np.ndarray,
                     fusion: FusionConfig) -> float:
    index = kb.index()
    top = [search(index, q.question, v, 1, "hybrid", fusion) for q, v in zip(questions, vectors, strict=True)]
    return sum(1 for q, hits in zip(questions, top, strict=True) if hits and hits[0].chunk.essay_id == q.essay) / len(
        questions)


def search_p50(runs: Sequence[tuple[KnowledgeBase, Sequence[Question], np.ndarray]], fusion: FusionConfig) -> float:
    """p50 of everything after the embedding (BM25, dense, fusion, roles, dedupe, highlight), k=5."""
    times = []
    for kb, questions, vectors in runs:
        index = kb.index()
        for q, v in zip(questions, vectors, strict=True):
            t0 = time.perf_counter()
            search(index, q.question, v, 5, "hybrid", fusion)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def embed_p50(kb: KnowledgeBase, questions: Sequence[Question]) -> float:
    times = []
    for q in questions:
        t0 = time.perf_counter()
        kb.embedder.embed_query(normalize_for_search(q.question))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reader-bench"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    demo = built(args.cache, "demo", lambda corpus: shutil.copytree(ROOT / "corpus", corpus, dirs_exist_ok=True))
    seed = built(args.cache, "seed", lambda corpus: shutil.copy(ROOT / "corpus" / SEED, corpus))
    cmrc = built(args.cache, "cmrc", lambda corpus: write_corpus(args.data, corpus) and None)
    with tempfile.TemporaryDirectory() as scratch:  # the questions, without touching the indexed corpus
        cmrc_questions = write_corpus(args.data, Path(scratch))
    groups = question_groups()
    kbs = {name: seed if name.startswith("seed") else demo for name in groups}
    vectors = {name: embedded(demo, qs, args.cache) for name, qs in groups.items()}
    cmrc_vectors = embedded(cmrc, cmrc_questions, args.cache)

    embedding = embed_p50(demo, [q for qs in groups.values() for q in qs] + cmrc_questions)
    runs = [(kbs[name], qs, vectors[name]) for name, qs in groups.items()] + [(cmrc, cmrc_questions, cmrc_vectors)]
    print(f"`{' '.join(['python', *sys.argv])}` — seed sets in the seed essay's index, reader set in the default "
          f"corpus (seed + demo), k={K}; cells: passage "
          f"R@1 / R@5 / MRR@10; CMRC: essay R@1 over {len(cmrc_questions)} trial questions; cost: search p50 "
          f"beyond the query embedding (p50 {embedding:.2f} ms)\n")
    names = [f"{name} ({len(groups[name])})" for name in groups]
    print("| variant | " + " | ".join(names) + " | CMRC R@1 | search p50 | cost |")
    print("|---|" + "---|" * (len(names) + 3))
    for label, variant in VARIANTS.items():
        fusion = variant()
        cells = [cell(kbs[name], qs, vectors[name], fusion) for name, qs in groups.items()]
        cost = search_p50(runs, fusion)
        cmrc_r1 = cmrc_recall_at_1(cmrc, cmrc_questions, cmrc_vectors, fusion)
        print(f"| {label} | " + " | ".join(cells) + f" | {cmrc_r1:.4f} | {cost:.2f} ms | {cost / embedding:.1%} |")


if __name__ == "__main__":
    main()
