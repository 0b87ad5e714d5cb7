"""Ask: a question box, options and filters, and the passages that answer, explained."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import current_kb, escaped_block, md, passage_html
from essay_kb.chunker import CHUNK_KINDS
from essay_kb.confidence import NO_GOOD_ANSWER, answered
from essay_kb.errors import EssayKBError
from essay_kb.search import MODES, STRUCTURE_KINDS, Hit, SearchFilter

EXAMPLES = ("如何提升基层党员干部的素质？", "新常态下党组织作风建设要注意什么？", "文章引用了哪些关于高校党建的文献？")
RECENT = "recent_questions"


def explain(hit: Hit) -> str:
    rows = ["| part | score | rank |", "|---|---|---|"]
    if hit.dense_score is not None:
        rows.append(f"| dense (cosine) | {hit.dense_score:.3f} | {hit.dense_rank or '—'} |")
    if hit.lexical_score is not None:
        rows.append(f"| BM25 | {hit.lexical_score:.2f} | {hit.lexical_rank or '—'} |")
    rows.append(f"| fused | {hit.score:.3f} | {hit.rank} |")
    if hit.confidence is not None:
        rows.append(f"| confidence (calibrated) | {hit.confidence:.3f} | |")
    terms = "、".join(hit.matched_phrases) or "none"
    return "\n".join(rows) + f"\n\nMatched words: {md(terms)}"


def render_hit(hit: Hit) -> None:
    with st.container(border=True):
        st.markdown(f"**{hit.rank}.** {md(hit.citation)}")
        st.caption(f"{hit.chunk.kind} · {hit.shown_score}")
        st.markdown(f"<div class='passage'>{passage_html(hit)}</div>", unsafe_allow_html=True)
        for place in hit.duplicates:
            st.caption(f"Also in: {md(place.title)} › {md(place.section)}")
        with st.expander("Why this passage"):
            st.markdown(explain(hit))
        if hit.before or hit.after:
            with st.expander("Surrounding paragraphs"):
                for chunk in hit.before:
                    escaped_block(chunk.text, "context")
                st.markdown("*— this passage —*")
                for chunk in hit.after:
                    escaped_block(chunk.text, "context")


def remember(question: str) -> None:
    recent = [q for q in st.session_state.get(RECENT, []) if q != question]
    st.session_state[RECENT] = [question, *recent][:10]


def ask_page() -> None:
    kb = current_kb()
    st.header("Ask")
    with st.sidebar:
        k = st.slider("Passages", 1, max(20, kb.config.top_k), kb.config.top_k)
        mode = st.radio("Retrieval", MODES, horizontal=True, help="hybrid fuses meaning (dense) and words (BM25)")
        # The searchable essays are the index's: read once per generation, not a corpus scan per question.
        essays = {title or essay_id: essay_id for essay_id, title in sorted(kb.index().chunks.titles().items())}
        chosen = st.multiselect("Essays", list(essays), placeholder="all essays")
        kinds = st.multiselect("Passage types", [k for k in CHUNK_KINDS if k not in STRUCTURE_KINDS],
                               placeholder="all passage types")
    question = st.text_input("Ask a question about the essays", key="question", placeholder=EXAMPLES[0])
    if not question.strip():
        st.caption("Examples — click one:")
        for example in EXAMPLES:
            st.button(example, key=f"example-{example}", on_click=st.session_state.__setitem__,
                      args=("question", example))
        for recent in st.session_state.get(RECENT, []):
            st.button(f"↻ {md(recent)}", key=f"recent-{recent}", on_click=st.session_state.__setitem__,
                      args=("question", recent))
        return
    flt = SearchFilter(essays=tuple(essays[c] for c in chosen), kinds=tuple(kinds))
    try:
        hits = kb.ask(question, k, mode=mode, flt=flt, context=1)
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    remember(question)
    if not hits:
        st.info("No passage matches. Try other words, another retrieval mode, or fewer filters.")
    elif answered([h.confidence for h in hits]) is False:
        st.warning(NO_GOOD_ANSWER)
    for hit in hits:
        render_hit(hit)


ask_page()
