"""The corpus map section on a page of its own, for tests/test_corpus_map.py (AppTest) and
tests/test_browser_map.py (a real browser): the section is tested without the Library page around it.

    streamlit run tests/map_page.py   (from the project folder, ESSAY_KB_CORPUS / ESSAY_KB_INDEX as for app.py)
"""

from __future__ import annotations

import streamlit as st
from app_pages.corpus_map import QUERY_PARAM, corpus_map_section
from app_pages.shared import build_with_progress, current_kb, md

st.set_page_config(page_title="essay-kb map", layout="wide")
kb = current_kb()
if not kb.has_index():
    build_with_progress(kb)
corpus_map_section(kb)
# What the Library page would open: shown so that a test can see the click arrived.
if QUERY_PARAM in st.query_params:
    st.caption(f"opened: {md(st.query_params[QUERY_PARAM])}")
