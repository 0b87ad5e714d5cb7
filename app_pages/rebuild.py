"""Rebuild: what changed since the last build, and the button that rebuilds."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import build_with_progress, current_kb, md
from essay_kb.errors import EssayKBError
from essay_kb.kb import KnowledgeBase


def rebuild_page() -> None:
    kb = current_kb()
    st.header("Rebuild the index")
    summary = st.container()  # filled last, so it shows the state after a rebuild this run
    st.caption("Only new and changed essays are read, and only passages never embedded before are embedded. "
               "Searching keeps working during a rebuild and after a failed one: the previous index stays in use "
               "until the new one is complete.")
    if st.button("Rebuild now", type="primary"):
        build_with_progress(kb)
    with summary:
        show_status(kb)


def show_status(kb: KnowledgeBase) -> None:
    try:
        status = kb.status()
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    cols = st.columns(4)
    for col, (label, items) in zip(cols, (("added", status.added), ("changed", status.changed),
                                          ("removed", status.removed), ("unchanged", status.unchanged)),
                                   strict=True):
        col.metric(label, len(items))
    for label, items in (("Added", status.added), ("Changed", status.changed), ("Removed", status.removed)):
        if items:
            st.markdown(f"**{label}:** " + ", ".join(md(i) for i in items))
    for old, new in status.renamed:
        st.markdown(f"**Renamed:** {md(old)} → {md(new)} (its passages are not embedded again)")
    for essay_id, names in status.aliases.items():
        st.markdown(f"**Same file under several names**, indexed once as {md(essay_id)}: "
                    + ", ".join(md(n) for n in names))
    for problem in kb.will_skip(status):
        st.warning(f"Will be skipped: {md(problem)}")
    if status.up_to_date:
        st.success("The index is up to date.")
    if status.outdated:
        st.info("The index was built with other settings (model, chunker, max_chars or tokenizer): the next "
                "rebuild reads every essay again.")

rebuild_page()
