"""Library: every essay with its metadata and structure, and uploads of new essays.

An essay opens from a link too: `library?essay=<essay id>&p=<paragraph>` (the Ask page's citations, the corpus
map) selects the essay and scrolls to that paragraph, marked.
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from app_pages.i18n import MESSAGES, kind_name, number, t
from app_pages.shared import current_kb, escaped_block, html_text, md
from essay_kb.chunker import Chunk
from essay_kb.errors import EssayKBError
from essay_kb.ingest import SUPPORTED_SUFFIXES
from essay_kb.kb import EssayCard, KnowledgeBase
from essay_kb.report import FIELD_LABELS

FILE_TYPES = {".txt": "text", ".md": "markdown", ".html": "web", ".htm": "web", ".pdf": "pdf", ".docx": "word"}
ESSAY_KEY = "library-essay"  # the selectbox's state: an essay id
NOTICES_KEY = "library-notices"  # what the last upload said, kept across the rerun that shows the new essay
UPLOADS_KEY = "library-uploader"  # a new key empties the uploader once its files are in the corpus
# The paragraph a link asks for: marked by a bar and a tint (inline, so the page needs no stylesheet of its own).
CITED_STYLE = "border-left:4px solid #e0a800;background:#fff8d6;padding-left:.6em"


def file_type(essay_id: str) -> str:
    suffix = "." + essay_id.rsplit(".", 1)[-1].lower() if "." in essay_id else ""
    name = FILE_TYPES.get(suffix)
    return t(f"library.filetype.{name}") if name else suffix.lstrip(".")


def essay_table(cards: list[EssayCard]) -> None:
    # Five narrow columns fit the wide layout beside the sidebar at 1280 px; the file, source and keywords are
    # in the opened essay's details below.
    rows = [{"title": c.essay.title, "author": c.essay.meta.author or "", "type": file_type(c.essay.id),
             "passages": c.passages, "status": t(f"library.status.{c.state}")} for c in cards]
    column = st.column_config
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "title": column.TextColumn(t("library.col.title"), width="large"),
        "author": column.TextColumn(t("library.col.author"), width="small"),
        "type": column.TextColumn(t("library.col.type"), width="small"),
        "passages": column.NumberColumn(t("library.col.passages"), width="small",
                                        help=t("library.col.passages_help")),
        "status": column.TextColumn(t("library.col.status"), width="medium"),
    })


def essay_details(card: EssayCard) -> None:
    """The detail the table leaves out: file, type, source, author, keywords, web address."""
    meta = card.essay.meta
    parts = [(t("library.detail.file"), card.essay.id), (t("library.detail.type"), file_type(card.essay.id)),
             (t("library.detail.source"), meta.source), (t("library.detail.author"), meta.author),
             (t("library.detail.keywords"), "；".join(meta.keywords)), (t("library.detail.url"), meta.url)]
    st.caption(" · ".join(f"{label} {md(value)}" for label, value in parts if value))


def field_label(key: str) -> str:
    """A metadata field's name in the reader's language ("doi" is DOI in both; an unknown key as it is)."""
    return t(f"library.field.{key}") if f"library.field.{key}" in MESSAGES else FIELD_LABELS.get(key, key)


def how_it_was_read(kb: KnowledgeBase, card: EssayCard) -> None:
    """The metadata fields and the lines dropped as chrome, with the reason: what `kb show` prints."""
    try:
        report = kb.essay_report(card.essay.id)
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    with st.expander(t("library.how_read")):
        st.caption(t(f"library.report_state.{report.state}"))
        for key, _, value in report.fields():
            st.markdown(f"<div><b>{html_text(field_label(key))}</b> {html_text(value)}</div>",
                        unsafe_allow_html=True)
        st.markdown(t("library.dropped", count=number(len(report.essay.dropped))))
        for line, reason in report.essay.dropped:  # the reason is the rule's name, as `kb show` prints it
            st.markdown(f"<div>{html_text(line)} <small style='opacity:0.6'>← {html_text(reason)}</small></div>",
                        unsafe_allow_html=True)


def passage_caption(chunk: Chunk) -> str:
    parts = [kind_name(chunk.kind)]
    if chunk.paragraph:
        parts.append(t("library.paragraph", n=number(chunk.paragraph)))
    if chunk.page:
        parts.append(t("library.page", n=number(chunk.page)))
    return " · ".join(parts)


def essay_structure(kb: KnowledgeBase, card: EssayCard, cited: int | None) -> None:
    """The essay's passages under their section headings; each paragraph's first passage is anchored `p-<n>`,
    and the `cited` paragraph's passages are marked."""
    meta = card.essay.meta
    st.subheader(md(card.essay.title))
    essay_details(card)
    how_it_was_read(kb, card)
    if card.state == "new":
        if meta.abstract:
            st.markdown(f"**{t('common.kind.abstract')}**")
            escaped_block(meta.abstract)
        st.info(t("library.not_indexed"))
        return
    section: tuple[str, ...] | None = None
    anchored: set[int] = set()
    for chunk in kb.essay_chunks(card.essay.id):
        if chunk.section != section:
            section = chunk.section
            # A <div> makes it an HTML block, whose text Markdown leaves alone (a bare <b> line is a paragraph).
            heading = html_text(" › ".join(section)) if section else html_text(t("library.front_matter"))
            st.markdown(f"<div><b>{heading}</b></div>", unsafe_allow_html=True)
        if chunk.kind == "heading":
            continue
        st.caption(passage_caption(chunk))
        anchor = f" id='p-{chunk.paragraph}'" if chunk.paragraph and chunk.paragraph not in anchored else ""
        anchored.add(chunk.paragraph or 0)
        style = f" style='{CITED_STYLE}'" if cited and chunk.paragraph == cited else ""
        css = "passage cited" if style else "passage"
        st.markdown(f"<div class='{css}'{anchor}{style}>{html_text(chunk.text)}</div>", unsafe_allow_html=True)
    if cited and cited in anchored:
        scroll_to(f"p-{cited}")


