"""The corpus map, a section of the Library page: every indexed essay as a point placed by similarity, coloured by
cluster, each cluster named by its words; hover for title and author, click to open the essay.

UI only: the map is KnowledgeBase.corpus_map() (computed once per index generation). A click sets the essay
query parameter, which the Library page reads to open that essay.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages.i18n import number, t
from essay_kb.corpus_map import CorpusMap
from essay_kb.errors import EssayKBError
from essay_kb.kb import KnowledgeBase

CHART_KEY = "corpus-map"
SELECTION = "picked"  # the point selection's name: what a click reports
QUERY_PARAM = "essay"  # the Library page opens the essay this names
HEIGHT = 480
WORDS_SEPARATOR = "、"


def map_rows(found: CorpusMap) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The chart's data: one row per essay, one per cluster label. Essay text goes to Vega as data, which
    draws it as text (tooltips escape HTML), never as Markdown or HTML of ours."""
    words = {c.id: WORDS_SEPARATOR.join(c.words) for c in found.clusters}
    essays = [{"id": e.id, "title": e.title, "author": e.author or t("map.no_author"), "x": e.x, "y": e.y,
               "cluster": words[e.cluster] or str(e.cluster + 1)} for e in found.essays]
    labels = [{"x": c.x, "y": c.y, "cluster": words[c.id] or str(c.id + 1), "size": c.size} for c in found.clusters]
    return essays, labels


def map_chart(found: CorpusMap) -> alt.LayerChart:
    essays, labels = map_rows(found)
    pick = alt.selection_point(name=SELECTION, fields=["id"], on="click")
    # No axes: the plane's coordinates mean nothing to a reader, only nearness does.
    x = alt.X("x:Q", axis=None, scale=alt.Scale(zero=False, nice=False, padding=40))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(zero=False, nice=False, padding=30))
    # Streamlit's default palette is shades of blue; groups need colours that tell apart at a glance.
    colour = alt.Color("cluster:N", scale=alt.Scale(scheme="tableau10"),
                       legend=alt.Legend(title=t("map.legend"), orient="bottom", columns=3, labelLimit=360))
    points = alt.Chart(alt.Data(values=essays)).mark_circle(size=160, opacity=0.85, stroke="white", strokeWidth=1,
                                                           cursor="pointer").encode(
        x=x, y=y, color=colour,
        tooltip=[alt.Tooltip("title:N", title=t("map.tooltip_title")),
                 alt.Tooltip("author:N", title=t("map.tooltip_author")),
                 alt.Tooltip("cluster:N", title=t("map.tooltip_cluster"))],
    ).add_params(pick)
    # Each group's name at its centre, drawn twice: a thick white outline under the dark text keeps it legible
    # where it crosses points.
    names = [alt.Chart(alt.Data(values=labels)).mark_text(fontSize=14, fontWeight="bold", dy=-16, **style).encode(
        x=x, y=y, text="cluster:N") for style in ({"stroke": "white", "strokeWidth": 4}, {"color": "#262730"})]
    return alt.layer(points, *names).properties(height=HEIGHT).configure_view(stroke=None)


def picked_essay() -> str | None:
    """The essay id of the clicked point, from the chart's selection state (None when a click cleared it)."""
    state = st.session_state.get(CHART_KEY)
    chosen = state.selection.get(SELECTION, []) if state else []
    return str(chosen[0]["id"]) if chosen and "id" in chosen[0] else None


def open_picked() -> None:
    """on_select callback: runs only when the selection changes, so a stale selection never reopens an essay
    the reader has since left. The script reruns after it, with the query parameter set."""
    essay_id = picked_essay()
    if essay_id:
        st.query_params[QUERY_PARAM] = essay_id
        for name in ("p", "s"):  # a paragraph an earlier link named belongs to that link's essay
            st.query_params.pop(name, None)


def corpus_map_section(kb: KnowledgeBase) -> None:
    """The map of the current index, or a note saying why there is none."""
    st.subheader(t("map.heading"))
    try:
        found = kb.corpus_map()
    except EssayKBError:  # no index yet, or one that cannot be used: the Library and Rebuild pages say how to fix it
        st.info(t("map.unavailable"))
        return
    if not found.essays:
        st.info(t("map.empty"))
        return
    st.caption(t("map.caption", essays=number(len(found.essays)), clusters=number(len(found.clusters))))
    st.altair_chart(map_chart(found), on_select=open_picked, selection_mode=SELECTION, key=CHART_KEY, width="stretch")
