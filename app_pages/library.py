"""Library: every essay with its metadata and structure, and uploads of new essays."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import current_kb, escaped_block, html_text, md
from essay_kb.errors import EssayKBError
from essay_kb.ingest import SUPPORTED_SUFFIXES
from essay_kb.kb import EssayCard, KnowledgeBase

STATE_LABELS = {"indexed": "indexed", "changed": "changed since indexing", "new": "not indexed yet"}
FILE_TYPES = {".txt": "text", ".md": "Markdown", ".html": "web page", ".htm": "web page", ".pdf": "PDF",
              ".docx": "Word"}


def file_type(essay_id: str) -> str:
    suffix = "." + essay_id.rsplit(".", 1)[-1].lower() if "." in essay_id else ""
    return FILE_TYPES.get(suffix, suffix.lstrip("."))


def essay_table(cards: list[EssayCard]) -> None:
    rows = [{
        "title": c.essay.title, "file": c.essay.id, "type": file_type(c.essay.id),
        "source": c.essay.meta.source or "",
        "author": c.essay.meta.author or "", "keywords": "；".join(c.essay.meta.keywords),
        "passages": c.passages, "status": STATE_LABELS[c.state],
    } for c in cards]
    st.dataframe(rows, hide_index=True, width="stretch")


def how_it_was_read(kb: KnowledgeBase, card: EssayCard) -> None:
    """The metadata fields and the lines dropped as chrome, with the reason: what `kb show` prints."""
    try:
        report = kb.essay_report(card.essay.id)
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    with st.expander("How this essay was read"):
        st.caption(md(report.note))
        for _, label, value in report.fields():
            st.markdown(f"<div><b>{html_text(label)}</b> {html_text(value)}</div>", unsafe_allow_html=True)
        st.markdown(f"**Dropped lines** ({len(report.essay.dropped)})")
        for line, reason in report.essay.dropped:
            st.markdown(f"<div>{html_text(line)} <small style='opacity:0.6'>← {html_text(reason)}</small></div>",
                        unsafe_allow_html=True)


def essay_structure(kb: KnowledgeBase, card: EssayCard) -> None:
    meta = card.essay.meta
    st.subheader(md(card.essay.title))
    st.caption(" · ".join(md(x) for x in (meta.source and f"来源 {meta.source}", meta.author and f"作者 {meta.author}",
                                          meta.url) if x) or "no source metadata")
    how_it_was_read(kb, card)
    if card.state == "new":
        if meta.abstract:
            st.markdown("**摘要**")
            escaped_block(meta.abstract)
        st.info("This essay is not indexed yet: rebuild the index to see its passages.")
        return
    section: tuple[str, ...] | None = None
    for chunk in kb.essay_chunks(card.essay.id):
        if chunk.section != section:
            section = chunk.section
            # A <div> makes it an HTML block, whose text Markdown leaves alone (a bare <b> line is a paragraph).
            st.markdown(f"<div><b>{html_text(' › '.join(section) or '(front matter)')}</b></div>",
                        unsafe_allow_html=True)
        if chunk.kind != "heading":
            st.caption(f"{chunk.kind}" + (f" · ¶{chunk.paragraph}" if chunk.paragraph else "")
                       + (f" · p. {chunk.page}" if chunk.page else ""))
            escaped_block(chunk.text)


def upload_form(kb: KnowledgeBase) -> None:
    files = st.file_uploader("Add essays", type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
                             accept_multiple_files=True,
                             help="Text (UTF-8, GBK/GB18030 or UTF-16), Markdown, web pages, PDF with a text layer, "
                                  "Word .docx; at most 20 MB each")
    if not files or not st.button("Add to the corpus"):
        return
    for file in files:
        try:
            essay_id = kb.upload(file.name, file.getvalue())
            st.success(f"Added {md(essay_id)}. Rebuild the index to search it.")
        except EssayKBError as exc:
            st.error(md(str(exc)))


def library_page() -> None:
    kb = current_kb()
    st.header("Library")
    try:
        cards = kb.library()
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    st.caption(f"{len(cards)} essays in `{kb.config.corpus}`")
    essay_table(cards)
    upload_form(kb)
    if cards:
        titles = {f"{c.essay.title} ({c.essay.id})": c for c in cards}
        chosen = st.selectbox("Open an essay", list(titles))
        if chosen:
            essay_structure(kb, titles[chosen])


library_page()
