"""corpus folder → index generation: read, chunk, embed, store; incremental, one writer, bad files reported."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np

from essay_kb import ingest
from essay_kb.changes import Changes, CorpusFile, diff_corpus, hash_corpus
from essay_kb.chunker import CHUNKER_VERSION, Chunk, chunk_essay
from essay_kb.embedder import Embedder
from essay_kb.errors import EmptyCorpus, IndexMismatch, UnreadableEssay
from essay_kb.ingest import Essay
from essay_kb.lexical import DEFAULT_TOKENIZER, LexicalIndex, get_tokenizer
from essay_kb.normalize import normalize_for_search
from essay_kb.store import EssayEntry, Manifest, ModelInfo, StoredIndex, write_generation
from essay_kb.store.chunks import ChunkRow, EssayRow, chunk_row, essay_row, row_tokens
from essay_kb.store.embedding_cache import EmbeddingCache, text_key
from essay_kb.store.folder import open_for_build, remove_dead_builds
from essay_kb.store.lock import build_lock
from essay_kb.store.manifest import BuildSpec, SkippedFile, build_differences, store_differs
from essay_kb.store.vectors import Reuse, choose_store

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # the max_file_mb setting's default
BuildProgress = Callable[[str, int, int], None]  # (stage, done, total)
BUILD_STAGES = {"load": "loading the model", "read": "reading new and changed essays",
                "embed": "embedding new passages", "write": "writing the index"}


@dataclass(frozen=True)
class BuildReport:
    essays: int
    chunks: int
    seconds: float
    embed_seconds: float
    embedded: int = 0  # passages the model embedded in this build
    reused: int = 0  # passages whose vectors came from the previous generation or the embedding cache
    changes: Changes | None = None
    problems: tuple[str, ...] = field(default=())  # one line per file not indexed, naming it and the fix
    notes: tuple[str, ...] = field(default=())  # things the user should know that are not failures
    up_to_date: bool = False  # nothing had changed: no generation was written

    @property
    def passages_per_second(self) -> float:
        return self.embedded / self.embed_seconds if self.embed_seconds else 0.0


def passage_text(chunk: Chunk, title: str) -> str:
    """What both retrievers index for a chunk: the normalised text under its essay title and section heading.

    The title and heading carry the topic a paragraph leaves implicit (a body paragraph rarely names
    its essay's subject), which is what questions usually name.
    """
    context = " › ".join([title, *chunk.section[-1:]]) if chunk.kind not in ("title", "reference") else ""
    body = f"{context}\n{chunk.text}" if context else chunk.text
    return normalize_for_search(body)


@dataclass(frozen=True)
class ModelChoice:
    """The embedding model a build uses: named and fingerprinted up front, loaded only when there is work (a
    build with nothing to do, or one that finds the lock taken, never pays the model's seconds and memory)."""

    name: str
    fingerprint: str
    load: Callable[[], Embedder]

    @classmethod
    def of(cls, embedder: Embedder) -> ModelChoice:
        return cls(embedder.name, embedder.fingerprint, lambda: embedder)


def build_index(
    corpus: Path,
    embedder: Embedder | ModelChoice,
    root: Path,
    max_chars: int = 600,
    progress: BuildProgress | None = None,
    lexical_tokenizer: str = DEFAULT_TOKENIZER,
    max_bytes: int = DEFAULT_MAX_BYTES,
    rebuild: bool = False,
    wait: float = 0,
    vector_store: str = "auto",
    ocr: bool = False,
) -> BuildReport:
    """Bring the index up to date with the corpus and publish the result as a new generation.

    Only new and changed essays are read and chunked; unchanged essays are copied from the current generation
    once it passes its checks (a damaged one is set aside, renamed, and everything is read again); only passages
    no earlier build embedded with this model are embedded. One build at a time (`wait` seconds for a running
    one), and the lock is taken before the model is loaded. Whatever happens, the previous generation stays whole
    and current until the new one is complete.

    Args:
        rebuild: read and chunk every essay again (vectors still come from the cache when the text is the same).
        vector_store: "auto", "flat" or "hnsw" (see store/vectors.py); auto chooses by the number of passages.
        ocr: read scanned PDFs with OCR (the `ocr` setting).

    Raises:
        IndexBusy: another build holds the lock.
        EmptyCorpus: nothing readable to index.
    """
    started = time.perf_counter()
    model = embedder if isinstance(embedder, ModelChoice) else ModelChoice.of(embedder)
    with build_lock(root, wait):
        remove_dead_builds(root)
        previous, notes = open_for_build(root)
        reasons, store_changed = ([], False) if previous is None else compare_build(
            previous.manifest, model.fingerprint, max_chars, lexical_tokenizer, vector_store)
        outdated = rebuild or previous is None or bool(reasons)
        changes = diff_corpus(hash_corpus(corpus, max_bytes), previous.manifest if previous else None, outdated,
                              store_changed)
        try:
            if previous is not None and changes.up_to_date:
                return BuildReport(essays=len(previous.manifest.essays), chunks=previous.manifest.chunks,
                                   seconds=time.perf_counter() - started, embed_seconds=0.0,
                                   reused=previous.manifest.chunks, changes=changes, up_to_date=True)
            if progress:
                progress("load", 0, 1)
            try:
                report = _build(changes, corpus, previous, model.load(), root, max_chars, progress,
                                lexical_tokenizer, vector_store, started, ocr)
            except BaseException:
                for note in notes:  # the report that would carry them is lost; a setting-aside must not be
                    log.warning("%s", note)
                raise
            return dataclasses.replace(report, notes=(*notes, *report.notes))
        finally:
            if previous is not None:
                previous.close()


def read_and_chunk(file: CorpusFile, corpus: Path, max_chars: int, ocr: bool = False) -> tuple[Essay, list[Chunk]]:
    """One essay as a build indexes it.

    Raises:
        UnreadableEssay: it cannot be read, or has nothing but a title and headings to index.
    """
    essay = ingest.read_essay(file.path, corpus, ocr=ocr)
    chunks = chunk_essay(essay, max_chars=max_chars)
    if not any(c.kind not in ("title", "heading") for c in chunks):
        raise UnreadableEssay(f"{file.id} has no paragraphs to index (only a title or headings); add the essay "
                              "text, or remove the file from the corpus")
    return essay, chunks


def read_problems(changes: Changes, corpus: Path, max_chars: int, ocr: bool = False) -> list[str]:
    """What the next build will skip among the files it will read (for showing before building)."""
    problems = []
    for essay_id in changes.to_read:
        try:
            read_and_chunk(changes.files[essay_id], corpus, max_chars, ocr)
        except UnreadableEssay as exc:
            problems.append(str(exc))
    return problems


@dataclass
class _Rows:
    """The new generation's rows, in essay-id order: copied from the previous generation or freshly chunked."""

    essays: list[EssayRow] = field(default_factory=list)
    chunks: list[ChunkRow] = field(default_factory=list)
    entries: list[EssayEntry] = field(default_factory=list)
    copied_from: list[int] = field(default_factory=list)  # previous generation's rows of unchanged essays
    copied_to: list[int] = field(default_factory=list)  # where they go in the new generation
    to_embed: dict[int, str] = field(default_factory=dict)  # new row → passage text


def _read_changed(
    changes: Changes, corpus: Path, max_chars: int, progress: BuildProgress | None, ocr: bool
) -> tuple[dict[str, tuple[Essay, list[Chunk]]], list[SkippedFile], list[str]]:
    """Read and chunk the new and changed essays: (essays read, files skipped, notes for the user)."""
    fresh: dict[str, tuple[Essay, list[Chunk]]] = {}
    skipped, notes = list(changes.skipped), []
    for done, essay_id in enumerate(changes.to_read, 1):
        file = changes.files[essay_id]
        try:
            essay, chunks = read_and_chunk(file, corpus, max_chars, ocr)
        except UnreadableEssay as exc:
            skipped.append(SkippedFile(essay_id, file.sha256, str(exc)))
        else:
            if essay.sha256 != file.sha256:
                notes.append(f"{essay_id} changed while the build was running; the version read now is indexed, "
                             "and `kb index` will pick up any later change")
            fresh[essay_id] = (essay, chunks)
        if progress:
            progress("read", done, len(changes.to_read))
    return fresh, sorted(skipped, key=lambda s: s.id), notes


def _assemble(
    changes: Changes, fresh: dict[str, tuple[Essay, list[Chunk]]], previous: StoredIndex | None, tokenizer: str
) -> _Rows:
    tokenize = get_tokenizer(tokenizer)
    rows = _Rows()
    for essay_id in sorted([*changes.unchanged, *fresh]):
        aliases = changes.aliases.get(essay_id, ())
        if essay_id in fresh:
            essay, chunks = fresh[essay_id]
            rows.essays.append(essay_row(essay, aliases))
            for chunk in chunks:
                text = passage_text(chunk, essay.title)
                rows.to_embed[len(rows.chunks)] = text
                rows.chunks.append(chunk_row(chunk, tokenize(normalize_for_search(text))))
            rows.entries.append(EssayEntry(essay_id, essay.sha256, len(chunks), aliases))
            continue
        stored = previous.chunks.stored_essay(essay_id) if previous else None
        assert stored is not None, f"{essay_id} is unchanged, so the previous generation holds it"
        essay_stored, old_rows, chunks_stored = stored
        rows.essays.append((*essay_stored[:-1], json.dumps(list(aliases), ensure_ascii=False)))
        rows.copied_to.extend(range(len(rows.chunks), len(rows.chunks) + len(old_rows)))
        rows.copied_from.extend(old_rows)
        rows.chunks.extend(chunks_stored)
        rows.entries.append(EssayEntry(essay_id, essay_stored[2], len(old_rows), aliases))
    return rows


def _build(
    changes: Changes,
    corpus: Path,
    previous: StoredIndex | None,
    embedder: Embedder,
    root: Path,
    max_chars: int,
    progress: BuildProgress | None,
    lexical_tokenizer: str,
    vector_store: str,
    started: float,
    ocr: bool,
) -> BuildReport:
    fresh, skipped, notes = _read_changed(changes, corpus, max_chars, progress, ocr)
    if not (changes.unchanged or fresh):
        raise EmptyCorpus("The corpus holds no readable essay. Add .txt, .md or .html files to it "
                          "(`kb add FILE...`), then run `kb index`." + "".join("\n  " + s.problem for s in skipped))
    rows = _assemble(changes, fresh, previous, lexical_tokenizer)
    vectors = np.zeros((len(rows.chunks), embedder.dimension), dtype=np.float32)
    if previous is not None and rows.copied_from:
        vectors[rows.copied_to] = previous.vectors.vectors(rows.copied_from)
    embed_started = time.perf_counter()
    cache, cache_note = EmbeddingCache.open_or_set_aside(root, embedder.fingerprint, embedder.dimension)
    if cache_note:
        notes.append(cache_note)
    try:
        new_vectors, embedded = embed_with_cache(list(rows.to_embed.values()), embedder, cache, progress)
    finally:
        cache.close()
    if rows.to_embed:
        vectors[list(rows.to_embed)] = new_vectors
    if not np.isfinite(vectors).all():  # cheap, and a NaN row would otherwise be published and copied onward
        raise IndexMismatch("Some passage vectors are not finite numbers; nothing was written. Run "
                            "`kb index --rebuild`.")
    embed_seconds = time.perf_counter() - embed_started
    if progress:
        progress("write", 0, 1)
    lexical = LexicalIndex.from_tokens([row_tokens(r) for r in rows.chunks], lexical_tokenizer)
    manifest = Manifest(
        model=ModelInfo(name=embedder.name, fingerprint=embedder.fingerprint, dimension=embedder.dimension),
        chunker_version=CHUNKER_VERSION,
        max_chars=max_chars,
        essays=tuple(rows.entries),
        chunks=len(rows.chunks),
        files={},
        package_version=version("essay-kb"),
        build_seconds=round(time.perf_counter() - started, 3),
        skipped=tuple(skipped),
        vector_store=choose_store(vector_store, len(rows.chunks)).as_dict(),
    )
    reuse = None
    if previous is not None:
        old_to_new = np.full(previous.vectors.count, -1, dtype=np.int64)
        old_to_new[rows.copied_from] = rows.copied_to
        reuse = Reuse(previous.vectors, old_to_new)
    write_generation(root, rows.essays, rows.chunks, vectors, lexical, manifest, reuse)
    return BuildReport(
        essays=len(rows.entries), chunks=len(rows.chunks), seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds, embedded=embedded, reused=len(rows.chunks) - embedded, changes=changes,
        problems=tuple(s.problem for s in skipped), notes=tuple(notes),
    )


EMBED_BLOCK = 64  # passages embedded between two cache commits: what a killed build can lose at most


def embed_with_cache(
    texts: Sequence[str], embedder: Embedder, cache: EmbeddingCache, progress: BuildProgress | None = None
) -> tuple[np.ndarray, int]:
    """Vectors of `texts`, embedding only those the cache lacks; returns them and how many were embedded."""
    keys = [text_key(t) for t in texts]
    known = cache.get(list(dict.fromkeys(keys)))
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
    # Longest first over the whole build (not per block): batches of similar length waste less padding.
    todo = sorted(missing.items(), key=lambda item: -len(item[1]))
    for start in range(0, len(todo), EMBED_BLOCK):
        block = todo[start : start + EMBED_BLOCK]
        block_vectors = embedder.embed_passages([t for _, t in block])
        cache.put(zip([k for k, _ in block], block_vectors, strict=True))
        known.update(zip([k for k, _ in block], block_vectors, strict=True))
        if progress:
            progress("embed", min(start + EMBED_BLOCK, len(todo)), len(todo))
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32), 0
    return np.stack([known[k] for k in keys]), len(todo)


def compare_build(
    manifest: Manifest, fingerprint: str, max_chars: int, lexical_tokenizer: str, vector_store: str,
    dimension: int | None = None,
) -> tuple[list[str], bool]:
    """What the index was built with against what is configured, the one comparison `kb index`, `kb check`,
    the app and the build all use: (why every essay must be read again, whether vectors move to another store).
    """
    built = manifest.built_with
    wanted = BuildSpec(model=built.model, fingerprint=fingerprint, chunker_version=CHUNKER_VERSION,
                       max_chars=max_chars, lexical_tokenizer=lexical_tokenizer, dimension=dimension,
                       vector_store=choose_store(vector_store, manifest.chunks).as_dict())
    return build_differences(built, wanted), store_differs(built, wanted)
