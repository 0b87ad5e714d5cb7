"""The corpus map: every indexed essay placed on a plane by the similarity of its stored vectors, grouped into
clusters, each cluster named by the words that set it apart. Nothing is embedded.

- One vector per essay: the length-weighted mean of its prose passages' vectors (abstract, body, conclusion; an
  essay without prose falls back to all its passages), made unit length again.
- Position: PCA to two axes (scikit-learn), each axis's sign fixed so that the same corpus always looks the same.
  PCA keeps the map's distances honest at a glance (a far point is a different essay); bench/corpus_map.py
  compares it with t-SNE on neighbourhood trustworthiness and time.
- Clusters: an agglomerative tree over the essay vectors' cosine distances (not over the plane), cut where the
  silhouette is (nearly) best over a small range of cluster counts; one cluster when even the best cut is not
  clearly better than none. The rule is tuned in bench/corpus_map.py.
- Labels: c-TF-IDF (BERTopic's class-based TF-IDF) over jieba words of each cluster's passages: words frequent in
  the cluster and rare in the others.

Essays are ordered by content hash before anything is computed, so neither file names nor listing order can move
a point or change a cluster. Pure functions over plain data; `corpus_map(index)` reads that data from an index.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from essay_kb.compare import ALIGNED_KINDS
from essay_kb.normalize import normalize_for_search
from essay_kb.store import StoredIndex

# Below this many essays a split says nothing (silhouette needs at least two essays in some cluster, and three
# essays in two clusters are just "the odd one out"): the map shows them as one group.
MIN_ESSAYS_TO_CLUSTER = 4
# The clustering rule, chosen in bench/corpus_map.py on three topics of tests/data/related and reported on the
# other three. Linkage of the agglomerative tree:
LINKAGE = "complete"
# The smallest number of clusters whose silhouette is this close to the best one's wins.
SILHOUETTE_TOLERANCE = 0.05
# The largest k tried: readers scan a map for a handful of topics, and the palette has ten colours.
MAX_CLUSTERS = 10
# The best cut's silhouette must reach this, else the corpus is one cluster: a split barely better than none
# would name groups that are not there.
MIN_SILHOUETTE = 0.05
# c-TF-IDF reads at most this many characters per cluster, from the essays nearest its centre: the words of a
# large cluster are clear long before all its essays are read, and jieba cuts under a million characters a
# second (2.5 s for the 1,000 essays of bench/corpus_map.py).
LABEL_CHARS = 60_000
LABEL_WORDS = 4
SEED = 0  # random_state of every randomised step: the same corpus gives the same map
_SQL_BATCH = 10_000  # row ids per SQLite query, well under its limit on bound parameters
_HAS_WORD = re.compile(r"[a-z\u3400-\u4dbf\u4e00-\u9fff]")
# Addresses in an essay's text (a web page's links, a reference's URL, a DOI) would give labels like "http", "www".
# ASCII only ([!-~]), so that Chinese text written right after an address stays.
_ADDRESS = re.compile(r"(?:https?://|www\.|doi:)[!-~]*|[!-~]+@[!-~]+|[!-~]+\.(?:png|jpe?g|gif|svg|webp|html?|pdf)\b",
                      re.I)


@dataclass(frozen=True)
class MapEssay:
    id: str
    title: str
    author: str | None
    x: float
    y: float
    cluster: int


@dataclass(frozen=True)
class MapCluster:
    id: int  # 0 is the largest cluster
    words: tuple[str, ...]  # its characteristic words, most characteristic first
    size: int
    x: float  # where its label goes: the mean position of its essays
    y: float


@dataclass(frozen=True)
class CorpusMap:
    generation: str  # the index generation the map was computed from
    essays: tuple[MapEssay, ...]
    clusters: tuple[MapCluster, ...]


@dataclass(frozen=True)
class EssayPassages:
    """What the map needs of one essay: who it is, its passages' texts and their stored vectors (same order)."""

    id: str
    title: str
    author: str | None
    sha256: str
    texts: tuple[str, ...]
    vectors: np.ndarray


