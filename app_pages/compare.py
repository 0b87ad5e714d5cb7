"""Compare: two essays (or a pasted text) side by side: overlap, an alignment heatmap, the diff of a pair,
related essays and shared references."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages.i18n import kind_name, number, percent, t
from app_pages.shared import current_kb, escaped_block, html_text, md
from essay_kb import EssayKBError, KnowledgeBase
from essay_kb.chunker import Chunk
from essay_kb.kb import Comparison

PASTE = ""  # the first option of essay A: paste a text instead (no title is empty)


def section_name(chunk: Chunk) -> str:
    return chunk.section_path or t("compare.front_matter")


def diff_html(comparison: Comparison, a: str, b: str) -> str:
    """A character diff from escaped pieces: deletions struck through, insertions underlined."""
    tags = {"equal": "{}", "delete": "<del style='color:#b00'>{}</del>", "insert": "<ins style='color:#070'>{}</ins>"}
    return "".join(tags[p.op].format(html_text(p.text)) for p in comparison.diff(a, b))


def heatmap(comparison: Comparison) -> alt.Chart:
    matrix = comparison.similarity()
    pa, pb = comparison.a_paragraphs, comparison.b_paragraphs
    labels = {(p.a.ordinal, p.b.ordinal): p.label for p in comparison.a_to_b if p.b is not None}
    rows = [{"A": f"A{n + 1}", "B": f"B{m + 1}", "cosine": float(matrix[n, m]),
             "label": label_name(labels[x.ordinal, y.ordinal]) if (x.ordinal, y.ordinal) in labels else "",
             "a_text": x.text[:60], "b_text": y.text[:60]}
            for n, x in enumerate(pa) for m, y in enumerate(pb)]
    pick = alt.selection_point(name="cell", fields=["A", "B"])
    return alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        x=alt.X("B:O", sort=None, title=t("compare.axis_b")), y=alt.Y("A:O", sort=None, title=t("compare.axis_a")),
        color=alt.Color("cosine:Q", scale=alt.Scale(scheme="blues"), title=t("compare.col.cosine")),
        tooltip=["A:N", "B:N", alt.Tooltip("cosine:Q", format=".3f", title=t("compare.col.cosine")),
                 alt.Tooltip("label:N", title=t("compare.col.label")),
                 alt.Tooltip("a_text:N", title=t("compare.col.a")), alt.Tooltip("b_text:N", title=t("compare.col.b"))],
    ).add_params(pick).properties(height=40 + 34 * len(pa))


def label_name(label: str) -> str:
    return t(f"compare.label.{label}")


def show_pair(comparison: Comparison, a_name: str, b_name: str) -> None:
    left = comparison.a_paragraphs[int(a_name[1:]) - 1]
    right = comparison.b_paragraphs[int(b_name[1:]) - 1]
    cols = st.columns(2)
    with cols[0]:
        st.caption(f"{a_name} · {md(section_name(left))}")
        escaped_block(left.text)
    with cols[1]:
        st.caption(f"{b_name} · {md(section_name(right))}")
        escaped_block(right.text)
    st.markdown(f"**{t('compare.diff')}**")
    st.markdown(f"<div class='passage'>{diff_html(comparison, left.text, right.text)}</div>", unsafe_allow_html=True)


def choose(kb: KnowledgeBase) -> tuple[str | None, str | None, str]:
    # Longest essay first, and as B the essay most related to A: a first view that shows something.
    essays = {title: essay_id for essay_id, title, _ in kb.indexed_essays()}
    titles = list(essays)
    cols = st.columns(2)
    a = cols[0].selectbox(t("compare.essay_a"), [PASTE, *titles], index=1 if titles else 0,
                          format_func=lambda o: o or t("compare.paste"))
    nearest = [r.title or r.essay_id for r in kb.related(essays[a], 3)] if a in essays and len(titles) > 1 else []
    others = [*[x for x in nearest if x in essays], *[x for x in titles if x not in nearest and x != a]]
    b = cols[1].selectbox(t("compare.essay_b"), others or titles, index=0 if others or titles else None)
    pasted = st.text_area(t("compare.paste_box")) if a == PASTE else ""
    return (essays.get(a) if a != PASTE else None), (essays.get(b) if b else None), pasted


def overview(comparison: Comparison) -> None:
    cols = st.columns(4)
    cols[0].metric(t("compare.a_in_b"), percent(comparison.overlap_a), help=t("compare.a_in_b_help"))
    cols[1].metric(t("compare.b_in_a"), percent(comparison.overlap_b))
    cols[2].metric(t("compare.reworded"), percent(comparison.reworded_a), help=t("compare.reworded_help"))
    cols[3].metric(t("compare.shared_refs"), number(len(comparison.shared_references)))
    counts = comparison.as_dict()["labels"]
    st.caption(t("compare.labels", counts="；".join(f"{label_name(label)} {number(n)}" for label, n in counts.items())))


def compare_page() -> None:
    kb = current_kb()
    st.header(t("compare.title"))
    a_id, b_id, pasted = choose(kb)
    if b_id is None or (a_id is None and not pasted.strip()):
        st.info(t("compare.choose"))
        return
    try:
        comparison = kb.compare_views(kb.essay_view(a_id) if a_id else kb.text_view(pasted), kb.essay_view(b_id))
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    overview(comparison)
    event = st.altair_chart(heatmap(comparison), width="stretch", on_select="rerun", key="heatmap")
    picked = (event.selection.get("cell") or [{}])[0] if event and event.selection else {}
    if picked.get("A") and picked.get("B"):
        show_pair(comparison, picked["A"], picked["B"])
    else:
        st.caption(t("compare.click_cell"))
    aligned(comparison)
    if comparison.shared:
        st.subheader(t("compare.shared_text"))
        st.dataframe([{"text": s.text, "a": s.a.section_path or kind_name(s.a.kind),
                       "b": s.b.section_path or kind_name(s.b.kind)} for s in comparison.shared],
                     column_config={"text": text_column(t("compare.col.text"), 400),
                                    "a": text_column(t("compare.col.in_a"), 190),
                                    "b": text_column(t("compare.col.in_b"), 190)},
                     hide_index=True)
    if comparison.shared_references:
        shared_references(comparison)
    if a_id:
        related_essays(kb, a_id)


def text_column(label: str, width: int, help_text: str | None = None) -> st.column_config.Column:
    """A column of a table that fits 1280 px: each table's widths add up to at most 790 px of the 818 px the wide
    layout leaves beside the sidebar (measured in Chromium), so no column is off-screen."""
    return st.column_config.TextColumn(label, width=width, help=help_text)


def aligned(comparison: Comparison) -> None:
    st.subheader(t("compare.aligned"))
    st.dataframe([{"label": label_name(p.label), "a": p.a.text[:40], "b": p.b.text[:40] if p.b else "—",
                   "chars": percent(p.chars), "cosine": number(p.cosine, 3)} for p in comparison.a_to_b],
                 column_config={"label": text_column(t("compare.col.label"), 70),
                                "a": text_column(t("compare.col.a"), 260),
                                "b": text_column(t("compare.col.b"), 260),
                                "chars": text_column(t("compare.col.chars"), 90, t("compare.col.chars_help")),
                                "cosine": text_column(t("compare.col.cosine"), 110, t("compare.col.cosine_help"))},
                 hide_index=True)


def shared_references(comparison: Comparison) -> None:
    """One entry per line, as each essay writes it (B's wording under A's when they differ)."""
    st.subheader(t("compare.shared_refs"))
    items = []
    for ra, rb in comparison.shared_references:
        other = "" if rb.raw == ra.raw else f"<br><small>{html_text(t('compare.in_b_as', text=rb.raw))}</small>"
        items.append(f"<li>{html_text(ra.raw)}{other}</li>")
    st.markdown(f"<ol class='references'>{''.join(items)}</ol>", unsafe_allow_html=True)


def related_essays(kb: KnowledgeBase, essay_id: str) -> None:
    st.subheader(t("compare.related"))
    ranked = kb.related(essay_id)
    if not ranked:
        st.info(t("compare.no_related"))
        return
    st.caption(t("compare.related_help"))
    st.dataframe([{"essay": r.title or r.essay_id, "closeness": number(r.score, 1), "close": percent(r.close_share),
                   "shared": percent(r.shared_text), "keywords": "、".join(r.shared_keywords),
                   "references": number(r.shared_references)} for r in ranked],
                 column_config={"essay": text_column(t("compare.col.essay"), 260),
                                "closeness": text_column(t("compare.col.closeness"), 70),
                                "close": text_column(t("compare.col.close"), 90),
                                "shared": text_column(t("compare.col.shared"), 80),
                                "keywords": text_column(t("compare.col.keywords"), 200),
                                "references": text_column(t("compare.col.references"), 90)},
                 hide_index=True)


compare_page()
