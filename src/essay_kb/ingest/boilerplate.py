"""The one table of what a scraped page adds around an essay (banners, bylines, footers…), and dropping it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from essay_kb.ingest.essay import Line

logger = logging.getLogger(__name__)

# A longer line is body text that merely mentions a boilerplate word ("版权所有", "来源"); it is never dropped.
MAX_BOILERPLATE_LINE = 120

# Traditional forms spelled out: fields are read from the line as written, so values keep their own characters.
_BYLINE_KEY = (r"(?:文章[来來]源|[来來]源|作者|[发發][布表][时時][间間]|更新[时時][间間]|[发發]布日期|日期|"
               r"[责責]任[编編][辑輯]|[编編][辑輯]|[点點][击擊][数數]|[录錄]入)")
_BYLINE_FIELD = re.compile(rf"(?P<key>{_BYLINE_KEY})\s*[:：](?P<value>(?:(?!{_BYLINE_KEY}\s*[:：]).)*)")
_BYLINE_FIELD_NAMES = {"来源": "source", "來源": "source", "文章来源": "source", "文章來源": "source", "作者": "author",
                       "责任编辑": "editor", "責任編輯": "editor", "编辑": "editor", "編輯": "editor",
                       "录入": "editor", "錄入": "editor", "点击数": "views", "點擊數": "views"}  # else "date"


@dataclass(frozen=True)
class BoilerplateRule:
    name: str  # "byline" and "reprint" lines also yield metadata; the others are only dropped
    pattern: re.Pattern[str]  # matched against the whole stripped line


BOILERPLATE_RULES: tuple[BoilerplateRule, ...] = (
    # Portal greeting and login banner at the top of scraped pages: "您好, 访客 登录/注册", "登录 | 注册".
    BoilerplateRule("banner", re.compile(
        r"^(?:(?:您好|你好)\s*[,，!！]?\s*(?:访客|游客).*|.{0,20}请先?(?:登录|登陆)\W*"
        r"|.{0,20}(?:登录|登陆)(?:\s*[/|｜丨]\s*|\s+)(?:免费)?注册.{0,20})$"
    )),
    # "来源:用户上传  作者:", "作者：张三 发布时间：2020-01-01": a line made only of such fields → metadata.
    # "[ 作者:某某  文章來源:某網  點擊數: 更新時間:2022-10-17 ]": the same in brackets.
    BoilerplateRule("byline", re.compile(
        rf"^[\[【(（]?\s*(?:{_BYLINE_KEY}\s*[:：](?:(?!{_BYLINE_KEY}\s*[:：]).)*?)+\s*[\]】)）]?$")),
    # Reprint notices and permalinks, with or without the URL: "转载注明来源:https://…" → meta.url.
    BoilerplateRule("reprint", re.compile(
        r"^(?:转载注明来源|转载请注明(?:来源|出处)?|本文链接|原文链接|原文地址|本文地址|本文网址)"
        r"\s*[:：]?\s*(?P<url>https?://[^\s，。,]+)?.*$"
    )),
    # Breadcrumbs: "当前位置：首页 > 论文 > 政治".
    BoilerplateRule("breadcrumb", re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置)\s*[:：].*$")),
    # Previous/next-article links and back-to-top buttons.
    BoilerplateRule("navigation", re.compile(
        r"^(?:上一篇|下一篇|上一页|下一页)(?:[\s:：].*)?$|^返回(?:顶部|首页|列表)"
    )),
    # Share widgets and QR-code prompts: "分享到：微信 微博", "扫一扫，手机阅读".
    BoilerplateRule("share", re.compile(r"^(?:分享到|分享至|微信扫一扫|扫一扫|扫描二维码)")),
    # Site footers: "Copyright © 2005-2020 …", "© 某网", "版权所有：…", "… 版权所有", ICP licence numbers.
    BoilerplateRule("copyright", re.compile(
        r"^(?:©|\(c\)|copyright\b|版权所有(?![者人权])|版权声明).*$|^.{0,40}版权所有\W*$|^.*ICP[备证]\s*\d",
        re.IGNORECASE,
    )),
)

EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\ufeff]+|[\s\u200b-\u200d\ufeff]+$")
VALUE_EDGE = " \t\u3000\xa0|｜丨/,，;；"


def strip_boilerplate(lines: list[Line]) -> tuple[list[Line], dict[str, str], list[tuple[str, str]]]:
    """Stripped non-empty lines without boilerplate, the metadata the boilerplate carried (first wins), and the
    dropped lines with the rule that dropped each (shown by `kb show`, so nothing disappears unexplained)."""
    kept: list[Line] = []
    found: dict[str, str] = {}
    dropped: list[tuple[str, str]] = []
    for line in lines:
        text = EDGE_SPACE.sub("", line.text)
        rule = _boilerplate_rule(text) if text else None
        if rule is None:
            if text:
                kept.append(replace(line, text=text))
            continue
        logger.debug("dropping %s line %r", rule.name, text)
        dropped.append((text, rule.name))
        for key, value in _boilerplate_fields(rule, text):
            found.setdefault(key, value)
    return kept, found, dropped


def _boilerplate_rule(text: str) -> BoilerplateRule | None:
    if len(text) > MAX_BOILERPLATE_LINE:
        return None
    return next((rule for rule in BOILERPLATE_RULES if rule.pattern.search(text)), None)


def _boilerplate_fields(rule: BoilerplateRule, text: str) -> list[tuple[str, str]]:
    if rule.name == "reprint":
        url = rule.pattern.match(text)
        return [("url", url.group("url"))] if url and url.group("url") else []
    if rule.name != "byline":
        return []
    fields = []
    for match in _BYLINE_FIELD.finditer(text):
        value = match.group("value").strip(VALUE_EDGE)
        if value and value[-1] in ")）]】" and value.count(value[-1]) > sum(value.count(c) for c in "(（[【"):
            value = value[:-1].strip(VALUE_EDGE)  # the bracket the whole byline was in
        if value:  # "作者:" with nothing after it means unknown, not an empty-string author
            fields.append((_BYLINE_FIELD_NAMES.get(match.group("key"), "date"), value))
    return fields


_BOILERPLATE_KINDS = {"banner": "a login banner", "byline": "a byline", "reprint": "a reprint notice",
                      "breadcrumb": "a breadcrumb", "navigation": "page navigation", "share": "a share widget",
                      "copyright": "a copyright footer"}


def only_boilerplate_message(essay_id: str, source_lines: list[Line]) -> str:
    found: dict[str, str] = {}
    for line in source_lines:
        text = EDGE_SPACE.sub("", line.text)
        rule = _boilerplate_rule(text) if text else None
        if rule:
            found.setdefault(rule.name, text)
    if not found:
        return (f"{essay_id} has no essay text once page markup and boilerplate are removed; add the essay text, "
                "or remove the file from the corpus")
    what = "; ".join(f"{_BOILERPLATE_KINDS[kind]} ({text[:30]!r})" for kind, text in found.items())
    return (f"{essay_id} holds only page boilerplate, no essay text: {what}; add the essay text below it, or "
            "remove the file from the corpus")
