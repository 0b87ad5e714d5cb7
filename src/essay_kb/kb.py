"""KnowledgeBase: the one façade the CLI and the app call (index, ask, add, evaluate, info)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from essay_kb import ingest
from essay_kb.changes import Changes, diff_corpus, hash_corpus
from essay_kb.chunker import Chunk, chunk_essay
from essay_kb.compare import (
    LABELS,
    AlignedPair,
    DiffPiece,
    SharedSpan,
    align_paragraphs,
    alignable,
    char_diff,
    reworded_share,
    shared_share,
    shared_spans,
    similarity_matrix,
)
from essay_kb.config import Config
from essay_kb.corpus import save_essay
from essay_kb.corpus_map import CorpusMap, corpus_map
from essay_kb.embedder import (
    Embedder,
    canonical_model_name,
    light_query_encoder,
    model_fingerprint,
    precision_without_measuring,
)
from essay_kb.errors import EssayKBError, EssayNotFound, IndexMismatch, QuestionRejected, UnreadableEssay
from essay_kb.evaluate import EvalReport, Question, Ranks, evaluate_ranks, rank_hits
from essay_kb.files import display_name, essay_id_of, list_essay_files, read_file_bytes
from essay_kb.fusion import FusionConfig
from essay_kb.indexer import (
    BuildProgress,
    BuildReport,
    ModelChoice,
    build_index,
    compare_build,
    passage_text,
    read_problems,
)
from essay_kb.ingest import Essay
from essay_kb.normalize import normalize_for_search
from essay_kb.precision import this_cpu
from essay_kb.query_encoder import QueryEncoder
from essay_kb.references import Reference, parse_reference, shared_references, title_matches
from essay_kb.related import Relatedness, related_essays
from essay_kb.report import EssayReport
from essay_kb.search import MODES, Hit, SearchFilter, search
from essay_kb.store import Manifest, StoredIndex, check_model, current_generation, current_manifest
from essay_kb.store.embedding_cache import cache_problems
from essay_kb.store.folder import CURRENT_FILE, verify_current

EVAL_DEPTH = 50  # passages fetched per question so that ten distinct essays can be ranked
# The model reads 512 tokens (~500 Chinese characters) and a question is a sentence or two; a longer "question"
# is a pasted text, which Compare handles properly.
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class EssayCard:
    """What the library shows of one essay file."""

    essay: Essay
    state: str  # "indexed", "changed" (file differs from the indexed version) or "new" (not indexed yet)
    passages: int  # in the current index; 0 when not indexed


@dataclass(frozen=True)
class Answer:
    """The passages that answer a question and the index generation they come from (always a complete one:
    a build publishes a generation only once it is whole)."""

    generation: str
    hits: list[Hit]


@dataclass(frozen=True)
class EssayView:
    """An essay with its chunks and their vectors: from the index, or chunked and embedded on the fly."""

    essay: Essay
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray


@dataclass(frozen=True)
class Comparison:
    a: EssayView
    b: EssayView
    a_to_b: tuple[AlignedPair, ...]  # every alignable paragraph of A with its best partner in B
    b_to_a: tuple[AlignedPair, ...]
    shared_references: tuple[tuple[Reference, Reference], ...] = ()  # the same work, however each writes it
    shared: tuple[SharedSpan, ...] = ()  # runs of text both hold (≥ 30 characters or a whole paragraph), A's order

    @property
    def overlap_a(self) -> float:
        """Share of A's text (characters) that B also holds, in shared runs."""
        return shared_share(self.a.chunks, self.shared)

    @property
    def overlap_b(self) -> float:
        return shared_share(self.b.chunks, [s.reversed() for s in self.shared])

    @property
    def a_paragraphs(self) -> list[Chunk]:
        """A's paragraphs that take part in the alignment, in order (rows of `similarity`)."""
        return [self.a.chunks[i] for i in alignable(self.a.chunks)]

    @property
    def b_paragraphs(self) -> list[Chunk]:
        return [self.b.chunks[i] for i in alignable(self.b.chunks)]

    def similarity(self) -> np.ndarray:
        """Cosine of every paragraph of A with every one of B (rows `a_paragraphs`, columns `b_paragraphs`)."""
        return similarity_matrix(self.a.chunks, self.a.vectors, self.b.chunks, self.b.vectors)

    @staticmethod
    def diff(a: str, b: str) -> list[DiffPiece]:
        """A character diff from a to b (equal / delete / insert pieces)."""
        return char_diff(a, b)

    @property
    def reworded_a(self) -> float:
        """Share of A's text in paragraphs that say what a paragraph of B says in other words."""
        return reworded_share(self.a_to_b)

    def as_dict(self) -> dict[str, Any]:
        def pair(p: AlignedPair) -> dict[str, Any]:
            return {"label": p.label, "chars": round(p.chars, 4), "cosine": round(p.cosine, 4),
                    "a": {"section": p.a.section_path, "paragraph": p.a.paragraph, "text": p.a.text},
                    "b": None if p.b is None else {"section": p.b.section_path, "paragraph": p.b.paragraph,
                                                    "text": p.b.text}}
        return {
            "a": self.a.essay.id, "b": self.b.essay.id,
            "overlap": {"a_in_b": round(self.overlap_a, 4), "b_in_a": round(self.overlap_b, 4)},
            "reworded": {"a_in_b": round(self.reworded_a, 4), "b_in_a": round(reworded_share(self.b_to_a), 4)},
            "shared_text": [{"text": s.text, "a": {"section": s.a.section_path, "paragraph": s.a.paragraph,
                                                    "start": s.a_start, "end": s.a_end},
                             "b": {"section": s.b.section_path, "paragraph": s.b.paragraph,
                                   "start": s.b_start, "end": s.b_end}} for s in self.shared],
            "pairs": [pair(p) for p in self.a_to_b],
            "labels": {label: sum(p.label == label for p in self.a_to_b) for label in LABELS},
            "shared_references": [{"a": ra.raw, "b": rb.raw, "title": ra.title} for ra, rb in self.shared_references],
        }


