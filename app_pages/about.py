"""About: model, index location and size, counts, the build's manifest, configuration."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import current_kb, md
from essay_kb.config import SETTINGS
from essay_kb.errors import EssayKBError
from essay_kb.store import current_manifest


def about_page() -> None:
    kb = current_kb()
    st.header("About this knowledge base")
    info = kb.info()
    index = info.get("index")
    if index:
        cols = st.columns(3)
        cols[0].metric("Essays", index["essays"])
        cols[1].metric("Passages", index["chunks"])
        cols[2].metric("Index size", f"{index['bytes'] / 1e6:.1f} MB")
    st.subheader("Model")
    st.json(kb.embedder.describe())
    st.subheader("Configuration")
    help_of = {s.name: s.help for s in SETTINGS}
    st.dataframe([{"setting": k, "value": str(v), "meaning": help_of.get(k, "")} for k, v in info["config"].items()],
                 hide_index=True, width="stretch")
    st.subheader("Index")
    st.markdown(f"Location: `{kb.config.index.resolve()}`")
    try:
        manifest = current_manifest(kb.config.index)
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return
    if manifest is None:
        st.info("No index yet.")
    else:
        st.json(manifest.to_json(), expanded=False)


about_page()
