"""What every page shares: the cached model and knowledge base, building with a progress bar, and the escaping
of every essay-derived string the pages show (`md` for Markdown, `html_text` for HTML)."""

from __future__ import annotations

import re
import string

import streamlit as st

from app_pages.i18n import MESSAGES, number, t
from essay_kb import Config, KnowledgeBase, load_config
from essay_kb.embedder import Embedder
from essay_kb.errors import EssayKBError
from essay_kb.highlight import marked_pieces
from essay_kb.search import Hit


# No spinner here: its text is fixed when the module loads, before the reader's language is known
# (current_kb shows one in the session's language instead).
@st.cache_resource(show_spinner=False)
def load_embedder(model: str, batch_size: int, precision: str) -> Embedder:
    embedder = Embedder(model, batch_size=batch_size, precision=precision)
    embedder.prepare_queries()
    return embedder


@st.cache_resource
def open_knowledge_base(config: Config) -> KnowledgeBase:
    # One per configuration; it notices a newly published index generation by itself.
    return KnowledgeBase(config, load_embedder(config.model, config.batch_size, config.precision))


def current_kb() -> KnowledgeBase:
    config = load_config()
    with st.spinner(t("app.loading_model")):  # shown only when loading takes over half a second: the first time
        return open_knowledge_base(config)


def stage_name(stage: str) -> str:
    """A build stage (indexer.BUILD_STAGES key) in the reader's language; the core's names are English."""
    return t(f"app.stage.{stage}") if f"app.stage.{stage}" in MESSAGES else stage


def build_with_progress(kb: KnowledgeBase) -> bool:
    """Build the index with a progress bar; a failure is shown and the previous index stays in use."""
    bar = st.progress(0.0, text=t("app.building"))

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1),
                     text=t("app.progress", stage=stage_name(stage), done=number(done), total=number(total)))

    try:
        report = kb.build(progress)
    except EssayKBError as exc:
        bar.empty()
        # The library's error texts are English (the CLI prints the same ones); the UI's words around them are not.
        st.error(t("app.build_failed", error=md(str(exc))))
        return False
    bar.empty()
    st.success(t("app.built", essays=number(report.essays), chunks=number(report.chunks),
                 seconds=number(report.seconds, 1), embedded=number(report.embedded), reused=number(report.reused)))
    for problem in report.problems:
        st.warning(t("app.skipped", problem=md(problem)))
    for note in report.notes:
        st.info(md(note))
    return True


# Every ASCII punctuation character can be backslash-escaped in Markdown, and any of them may start markup:
# links and images ([]()!), emphasis, code, tables, headings, math ($), directives (:red[…]), autolinks (http://).
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
# In HTML that st.markdown also reads as Markdown, the same characters become character references: the browser
# shows them as typed, and no Markdown rule can match them (they are not the characters the rules look for).
_HTML_ESCAPES = str.maketrans({**{c: f"&#{ord(c)};" for c in string.punctuation}, "\n": "<br>"})


# GitHub-flavoured Markdown also links bare URLs and e-mail addresses, and it finds them in the text after
# escapes are resolved; an invisible word joiner inside "http:", "www." and "@" is what stops it.
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md(text: str) -> str:
    """Text from an essay, an upload or a user, for any Streamlit call that renders Markdown (st.markdown,
    st.caption, st.subheader, st.error, button labels…): shown exactly as written, never as a link or an image."""
    return _AUTOLINK.sub(WORD_JOINER, text).translate(_MARKDOWN_ESCAPES)


def html_text(text: str) -> str:
    """Text from an essay for HTML inside st.markdown(unsafe_allow_html=True): neither HTML nor Markdown."""
    return text.translate(_HTML_ESCAPES)


def passage_html(hit: Hit) -> str:
    """The passage as HTML built from escaped pieces: the best sentence in <mark>, matched terms in <b>."""
    text, h = hit.chunk.text, hit.highlight
    if h is None:
        return html_text(text)
    parts, open_mark = [], False
    for piece, in_sentence, is_term in marked_pieces(text, h):
        if in_sentence != open_mark:
            parts.append("<mark>" if in_sentence else "</mark>")
            open_mark = in_sentence
        escaped = html_text(piece)
        parts.append(f"<b>{escaped}</b>" if is_term else escaped)
    return "".join(parts) + ("</mark>" if open_mark else "")


def escaped_block(text: str, css_class: str = "passage") -> None:
    """Essay text, escaped: nothing from an essay or an upload is ever rendered as markup."""
    st.markdown(f"<div class='{css_class}'>{html_text(text)}</div>", unsafe_allow_html=True)