def _no_such_essay(unknown: Sequence[str], where: str, known: Iterable[str]) -> str:
    """The one message for essay ids that name nothing, listing a few that do."""
    known = sorted(known)
    more = f" … and {len(known) - 5} more" if len(known) > 5 else ""
    return (f"No essay {', '.join(map(repr, unknown))} in {where}; an essay is named by its file in the corpus: "
            f"{', '.join(known[:5]) or 'none yet (add one with `kb add FILE`)'}{more}.")


class KnowledgeBase:
    """Essays in `config.corpus`, indexed in `config.index`, searched with `config.model`.

    The embedder is loaded on first use (seconds) and can be passed in to share one between instances.
    """

    def __init__(self, config: Config | None = None, embedder: Embedder | None = None) -> None:
        self.config = config or Config()
        self._embedder = embedder
        self._index: StoredIndex | None = None
        self._index_lock = threading.Lock()
        self._light: QueryEncoder | Literal[False] | None = None  # None: not looked for yet
        # Paragraph vectors without title context, for comparisons; keyed by text so they survive rebuilds.
        self._paragraph_vectors: dict[str, np.ndarray] = {}
        self._map: CorpusMap | None = None  # of the generation it names; see corpus_map()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.config.model, batch_size=self.config.batch_size,
                                      precision=self.config.precision)
        return self._embedder

    def has_index(self) -> bool:
        """Whether an index was built here, even one now damaged (opening it then says what is wrong and how to
        repair it, rather than the index being taken for never built)."""
        return (self.config.index / CURRENT_FILE).exists()

    def index(self) -> StoredIndex:
        """The current index generation, reopened when a build has published a newer one.

        Safe to call from several threads (a server's requests, a build in a worker thread): one of them opens the
        new generation while the others wait for it. The generation it replaces is not closed here, since searches
        in other threads may still be reading it; its SQLite connection, FAISS arrays and Milvus client are
        released when the last of them lets go of it.
        """
        current = current_generation(self.config.index) if self.config.index.is_dir() else None
        index = self._index
        if index is not None and index.folder == current:
            return index
        with self._index_lock:
            if self._index is not None and self._index.folder == current:
                return self._index  # another thread opened it while this one waited
            index = StoredIndex.open(self.config.index)
            # The fingerprint is known without loading the model: a one-shot ask may never load it
            # (light_query_encoder).
            check_model(index.manifest, self.model_fingerprint, self._embedder.dimension if self._embedder else None)
            self._index = index
            return index

    @property
    def model_fingerprint(self) -> str:
        """The configured model's fingerprint, without loading the model unless it is loaded already."""
        return self._embedder.fingerprint if self._embedder else model_fingerprint(self.config.model)

    def rebuild_reasons(self, manifest: Manifest) -> tuple[list[str], bool]:
        """Why this index must be read again under the configuration, and whether its store changes."""
        return compare_build(manifest, self.model_fingerprint, self.config.max_chars, self.config.lexical_tokenizer,
                             self.config.vector_store, self._embedder.dimension if self._embedder else None)

    def status(self) -> Changes:
        """What changed in the corpus since the current index was built (hashes files, parses none); an index
        whose pointer or manifest cannot be read counts as none (the next build sets it aside)."""
        try:
            manifest = current_manifest(self.config.index)
        except IndexMismatch:
            manifest = None
        reasons, store_changed = self.rebuild_reasons(manifest) if manifest else ([], False)
        return diff_corpus(hash_corpus(self.config.corpus, self.max_file_bytes), manifest, bool(reasons),
                           store_changed)

    def will_skip(self, changes: Changes) -> list[str]:
        """Why the next build will skip files: refused ones, and new or changed files that cannot be read."""
        return [s.problem for s in changes.skipped] + read_problems(changes, self.config.corpus, self.config.max_chars,
                                                                   self.config.ocr)

    @property
    def max_file_bytes(self) -> int:
        return int(self.config.max_file_mb * 1024 * 1024)

    def build(self, progress: BuildProgress | None = None, rebuild: bool = False, wait: float = 0) -> BuildReport:
        """Bring the index up to date with the corpus (incrementally unless `rebuild`); the old generation
        serves searches until the new one is complete. `wait`: seconds to queue behind a running build."""
        model = self._embedder or ModelChoice(canonical_model_name(self.config.model), self.model_fingerprint,
                                              lambda: self.embedder)
        return build_index(self.config.corpus, model, self.config.index, self.config.max_chars, progress,
                           lexical_tokenizer=self.config.lexical_tokenizer, max_bytes=self.max_file_bytes,
                           rebuild=rebuild, wait=wait, vector_store=self.config.vector_store, ocr=self.config.ocr)

    def check(self) -> list[str]:
        """Every problem of the index, one line each with the command that fixes it; empty when all is well.

        Verifies the manifest, every file's size and checksum, that vectors, chunk rows and BM25 rows agree,
        that the configured model built it, and that it holds the corpus as it is now.
        """
        manifest, problems = verify_current(self.config.index)
        fix = "run `kb index --rebuild`"
        lines = [f"{p}: {fix}" for p in problems]
        lines += [f"the embedding cache {p}: {fix} (it sets the cache aside)"
                  for p in cache_problems(self.config.index)]
        if manifest is None:
            return lines
        try:
            check_model(manifest, self.model_fingerprint, self._embedder.dimension if self._embedder else None)
        except EssayKBError as exc:
            lines.append(str(exc))
        changes = self.status()
        stale = [f"{i} is new" for i in changes.added] + [f"{i} changed" for i in changes.changed] + \
                [f"{i} was removed" for i in changes.removed]
        lines += [f"stale: {what} since the index was built: run `kb index`" for what in stale]
        reasons = [r for r in self.rebuild_reasons(manifest)[0] if not r.startswith("model ")]  # reported above
        if reasons:
            lines.append(f"the index was built with other settings ({'; '.join(reasons)}): {fix}")
        return lines

    def ask(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        flt: SearchFilter | None = None,
        context: int = 0,
    ) -> list[Hit]:
        """The passages that best answer `question`, best first.

        Args:
            mode: "hybrid" (dense and BM25 fused), "dense" or "lexical".
            flt: restrict to essays, chunk kinds or a section.
            context: how many neighbouring paragraphs of the same section each hit carries.
        """
        return self.answer(question, k, mode, flt, context).hits

    def answer(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        flt: SearchFilter | None = None,
        context: int = 0,
    ) -> Answer:
        """`ask`, with the name of the index generation that answered (a server's clients can tell which build
        they were answered from while a rebuild publishes a new one)."""
        if not question.strip():
            raise QuestionRejected("The question is empty. Type a question, e.g. 如何提升基层党员干部的素质？")
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionRejected(
                f"The question is {len(question):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}. To find "
                "essays like a whole text, compare it instead (`kb compare FILE ESSAY`, or the Compare page).")
        try:  # bytes that were not UTF-8 on the command line arrive as lone surrogates, which nothing can encode
            question.encode("utf-8")
        except UnicodeEncodeError:
            raise QuestionRejected("The question holds bytes that are not UTF-8 text; set the terminal to UTF-8 "
                                   "(e.g. LANG=C.UTF-8) and type it again.") from None
        if k is not None and k < 1:
            raise QuestionRejected(f"The number of passages must be at least 1, not {k}.")
        if mode not in MODES:
            raise EssayKBError(f"Unknown search mode {mode!r}; choose one of {', '.join(MODES)}.")
        index = self.index()
        unknown = [e for e in (flt.essays if flt else ()) if e not in index.chunks.titles()]
        if unknown:
            raise QuestionRejected(_no_such_essay(unknown, "the index", index.chunks.titles()))
        vector = self._query_vector(normalize_for_search(question)) if mode != "lexical" else None
        hits = search(index, question, vector, k or self.config.top_k, mode, self.fusion, flt, context)
        return Answer(index.folder.name, hits)

    def _query_vector(self, text: str) -> np.ndarray:
        """The question's vector: from the light encoder while the full model is not loaded (a cold `kb ask` then
        never imports torch), else from the loaded model (the app's warm, traced path)."""
        if self._embedder is None:
            if self._light is None:
                self._light = light_query_encoder(self.config.model) or False
            if self._light:
                return self._light.embed(text)
        return self.embedder.embed_query(text)

    @property
    def fusion(self) -> FusionConfig:
        if self.config.fusion not in ("rrf", "blend"):
            raise EssayKBError(f"Unknown fusion {self.config.fusion!r}; choose rrf or blend.")
        return FusionConfig(method=self.config.fusion, rrf_k=self.config.rrf_k,  # type: ignore[arg-type]
                            dense_weight=self.config.dense_weight)

    def add(self, files: Sequence[Path]) -> list[str]:
        """Copy essay files into the corpus (not yet indexed); returns their essay ids.

        A file that cannot be read, is too large, or whose bytes are already in the corpus is refused with
        the reason, before anything of it is written.
        """
        added = []
        for file in files:
            # Bounded: a 1 GB file is refused by its size, not read; a FIFO is refused, not waited on.
            data = read_file_bytes(file, display_name(str(file)), self.max_file_bytes)
            added.append(self.upload(display_name(file.name), data))
        return added

    def upload(self, name: str, data: bytes) -> str:
        """Save one essay's bytes (an upload, or a file's content) into the corpus; returns its essay id."""
        return save_essay(self.config.corpus, name, data, max_bytes=self.max_file_bytes)

    def indexed_essays(self) -> list[tuple[str, str, int]]:
        """(id, title, passages) of every indexed essay, longest first, from the index alone (no corpus scan:
        pages list them on every rerun)."""
        index = self.index()
        titles = index.chunks.titles()
        entries = sorted(index.manifest.essays, key=lambda e: (-e.chunks, e.id))
        return [(e.id, titles.get(e.id) or e.id, e.chunks) for e in entries]

    def library(self) -> list[EssayCard]:
        """Every essay of the corpus with its metadata and whether the current index holds it as it is now.

        Files are hashed, not read: an essay the index holds unchanged comes from the index, so a page that lists
        the library on every rerun reads only new and changed files (a PDF takes tens of milliseconds to read,
        a scan read by OCR tens of seconds)."""
        found = hash_corpus(self.config.corpus, self.max_file_bytes)
        manifest = current_manifest(self.config.index)
        indexed = {e.id: e for e in manifest.essays} if manifest else {}
        unchanged = [f.id for f in found.files if f.id in indexed and indexed[f.id].sha256 == f.sha256]
        stored = self._stored_essays(unchanged) if unchanged else {}
        cards = []
        for file in found.files:
            entry = indexed.get(file.id)
            if file.id in stored:
                cards.append(EssayCard(essay=stored[file.id], state="indexed", passages=entry.chunks if entry else 0))
                continue
            try:
                essay = ingest.read_essay(file.path, self.config.corpus, self.max_file_bytes, ocr=self.config.ocr)
            except UnreadableEssay:
                continue  # named by the Rebuild page and `kb index`, as before
            cards.append(EssayCard(essay=essay, state="new" if entry is None else "changed", passages=0))
        return cards

    def _stored_essays(self, ids: Sequence[str]) -> dict[str, Essay]:
        """Indexed essays by id, read from the index without loading the model."""
        try:
            index = StoredIndex.open(self.config.index) if self._embedder is None else self.index()
        except EssayKBError:  # missing or damaged: every file is read instead, as before
            return {}
        try:
            return {e.id: e for e in index.chunks.essays(ids)}
        except IndexMismatch:
            return {}
        finally:
            if self._embedder is None:
                index.close()

    def essay_chunks(self, essay_id: str) -> list[Chunk]:
        """An indexed essay's chunks in reading order (its structure: sections, typed passages, references)."""
        return self.index().chunks.essay_chunks(essay_id)

    def essay_report(self, ref: str) -> EssayReport:
        """How the essay `ref` (its id: the file's path in the corpus) was read. Title, metadata and dropped lines
        come from the file (the index keeps neither dropped lines nor every metadata field); the passages are the
        indexed ones, or chunked now when the essay is not indexed yet."""
        # Listed, not hashed: opening one essay reads one file, however large the corpus.
        files = {essay_id_of(p, self.config.corpus): p for p in list_essay_files(self.config.corpus)}
        indexed, chunks = self._indexed_essay(ref)
        if ref not in files and ref not in indexed:
            raise EssayNotFound(_no_such_essay([ref], "the corpus or the index", {*files, *indexed}))
        if ref not in files:
            old = indexed[ref]
            return EssayReport(old, tuple(chunks), "removed", old.text)
        if not Path(os.path.realpath(files[ref])).is_relative_to(os.path.realpath(self.config.corpus)):
            raise EssayKBError(f"{ref} is a link to a file outside the corpus, which is never read; copy the file "
                               "into the corpus instead.")
        essay = ingest.read_essay(files[ref], self.config.corpus, self.max_file_bytes, ocr=self.config.ocr)
        if ref not in indexed:
            return EssayReport(essay, tuple(chunk_essay(essay, max_chars=self.config.max_chars)), "new", essay.text)
        state = "indexed" if indexed[ref].sha256 == essay.sha256 else "changed"
        return EssayReport(essay, tuple(chunks), state, indexed[ref].text)

    def _indexed_essay(self, essay_id: str) -> tuple[dict[str, Essay], list[Chunk]]:
        """The indexed essays by id and `essay_id`'s chunks, read without loading the model when it is not loaded
        yet: showing what was indexed compares no vectors, and the model takes seconds to load."""
        if not self.has_index():
            return {}, []
        if self._embedder is not None:
            index = self.index()
            return {e.id: e for e in index.chunks.essays()}, index.chunks.essay_chunks(essay_id)
        index = StoredIndex.open(self.config.index)
        try:
            return {e.id: e for e in index.chunks.essays()}, index.chunks.essay_chunks(essay_id)
        finally:
            index.close()

    def essay_view(self, ref: str) -> EssayView:
        """An indexed essay by id, with the vectors the index holds (nothing embedded), or any essay file by
        path, chunked now (not added) and embedded the way the index embeds passages, so both compare alike."""
        index = self.index()
        rows = index.chunks.essay_rows(ref)
        if rows:
            return EssayView(index.chunks.essays([ref])[0], tuple(c for _, c in rows),
                             index.vectors.vectors([r for r, _ in rows]))
        essay, chunks = self._file_essay(ref, index)
        return EssayView(essay, tuple(chunks), self._passage_vectors(chunks, essay.title))

    def _passage_vectors(self, chunks: Sequence[Chunk], title: str) -> np.ndarray:
        """Vectors of chunks that are not indexed, embedded as the index embeds (indexer.passage_text); kept
        per text so that the app's reruns on one pasted text embed it once."""
        texts = [passage_text(c, title) for c in chunks]
        missing = list(dict.fromkeys(t for t in texts if t not in self._paragraph_vectors))
        if missing:
            fresh = self.embedder.embed_passages(missing)
            self._paragraph_vectors.update(zip(missing, fresh, strict=True))
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([self._paragraph_vectors[t] for t in texts])

    def related(self, ref: str, k: int = 5) -> list[Relatedness]:
        """The other indexed essays ranked by relatedness to `ref` (an indexed essay id or a file path).

        An indexed essay is compared through the vectors the index holds: nothing is embedded, so one call
        costs milliseconds however many essays there are. A file that is not indexed is embedded first, the way
        the index embeds its passages (under its title and heading), so its vectors compare with the stored ones.
        """
        if k < 1:  # a negative k would be a slice (all but the last), 0 an empty answer that looks like "none"
            raise EssayKBError(f"The number of related essays must be at least 1, not {k}.")
        view = self.essay_view(ref)
        return related_essays(self.index(), view.essay, view.chunks, view.vectors, k)

    def corpus_map(self) -> CorpusMap:
        """Every indexed essay placed by the similarity of its stored vectors, clustered, clusters labelled by
        their words. Computed once per index generation and kept in memory: 0.4–1.3 s for a thousand essays
        (bench/corpus_map.py), too little to be worth a file in the generation folder that every build would
        write and every check verify, for readers of the map only."""
        index = self.index()
        known = self._map
        if known is None or known.generation != index.folder.name:
            known = self._map = corpus_map(index)
        return known

    def _file_essay(self, ref: str, index: StoredIndex) -> tuple[Essay, list[Chunk]]:
        """An essay file that is not indexed, read and chunked (not added)."""
        path = Path(ref)
        if not path.is_file():
            raise EssayNotFound(f"{ref} is neither an indexed essay nor a file. Indexed essays: "
                               f"{', '.join(sorted(index.chunks.titles()))}.")
        essay = ingest.read_essay(path, path.parent, ocr=self.config.ocr)
        return essay, chunk_essay(essay, max_chars=self.config.max_chars)

    def references(self, ref: str) -> list[tuple[Reference, str | None]]:
        """An essay's parsed references, each with the id of the corpus essay it cites, when there is one."""
        view = self.essay_view(ref)
        essays = self.index().chunks.essays()
        out = []
        for chunk in view.chunks:
            if chunk.kind == "reference":
                parsed = parse_reference(chunk.text)
                cited = next((e.id for e in essays if e.id != view.essay.id and title_matches(parsed, e.title)), None)
                out.append((parsed, cited))
        return out

    def text_view(self, text: str, name: str = "pasted.txt") -> EssayView:
        """A pasted text read like an essay file (boilerplate stripped, chunked, embedded), not added."""
        self.index()  # as essay_view does: pasted text is compared with indexed essays
        essay = ingest.parse_essay(text.encode("utf-8"), name)
        chunks = tuple(chunk_essay(essay, max_chars=self.config.max_chars))
        return EssayView(essay, chunks, self._passage_vectors(chunks, essay.title))

    def compare(self, a: str, b: str) -> Comparison:
        """Align two essays' paragraphs both ways (ids of indexed essays, or file paths)."""
        return self.compare_views(self.essay_view(a), self.essay_view(b))

    def compare_views(self, va: EssayView, vb: EssayView) -> Comparison:
        refs_a, refs_b = ([parse_reference(c.text) for c in v.chunks if c.kind == "reference"] for v in (va, vb))
        shared = shared_spans(va.chunks, vb.chunks)
        return Comparison(va, vb, tuple(align_paragraphs(va.chunks, va.vectors, vb.chunks, vb.vectors, spans=shared)),
                          tuple(align_paragraphs(vb.chunks, vb.vectors, va.chunks, va.vectors,
                                                 spans=[s.reversed() for s in shared])),
                          tuple(shared_references(refs_a, refs_b)), tuple(shared))

    def evaluate(self, questions: Sequence[Question], mode: str = "hybrid") -> EvalReport:
        index = self.index()
        essay_texts = {e.id: normalize_for_search(e.text) for e in index.chunks.essays()}
        ranks: list[Ranks] = [rank_hits(self.ask(q.question, EVAL_DEPTH, mode), q, essay_texts) for q in questions]
        return evaluate_ranks(questions, ranks)

    def _precision_info(self) -> dict[str, Any]:
        """The precision embeddings use and why, without loading the model just to say so."""
        cpu = this_cpu()
        info: dict[str, Any] = {"cpu": cpu.model_name, "bf16_flags": list(cpu.bf16_flags)}
        try:
            choice = (self._embedder.precision_choice if self._embedder is not None
                      else precision_without_measuring(self.config.precision, self.config.model))
        except EssayKBError as exc:  # the model is not there to fingerprint; `kb info` still reports the rest
            return {"precision": None, "precision_reason": str(exc), **info}
        if choice is None:
            return {"precision": None, "precision_reason": "auto, not measured yet: the first embedding on this "
                    "machine times fp32 and bf16 (a few seconds, once) and keeps the faster", **info}
        return {"precision": choice.precision, "precision_reason": choice.reason, **info}

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"config": self.config.as_dict(), "embedder": self._precision_info()}
        try:
            m = current_manifest(self.config.index)
        except IndexMismatch as exc:
            info["index"] = {"error": str(exc)}
            m = None
        if m:
            info["index"] = {
                "generation": current_generation(self.config.index).name,  # type: ignore[union-attr]
                "essays": len(m.essays),
                "chunks": m.chunks,
                "model": m.model.name,
                "model_fingerprint": m.model.fingerprint,
                "dimension": m.model.dimension,
                "chunker_version": m.chunker_version,
                "vector_store": m.vector_store,
                "bytes": m.size,
                "built_seconds": m.build_seconds,
            }
        elif "index" not in info:
            info["index"] = None
        try:
            status = self.status()
            info["corpus"] = {"added": list(status.added), "changed": list(status.changed),
                              "removed": list(status.removed), "unchanged": len(status.unchanged),
                              "duplicates": {i: list(names) for i, names in status.aliases.items()},
                              "skipped": [s.problem for s in status.skipped]}
        except EssayKBError as exc:
            info["corpus"] = {"error": str(exc)}
        return info

