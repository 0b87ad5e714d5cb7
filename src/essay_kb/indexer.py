"""corpus folder → index generation: read, chunk, embed, store; bad files are reported, never indexed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from essay_kb.chunker import CHUNKER_VERSION, Chunk, chunk_essay
from essay_kb.embedder import Embedder
from essay_kb.errors import EmptyCorpus, UnreadableEssay
from essay_kb.ingest import Essay, list_essay_files, read_essay
from essay_kb.lexical import DEFAULT_TOKENIZER, LexicalIndex
from essay_kb.normalize import normalize_for_search
from essay_kb.store import EssayEntry, Manifest, ModelInfo, write_generation

log = logging.getLogger(__name__)

BuildProgress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class CorpusScan:
    essays: tuple[Essay, ...]
    problems: tuple[str, ...]  # one actionable line per file that could not be read


@dataclass(frozen=True)
class BuildReport:
    essays: int
    chunks: int
    seconds: float
    embed_seconds: float
    problems: tuple[str, ...] = field(default=())

    @property
    def passages_per_second(self) -> float:
        return self.chunks / self.embed_seconds if self.embed_seconds else 0.0


def scan_corpus(corpus: Path) -> CorpusScan:
    """Read every essay file; an unreadable one becomes a problem line and the rest still index."""
    if not corpus.is_dir():
        raise EmptyCorpus(f"The corpus folder {corpus} does not exist. Create it and put essays in it, "
                          "or add some with `kb add FILE...`.")
    essays, problems = [], []
    for path in list_essay_files(corpus):
        try:
            essays.append(read_essay(path, corpus))
        except UnreadableEssay as exc:
            problems.append(str(exc))
    return CorpusScan(tuple(essays), tuple(problems))


def passage_text(chunk: Chunk, title: str) -> str:
    """What both retrievers index for a chunk: the normalised text under its essay title and section heading.

    The title and heading carry the topic a paragraph leaves implicit (a body paragraph rarely names
    its essay's subject), which is what questions usually name.
    """
    context = " › ".join([title, *chunk.section[-1:]]) if chunk.kind not in ("title", "reference") else ""
    body = f"{context}\n{chunk.text}" if context else chunk.text
    return normalize_for_search(body)


def build_index(
    scan: CorpusScan,
    embedder: Embedder,
    root: Path,
    max_chars: int = 600,
    progress: BuildProgress | None = None,
    lexical_tokenizer: str = DEFAULT_TOKENIZER,
) -> BuildReport:
    """Chunk and embed every essay of the scan and publish the result as the index's new generation."""
    if not scan.essays:
        raise EmptyCorpus("The corpus holds no readable essay. Add .txt, .md or .html files to it "
                          "(`kb add FILE...`), then run `kb index`." + "".join("\n  " + p for p in scan.problems))
    started = time.perf_counter()
    chunks: list[Chunk] = []
    entries = []
    for essay in scan.essays:
        essay_chunks = chunk_essay(essay, max_chars=max_chars)
        chunks.extend(essay_chunks)
        entries.append(EssayEntry(id=essay.id, sha256=essay.sha256, chunks=len(essay_chunks)))
    titles = {e.id: e.title for e in scan.essays}
    texts = [passage_text(c, titles[c.essay_id]) for c in chunks]
    embed_started = time.perf_counter()
    vectors = embedder.embed_passages(texts, progress=lambda d, t: progress("embed", d, t) if progress else None)
    embed_seconds = time.perf_counter() - embed_started
    lexical = LexicalIndex.build(texts, lexical_tokenizer)
    manifest = Manifest(
        model=ModelInfo(name=embedder.name, fingerprint=embedder.fingerprint, dimension=embedder.dimension),
        chunker_version=CHUNKER_VERSION,
        essays=tuple(entries),
        chunks=len(chunks),
        files={},
        package_version=version("essay-kb"),
        build_seconds=round(time.perf_counter() - started, 3),
    )
    write_generation(root, scan.essays, chunks, vectors, lexical, manifest)
    return BuildReport(
        essays=len(scan.essays), chunks=len(chunks), seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds, problems=scan.problems,
    )
