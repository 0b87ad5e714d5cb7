"""Related essays and Compare's paragraph labels on the written pair set (tests/data/related/), issue 15.

    PYTHONPATH=src:bench .venv/bin/python bench/related.py [--cache /tmp/related-bench]

The set: essays written for the project on six topics (five authors each), plus what real collections hold:
reprints with site chrome (hard-wrapped, one in traditional characters), paragraph-by-paragraph rewrites, a
shared quotation inside long paragraphs, an abstract reused in traditional characters, shared references
(tests/data/related/README.md). Ground truth of a paragraph of A against essay B, from how the pair was made:
a reprint's paragraphs are near-duplicates, a rewrite's mapped paragraphs paraphrases, a reused abstract a
near-duplicate, other paragraphs of two essays on one topic "related", of two topics "unique".

Thresholds are chosen on pairs whose essay A is on one of the dev topics and reported on the others (held out).
"related" is a topic-level label, so its ground truth is loose: the figure that matters is the cross-topic rate
(paragraphs of essays on different topics labelled related or higher; goal ≤ 5%).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from essay_kb import Config, KnowledgeBase
from essay_kb.compare import ALIGNED_KINDS, LABELS, alignable, char_similarity, paragraph_coverage, shared_spans
from essay_kb.normalize import normalize_for_search
from essay_kb.related import baseline_sample, closeness, corpus_sample, passage_z

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "related"
DEV_TOPICS = ("基层党建", "垃圾分类", "高校思政")
HIGHER = ("related", "paraphrase", "near-duplicate")


@dataclass(frozen=True)
class Paragraph:
    """One alignable paragraph of A against essay B: its features and the label the construction gives it."""

    a: str
    b: str
    dev: bool
    cross_topic: bool
    truth: str
    chars: float  # best character similarity with a paragraph of B
    cosine: float  # best cosine, stored (title › heading context) vectors
    z: float  # that cosine against A's corpus baseline without B
    plain: float  # best cosine, paragraphs embedded bare (how Compare worked before)
    covered: float  # share of the paragraph's characters in runs B also holds (compare.shared_spans)


def read_manifest() -> list[dict]:
    return [json.loads(line) for line in (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def paragraph_truth(manifest: list[dict]) -> Callable[[str, str, str, str], str]:
    """(essay A, essay B, A's paragraph text, its kind) → the constructed label."""
    topic = {e["file"]: e["topic"] for e in manifest if "file" in e}
    reprint = {frozenset((e["file"], e["of"])) for e in manifest if e.get("kind") == "reprint"}
    reuse = {frozenset((e["file"], e["of"])) for e in manifest if e.get("kind") == "abstract_reuse"}
    rewrites: dict[frozenset, set[str]] = {}
    for e in manifest:
        if e.get("kind") == "rewrite":
            rewrites[frozenset((e["file"], e["of"]))] = {normalize_for_search(x) for p in e["pairs"] for x in p}

    def truth(a: str, b: str, text: str, kind: str) -> str:
        pair = frozenset((a, b))
        if pair in reprint:
            return "near-duplicate"
        if pair in reuse and kind == "abstract":
            return "near-duplicate"
        if pair in rewrites and normalize_for_search(text)[:12] in rewrites[pair]:
            return "paraphrase"
        return "related" if topic[a] == topic[b] else "unique"

    return truth


def paragraphs(kb: KnowledgeBase, manifest: list[dict]) -> list[Paragraph]:
    index = kb.index()
    topic = {e["file"]: e["topic"] for e in manifest if "file" in e}
    truth = paragraph_truth(manifest)
    layout = index.chunks.layout()
    views = {}
    for essay_id in topic:
        rows = index.chunks.essay_rows(essay_id)
        chunks = [c for _, c in rows]
        keep = alignable(chunks)
        views[essay_id] = ([chunks[i] for i in keep], index.vectors.vectors([rows[i][0] for i in keep]))
    texts = sorted({c.text for chunks, _ in views.values() for c in chunks})
    plain = dict(zip(texts, kb.embedder.embed_passages([normalize_for_search(t) for t in texts]), strict=True))
    out = []
    for a, b in itertools.permutations(topic, 2):
        (ca, va), (cb, vb) = views[a], views[b]
        if not ca or not cb:
            continue
        sample = corpus_sample(va, {e: views[e][1] for e in baseline_sample(
            [(e, layout.sha256[e]) for e in topic], a)}).without(b)
        cos = va @ vb.T
        covered = paragraph_coverage(ca, shared_spans(ca, cb))
        pa = np.stack([plain[c.text] for c in ca]) @ np.stack([plain[c.text] for c in cb]).T
        for i, chunk in enumerate(ca):
            chars = max(char_similarity(chunk.text, other.text) for other in cb)
            best = float(cos[i].max())
            out.append(Paragraph(a, b, topic[a] in DEV_TOPICS, topic[a] != topic[b],
                                 truth(a, b, chunk.text, chunk.kind), chars, best,
                                 (best - float(sample.mean[i])) / float(sample.spread[i]), float(pa[i].max()),
                                 covered[i]))
    return out


@dataclass(frozen=True)
class Rule:
    """A labelling: near-duplicate by characters, paraphrase by a cosine, related by a cosine or a z."""

    name: str
    near: float
    paraphrase: float
    related: float
    paraphrase_on: str  # "cosine", "plain" or "z"
    related_on: str
    paraphrase_chars: float = 0.0  # and at least this character similarity
    near_on_covered: bool = False  # near-duplicate also when that share of the paragraph is in shared runs
    paraphrase_alone: float = 9.0  # paraphrase at this cosine whatever the characters (9: never)

    def label(self, p: Paragraph) -> str:
        if p.chars >= self.near or (self.near_on_covered and p.covered >= self.near):
            return "near-duplicate"
        value = getattr(p, self.paraphrase_on)
        if (value >= self.paraphrase and p.chars >= self.paraphrase_chars) or value >= self.paraphrase_alone:
            return "paraphrase"
        if getattr(p, self.related_on) >= self.related:
            return "related"
        return "unique"


class Cases:
    """The paragraphs as arrays, so that a grid of rules is scored in numpy."""

    def __init__(self, ps: Sequence[Paragraph]) -> None:
        self.truth = np.array([p.truth for p in ps])
        self.cross = np.array([p.cross_topic for p in ps])
        self.feature = {name: np.array([getattr(p, name) for p in ps]) for name in
                        ("chars", "cosine", "z", "plain", "covered")}

    def labels(self, rule: Rule) -> np.ndarray:
        f = self.feature
        near = f["chars"] >= rule.near
        if rule.near_on_covered:
            near |= f["covered"] >= rule.near
        value = f[rule.paraphrase_on]
        para = ((value >= rule.paraphrase) & (f["chars"] >= rule.paraphrase_chars)) | (value >= rule.paraphrase_alone)
        related = f[rule.related_on] >= rule.related
        return np.where(near, "near-duplicate", np.where(para, "paraphrase", np.where(related, "related", "unique")))


def stats(rule: Rule, cases: Cases) -> dict[str, float]:
    out: dict[str, float] = {}
    predicted = cases.labels(rule)
    for label in LABELS:
        tp = int(((cases.truth == label) & (predicted == label)).sum())
        pp, tt = int((predicted == label).sum()), int((cases.truth == label).sum())
        out[f"{label} P"] = tp / pp if pp else float("nan")
        out[f"{label} R"] = tp / tt if tt else float("nan")
        out[f"{label} n"] = tt
    higher = np.isin(predicted, HIGHER)
    same = ~cases.cross & (cases.truth == "related")
    out["cross-topic related+"] = float(higher[cases.cross].mean()) if cases.cross.any() else float("nan")
    out["same-topic related+"] = float(higher[same].mean()) if same.any() else float("nan")
    return out


def f1(s: dict[str, float], label: str) -> float:
    p, r = s[f"{label} P"], s[f"{label} R"]
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def fit(cases: Cases, paraphrase_on: str, related_on: str, grid_p: np.ndarray, grid_r: np.ndarray,
        name: str, grid_c: Sequence[float] = (0.0,), covered: bool = False,
        grid_alone: Sequence[float] = (9.0,)) -> Rule:
    """On dev: near-duplicate and paraphrase thresholds with the best mean F1 of the two labels; then the lowest
    related threshold whose cross-topic related+ rate is ≤ 4% (a margin under the 5% goal), for the most
    same-topic recall."""
    best: tuple[float, Rule] | None = None
    for near, para, floor, alone in itertools.product((0.6, 0.65, 0.7, 0.75, 0.8, 0.85), grid_p, grid_c,
                                                      grid_alone):
        rule = Rule(name, float(near), float(para), 9.0, paraphrase_on, related_on, float(floor), covered,
                    float(alone))
        s = stats(rule, cases)
        score = (f1(s, "near-duplicate") + f1(s, "paraphrase")) / 2
        if best is None or score > best[0]:
            best = (score, rule)
    assert best is not None
    for related in sorted(grid_r):
        rule = dataclasses.replace(best[1], related=float(related))
        if stats(rule, cases)["cross-topic related+"] <= 0.04:
            return rule
    raise AssertionError("no related threshold keeps cross-topic related+ under 4% on dev")


def quotes(kb: KnowledgeBase, manifest: list[dict]) -> list[tuple[str, bool, bool]]:
    """Each shared quotation: found in both directions, with offsets that cut the quote from each essay."""
    index = kb.index()
    out = []
    for e in manifest:
        if e.get("kind") != "quote":
            continue
        a, b = (index.chunks.essay_chunks(f) for f in e["files"])
        quote = normalize_for_search(e["quote"])
        ab = [s for s in shared_spans(a, b) if quote in normalize_for_search(s.text)]
        ba = [s for s in shared_spans(b, a) if quote in normalize_for_search(s.text)]
        out.append((e["quote"][:16], bool(ab), bool(ba)))
    return out


def related_precision(kb: KnowledgeBase, manifest: list[dict]) -> dict[str, tuple[float, float, int, int]]:
    """P@3 / P@5 of same-topic essays among the related essays of each essay, by topic; and ties at rank 5."""
    topic = {e["file"]: e["topic"] for e in manifest if "file" in e}
    by_topic: dict[str, list[tuple[float, float, bool]]] = {}
    for essay, t in topic.items():
        ranked = kb.related(essay, 6)
        hits = [topic.get(r.essay_id) == t for r in ranked]
        tie = len(ranked) > 5 and abs(ranked[4].score - ranked[5].score) < 1e-9
        by_topic.setdefault(t, []).append((sum(hits[:3]) / 3, sum(hits[:5]) / 5, tie))
    return {t: (float(np.mean([x[0] for x in v])), float(np.mean([x[1] for x in v])), len(v),
                sum(x[2] for x in v)) for t, v in by_topic.items()}


def aggregation_variants(kb: KnowledgeBase, manifest: list[dict]) -> dict[str, tuple[float, float]]:
    """P@3 / P@5 over all essays when the essay-to-essay score aggregates the passages' z (or cosines) in other
    ways than the shipped length-weighted mean z; every essay scored exactly (no candidate stage)."""
    index = kb.index()
    topic = {e["file"]: e["topic"] for e in manifest if "file" in e}
    layout = index.chunks.layout()
    rows_of = layout.rows_by_essay(ALIGNED_KINDS)
    vec = {e: index.vectors.vectors(rows_of[e]) for e in topic}
    size = {e: np.array([len(c.text) for c in index.chunks.chunks(rows_of[e])], dtype=np.float64) for e in topic}
    z = {}
    for a in topic:
        sample = corpus_sample(vec[a], {e: vec[e] for e in baseline_sample([(e, layout.sha256[e]) for e in topic], a)})
        for b in topic:
            if b != a:
                z[a, b] = passage_z(vec[a], vec[b], sample.without(b))

    def top_half(a: str, b: str) -> float:
        order = np.argsort(-z[a, b])[: max(1, len(z[a, b]) // 2)]
        return float(np.average(z[a, b][order], weights=size[a][order]))

    def centroid(e: str) -> np.ndarray:
        m = vec[e].mean(axis=0)
        return m / np.linalg.norm(m)

    variants = {
        "mean z (shipped)": lambda a, b: closeness(z[a, b], size[a]),
        "symmetric mean z": lambda a, b: (closeness(z[a, b], size[a]) + closeness(z[b, a], size[b])) / 2,
        "mean z of the better half of the passages": top_half,
        "median z": lambda a, b: float(np.median(z[a, b])),
        "mean best cosine (no baseline)": lambda a, b: float(np.average((vec[a] @ vec[b].T).max(axis=1),
                                                                        weights=size[a])),
        "essay centroid cosine": lambda a, b: float(centroid(a) @ centroid(b)),
    }
    out = {}
    for name, score in variants.items():
        p3, p5 = [], []
        for a in topic:
            order = sorted((b for b in topic if b != a), key=lambda b, a=a: -score(a, b))
            hits = [topic[b] == topic[a] for b in order]
            p3.append(sum(hits[:3]) / 3)
            p5.append(sum(hits[:5]) / 5)
        out[name] = (float(np.mean(p3)), float(np.mean(p5)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/related-bench"))
    args = parser.parse_args()
    manifest = read_manifest()
    kb = KnowledgeBase(Config(corpus=DATA / "essays", index=args.cache / "index"))
    kb.build()
    ps = paragraphs(kb, manifest)
    dev, test = Cases([p for p in ps if p.dev]), Cases([p for p in ps if not p.dev])
    topics = sorted({e["topic"] for e in manifest if "topic" in e})
    print(f"`python {' '.join(sys.argv)}` — {len([e for e in manifest if 'file' in e])} essays on {len(topics)} "
          f"topics; {len(ps)} paragraph-against-essay cases; dev = A on {', '.join(DEV_TOPICS)} ({len(dev.truth)}), "
          f"held out = the other topics ({len(test.truth)})\n")
    print("| truth | cases | chars median | stored cosine median | z median | plain cosine median |\n"
          "|---|---|---|---|---|---|")
    for label in (*LABELS, "unique (cross-topic)"):
        sel = [p for p in ps if (p.truth == label and not label.startswith("unique")) or
               (label.startswith("unique") and p.cross_topic)]
        if sel:
            print(f"| {label} | {len(sel)} | {np.median([p.chars for p in sel]):.2f} | "
                  f"{np.median([p.cosine for p in sel]):.3f} | {np.median([p.z for p in sel]):.2f} | "
                  f"{np.median([p.plain for p in sel]):.3f} |")
    rules = [
        Rule("before: plain cosine, thresholds of bench/compare.py", 0.70, 0.96, 0.875, "plain", "plain"),
        fit(dev, "plain", "plain", np.arange(0.93, 0.995, 0.005), np.arange(0.85, 0.96, 0.0025),
            "plain cosine, refitted"),
        fit(dev, "cosine", "cosine", np.arange(0.93, 0.995, 0.005), np.arange(0.85, 0.96, 0.0025),
            "stored cosine"),
        fit(dev, "cosine", "z", np.arange(0.93, 0.995, 0.005), np.arange(0.0, 6.01, 0.25),
            "stored cosine for paraphrase, z for related"),
        fit(dev, "cosine", "cosine", np.arange(0.93, 0.995, 0.005), np.arange(0.85, 0.96, 0.0025),
            "stored cosine, paraphrase also by characters", (0.0, 0.2, 0.3, 0.4, 0.5)),
        fit(dev, "cosine", "z", np.arange(0.93, 0.995, 0.005), np.arange(0.0, 6.01, 0.25),
            "stored cosine + characters for paraphrase, z for related", (0.0, 0.2, 0.3, 0.4, 0.5)),
        fit(dev, "cosine", "cosine", np.arange(0.93, 0.995, 0.005), np.arange(0.85, 0.96, 0.0025),
            "shared runs or characters for near-duplicate, stored cosine + characters for paraphrase",
            (0.0, 0.2, 0.3, 0.4, 0.5), covered=True),
        fit(dev, "cosine", "z", np.arange(0.93, 0.995, 0.005), np.arange(0.0, 6.01, 0.25),
            "shared runs or characters for near-duplicate, stored cosine + characters for paraphrase, z for "
            "related", (0.0, 0.2, 0.3, 0.4, 0.5), covered=True),
        fit(dev, "cosine", "cosine", np.arange(0.93, 0.995, 0.005), np.arange(0.85, 0.96, 0.0025),
            "as above, stored cosine for related, and paraphrase by a high cosine alone",
            (0.3, 0.4, 0.5), covered=True, grid_alone=(0.97, 0.975, 0.98, 0.985, 0.99, 9.0)),
    ]
    columns = ["near-duplicate P", "near-duplicate R", "paraphrase P", "paraphrase R", "related P", "related R",
               "cross-topic related+", "same-topic related+"]
    print("\n| rule | thresholds (near chars / paraphrase / related / paraphrase chars / paraphrase alone) "
          "| split | " + " | ".join(columns) + " |")
    print("|---|---|---|" + "---|" * len(columns))
    for rule in rules:
        for split, sel in (("dev", dev), ("held out", test)):
            s = stats(rule, sel)
            print(f"| {rule.name} | {rule.near:.2f} / {rule.paraphrase:.3f} / {rule.related:.3f} / "
                  f"{rule.paraphrase_chars:.1f} / {rule.paraphrase_alone:.3f} | {split} | "
                  + " | ".join(f"{s[c]:.2f}" for c in columns) + " |")
    print("\n| shared quotation | found A→B | found B→A |\n|---|---|---|")
    for start, ab, ba in quotes(kb, manifest):
        print(f"| {start}… | {ab} | {ba} |")
    print("\n| topic | essays | related P@3 | related P@5 | ties at rank 5 |\n|---|---|---|---|---|")
    for t, (p3, p5, n, ties) in sorted(related_precision(kb, manifest).items()):
        print(f"| {t} | {n} | {p3:.2f} | {p5:.2f} | {ties} |")
    print("\n| essay score (all essays scored exactly) | P@3 | P@5 |\n|---|---|---|")
    for name, (p3, p5) in aggregation_variants(kb, manifest).items():
        print(f"| {name} | {p3:.3f} | {p5:.3f} |")


if __name__ == "__main__":
    main()
