"""A learned fusion: rank the hybrid candidates by a logistic model of their features instead of the fixed blend
(issue 14). Fitted on dev questions (reader dev split + CMRC even-numbered articles), reported on the rest.

    PYTHONPATH=src:bench .venv/bin/python bench/learned_fusion.py [--cache /tmp/issue14-small2big]

Candidates are exactly the ones search.py ranks (top 50 of each retriever, titles/headings out). Features per
candidate, all relative to the question's own candidates so they mean the same on any corpus:
  cos_gap   cosine − the best cosine among the candidates
  part_gap  best sentence cosine − the best among the candidates (sentence parts of small_to_big.py; a passage of
            one sentence is its own part)
  bm25      BM25 / the best BM25 among the candidates (0 when no word matches)
  coverage  IDF-weighted share of the question's words the passage holds (confidence.py)
  role      1 for a reference/keyword passage the question does not ask about
Feature sets are compared by passage R@1 / R@5 / MRR@10 on held-out questions; the current blend is the baseline.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from essay_kb import confidence as calibration  # noqa: E402
from essay_kb.evaluate import summarize  # noqa: E402
from essay_kb.fusion import FusionConfig  # noqa: E402
from essay_kb.lexical import get_tokenizer  # noqa: E402
from essay_kb.normalize import normalize_for_search  # noqa: E402
from essay_kb.search import asked_roles, duplicate_keys, group_duplicates, ranked_rows  # noqa: E402
from small_to_big import Corpus, Item, cached_embed, corpora_and_sets  # noqa: E402

FEATURES = ("cos_gap", "part_gap", "bm25", "coverage", "role")
FEATURE_SETS = {
    "cos + bm25": ("cos_gap", "bm25"),
    "cos + bm25 + role": ("cos_gap", "bm25", "role"),
    "cos + coverage + role": ("cos_gap", "coverage", "role"),
    "cos + bm25 + coverage + role": ("cos_gap", "bm25", "coverage", "role"),
    "cos + part + bm25 + role": ("cos_gap", "part_gap", "bm25", "role"),
    "cos + part + coverage + role": ("cos_gap", "part_gap", "coverage", "role"),
    "all five": FEATURES,
}


class Listed:
    """One question's candidates: features (n × 5), labels, and what ranking needs (rows, keys, texts)."""

    def __init__(self, c: Corpus, item: Item, vector: np.ndarray, parts: dict[int, float]) -> None:
        index = c.kb.index()
        fusion = FusionConfig()
        ranked, meta = ranked_rows(index, item.question, vector, "hybrid", fusion)
        self.baseline = [cand.row for cand in ranked]
        self.keys = duplicate_keys(index, meta)
        self.candidates = sorted(ranked, key=lambda cand: cand.row)
        rows = [cand.row for cand in self.candidates]
        chunks = index.chunks.chunks(rows)
        self.rows = rows
        self.chunks = dict(zip(rows, chunks, strict=True))
        answer = normalize_for_search(item.answer)
        self.labels = np.array([answer in normalize_for_search(ch.text) and ch.essay_id in item.essays
                                for ch in chunks], dtype=int)
        tokens = calibration.question_tokens(item.question, index.lexical.tokenizer)
        weights = index.lexical.idf(tokens)
        tokenize = get_tokenizer(index.lexical.tokenizer)
        asked = asked_roles(item.question)
        cos = np.array([cand.dense_score for cand in self.candidates])
        part = np.array([max(parts.get(cand.row, cand.dense_score), cand.dense_score) for cand in self.candidates])
        bm = np.array([cand.lexical_score for cand in self.candidates])
        cover = np.array([calibration.hit_features(0.0, set(tokenize(normalize_for_search(ch.text))), tokens,
                                                   weights)[1] for ch in chunks])
        role = np.array([meta[r][0] in ("reference", "keywords") and meta[r][0] not in asked for r in rows], float)
        self.x = np.column_stack([cos - cos.max(), part - part.max(), bm / bm.max() if bm.max() > 0 else bm, cover,
                                  role])

    def rank(self, order: Sequence[int], essays: tuple[str, ...], answer: str) -> int | None:
        """Passage rank of the first group (duplicates collapsed) whose best passage holds the answer."""
        for i, (best, others) in enumerate(group_duplicates([_Row(r) for r in order], self.keys), start=1):
            ids = {self.chunks[r].essay_id for r in (best.row, *others)}
            if answer in normalize_for_search(self.chunks[best.row].text) and ids & set(essays):
                return i
            if i >= 10:
                return None
        return None


class _Row:
    def __init__(self, row: int) -> None:
        self.row = row


def part_scores(c: Corpus, vector: np.ndarray) -> dict[int, float]:
    rows, vectors, _ = c.parts["sentence"]
    best: dict[int, float] = {}
    for r, s in zip(rows.tolist(), (vectors @ vector).tolist(), strict=True):
        best[r] = max(best.get(r, -1.0), s)
    return best


def main() -> None:
    args, corpora, _, sets = corpora_and_sets(__doc__.splitlines()[0])
    wanted = {"reader dev", "CMRC dev (even articles)", "reader test zh", "reader test zh-hant", "reader test en",
              "reader test about=sources", "reader dev zh", "reader dev en", "seed zh", "seed en",
              "CMRC test (odd articles)"}
    lists: dict[str, list[tuple[Item, Listed]]] = {}
    for s in sets:
        if s.label not in wanted:
            continue
        c = corpora[s.corpus]
        queries = cached_embed(c.kb, [normalize_for_search(q.question) for q in s.questions], args.cache, True)[0]
        lists[s.label] = [(q, Listed(c, q, v, part_scores(c, v))) for q, v in zip(s.questions, queries, strict=True)]
    train_sets = ("reader dev", "CMRC dev (even articles)")
    report = [k for k in lists if k not in train_sets or k == "reader dev"]
    print(f"`{' '.join(['python', *sys.argv])}` — fitted on: {', '.join(train_sets)}; cells: passage "
          "R@1 / R@5 / MRR@10 (k=10)\n")
    print("| ranking | " + " | ".join(f"{k} ({len(lists[k])})" for k in report) + " |")
    print("|---|" + "---|" * len(report))

    def row(label: str, order_of) -> None:  # type: ignore[no-untyped-def]
        cells = []
        for k in report:
            ranks = [lst.rank(order_of(lst), q.essays, normalize_for_search(q.answer)) for q, lst in lists[k]]
            s = summarize(ranks)
            cells.append(f"{s['recall@1']:.2f} / {s['recall@5']:.2f} / {s['mrr@10']:.2f}")
        print(f"| {label} | " + " | ".join(cells) + " |")

    row("blend now (baseline)", lambda lst: lst.baseline)
    for label, names in FEATURE_SETS.items():
        cols = [FEATURES.index(n) for n in names]
        for weighting in ("reader", "both"):
            used = ("reader dev",) if weighting == "reader" else train_sets
            x = np.vstack([lst.x[:, cols] for k in used for _, lst in lists[k]])
            y = np.concatenate([lst.labels for k in used for _, lst in lists[k]])
            model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
            coef = ", ".join(f"{n} {w:+.1f}" for n, w in zip(names, model.coef_[0], strict=True))

            def order(lst: Listed, model=model, cols=cols) -> list[int]:  # type: ignore[no-untyped-def]
                scores = model.decision_function(lst.x[:, cols])
                return [lst.rows[i] for i in np.argsort(-scores, kind="stable")]

            row(f"{label} (fit {weighting}: {coef})", order)


if __name__ == "__main__":
    main()