def essay_vector(vectors: np.ndarray, lengths: Sequence[int]) -> np.ndarray:
    """The length-weighted mean of an essay's passage vectors, unit length: a long paragraph weighs more than a
    one-line one, as it does for the reader."""
    weights = np.maximum(np.asarray(lengths, dtype=np.float64), 1.0)
    mean = (vectors.astype(np.float64) * weights[:, None]).sum(axis=0) / weights.sum()
    norm = np.linalg.norm(mean)
    return mean / norm if norm > 0 else mean


def project(vectors: np.ndarray) -> np.ndarray:
    """Two coordinates per row by PCA. An axis's sign is arbitrary in PCA; it is fixed so that the component's
    largest entry is positive, which depends on the data alone (not on row order or the solver)."""
    n = len(vectors)
    if n < 2:
        return np.zeros((n, 2))
    from sklearn.decomposition import PCA

    pca = PCA(n_components=min(2, n), svd_solver="full", random_state=SEED)
    points = pca.fit_transform(vectors.astype(np.float64))
    for axis, component in enumerate(pca.components_):
        if component[np.argmax(np.abs(component))] < 0:
            points[:, axis] *= -1
    return np.pad(points, ((0, 0), (0, 2 - points.shape[1])))


@dataclass(frozen=True)
class ClusterRule:
    """How essays are grouped and how many groups there are (bench/corpus_map.py measures other values)."""

    linkage: str = LINKAGE
    tolerance: float = SILHOUETTE_TOLERANCE
    max_clusters: int = MAX_CLUSTERS
    min_silhouette: float = MIN_SILHOUETTE


