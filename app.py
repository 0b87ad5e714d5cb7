"""essay-kb in the browser: `streamlit run app.py`. UI only; everything else is a KnowledgeBase method."""

from __future__ import annotations

import html

import streamlit as st

from essay_kb import Config, EssayKBError, Hit, KnowledgeBase, load_config
from essay_kb.embedder import Embedder

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


def render_hit(hit: Hit) -> None:
    with st.container(border=True):
        st.markdown(f"**{hit.rank}.** {html.escape(hit.citation)}")
        st.caption(f"{hit.chunk.kind} · score {hit.score:.3f}")
        # Essay text is escaped, never rendered as markup.
        st.markdown(f"<div class='passage'>{html.escape(hit.chunk.text)}</div>", unsafe_allow_html=True)


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
    question = st.text_input("Ask a question about the essays", placeholder=EXAMPLE_QUESTION)
    if not question:
        st.caption(f"Try: {EXAMPLE_QUESTION}")
        return
    try:
        hits = kb.ask(question, k)
    except EssayKBError as exc:
        st.error(str(exc))
        if st.button("Rebuild the index", key="rebuild-after-error"):
            build_with_progress(kb)
        return
    for hit in hits:
        render_hit(hit)


main()
