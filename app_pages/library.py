"""Library: every essay with its metadata and structure, and uploads of new essays.

An essay opens from a link too: `library?essay=<essay id>` (the corpus map, the Ask page's citations) selects the
essay; `&p=<paragraph>` (and `&s=<section path>`, since paragraph numbers restart in every section) scrolls to
that paragraph and marks it.
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from app_pages.corpus_map import corpus_map_section
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
    # Five columns, 780 px in all: at 1280 px the wide layout leaves 818 px beside the sidebar (measured in
    # Chromium), so the status column shows without scrolling. File, source and keywords are in the opened
    # essay's details below.
    rows = [{"title": c.essay.title, "author": c.essay.meta.author or "", "type": file_type(c.essay.id),
             "passages": c.passages, "status": t(f"library.status.{c.state}")} for c in cards]
    column = st.column_config
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "title": column.TextColumn(t("library.col.title"), width=340),
        "author": column.TextColumn(t("library.col.author"), width=100),
        "type": column.TextColumn(t("library.col.type"), width=100),
        "passages": column.NumberColumn(t("library.col.passages"), width=80, help=t("library.col.passages_help")),
        "status": column.TextColumn(t("library.col.status"), width=160),
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
        for line, reason in report.essay.dropped:
            st.markdown(f"<div>{html_text(line)} <small style='opacity:0.6'>← {html_text(reason_name(reason))}</small>"
                        "</div>", unsafe_allow_html=True)


def reason_name(reason: str) -> str:
    """Why the reader dropped a line, in the reader's language; a rule named since, as `kb show` prints it."""
    key = f"library.reason.{reason.replace(' ', '_')}"
    return t(f"library.reason.{reason.replace(' ', '_')}") if key in MESSAGES else reason


def passage_caption(chunk: Chunk) -> str:
    parts = [kind_name(chunk.kind)]
    if chunk.paragraph:
        parts.append(t("library.paragraph", n=number(chunk.paragraph)))
    if chunk.page:
        parts.append(t("library.page", n=number(chunk.page)))
    return " · ".join(parts)


def cited_passages(chunks: list[Chunk], paragraph: int | None, section: str | None) -> set[int]:
    """The ordinals of the passages a link names: paragraph numbers restart in every section, so the link's
    section (`s`, a Chunk.section_path) picks one; without it, the first section that has that paragraph."""
    if not paragraph:
        return set()
    matching = [c for c in chunks if c.paragraph == paragraph and c.kind != "heading"]
    in_section = [c for c in matching if c.section_path == section] if section is not None else []
    if not in_section and matching:
        in_section = [c for c in matching if c.section == matching[0].section]
    return {c.ordinal for c in in_section}


def essay_structure(kb: KnowledgeBase, card: EssayCard, paragraph: int | None, section: str | None) -> None:
    """The essay's passages under their section headings, each anchored `passage-<ordinal>`; the passages of
    the paragraph a link names are marked and scrolled into view."""
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
    chunks = kb.essay_chunks(card.essay.id)
    cited = cited_passages(chunks, paragraph, section)
    current: tuple[str, ...] | None = None
    for chunk in chunks:
        if chunk.section != current:
            current = chunk.section
            # A <div> makes it an HTML block, whose text Markdown leaves alone (a bare <b> line is a paragraph).
            heading = html_text(" › ".join(current)) if current else html_text(t("library.front_matter"))
            st.markdown(f"<div><b>{heading}</b></div>", unsafe_allow_html=True)
        if chunk.kind == "heading":
            continue
        st.caption(passage_caption(chunk))
        marked = f" cited' style='{CITED_STYLE}" if chunk.ordinal in cited else ""
        st.markdown(f"<div class='passage{marked}' id='passage-{chunk.ordinal}'>{html_text(chunk.text)}</div>",
                    unsafe_allow_html=True)
    if cited:
        scroll_to(f"passage-{min(cited)}")


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


def uploader_words(mb: str) -> None:
    """The uploader's button and limits in the reader's language.

    Streamlit draws them in English whatever the page's language and has no option to change them; this
    stylesheet hides its words and shows ours (CSS generated text) in their place.
    """
    button = json.dumps(t("library.upload_button"), ensure_ascii=False)
    limits = json.dumps(t("library.upload_limits", mb=mb), ensure_ascii=False)
    st.html(f"""<style>
[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p {{ display: none; }}
[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer]::after {{ content: {button}; }}
[data-testid=stFileUploaderDropzoneInstructions] span {{ display: none; }}
[data-testid=stFileUploaderDropzoneInstructions] > div::after {{ content: {limits}; font-size: .85rem; }}
</style>""")


def upload_form(kb: KnowledgeBase) -> None:
    generation = st.session_state.get(UPLOADS_KEY, 0)
    limit = kb.config.max_file_mb
    mb = number(limit, 0 if limit == int(limit) else 1)
    uploader_words(mb)  # before the uploader: its English words are hidden from the moment it is drawn
    files = st.file_uploader(t("library.upload"), type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
                             accept_multiple_files=True, help=t("library.upload_help", mb=mb),
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


def linked_paragraph() -> tuple[int | None, str | None]:
    """The paragraph a link names: `p` (its number, as citations give it) and optionally `s` (its section)."""
    value = st.query_params.get("p", "")
    return (int(value) if value.isdigit() and int(value) > 0 else None), st.query_params.get("s")


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
        for name in ("p", "s"):  # the paragraph belonged to the essay the link opened
            st.query_params.pop(name, None)

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
    corpus_map_section(kb)  # a click on an essay sets st.query_params["essay"]: choose_essay below opens it
    if cards:
        card = choose_essay(cards)
        if card:
            linked = st.query_params.get("essay") == card.essay.id
            essay_structure(kb, card, *(linked_paragraph() if linked else (None, None)))


library_page()
