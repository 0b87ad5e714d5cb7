"""The app's words in Chinese and English: one catalogue, `t(key)` in the reader's language, numbers by Babel.

A plain module rather than gettext: the app has a few hundred short strings and two languages, a dict keeps each
string beside its translation (reviewers see both at once), and tests/test_i18n.py checks every key has both
languages with the same {placeholders} and every `t("...")` in the pages names a key. gettext would add a compile
step (.po → .mo) and an untranslated string would silently fall back to English, which is what the test forbids.
Number formatting is Babel's (CLDR): percentages, thousands separators and decimals as each locale writes them.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st
from babel.numbers import format_decimal, format_percent

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_NAMES: dict[Lang, str] = {"zh": "中文", "en": "English"}
_BABEL_LOCALE: dict[Lang, str] = {"zh": "zh_Hans_CN", "en": "en_US"}
STATE_KEY = "ui_language"

# key → {"zh": ..., "en": ...}; keys are dotted by page ("ask.", "library.", ...), "common." for shared words.
# Each page's messages go in its own block below (blocks keep parallel edits from colliding).
MESSAGES: dict[str, dict[Lang, str]] = {
    # --- common: words several pages use, passage types, the sidebar
    "common.language": {"zh": "界面语言", "en": "Language"},
    "common.kind.title": {"zh": "标题", "en": "title"},
    "common.kind.abstract": {"zh": "摘要", "en": "abstract"},
    "common.kind.keywords": {"zh": "关键词", "en": "keywords"},
    "common.kind.heading": {"zh": "小标题", "en": "heading"},
    "common.kind.body": {"zh": "正文", "en": "body"},
    "common.kind.conclusion": {"zh": "结语", "en": "conclusion"},
    "common.kind.reference": {"zh": "参考文献", "en": "reference"},

    # --- app: app.py and shared.py (navigation, first-run build, progress)

    # --- ask

    # --- compare

    # --- library

    # --- map (the Library's corpus map)
    "map.heading": {"zh": "语料地图", "en": "Corpus map"},
    "map.caption": {"zh": "{essays} 篇文章按内容相近程度排布，分为 {clusters} 组，每组以其特有的词命名。"
                          "悬停查看标题和作者，点击打开文章。",
                    "en": "{essays} essays placed by how alike their content is, in {clusters} groups, each named by "
                          "its characteristic words. Hover for title and author; click to open an essay."},
    "map.legend": {"zh": "分组", "en": "Group"},
    "map.tooltip_title": {"zh": "标题", "en": "Title"},
    "map.tooltip_author": {"zh": "作者", "en": "Author"},
    "map.tooltip_cluster": {"zh": "分组", "en": "Group"},
    "map.no_author": {"zh": "（未署名）", "en": "(no author)"},
    "map.unavailable": {"zh": "建好索引后，这里显示语料地图。",
                        "en": "The corpus map appears here once the index is built."},
    "map.empty": {"zh": "索引中还没有文章，语料地图为空。", "en": "The index holds no essay yet, so the map is empty."},

    # --- rebuild

    # --- about

}


def browser_language() -> Lang:
    """Chinese when the browser asks for it (any zh-* locale), else English."""
    locale = (st.context.locale or "").lower()
    return "zh" if locale.startswith("zh") else "en"


def language() -> Lang:
    """The session's language: the reader's choice in the sidebar, else the browser's."""
    chosen = st.session_state.get(STATE_KEY)
    return chosen if chosen in LANGS else browser_language()


def t(key: str, **values: object) -> str:
    """The message `key` in the session's language, with {placeholders} filled from `values`.

    Values from essays or users must already be escaped for where the text goes (shared.md / html_text).
    """
    text = MESSAGES[key][language()]
    return text.format(**values) if values else text


def kind_name(kind: str) -> str:
    """A passage type (chunker.CHUNK_KINDS) as the reader's language names it: 正文 / body."""
    return t(f"common.kind.{kind}")


def language_switch() -> None:
    """The sidebar's language control; the choice lives in the session (a reload keeps it, a new tab asks the
    browser again)."""
    current = language()
    picked = st.sidebar.segmented_control(t("common.language"), LANGS, default=current,
                                          format_func=LANG_NAMES.__getitem__, key="language-switch")
    if picked and picked != current:
        st.session_state[STATE_KEY] = picked
        st.rerun()


def number(value: float, decimals: int = 0) -> str:
    """12,345 / 0.9 in the session's locale, one decimal style everywhere."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE[language()])


def percent(share: float, decimals: int = 0) -> str:
    """A share in [0, 1] as a percentage: 87% (en) / 87% (zh)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(share, format=pattern, locale=_BABEL_LOCALE[language()])
