"""What every page shares: the cached model and knowledge base, building with a progress bar, and the escaping
of every essay-derived string the pages show (`md` for Markdown, `html_text` for HTML)."""

from __future__ import annotations

import re
import string

import streamlit as st

from essay_kb import Config, KnowledgeBase, load_config
from essay_kb.embedder import Embedder
from essay_kb.errors import EssayKBError
from essay_kb.highlight import marked_pieces
from essay_kb.indexer import BUILD_STAGES
from essay_kb.search import Hit


@st.cache_resource(show_spinner="Loading the embedding model…")
def load_embedder(model: str, batch_size: int, precision: str) -> Embedder:
    embedder = Embedder(model, batch_size=batch_size, precision=precision)
    embedder.prepare_queries()
    return embedder


@st.cache_resource
def open_knowledge_base(config: Config) -> KnowledgeBase:
    # One per configuration; it notices a newly published index generation by itself.
    return KnowledgeBase(config, load_embedder(config.model, config.batch_size, config.precision))


def current_kb() -> KnowledgeBase:
    return open_knowledge_base(load_config())


def build_with_progress(kb: KnowledgeBase) -> bool:
    """Build the index with a progress bar; a failure is shown and the previous index stays in use."""
    bar = st.progress(0.0, text="Building the index…")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"{BUILD_STAGES.get(stage, stage).capitalize()}: {done}/{total}")

    try:
        report = kb.build(progress)
    except EssayKBError as exc:
        bar.empty()
        st.error(f"The build failed; the previous index is still in use. {md(str(exc))}")
        return False
    bar.empty()
    st.success(f"Indexed {report.essays} essays, {report.chunks} passages in {report.seconds:.1f} s "
               f"({report.embedded} embedded, {report.reused} reused).")
    for problem in report.problems:
        st.warning(f"Skipped: {md(problem)}")
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