def cluster_essays(vectors: np.ndarray, rule: ClusterRule = ClusterRule()) -> np.ndarray:
    """A cluster number per row: one agglomerative tree over cosine distances (scipy), cut into k groups for each
    k in 2..max_clusters (at most half the essays); the smallest k whose silhouette is within `tolerance` of the
    best wins, or all rows are cluster 0 when no cut reaches `min_silhouette` or there are too few essays.
    Silhouette alone keeps rising as reprint pairs split off as groups of two; the tolerance prefers the coarser
    cut that is about as good. A tree is deterministic (no random start) and is cut for every k at once;
    k-means found the topics of the written set less well and took 3 s for 1,000 essays (bench/corpus_map.py)."""
    n = len(vectors)
    ks = range(2, min(rule.max_clusters, n // 2) + 1)
    if n < MIN_ESSAYS_TO_CLUSTER or not ks:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform
    from sklearn.metrics import silhouette_score

    distances = pdist(vectors, metric="cosine")
    tree = linkage(distances, method=rule.linkage)
    square = squareform(distances)
    tried = []
    for k in ks:
        labels = fcluster(tree, k, criterion="maxclust") - 1
        if len(set(labels)) > 1:
            tried.append((float(silhouette_score(square, labels, metric="precomputed")), labels))
    best = max((score for score, _ in tried), default=-1.0)
    if best < rule.min_silhouette:
        return np.zeros(n, dtype=int)
    return next(labels for score, labels in tried if score >= best - rule.tolerance)


def ordered_clusters(labels: np.ndarray) -> np.ndarray:
    """Clusters renumbered largest first, ties by first member (rows are in content-hash order): stable ids."""
    first = {c: i for i, c in reversed(list(enumerate(labels)))}
    order = sorted(set(labels.tolist()), key=lambda c: (-int((labels == c).sum()), first[c]))
    rank = {c: i for i, c in enumerate(order)}
    return np.array([rank[c] for c in labels.tolist()], dtype=int)


def content_words(text: str) -> list[str]:
    """The words a label can use: jieba's words (precise mode, the project's dictionary) of the normalised text
    (traditional → simplified, so a reprint in traditional characters counts the same words), without stop
    words, single characters, numbers and web addresses."""
    from bm25s.stopwords import STOPWORDS_CHINESE, STOPWORDS_EN

    from essay_kb.jieba_dict import tokenizer

    stop = set(STOPWORDS_CHINESE) | set(STOPWORDS_EN)
    words = tokenizer().lcut(_ADDRESS.sub(" ", normalize_for_search(text).lower()))
    return [w for w in words if len(w) > 1 and w not in stop and _HAS_WORD.search(w)]


def characteristic_words(counts: Sequence[Counter[str]], n: int = LABEL_WORDS) -> list[tuple[str, ...]]:
    """c-TF-IDF per cluster (Grootendorst 2022): tf(word, cluster) · log(1 + A / f(word)), tf relative to the
    cluster's word count, A the mean word count per cluster, f the word's count over all clusters. Hand-written:
    scikit-learn's TfidfTransformer uses document frequency, not the class-based form. A word inside another
    picked word ("党组织" in "基层党组织") is skipped, so the label spends its few words on different things."""
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    mean_words = sum(total.values()) / max(len(counts), 1)
    labels = []
    for c in counts:
        size = max(sum(c.values()), 1)
        score = {w: (k / size) * math.log(1 + mean_words / total[w]) for w, k in c.items()}
        picked: list[str] = []
        for word in sorted(score, key=lambda w: (-score[w], w)):
            if not any(word in p or p in word for p in picked):
                picked.append(word)
            if len(picked) == n:
                break
        labels.append(tuple(picked))
    return labels


def cluster_texts(essays: Sequence[EssayPassages], vectors: np.ndarray, labels: np.ndarray,
                  limit: int = LABEL_CHARS) -> list[str]:
    """Per cluster, the prose of its essays nearest its centre first, up to `limit` characters (at least one
    essay each)."""
    out = []
    for c in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == c)
        centre = vectors[members].mean(axis=0)
        nearest = members[np.argsort(-(vectors[members] @ centre), kind="stable")]
        texts: list[str] = []
        size = 0
        for i in nearest:
            if texts and size >= limit:
                break
            texts.append("\n".join(essays[i].texts))
            size += len(texts[-1])
        out.append("\n".join(texts))
    return out


def build_map(generation: str, essays: Sequence[EssayPassages], rule: ClusterRule = ClusterRule()) -> CorpusMap:
    """The map of these essays (any order in, the same map out)."""
    essays = sorted(essays, key=lambda e: (e.sha256, e.id))
    if not essays:
        return CorpusMap(generation, (), ())
    vectors = np.stack([essay_vector(e.vectors, [len(t) for t in e.texts]) for e in essays])
    points = project(vectors)
    labels = ordered_clusters(cluster_essays(vectors, rule))
    counts = [Counter(content_words(text)) for text in cluster_texts(essays, vectors, labels)]
    words = characteristic_words(counts)
    clusters = tuple(
        MapCluster(c, words[c], int((labels == c).sum()), float(points[labels == c, 0].mean()),
                   float(points[labels == c, 1].mean()))
        for c in range(len(counts)))
    placed = tuple(MapEssay(e.id, e.title, e.author, float(p[0]), float(p[1]), int(label))
                   for e, p, label in zip(essays, points, labels, strict=True))
    return CorpusMap(generation, placed, clusters)


def essay_passages(index: StoredIndex) -> list[EssayPassages]:
    """Every indexed essay's prose passages and stored vectors (all its passages when it has no prose)."""
    layout = index.chunks.layout()
    prose = layout.rows_by_essay(ALIGNED_KINDS)
    every = layout.rows_by_essay(tuple(set(layout.kind)))
    rows_of = {e: prose.get(e) or every[e] for e in every}
    rows = [r for e in sorted(rows_of) for r in rows_of[e]]
    texts: dict[int, str] = {}
    for start in range(0, len(rows), _SQL_BATCH):
        batch = rows[start:start + _SQL_BATCH]
        texts.update(zip(batch, (c.text for c in index.chunks.chunks(batch)), strict=True))
    vectors = dict(zip(rows, index.vectors.vectors(rows), strict=True))
    return [EssayPassages(e.id, e.title, e.meta.author, e.sha256, tuple(texts[r] for r in rows_of[e.id]),
                          np.stack([vectors[r] for r in rows_of[e.id]]))
            for e in index.chunks.essays() if e.id in rows_of]


def corpus_map(index: StoredIndex) -> CorpusMap:
    """The map of an index's essays, from the vectors and texts it stores."""
    return build_map(index.folder.name, essay_passages(index))
