"""Compare: two essays (or a pasted text) side by side: overlap, an alignment heatmap, the diff of a pair,
related essays and shared references."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages.shared import current_kb, escaped_block, html_text, md
from essay_kb.compare import alignable, char_diff, char_similarity, similarity_matrix
from essay_kb.errors import EssayKBError
from essay_kb.kb import Comparison, KnowledgeBase

PASTE = "(paste a text)"


def diff_html(a: str, b: str) -> str:
    """A character diff from escaped pieces: deletions struck through, insertions underlined."""
    tags = {"equal": "{}", "delete": "<del style='color:#b00'>{}</del>", "insert": "<ins style='color:#070'>{}</ins>"}
    return "".join(tags[p.op].format(html_text(p.text)) for p in char_diff(a, b))


def heatmap(comparison: Comparison) -> alt.Chart:
    a, b = comparison.a, comparison.b
    matrix = similarity_matrix(a.chunks, a.vectors, b.chunks, b.vectors)
    ia, ib = alignable(a.chunks), alignable(b.chunks)
    labels = {(p.a.ordinal, p.b.ordinal): p.label for p in comparison.a_to_b if p.b is not None}
    rows = [{"A": f"A{n + 1}", "B": f"B{m + 1}", "cosine": float(matrix[n, m]),
             "label": labels.get((a.chunks[i].ordinal, b.chunks[j].ordinal), ""),
             "a_text": a.chunks[i].text[:60], "b_text": b.chunks[j].text[:60]}
            for n, i in enumerate(ia) for m, j in enumerate(ib)]
    pick = alt.selection_point(name="cell", fields=["A", "B"])
    return alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        x=alt.X("B:O", sort=None, title="B paragraphs"), y=alt.Y("A:O", sort=None, title="A paragraphs"),
        color=alt.Color("cosine:Q", scale=alt.Scale(scheme="blues")),
        tooltip=["A:N", "B:N", alt.Tooltip("cosine:Q", format=".3f"), "label:N", "a_text:N", "b_text:N"],
    ).add_params(pick).properties(height=40 + 34 * len(ia))


def show_pair(comparison: Comparison, a_name: str, b_name: str) -> None:
    a, b = comparison.a, comparison.b
    ia, ib = alignable(a.chunks), alignable(b.chunks)
    left, right = a.chunks[ia[int(a_name[1:]) - 1]], b.chunks[ib[int(b_name[1:]) - 1]]
    cols = st.columns(2)
    with cols[0]:
        st.caption(f"{a_name} · {md(left.section_path) or '(front matter)'}")
        escaped_block(left.text)
    with cols[1]:
        st.caption(f"{b_name} · {md(right.section_path) or '(front matter)'}")
        escaped_block(right.text)
    st.markdown("**Character diff (A → B)**")
    st.markdown(f"<div class='passage'>{diff_html(left.text, right.text)}</div>", unsafe_allow_html=True)


def choose(kb: KnowledgeBase) -> tuple[str | None, str | None, str]:
    # Longest essay first, and as B the essay whose title is closest to A's: a first view that shows something.
    index = kb.index()
    titles_by_id = index.chunks.titles()
    entries = sorted(index.manifest.essays, key=lambda e: (-e.chunks, e.id))  # no corpus scan per rerun
    essays = {titles_by_id[e.id] or e.id: e.id for e in entries}
    titles = list(essays)
    cols = st.columns(2)
    a = cols[0].selectbox("Essay A", [PASTE, *titles], index=1 if titles else 0)
    others = sorted(titles, key=lambda t: -char_similarity(t, a) if t != a else 1.0)
    b = cols[1].selectbox("Essay B", others, index=0 if others else None)
    pasted = st.text_area("Text to compare (paste an essay)") if a == PASTE else ""
    return (essays.get(a) if a != PASTE else None), (essays.get(b) if b else None), pasted


def compare_page() -> None:
    kb = current_kb()
    st.header("Compare essays")
    a_id, b_id, pasted = choose(kb)
    if b_id is None or (a_id is None and not pasted.strip()):
        st.info("Choose two essays, or paste a text and choose the essay to compare it with.")
        return
    try:
        comparison = kb.compare_views(kb.essay_view(a_id) if a_id else kb.text_view(pasted), kb.essay_view(b_id))
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    data = comparison.as_dict()
    cols = st.columns(3)
    cols[0].metric("A found in B", f"{comparison.overlap_a:.0%}")
    cols[1].metric("B found in A", f"{comparison.overlap_b:.0%}")
    cols[2].metric("Shared references", len(comparison.shared_references))
    st.caption(" · ".join(f"{n} {label}" for label, n in data["labels"].items()))
    event = st.altair_chart(heatmap(comparison), width="stretch", on_select="rerun", key="heatmap")
    picked = (event.selection.get("cell") or [{}])[0] if event and event.selection else {}
    if picked.get("A") and picked.get("B"):
        show_pair(comparison, picked["A"], picked["B"])
    else:
        st.caption("Click a cell of the heatmap to see the two paragraphs side by side with their diff.")
    st.subheader("Aligned paragraphs")
    st.dataframe([{"label": p["label"], "chars": p["chars"], "cosine": p["cosine"], "A": p["a"]["text"][:40],
                   "B": p["b"]["text"][:40] if p["b"] else ""} for p in data["pairs"]], hide_index=True)
    if comparison.shared_references:
        st.subheader("Shared references")
        for ra, rb in comparison.shared_references:
            escaped_block(f"{ra.raw}  ⟷  {rb.raw}")
    if a_id:
        st.subheader("Related essays")
        st.dataframe([r.as_dict() for r in kb.related(a_id)], hide_index=True)


compare_page()
