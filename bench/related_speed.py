"""`kb related` on a generated corpus of 1,000+ essays: seconds per call after the model is loaded, and how many
passages the call embedded (it must be 0: indexed essays are compared through their stored vectors). Issue 15.

    PYTHONPATH=src:bench .venv/bin/python bench/related_speed.py [--essays 1000] [--cache /tmp/related-speed]

The essays are generated from CMRC 2018 trial passages (read from ../shared, not copied): each essay has a title
and four paragraphs of two to four consecutive sentences of one passage, sentences taken from different
passages per paragraph, seeded. Their content is a mix, not a topic set (bench/related.py measures quality on
the written pair set); what matters here is the size of the index the call searches. Built once under --cache.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from essay_kb import Config, KnowledgeBase
from essay_kb.chunker import split_sentences
from retrieval import DEFAULT_DATA


def generate(data: Path, corpus: Path, count: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    articles = json.loads(data.read_text(encoding="utf-8"))["data"]
    passages = [(a["title"], p["context"]) for a in articles for p in a["paragraphs"]]
    runs = []
    for title, text in passages:
        sentences = [text[s:e] for s, e in split_sentences(text)]
        runs.extend((title, sentences[i : i + 3]) for i in range(0, max(len(sentences) - 1, 1), 3))
    for n in range(count):
        chosen = rng.sample(runs, 4)
        title = f"{chosen[0][0]}与{chosen[1][0]}（{n + 1}）"
        body = "\n\n".join("".join(sentences) for _, sentences in chosen)
        (corpus / f"essay-{n:05d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/related-speed"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    corpus = args.cache / f"corpus-{args.essays}"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        generate(args.data, corpus, args.essays)
    kb = KnowledgeBase(Config(corpus=corpus, index=args.cache / f"index-{args.essays}"))
    t0 = time.perf_counter()
    report = kb.build()
    build_s = time.perf_counter() - t0
    index = kb.index()
    essays = sorted(index.chunks.titles())
    kb.embedder.embed_query("预热")  # the model loaded before timing, as in the app or a server
    embedded = []
    original = kb.embedder.embed_passages

    def counting(texts, progress=None):  # type: ignore[no-untyped-def]
        embedded.append(len(texts))
        return original(texts, progress)

    kb.embedder.embed_passages = counting  # type: ignore[method-assign]
    kb.related(essays[0], 5)  # first call: jieba, OpenCC and the row layout load once per process
    rng = random.Random(1)
    times = []
    for essay in rng.sample(essays, min(args.calls, len(essays))):
        t = time.perf_counter()
        kb.related(essay, 5)
        times.append(time.perf_counter() - t)
    print(f"`python {' '.join(sys.argv)}` — {len(essays)} essays, {index.chunks.count()} passages, "
          f"{index.manifest.vector_store.get('kind', '?')} store; this run's build {build_s:.0f} s, "
          f"{report.embedded} passages embedded (0 when an earlier run's index under --cache is reused)\n")
    print("| calls | p50 s | p90 s | max s | passages embedded by the calls |\n|---|---|---|---|---|")
    times.sort()
    print(f"| {len(times)} | {statistics.median(times):.3f} | {times[int(0.9 * (len(times) - 1))]:.3f} | "
          f"{times[-1]:.3f} | {sum(embedded)} |")


if __name__ == "__main__":
    main()
