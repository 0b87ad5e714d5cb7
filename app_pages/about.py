"""About: model, index location and size, counts, the build's key facts, configuration: all readable at 1280 px
(st.table wraps long values instead of clipping a column), the raw records one click away."""

from __future__ import annotations

import time

import streamlit as st

from app_pages.i18n import number, t
from app_pages.shared import current_kb, md
from essay_kb.errors import EssayKBError
from essay_kb.kb import KnowledgeBase
from essay_kb.store import current_manifest
from essay_kb.store.manifest import Manifest

MODEL_FIELDS = ("name", "dimension", "max_seq_length", "precision", "fingerprint")


def shown(value: object) -> str:
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if isinstance(value, int | float):
        return number(value) if isinstance(value, int) or value == int(value) else number(value, 2)
    return str(value)


def facts_table(rows: list[tuple[str, str]]) -> None:
    """Two columns, label and value, as wrapped HTML text: nothing cut off, nothing to scroll sideways."""
    st.table({t("about.field"): [label for label, _ in rows], t("about.value"): [value for _, value in rows]},
             hide_index=True)


def manifest_facts(manifest: Manifest) -> list[tuple[str, str]]:
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(manifest.created))
    return [
        (t("about.manifest.created"), built),
        (t("about.manifest.build_seconds"), t("about.manifest.seconds", value=number(manifest.build_seconds, 1))),
        (t("about.manifest.model"), manifest.model.name),
        (t("about.manifest.essays"), number(len(manifest.essays))),
        (t("about.manifest.chunks"), number(manifest.chunks)),
        (t("about.manifest.skipped"), number(len(manifest.skipped))),
        (t("about.manifest.chunker_version"), manifest.chunker_version),
        (t("about.manifest.lexical_tokenizer"), manifest.lexical_tokenizer),
        (t("about.manifest.vector_store"), str(manifest.vector_store.get("kind", ""))),
        (t("about.manifest.package_version"), manifest.package_version),
        (t("about.manifest.format_version"), str(manifest.format_version)),
    ]


def configuration(config: dict[str, object]) -> None:
    st.subheader(t("about.configuration"))
    st.caption(t("about.config_caption"))
    st.table({t("about.setting"): list(config), t("about.value"): [shown(v) for v in config.values()],
              t("about.meaning"): [t(f"about.setting.{name}") for name in config]}, hide_index=True)


def about_page() -> None:
    kb: KnowledgeBase = current_kb()
    st.header(t("about.header"))
    info = kb.info()
    index = info.get("index")
    if index and "essays" in index:
        cols = st.columns(3)
        cols[0].metric(t("about.essays"), number(index["essays"]))
        cols[1].metric(t("about.passages"), number(index["chunks"]))
        cols[2].metric(t("about.size"), t("about.megabytes", value=number(index["bytes"] / 1e6, 1)))
    st.subheader(t("about.model"))
    model = kb.embedder.describe()
    facts_table([(t(f"about.model.{name}"), shown(model[name])) for name in MODEL_FIELDS])
    configuration(info["config"])
    st.subheader(t("about.index"))
    st.markdown(t("about.location", path=kb.config.index.resolve()))
    try:
        manifest = current_manifest(kb.config.index)
    except EssayKBError as exc:
        st.error(md(str(exc)))  # the library's words (English), as the CLI prints them
        return
    if manifest is None:
        st.info(t("about.no_index"))
        return
    facts_table(manifest_facts(manifest))
    with st.expander(t("about.raw")):
        st.json(model)
        st.json(manifest.to_json())


about_page()