def scroll_to(anchor: str) -> None:
    """Scroll the page to the element `anchor` once it is drawn.

    A component (a same-origin iframe) rather than a URL #fragment: Streamlit draws the page after the browser
    has looked for the fragment, so the script waits for the element (up to 10 s) and scrolls it to the middle.
    """
    components.html(f"""<script>
const id = {json.dumps(anchor)};
let tries = 0;
const timer = setInterval(() => {{
  const el = window.parent.document.getElementById(id);
  if (el) {{ el.scrollIntoView({{block: "center"}}); clearInterval(timer); }}
  if (++tries > 100) clearInterval(timer);
}}, 100);
</script>""", height=0)


def upload_form(kb: KnowledgeBase) -> None:
    generation = st.session_state.get(UPLOADS_KEY, 0)
    limit = kb.config.max_file_mb
    files = st.file_uploader(t("library.upload"), type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
                             accept_multiple_files=True,
                             help=t("library.upload_help", mb=number(limit, 0 if limit == int(limit) else 1)),
                             key=f"{UPLOADS_KEY}-{generation}")
    if not files or not st.button(t("library.add_button")):
        return
    notices: list[tuple[str, str]] = []
    for file in files:
        try:
            essay_id = kb.upload(file.name, file.getvalue())
            notices.append(("success", t("library.added", essay=md(essay_id))))
        except EssayKBError as exc:  # nothing of the file was written
            notices.append(("error", t("library.refused", name=md(file.name), reason=md(str(exc)))))
    if any(kind == "success" for kind, _ in notices):
        # Rerun so the table lists the new essays now; the messages wait in the session for that run.
        st.session_state[NOTICES_KEY] = notices
        st.session_state[UPLOADS_KEY] = generation + 1
        st.rerun()
    show_notices(notices)


def show_notices(notices: list[tuple[str, str]]) -> None:
    for kind, text in notices:
        (st.success if kind == "success" else st.error)(text)


def cited_paragraph() -> int | None:
    value = st.query_params.get("p", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def choose_essay(cards: list[EssayCard]) -> EssayCard | None:
    """The selectbox of essays; a link's `essay` query parameter selects one, and a choice here updates it (so
    the address always names the open essay)."""
    by_id = {c.essay.id: c for c in cards}
    wanted = st.query_params.get("essay")
    if wanted in by_id:
        st.session_state[ESSAY_KEY] = wanted
    elif st.session_state.get(ESSAY_KEY) not in by_id:
        st.session_state.pop(ESSAY_KEY, None)

    def follow() -> None:
        st.query_params["essay"] = st.session_state[ESSAY_KEY]
        st.query_params.pop("p", None)  # the paragraph belonged to the essay the link opened

    chosen = st.selectbox(t("library.open"), list(by_id), key=ESSAY_KEY, on_change=follow,
                          format_func=lambda i: f"{by_id[i].essay.title} ({i})")
    if wanted is not None and wanted not in by_id:
        st.warning(t("library.no_such_essay", essay=md(wanted)))
    return by_id.get(chosen) if chosen else None


def library_page() -> None:
    kb = current_kb()
    st.header(t("library.title"))
    try:
        cards = kb.library()
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    st.caption(t("library.count", count=number(len(cards)), corpus=md(str(kb.config.corpus))))
    show_notices(st.session_state.pop(NOTICES_KEY, []))
    essay_table(cards)
    upload_form(kb)
    # The corpus map goes here: between the upload and the opened essay (a click sets st.query_params["essay"]).
    if cards:
        card = choose_essay(cards)
        if card:
            cited = cited_paragraph() if st.query_params.get("essay") == card.essay.id else None
            essay_structure(kb, card, cited)


library_page()
