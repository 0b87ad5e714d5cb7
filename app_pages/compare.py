"""Compare: two essays (or a pasted text) side by side: overlap, an alignment heatmap, the diff of a pair,
related essays and shared references."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages.shared import current_kb, escaped_block, html_text, md
from essay_kb import EssayKBError, KnowledgeBase
from essay_kb.kb import Comparison

PASTE = "(paste a text)"


def diff_html(comparison: Comparison, a: str, b: str) -> str:
    """A character diff from escaped pieces: deletions struck through, insertions underlined."""
    tags = {"equal": "{}", "delete": "<del style='color:#b00'>{}</del>", "insert": "<ins style='color:#070'>{}</ins>"}
    return "".join(tags[p.op].format(html_text(p.text)) for p in comparison.diff(a, b))


def heatmap(comparison: Comparison) -> alt.Chart:
    matrix = comparison.similarity()
    pa, pb = comparison.a_paragraphs, comparison.b_paragraphs
    labels = {(p.a.ordinal, p.b.ordinal): p.label for p in comparison.a_to_b if p.b is not None}
    rows = [{"A": f"A{n + 1}", "B": f"B{m + 1}", "cosine": float(matrix[n, m]),
             "label": labels.get((x.ordinal, y.ordinal), ""), "a_text": x.text[:60], "b_text": y.text[:60]}
            for n, x in enumerate(pa) for m, y in enumerate(pb)]
    pick = alt.selection_point(name="cell", fields=["A", "B"])
    return alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        x=alt.X("B:O", sort=None, title="B paragraphs"), y=alt.Y("A:O", sort=None, title="A paragraphs"),
        color=alt.Color("cosine:Q", scale=alt.Scale(scheme="blues")),
        tooltip=["A:N", "B:N", alt.Tooltip("cosine:Q", format=".3f"), "label:N", "a_text:N", "b_text:N"],
    ).add_params(pick).properties(height=40 + 34 * len(pa))


def show_pair(comparison: Comparison, a_name: str, b_name: str) -> None:
    left = comparison.a_paragraphs[int(a_name[1:]) - 1]
    right = comparison.b_paragraphs[int(b_name[1:]) - 1]
    cols = st.columns(2)
    with cols[0]:
        st.caption(f"{a_name} · {md(left.section_path) or '(front matter)'}")
        escaped_block(left.text)
    with cols[1]:
        st.caption(f"{b_name} · {md(right.section_path) or '(front matter)'}")
        escaped_block(right.text)
    st.markdown("**Character diff (A → B)**")
    st.markdown(f"<div class='passage'>{diff_html(comparison, left.text, right.text)}</div>", unsafe_allow_html=True)


def choose(kb: KnowledgeBase) -> tuple[str | None, str | None, str]:
    # Longest essay first, and as B the essay most related to A: a first view that shows something.
    essays = {title: essay_id for essay_id, title, _ in kb.indexed_essays()}
    titles = list(essays)
    cols = st.columns(2)
    a = cols[0].selectbox("Essay A", [PASTE, *titles], index=1 if titles else 0)
    nearest = [r.title or r.essay_id for r in kb.related(essays[a], 3)] if a in essays and len(titles) > 1 else []
    others = [*[t for t in nearest if t in essays], *[t for t in titles if t not in nearest and t != a]]
    b = cols[1].selectbox("Essay B", others or titles, index=0 if others or titles else None)
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
    cols = st.columns(4)
    cols[0].metric("A's text also in B", f"{comparison.overlap_a:.0%}",
                   help="Characters of A's body text in runs of 30 or more characters that B also holds.")
    cols[1].metric("B's text also in A", f"{comparison.overlap_b:.0%}")
    cols[2].metric("A reworded from B", f"{comparison.reworded_a:.0%}",
                   help="A's body text in paragraphs that say what a paragraph of B says, in other words.")
    cols[3].metric("Shared references", len(comparison.shared_references))
    st.caption("A's paragraphs: " + " · ".join(f"{n} {label}" for label, n in data["labels"].items()))
    event = st.altair_chart(heatmap(comparison), width="stretch", on_select="rerun", key="heatmap")
    picked = (event.selection.get("cell") or [{}])[0] if event and event.selection else {}
    if picked.get("A") and picked.get("B"):
        show_pair(comparison, picked["A"], picked["B"])
    else:
        st.caption("Click a cell of the heatmap to see the two paragraphs side by side with their diff.")
    st.subheader("Aligned paragraphs")
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe([{"Label": p.label, "A": p.a.text[:40], "Closest in B": p.b.text[:40] if p.b else "—",
                   "Characters alike": p.chars, "Meaning (cosine)": p.cosine} for p in comparison.a_to_b],
                 column_config={"Characters alike": percent,
                                "Meaning (cosine)": st.column_config.NumberColumn(format="%.3f")},
                 hide_index=True)
    if comparison.shared:
        st.subheader("Text both hold")
        st.dataframe([{"Text": s.text, "In A": s.a.section_path or s.a.kind, "In B": s.b.section_path or s.b.kind}
                      for s in comparison.shared], hide_index=True)
    if comparison.shared_references:
        st.subheader("Shared references")
        st.dataframe([{"In A": ra.raw, "In B": rb.raw} for ra, rb in comparison.shared_references], hide_index=True)
    if a_id:
        related_essays(kb, a_id)


def related_essays(kb: KnowledgeBase, essay_id: str) -> None:
    st.subheader("Related essays")
    ranked = kb.related(essay_id)
    if not ranked:
        st.info("No other indexed essay has body text to compare with.")
        return
    st.caption("Closeness: how much nearer A's paragraphs come to the essay than to a typical essay of the corpus "
               "(0 typical, 2 or more close). Close paragraphs: A's text with a close match there. Shared text: "
               "A's text in runs of 30 or more characters both essays hold.")
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe([{"Essay": r.title or r.essay_id, "Closeness": r.score, "Close paragraphs": r.close_share,
                   "Shared text": r.shared_text, "Shared keywords": "、".join(r.shared_keywords),
                   "Shared references": r.shared_references} for r in ranked],
                 column_config={"Closeness": st.column_config.NumberColumn(format="%.1f"),
                                "Close paragraphs": percent, "Shared text": percent},
                 hide_index=True)


compare_page()
