"""essay-kb in the browser: `streamlit run app.py`. UI only; everything else is a KnowledgeBase method."""

from __future__ import annotations

import html

import streamlit as st

from essay_kb import Config, EssayKBError, Hit, KnowledgeBase, load_config
from essay_kb.embedder import Embedder
from essay_kb.highlight import marked_pieces
from essay_kb.search import MODES

EXAMPLE_QUESTION = "如何提升基层党员干部的素质？"


@st.cache_resource(show_spinner="Loading the embedding model…")
def load_embedder(model: str, batch_size: int) -> Embedder:
    return Embedder(model, batch_size=batch_size)


@st.cache_resource
def open_knowledge_base(config: Config) -> KnowledgeBase:
    # One per configuration; it notices a newly published index generation by itself.
    return KnowledgeBase(config, load_embedder(config.model, config.batch_size))


def build_with_progress(kb: KnowledgeBase) -> None:
    bar = st.progress(0.0, text="Building the index…")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Embedding passages: {done}/{total}")

    report = kb.build(progress)
    bar.empty()
    st.success(f"Indexed {report.essays} essays, {report.chunks} passages in {report.seconds:.1f} s.")
    for problem in report.problems:
        st.warning(f"Skipped: {problem}")


def passage_html(hit: Hit) -> str:
    """The passage as HTML built from escaped pieces: the best sentence in <mark>, matched terms in <b>."""
    text, h = hit.chunk.text, hit.highlight
    if h is None:
        return html.escape(text)
    parts, open_mark = [], False
    for piece, in_sentence, is_term in marked_pieces(text, h):
        if in_sentence != open_mark:
            parts.append("<mark>" if in_sentence else "</mark>")
            open_mark = in_sentence
        escaped = html.escape(piece)
        parts.append(f"<b>{escaped}</b>" if is_term else escaped)
    return "".join(parts) + ("</mark>" if open_mark else "")


def render_hit(hit: Hit) -> None:
    with st.container(border=True):
        st.markdown(f"**{hit.rank}.** {html.escape(hit.citation)}")
        st.caption(f"{hit.chunk.kind} · score {hit.score:.3f}")
        # Essay text is escaped, never rendered as markup.
        st.markdown(f"<div class='passage'>{passage_html(hit)}</div>", unsafe_allow_html=True)
        for place in hit.duplicates:
            st.caption(f"Also in: {place.title} › {place.section}")
        with st.expander("Why this passage"):
            st.markdown(explain(hit))


def explain(hit: Hit) -> str:
    rows = ["| part | score | rank |", "|---|---|---|"]
    if hit.dense_score is not None:
        rows.append(f"| dense (cosine) | {hit.dense_score:.3f} | {hit.dense_rank or '—'} |")
    if hit.lexical_score is not None:
        rows.append(f"| BM25 | {hit.lexical_score:.2f} | {hit.lexical_rank or '—'} |")
    rows.append(f"| fused | {hit.score:.3f} | {hit.rank} |")
    terms = "、".join(hit.matched_phrases) or "none"
    return "\n".join(rows) + f"\n\nMatched terms: {html.escape(terms)}"


def main() -> None:
    st.set_page_config(page_title="essay-kb", page_icon="📚", layout="wide")
    st.title("essay-kb")
    config = load_config()
    kb = open_knowledge_base(config)
    try:
        status = kb.status()
    except EssayKBError as exc:
        st.error(str(exc))
        st.info(f"Put .txt, .md or .html essays into `{config.corpus}/`, then reload this page.")
        return
    if not status.unchanged and not status.new and not status.changed:
        st.info(f"The corpus `{config.corpus}/` holds no readable essay yet. Put .txt, .md or .html essays "
                "into it (UTF-8 or GBK), or run `kb add FILE...`, then reload this page.")
        return
    if not kb.has_index():
        build_with_progress(kb)
    elif not status.up_to_date:
        st.info(f"The corpus changed since the last build: {len(status.new)} new, {len(status.changed)} "
                f"changed, {len(status.removed)} removed essay(s).")
        if st.button("Rebuild the index"):
            build_with_progress(kb)
    with st.sidebar:
        k = st.slider("Passages", 1, 20, config.top_k)
        mode = st.radio("Retrieval", MODES, horizontal=True, help="hybrid fuses meaning (dense) and words (BM25)")
    question = st.text_input("Ask a question about the essays", placeholder=EXAMPLE_QUESTION)
    if not question:
        st.caption(f"Try: {EXAMPLE_QUESTION}")
        return
    try:
        hits = kb.ask(question, k, mode=mode)
    except EssayKBError as exc:
        st.error(str(exc))
        if st.button("Rebuild the index", key="rebuild-after-error"):
            build_with_progress(kb)
        return
    for hit in hits:
        render_hit(hit)


main()
