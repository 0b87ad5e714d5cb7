"""Ask: a question box (Enter asks), options and filters in the sidebar, and the passages that answer, explained,
each citation a link that opens its essay at that paragraph in the Library."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import kind_name, number, percent, t
from app_pages.shared import current_kb, escaped_block, md, passage_html
from essay_kb.chunker import CHUNK_KINDS, Chunk
from essay_kb.confidence import answered, answers_well
from essay_kb.errors import EssayKBError
from essay_kb.kb import KnowledgeBase
from essay_kb.search import MODES, STRUCTURE_KINDS, Hit, SearchFilter

EXAMPLES = ("如何提升基层党员干部的素质？", "新常态下党组织作风建设要注意什么？", "文章引用了哪些关于高校党建的文献？")
RECENT = "recent_questions"
LIBRARY = "app_pages/library.py"
# Above this calibrated probability a passage is said to answer "likely"; between confidence.THRESHOLD and it,
# "may answer"; below the threshold (the one that flags a question unanswered), "unlikely".
LIKELY = 0.5


def score_label(hit: Hit) -> str:
    """What Hit.shown_score says (confidence, else cosine for an unjudged question, else BM25), in the reader's
    language and number style: shown_score is the CLI's English "confidence 0.123"."""
    if hit.confidence is not None:
        return t("ask.score.confidence", value=percent(hit.confidence, 1))
    if hit.lexical_score is None or (hit.dense_score is not None and not hit.lexical_score):
        return t("ask.score.cosine", value=number(hit.dense_score or 0.0, 3))
    return t("ask.score.bm25", value=number(hit.lexical_score or 0.0, 2))


def verdict(confidence: float | None) -> str | None:
    """The confidence in words, so a reader need not know what 0.4% means; None when it was not judged."""
    if confidence is None:
        return None
    if confidence >= LIKELY:
        return t("ask.verdict.likely")
    return t("ask.verdict.maybe") if answers_well(confidence) else t("ask.verdict.unlikely")


def explain(hit: Hit) -> str:
    rows = [f"| {t('ask.explain.part')} | {t('ask.explain.score')} | {t('ask.explain.rank')} |", "|---|---|---|"]
    if hit.dense_score is not None:
        rows.append(f"| {t('ask.explain.dense')} | {number(hit.dense_score, 3)} | {hit.dense_rank or '—'} |")
    if hit.lexical_score is not None:
        rows.append(f"| BM25 | {number(hit.lexical_score, 2)} | {hit.lexical_rank or '—'} |")
    rows.append(f"| {t('ask.explain.fused')} | {number(hit.score, 3)} | {hit.rank} |")
    if hit.confidence is not None:
        rows.append(f"| {t('ask.explain.confidence')} | {percent(hit.confidence, 1)} | |")
    terms = "、".join(md(p) for p in hit.matched_phrases) or t("ask.explain.no_terms")
    return "\n".join(rows) + "\n\n" + t("ask.explain.terms", terms=terms)


def place_label(title: str, section: tuple[str, ...], paragraph: int, page: int = 0) -> str:
    """title › section › ¶n (, p. 3): Hit.citation in the reader's language, escaped for a Markdown label."""
    parts = [md(title), *(md(s) for s in section)]
    if paragraph:
        parts.append(t("ask.paragraph", n=paragraph))
    return " › ".join(parts) + (t("ask.page", n=page) if page else "")


def library_link(essay_id: str, section: str, paragraph: int, label: str) -> None:
    """A link to the Library page, `library?essay=<id>&s=<section path>&p=<paragraph>` (paragraph numbers restart
    in every section, so the section names which ¶n): Streamlit URL-quotes the parameters
    (urllib.parse.urlencode) and keeps the session (no page reload). The label must already be escaped."""
    st.page_link(LIBRARY, label=label, icon=":material/menu_book:", help=t("ask.open_in_library"),
                 query_params={"essay": essay_id, "s": section, "p": str(paragraph)})


def render_hit(hit: Hit) -> None:
    chunk: Chunk = hit.chunk
    with st.container(border=True, key=f"hit-{hit.rank}"):
        library_link(chunk.essay_id, chunk.section_path, chunk.paragraph,
                     f"**{hit.rank}.** " + place_label(hit.title, chunk.section, chunk.paragraph, chunk.page))
        st.caption(" · ".join(x for x in (kind_name(chunk.kind), verdict(hit.confidence), score_label(hit)) if x))
        st.markdown(f"<div class='passage'>{passage_html(hit)}</div>", unsafe_allow_html=True)
        if hit.duplicates:
            st.caption(t("ask.also_in"))
        for place in hit.duplicates:
            library_link(place.essay_id, place.section, place.paragraph,
                         place_label(place.title, tuple(filter(None, [place.section])), place.paragraph))
        with st.expander(t("ask.why")):
            st.markdown(explain(hit))
        if hit.before or hit.after:
            with st.expander(t("ask.context")):
                for before in hit.before:
                    escaped_block(before.text, "context")
                st.markdown(f"*{t('ask.this_passage')}*")
                for after in hit.after:
                    escaped_block(after.text, "context")


def remember(question: str) -> None:
    recent = [q for q in st.session_state.get(RECENT, []) if q != question]
    st.session_state[RECENT] = [question, *recent][:10]


def question_buttons(caption: str, questions: list[str] | tuple[str, ...], prefix: str) -> None:
    """One caption over its questions; a click puts the question into the box, which asks it."""
    if not questions:
        return
    st.caption(caption)
    for question in questions:
        st.button(md(question), key=f"{prefix}-{question}", on_click=st.session_state.__setitem__,
                  args=("question", question))


def options(kb: KnowledgeBase) -> tuple[int, str, SearchFilter]:
    """The sidebar's options and filters: they stay out of the main area, which begins with the answers."""
    with st.sidebar:
        k = st.slider(t("ask.passages"), 1, max(20, kb.config.top_k), kb.config.top_k)
        mode = st.radio(t("ask.mode"), MODES, horizontal=True, help=t("ask.mode_help"),
                        format_func=lambda m: t(f"ask.mode.{m}"))
        # The searchable essays are the index's: read once per generation, not a corpus scan per question.
        titles = sorted(kb.index().chunks.titles().items())
        essays = {title or essay_id: essay_id for essay_id, title in titles}
        chosen = st.multiselect(t("ask.essays"), list(essays), placeholder=t("ask.all_essays"))
        kinds = st.multiselect(t("ask.kinds"), [k for k in CHUNK_KINDS if k not in STRUCTURE_KINDS],
                               placeholder=t("ask.all_kinds"), format_func=kind_name)
    return k, mode, SearchFilter(essays=tuple(essays[c] for c in chosen), kinds=tuple(kinds))


def ask_page() -> None:
    kb = current_kb()
    k, mode, flt = options(kb)
    question = st.text_input(t("ask.question"), key="question", placeholder=EXAMPLES[0])
    if not question.strip():
        question_buttons(t("ask.examples"), EXAMPLES, "example")
        question_buttons(t("ask.recent"), st.session_state.get(RECENT, []), "recent")
        return
    try:
        hits = kb.ask(question, k, mode=mode, flt=flt, context=1)
    except EssayKBError as exc:
        st.error(md(str(exc)))  # the library's words (English), as the CLI prints them
        return
    remember(question)
    if not hits:
        st.info(t("ask.no_match"))
    elif answered([h.confidence for h in hits]) is False:
        st.warning(t("ask.no_good_answer"), icon=":material/warning:")
    for hit in hits:
        render_hit(hit)


ask_page()
