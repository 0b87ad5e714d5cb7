"""Corpus folder vs the current index: which files changed, found by hashing bytes, never by parsing them.

An essay is its path and the sha256 of its bytes. Reading a thousand essays' bytes takes milliseconds; parsing
them (decoding guesses, HTML) takes seconds, so `kb index` on an unchanged corpus parses nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from essay_kb.errors import UnreadableEssay
from essay_kb.files import display_name, essay_id_of, list_essay_files, read_file_bytes
from essay_kb.store.manifest import Manifest, SkippedFile


@dataclass(frozen=True)
class CorpusFile:
    id: str  # posix path relative to the corpus folder, as readable text (see ingest.essay_id_of)
    path: Path  # the real path to open: its name may hold bytes that are not UTF-8
    sha256: str
    link: bool = False  # a symbolic link (inside the corpus): the real file it points to names the essay


@dataclass(frozen=True)
class CorpusFiles:
    files: tuple[CorpusFile, ...]  # readable bytes within the size limit, in id order
    refused: tuple[SkippedFile, ...]  # not even hashed: too large, a link out of the corpus, unreadable


def hash_corpus(corpus: Path, max_bytes: int) -> CorpusFiles:
    """Hash every essay file of the corpus; files that must not be read become `refused` with the reason."""
    files: list[CorpusFile] = []
    refused: list[SkippedFile] = []
    names: dict[str, Path] = {}
    # realpath, not Path.resolve: it never raises on a symlink loop (Python 3.11 raises RuntimeError).
    root = Path(os.path.realpath(corpus))
    for path in list_essay_files(corpus):
        essay_id = essay_id_of(path, corpus)
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(root):
            refused.append(SkippedFile(essay_id, "", f"{essay_id} is a link to {display_name(str(target))}, outside "
                                       "the corpus; not followed. Copy the file into the corpus instead."))
        elif essay_id in names:  # a GBK name that reads as an existing UTF-8 name
            refused.append(SkippedFile(essay_id, "", f"{essay_id} names two files once a GBK file name is decoded; "
                                       "rename one of them."))
        else:
            try:
                digest = hashlib.sha256(read_file_bytes(path, essay_id, max_bytes)).hexdigest()
            except UnreadableEssay as exc:  # too large, a FIFO, a symlink loop, vanished since the listing
                refused.append(SkippedFile(essay_id, "", str(exc)))
                continue
            names[essay_id] = path
            files.append(CorpusFile(essay_id, path, digest, link=path.is_symlink()))
    return CorpusFiles(tuple(sorted(files, key=lambda f: f.id)), tuple(refused))


@dataclass(frozen=True)
class Changes:
    """What a build has to do. Ids in `added` and `changed` are read and chunked; `unchanged` are copied."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]  # (old id, new id): the new id is in `added`; its vectors are cached
    aliases: dict[str, tuple[str, ...]]  # essay id → the other names of the same bytes, listed not indexed
    skipped: tuple[SkippedFile, ...]  # refused now, or unchanged since a build could not read them
    outdated: bool  # the index was built by another model, chunker or tokenizer: everything is read again
    files: dict[str, CorpusFile] = field(default_factory=dict, compare=False, repr=False)  # id → file to read
    aliases_changed: bool = False  # a duplicate appeared or went: only the recorded names change
    store_changed: bool = False  # another vector store is configured: vectors are copied into it, none embedded

    @property
    def up_to_date(self) -> bool:
        return not (self.added or self.changed or self.removed or self.outdated or self.aliases_changed
                    or self.store_changed)

    @property
    def to_read(self) -> tuple[str, ...]:
        return tuple(sorted(self.added + self.changed))

    def summary(self) -> str:
        extra = [f"{len(self.renamed)} renamed"] if self.renamed else []
        duplicates = sum(len(names) for names in self.aliases.values())
        extra += [f"{duplicates} duplicate file(s) indexed once"] if duplicates else []
        extra += [f"{len(self.skipped)} skipped"] if self.skipped else []
        return (f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged" + (f" ({', '.join(extra)})" if extra else ""))


def diff_corpus(
    found: CorpusFiles, manifest: Manifest | None, outdated: bool = False, store_changed: bool = False
) -> Changes:
    """Compare hashed files with the essays an index holds.

    Files with identical bytes are one essay, under the name already indexed, else the first in path order;
    the other names are its aliases.
    A file a previous build could not read, unchanged since, is skipped again without being read.
    """
    indexed = {e.id: e for e in manifest.essays} if manifest and not outdated else {}
    by_hash: dict[str, list[CorpusFile]] = defaultdict(list)
    for file in found.files:
        by_hash[file.sha256].append(file)
    for names in by_hash.values():
        # A copy saved beside an indexed essay must not take its place (its id is in citations and links).
        # A symlink in the corpus is a second name of its target, never the essay's name in its place.
        names.sort(key=lambda f: (not (f.id in indexed and indexed[f.id].sha256 == f.sha256), f.link, f.id))
    canonical = {names[0].id: names[0] for names in by_hash.values()}
    aliases = {names[0].id: tuple(f.id for f in names[1:]) for names in by_hash.values() if len(names) > 1}
    known_bad = {s.id: s for s in (manifest.skipped if manifest and not outdated else ())}
    skipped = list(found.refused)
    for essay_id, file in list(canonical.items()):
        bad = known_bad.get(essay_id)
        if bad and bad.sha256 == file.sha256:
            skipped.append(bad)
            del canonical[essay_id]
    added = sorted(set(canonical) - set(indexed))
    removed = sorted(set(indexed) - set(canonical))
    changed = sorted(i for i in canonical if i in indexed and indexed[i].sha256 != canonical[i].sha256)
    unchanged = sorted(i for i in canonical if i in indexed and indexed[i].sha256 == canonical[i].sha256)
    removed_by_hash = {indexed[i].sha256: i for i in removed}
    renamed = tuple((removed_by_hash[canonical[i].sha256], i) for i in added if canonical[i].sha256 in removed_by_hash)
    aliases_changed = any(tuple(indexed[i].aliases) != aliases.get(i, ()) for i in unchanged)
    return Changes(
        added=tuple(added), changed=tuple(changed), removed=tuple(removed), unchanged=tuple(unchanged),
        renamed=renamed, aliases=aliases, skipped=tuple(sorted(skipped, key=lambda s: s.id)), outdated=outdated,
        files=canonical, aliases_changed=aliases_changed, store_changed=store_changed,
    )
