"""What the passage text carries besides the paragraph: its essay title and section heading (now), the title only,
the heading only, or nothing, for the dense and the BM25 side apart (issue 14). Reader question set on the
default corpus, hybrid search with the default fusion; passage R@1 / R@5 / MRR@10 (k=10) per split and language.

    PYTHONPATH=src:bench .venv/bin/python bench/passage_context.py [--cache /tmp/reader-bench]

Each variant builds the default corpus again with indexer.passage_text replaced (same chunks, same rows), so the
dense vectors of one build and the BM25 index of another can be searched together.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import essay_kb.indexer as indexer
from essay_kb import Config, KnowledgeBase
from essay_kb.evaluate import summarize
from essay_kb.fusion import FusionConfig
from essay_kb.normalize import normalize_for_search
from essay_kb.search import duplicate_keys, group_duplicates, ranked_rows
from reader_questions import ALSO_IN, ROOT, built, embedded, question_groups

NO_CONTEXT = ("title", "reference")  # kinds passage_text never prefixes


def without_context(chunk, title: str) -> str:  # type: ignore[no-untyped-def]
    return normalize_for_search(chunk.text)


def title_only(chunk, title: str) -> str:  # type: ignore[no-untyped-def]
    return normalize_for_search(chunk.text if chunk.kind in NO_CONTEXT else f"{title}\n{chunk.text}")


def heading_only(chunk, title: str) -> str:  # type: ignore[no-untyped-def]
    heading = chunk.section[-1:] if chunk.kind not in NO_CONTEXT else ()
    return normalize_for_search(f"{heading[0]}\n{chunk.text}" if heading else chunk.text)


VARIANTS = {"none": without_context, "title": title_only, "heading": heading_only}


def passage_rank(index, lexical, question, vector) -> int | None:  # type: ignore[no-untyped-def]
    ranked, meta = ranked_rows(index, question.question, vector, "hybrid", FusionConfig(), lexical_index=lexical)
    answer = normalize_for_search(question.answer)
    wanted = {question.essay, *ALSO_IN.get(question.question, ())}
    for rank, (best, others) in enumerate(group_duplicates(ranked, duplicate_keys(index, meta))[:10], start=1):
        chunks = index.chunks.chunks([best.row, *others])
        if answer in normalize_for_search(chunks[0].text) and {c.essay_id for c in chunks} & wanted:
            return rank
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reader-bench"))
    args = parser.parse_args()
    now = built(args.cache, "demo", lambda c: shutil.copytree(ROOT / "corpus", c, dirs_exist_ok=True)).index()
    groups = {name: qs for name, qs in question_groups().items() if name.startswith("reader")}
    vectors = {name: embedded(KnowledgeBase(Config(corpus=args.cache / "demo" / "corpus",
                                                   index=args.cache / "demo" / "index")), qs, args.cache)
               for name, qs in groups.items()}
    print(f"`{' '.join(['python', *sys.argv])}` — cells: passage R@1 / R@5 / MRR@10, k=10\n")
    print("| dense side | BM25 side | " + " | ".join(f"{n} ({len(q)})" for n, q in groups.items()) + " |")
    print("|---|---|" + "---|" * len(groups))
    original = indexer.passage_text
    for label, text in VARIANTS.items():
        indexer.passage_text = text
        root = args.cache / f"context-{label}"
        if not (root / "corpus").exists():
            shutil.copytree(ROOT / "corpus", root / "corpus")
        kb = KnowledgeBase(Config(corpus=root / "corpus", index=root / "index"))
        kb.build()
        other = kb.index()
        indexer.passage_text = original
        combos = [("title › heading", "title › heading", now, now)] if label == "none" else []
        combos += [(label, "title › heading", other, now), ("title › heading", label, now, other),
                   (label, label, other, other)]
        for dense_label, lexical_label, dense, lexical in combos:
            cells = []
            for name, qs in groups.items():
                s = summarize([passage_rank(dense, lexical.lexical, q, v)
                               for q, v in zip(qs, vectors[name], strict=True)])
                cells.append(f"{s['recall@1']:.2f} / {s['recall@5']:.2f} / {s['mrr@10']:.2f}")
            print(f"| {dense_label} | {lexical_label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
