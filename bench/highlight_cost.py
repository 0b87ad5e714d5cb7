"""What highlighting costs per hit, next to the query embedding (~30 ms p50 in bench/hybrid.py).

    PYTHONPATH=src .venv/bin/python bench/highlight_cost.py

No model: BM25 over the default corpus (seed + demo essays) picks each question's top 5 passages, which are
highlighted with the stored inputs a search passes (matchable text, sentence spans) and timed one hit at a time.
"uncached" empties the word cache before every hit (each passage segmented afresh, the worst case); "cold" is one
pass with the cache filling as it goes (passages shared by several questions are cut once); "warm" repeats it.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from essay_kb import highlight as highlight_module
from essay_kb.chunker import chunk_essay, split_sentences
from essay_kb.highlight import highlight
from essay_kb.ingest import read_essay
from essay_kb.lexical import DEFAULT_TOKENIZER, LexicalIndex
from essay_kb.normalize import matchable_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTION_FILES = ("seed_questions.jsonl", "seed_questions_en.jsonl")
EXTRA = ("基层党组织可以搭建哪些平台来服务群众？", "基層黨組織可以搭建哪些平臺來服務群眾？")


def main() -> None:
    chunks = [c for path in sorted(CORPUS.rglob("*.txt")) for c in chunk_essay(read_essay(path, CORPUS))]
    texts = [c.text for c in chunks]
    prepared = [(matchable_text(t), split_sentences(t)) for t in texts]
    lexical = LexicalIndex.build(texts, DEFAULT_TOKENIZER)
    questions = [
        json.loads(line)["question"]
        for name in QUESTION_FILES
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines()
        if line
    ]
    questions += EXTRA
    work = []
    for q in questions:
        terms = lexical.query_terms(q)
        marked = [t for t in terms if len(t) > 1]  # as search() passes them
        work += [(row, marked) for row, _ in lexical.top_rows(lexical.scores_for_terms(terms), 5)]
    for label in ("uncached", "cold", "warm"):
        times = []
        for row, marked in work:
            if label == "uncached":
                highlight_module._word_ends.cache_clear()
            start = time.perf_counter()
            highlight(texts[row], marked, *prepared[row])
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        print(
            f"{label}: {len(times)} hits of {len(questions)} questions, highlight per hit "
            f"p50 {statistics.median(times):.3f} ms, p90 {p90:.3f} ms, max {times[-1]:.3f} ms"
        )


if __name__ == "__main__":
    main()
