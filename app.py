"""essay-kb in the browser: `streamlit run app.py`. UI only; everything else is a KnowledgeBase method."""

from __future__ import annotations

import streamlit as st
from app_pages.shared import build_with_progress, current_kb, md

from essay_kb.errors import EssayKBError

CSS = """
<style>
.passage, .context { line-height: 1.8; font-size: 1.02rem; }
.context { color: #666; font-size: 0.95rem; }
.passage mark { background: #fff3b0; padding: 0 .1em; }
</style>
"""


def ensure_index() -> bool:
    """Build on first run; say what is wrong (and offer the fix) when the corpus or the index is not usable."""
    kb = current_kb()
    if kb.has_index():
        # An existing index serves searches whatever the corpus is doing (mid-edit, emptied, a failed rebuild).
        try:
            kb.index()
            return True
        except EssayKBError as exc:
            st.error(f"The index cannot be used: {md(str(exc))}")
            if st.button("Rebuild the index", key="rebuild-broken"):
                return build_with_progress(kb)
            return False
    try:
        status = kb.status()
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return False
    if not (status.unchanged or status.added or status.changed):
        st.info(f"The corpus `{kb.config.corpus}/` holds no readable essay yet. Add .txt, .md or .html essays "
                "(UTF-8 or GBK) on the Library page, put them into that folder, or run `kb add FILE...`.")
        return False
    st.info("First run: building the index of the corpus.")
    return build_with_progress(kb)


def main() -> None:
    st.set_page_config(page_title="essay-kb", page_icon="📚", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    try:
        current_kb()
    except EssayKBError as exc:  # a setting out of range (ESSAY_KB_*, essay-kb.toml): no page can run
        st.error(md(str(exc)))
        st.stop()
    pages = [
        st.Page("app_pages/ask.py", title="Ask", icon=":material/search:", url_path="ask", default=True),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
        st.Page("app_pages/library.py", title="Library", icon=":material/library_books:", url_path="library"),
        st.Page("app_pages/rebuild.py", title="Rebuild", icon=":material/autorenew:", url_path="rebuild"),
        st.Page("app_pages/about.py", title="About", icon=":material/info:", url_path="about"),
    ]
    page = st.navigation(pages)
    # The library and rebuild pages stay usable without an index (add essays, build it from there).
    if ensure_index() or page.url_path in ("library", "rebuild"):
        page.run()


main()
