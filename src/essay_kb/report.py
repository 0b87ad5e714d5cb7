"""EssayReport: how one essay was read (title, metadata fields, lines dropped as chrome, passages), for `kb show`
and the Library page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from essay_kb.chunker import Chunk
from essay_kb.ingest import Essay

# What each metadata key means, in the words the pages themselves use; a key not listed is shown as it is.
FIELD_LABELS = {
    "source": "来源", "author": "作者", "authors": "作者", "affiliation": "单位", "url": "网址", "date": "日期",
    "keywords": "关键词", "abstract": "摘要", "clc": "中图分类号", "doc_code": "文献标识码", "article_no": "文章编号",
    "doi": "DOI", "fund": "基金项目", "author_bio": "作者简介", "received": "收稿日期", "citation": "引用本文",
    "editor": "责任编辑",
}

STATES = {
    "indexed": "indexed as it is now",
    "changed": "the file changed since it was indexed; the passages shown are the indexed ones (run `kb index`)",
    "new": "not indexed yet; the passages are how it would be chunked (run `kb index`)",
    "removed": "the file is no longer in the corpus; title, metadata and passages are the indexed ones",
}


@dataclass(frozen=True)
class EssayReport:
    essay: Essay  # as read from the corpus file now (the indexed one when the file is gone)
    passages: tuple[Chunk, ...]  # the indexed ones, or chunked now when the essay is not indexed yet
    state: str  # a key of STATES
    text: str  # the text the passages' offsets index into (the indexed text when the file changed since)

    @property
    def note(self) -> str:
        return STATES[self.state]

    def fields(self) -> list[tuple[str, str, str]]:
        """(key, label, value) of every metadata field the essay has, the common ones first."""
        meta = self.essay.meta
        common = {"source": meta.source, "author": meta.author, "url": meta.url,
                  "keywords": "；".join(meta.keywords), "abstract": meta.abstract}
        values = {k: v for k, v in {**common, **self.essay.meta_extra}.items() if v}
        return [(k, FIELD_LABELS.get(k, k), str(v)) for k, v in values.items()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "essay": self.essay.id, "title": self.essay.title, "state": self.state, "note": self.note,
            "metadata": {k: list(self.essay.meta.keywords) if k == "keywords" else v for k, _, v in self.fields()},
            "dropped": [{"line": line, "reason": reason} for line, reason in self.essay.dropped],
            "passages": [{"type": c.kind, "section": c.section_path, "paragraph": c.paragraph,
                          "start": c.start, "end": c.end, "text": c.text} for c in self.passages],
            "text": self.text,
        }
