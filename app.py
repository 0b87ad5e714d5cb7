"""essay-kb in the browser: `streamlit run app.py`. UI only; everything else is a KnowledgeBase method."""

from __future__ import annotations

import streamlit as st
from app_pages.i18n import language_switch, t
from app_pages.shared import build_with_progress, current_kb, md

from essay_kb.errors import EssayKBError

# The main area starts 6rem down by default; 2.5rem keeps the Ask page's first answer above the fold at 800 px.
CSS = """
<style>
.passage, .context { line-height: 1.8; font-size: 1.02rem; }
.context { color: #666; font-size: 0.95rem; }
.passage mark { background: #fff3b0; padding: 0 .1em; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
</style>
"""


def ensure_index() -> bool:
    """Build on first run; say what is wrong (and offer the fix) when the corpus or the index is not usable.

    The library's error texts (EssayKBError) are shown as it words them, in English, as the CLI prints them.
    """
    kb = current_kb()
    if kb.has_index():
        # An existing index serves searches whatever the corpus is doing (mid-edit, emptied, a failed rebuild).
        try:
            kb.index()
            return True
        except EssayKBError as exc:
            st.error(t("app.index_unusable", error=md(str(exc))))
            if st.button(t("app.rebuild_broken"), key="rebuild-broken"):
                return build_with_progress(kb)
            return False
    try:
        status = kb.status()
    except EssayKBError as exc:
        st.error(md(str(exc)))
        return False
    if not (status.unchanged or status.added or status.changed):
        st.info(t("app.empty_corpus", corpus=kb.config.corpus))
        return False
    st.info(t("app.first_run"))
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
        st.Page("app_pages/ask.py", title=t("app.page.ask"), icon=":material/search:", url_path="ask",
                default=True),
        st.Page("app_pages/compare.py", title=t("app.page.compare"), icon=":material/compare_arrows:",
                url_path="compare"),
        st.Page("app_pages/library.py", title=t("app.page.library"), icon=":material/library_books:",
                url_path="library"),
        st.Page("app_pages/rebuild.py", title=t("app.page.rebuild"), icon=":material/autorenew:",
                url_path="rebuild"),
        st.Page("app_pages/about.py", title=t("app.page.about"), icon=":material/info:", url_path="about"),
    ]
    page = st.navigation(pages)
    language_switch()  # below the page list, on every page
    # The library and rebuild pages stay usable without an index (add essays, build it from there).
    if ensure_index() or page.url_path in ("library", "rebuild"):
        page.run()


main()
