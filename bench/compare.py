"""Thresholds of the alignment labels, measured on constructed paragraph pairs. Prints Markdown.

    .venv/bin/python bench/compare.py

Pairs (paragraphs of the seed and the demo corpus, CMRC passages as far-off text):
- near-duplicate: a paragraph and a copy with 0-15% of its characters edited (seeded random edits);
- paraphrase: tests/data/paraphrase_pairs.jsonl, rewordings written for the project;
- related: two different paragraphs of essays on one subject (the seed and the Party-building demo essays);
- unique: a Party-building paragraph against a paragraph on waste sorting or a CMRC Wikipedia passage.
A grid search picks the thresholds with the best macro-F1; precision and recall of each label follow. The
grid is chosen on the same pairs it is scored on, so the figures are optimistic; the note says so.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path

import numpy as np

from essay_kb.chunker import chunk_essay
from essay_kb.compare import ALIGNED_KINDS, LABELS, Thresholds, char_similarity, label_pair
from essay_kb.embedder import Embedder
from essay_kb.ingest import read_essay
from essay_kb.normalize import normalize_for_search

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CMRC = ROOT.parent / "shared" / "bench" / "cmrc2018_trial.json"
PARTY = ["xinchangtai-jiceng-dangzuzhi-jianshe.txt", "demo/nongcun-jiceng-dangjian.txt",
         "demo/ganbu-jiaoyu-peixun.txt"]
FAR = ["demo/chengshi-laji-fenlei.txt"]


def paragraphs(essay_id: str) -> list[str]:
    essay = read_essay(CORPUS / essay_id, CORPUS)
    return [c.text for c in chunk_essay(essay) if c.kind in ALIGNED_KINDS]


def edited(text: str, rate: float, rng: random.Random, alphabet: str) -> str:
    chars = list(text)
    for _ in range(round(len(chars) * rate)):
        i = rng.randrange(len(chars))
        op = rng.choice("rid")
        if op == "r":
            chars[i] = rng.choice(alphabet)
        elif op == "i":
            chars.insert(i, rng.choice(alphabet))
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)


def constructed_pairs() -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    party = {e: paragraphs(e) for e in PARTY}
    pool = [p for ps in party.values() for p in ps]
    alphabet = "".join(pool)
    pairs = [(p, edited(p, rate, rng, alphabet), "near-duplicate") for p in pool for rate in (0.0, 0.05, 0.10, 0.15)]
    for line in (ROOT / "tests" / "data" / "paraphrase_pairs.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            pairs.append((d["source"], d["reworded"], "paraphrase"))
    for a, b in itertools.combinations(pool, 2):
        pairs.append((a, b, "related"))
    far = [p for e in FAR for p in paragraphs(e)]
    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    far += [a["paragraphs"][0]["context"] for a in data[:10]]
    pairs += [(a, b, "unique") for a in pool for b in far]
    return pairs


def scores(pairs: list[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray]:
    embedder = Embedder()
    texts = list(dict.fromkeys(t for a, b, _ in pairs for t in (a, b)))
    vectors = dict(zip(texts, embedder.embed_passages([normalize_for_search(t) for t in texts]), strict=True))
    chars = np.array([char_similarity(a, b) for a, b, _ in pairs])
    cosines = np.array([float(vectors[a] @ vectors[b]) for a, b, _ in pairs])
    return chars, cosines


def per_label(truth: list[str], predicted: list[str]) -> dict[str, tuple[float, float, int]]:
    out = {}
    for label in LABELS:
        tp = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        pp = sum(p == label for p in predicted)
        tt = sum(t == label for t in truth)
        out[label] = (tp / pp if pp else 0.0, tp / tt if tt else 0.0, tt)
    return out


def macro_f1(stats: dict[str, tuple[float, float, int]]) -> float:
    return float(np.mean([2 * p * r / (p + r) if p + r else 0.0 for p, r, _ in stats.values()]))


def main() -> None:
    pairs = constructed_pairs()
    truth = [label for _, _, label in pairs]
    chars, cosines = scores(pairs)
    print(f"`python {' '.join(sys.argv)}` — {len(pairs)} constructed pairs\n")
    print("| label | pairs | chars min / median / max | cosine min / median / max |\n|---|---|---|---|")
    for label in LABELS:
        idx = [i for i, t in enumerate(truth) if t == label]
        c, s = chars[idx], cosines[idx]
        print(f"| {label} | {len(idx)} | {c.min():.2f} / {np.median(c):.2f} / {c.max():.2f} | "
              f"{s.min():.3f} / {np.median(s):.3f} / {s.max():.3f} |")
    best = None
    for nd, para, rel in itertools.product(np.arange(0.5, 0.96, 0.05), np.arange(0.93, 0.995, 0.0025),
                                           np.arange(0.85, 0.96, 0.0025)):
        if rel >= para:
            continue
        th = Thresholds(float(nd), float(para), float(rel))
        stats = per_label(truth, [label_pair(c, s, th) for c, s in zip(chars, cosines, strict=True)])
        f1 = macro_f1(stats)
        if best is None or f1 > best[0]:
            best = (f1, th, stats)
    f1, th, stats = best
    default = per_label(truth, [label_pair(c, s, Thresholds()) for c, s in zip(chars, cosines, strict=True)])
    print(f"\nBest macro-F1 {f1:.3f} at near-duplicate chars ≥ {th.near_duplicate_chars:.2f}, "
          f"paraphrase cosine ≥ {th.paraphrase_cosine:.4f}, related cosine ≥ {th.related_cosine:.4f} "
          f"(configured now: {Thresholds()}, macro-F1 {macro_f1(default):.3f})\n")
    print("| label | precision | recall | pairs |\n|---|---|---|---|")
    for label, (p, r, n) in stats.items():
        print(f"| {label} | {p:.3f} | {r:.3f} | {n} |")


if __name__ == "__main__":
    main()
