"""Rebuild: what changed since the last build, and the button that rebuilds."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import number, t
from app_pages.shared import build_with_progress, current_kb, md
from essay_kb.errors import EssayKBError
from essay_kb.kb import KnowledgeBase


def rebuild_page() -> None:
    kb = current_kb()
    st.header(t("rebuild.header"))
    summary = st.container()  # filled last, so it shows the state after a rebuild this run
    st.caption(t("rebuild.caption"))
    if st.button(t("rebuild.button"), type="primary"):
        build_with_progress(kb)
    with summary:
        show_status(kb)


def show_status(kb: KnowledgeBase) -> None:
    try:
        status = kb.status()
    except EssayKBError as exc:
        st.error(md(str(exc)))  # the library's words (English), as the CLI prints them
        return
    groups = {"added": status.added, "changed": status.changed, "removed": status.removed}
    cols = st.columns(4)
    for col, (name, items) in zip(cols, [*groups.items(), ("unchanged", status.unchanged)], strict=True):
        col.metric(t(f"rebuild.count.{name}"), number(len(items)))
    for name, items in groups.items():
        if items:
            st.markdown(f"**{t(f'rebuild.list.{name}')}** " + ", ".join(md(i) for i in items))
    for old, new in status.renamed:
        st.markdown(t("rebuild.renamed", old=md(old), new=md(new)))
    for essay_id, names in status.aliases.items():
        st.markdown(t("rebuild.aliases", essay=md(essay_id), names=", ".join(md(n) for n in names)))
    for problem in kb.will_skip(status):
        st.warning(t("rebuild.will_skip", problem=md(problem)))
    if status.up_to_date:
        st.success(t("rebuild.up_to_date"))
    if status.outdated:
        st.info(t("rebuild.outdated"))


rebuild_page()
