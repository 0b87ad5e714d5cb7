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
    "common.yes": {"zh": "是", "en": "yes"},
    "common.no": {"zh": "否", "en": "no"},

    # --- app: app.py and shared.py (navigation, first-run build, progress)
    "app.page.ask": {"zh": "提问", "en": "Ask"},
    "app.page.compare": {"zh": "比较", "en": "Compare"},
    "app.page.library": {"zh": "文库", "en": "Library"},
    "app.page.rebuild": {"zh": "重建索引", "en": "Rebuild"},
    "app.page.about": {"zh": "关于", "en": "About"},
    "app.loading_model": {"zh": "正在加载向量模型…", "en": "Loading the embedding model…"},
    "app.index_unusable": {"zh": "索引无法使用：{error}", "en": "The index cannot be used: {error}"},
    "app.rebuild_broken": {"zh": "重建索引", "en": "Rebuild the index"},
    "app.empty_corpus": {
        "zh": "文库文件夹 `{corpus}/` 里还没有可读的文章。可在“文库”页上传 .txt、.md、.html、PDF 或 Word 文章"
              "（UTF-8 或 GBK 编码），也可把文件放进该文件夹，或运行 `kb add 文件...`。",
        "en": "The corpus `{corpus}/` holds no readable essay yet. Add .txt, .md, .html, PDF or Word essays "
              "(UTF-8 or GBK) on the Library page, put them into that folder, or run `kb add FILE...`."},
    "app.first_run": {"zh": "首次运行：正在为文库建立索引。", "en": "First run: building the index of the corpus."},
    "app.building": {"zh": "正在建立索引…", "en": "Building the index…"},
    "app.stage.load": {"zh": "加载模型", "en": "Loading the model"},
    "app.stage.read": {"zh": "读取新增和修改的文章", "en": "Reading new and changed essays"},
    "app.stage.embed": {"zh": "为新段落计算向量", "en": "Embedding new passages"},
    "app.stage.write": {"zh": "写入索引", "en": "Writing the index"},
    "app.progress": {"zh": "{stage}：{done}/{total}", "en": "{stage}: {done}/{total}"},
    "app.build_failed": {"zh": "建索引失败，仍在使用原来的索引。{error}",
                         "en": "The build failed; the previous index is still in use. {error}"},
    "app.built": {"zh": "已索引 {essays} 篇文章、{chunks} 个段落，用时 {seconds} 秒"
                        "（新计算向量 {embedded} 个，复用 {reused} 个）。",
                  "en": "Indexed {essays} essays, {chunks} passages in {seconds} s ({embedded} embedded, "
                        "{reused} reused)."},
    "app.skipped": {"zh": "已跳过：{problem}", "en": "Skipped: {problem}"},

    # --- ask
    "ask.question": {"zh": "就这些文章提一个问题（按回车键提问）",
                     "en": "Ask a question about the essays (Enter asks)"},
    "ask.passages": {"zh": "返回段落数", "en": "Passages"},
    "ask.mode": {"zh": "检索方式", "en": "Retrieval"},
    "ask.mode_help": {"zh": "混合检索＝语义（向量）与字词（BM25）相结合",
                      "en": "hybrid fuses meaning (dense) and words (BM25)"},
    "ask.mode.hybrid": {"zh": "混合", "en": "hybrid"},
    "ask.mode.dense": {"zh": "语义", "en": "dense"},
    "ask.mode.lexical": {"zh": "字词", "en": "lexical"},
    "ask.essays": {"zh": "限定文章", "en": "Essays"},
    "ask.all_essays": {"zh": "全部文章", "en": "all essays"},
    "ask.kinds": {"zh": "限定段落类型", "en": "Passage types"},
    "ask.all_kinds": {"zh": "全部类型", "en": "all passage types"},
    "ask.examples": {"zh": "示例问题（点击提问）：", "en": "Examples — click one:"},
    "ask.recent": {"zh": "最近问过的问题：", "en": "Your recent questions:"},
    "ask.no_match": {"zh": "没有匹配的段落。换个说法、换一种检索方式，或减少筛选条件再试。",
                     "en": "No passage matches. Try other words, another retrieval mode, or fewer filters."},
    "ask.no_good_answer": {"zh": "没有段落能很好地回答这个问题。下面是最接近的段落，请谨慎参考。",
                           "en": "No passage answers this question well. The closest passages follow: read them "
                                 "with care."},
    "ask.verdict.likely": {"zh": "很可能回答了问题", "en": "likely answers"},
    "ask.verdict.maybe": {"zh": "可能回答了问题", "en": "may answer"},
    "ask.verdict.unlikely": {"zh": "不太可能回答问题", "en": "unlikely to answer"},
    "ask.score.confidence": {"zh": "置信度 {value}", "en": "confidence {value}"},
    "ask.score.cosine": {"zh": "余弦相似度 {value}（未判断置信度）", "en": "cosine {value} (not judged)"},
    "ask.score.bm25": {"zh": "BM25 得分 {value}", "en": "BM25 {value}"},
    "ask.open_in_library": {"zh": "在文库中打开这篇文章的这一段",
                            "en": "Open the essay at this paragraph in the Library"},
    "ask.paragraph": {"zh": "第 {n} 段", "en": "¶{n}"},
    "ask.page": {"zh": "，第 {n} 页", "en": ", p. {n}"},
    "ask.also_in": {"zh": "也见于：", "en": "Also in:"},
    "ask.why": {"zh": "为什么是这一段", "en": "Why this passage"},
    "ask.context": {"zh": "前后段落", "en": "Surrounding paragraphs"},
    "ask.this_passage": {"zh": "—— 本段 ——", "en": "— this passage —"},
    "ask.explain.part": {"zh": "部分", "en": "part"},
    "ask.explain.score": {"zh": "得分", "en": "score"},
    "ask.explain.rank": {"zh": "名次", "en": "rank"},
    "ask.explain.dense": {"zh": "语义（余弦）", "en": "dense (cosine)"},
    "ask.explain.fused": {"zh": "融合", "en": "fused"},
    "ask.explain.confidence": {"zh": "置信度（已校准）", "en": "confidence (calibrated)"},
    "ask.explain.terms": {"zh": "匹配的词：{terms}", "en": "Matched words: {terms}"},
    "ask.explain.no_terms": {"zh": "无", "en": "none"},

    # --- compare
    "compare.title": {"zh": "比较文章", "en": "Compare essays"},
    "compare.essay_a": {"zh": "文章 A", "en": "Essay A"},
    "compare.essay_b": {"zh": "文章 B", "en": "Essay B"},
    "compare.paste": {"zh": "（粘贴一段文字）", "en": "(paste a text)"},
    "compare.paste_box": {"zh": "要比较的文字（粘贴一篇文章）", "en": "Text to compare (paste an essay)"},
    "compare.choose": {"zh": "请选择两篇文章，或粘贴一段文字并选择要与之比较的文章。",
                       "en": "Choose two essays, or paste a text and choose the essay to compare it with."},
    "compare.a_in_b": {"zh": "A 的文字也见于 B", "en": "A's text also in B"},
    "compare.a_in_b_help": {"zh": "A 的正文中，B 也有的连续 30 字以上片段所占的比例。",
                            "en": "Characters of A's body text in runs of 30 or more characters that B also holds."},
    "compare.b_in_a": {"zh": "B 的文字也见于 A", "en": "B's text also in A"},
    "compare.reworded": {"zh": "A 改写自 B", "en": "A reworded from B"},
    "compare.reworded_help": {"zh": "A 的正文中，与 B 某段意思相同、措辞不同的段落所占的比例。",
                              "en": "A's body text in paragraphs that say what a paragraph of B says, in other words."},
    "compare.shared_refs": {"zh": "共同的参考文献", "en": "Shared references"},
    "compare.labels": {"zh": "A 的段落：{counts}", "en": "A's paragraphs: {counts}"},
    "compare.label.near-duplicate": {"zh": "几乎相同", "en": "near-duplicate"},
    "compare.label.paraphrase": {"zh": "改写", "en": "paraphrase"},
    "compare.label.related": {"zh": "相关", "en": "related"},
    "compare.label.unique": {"zh": "独有", "en": "unique"},
    "compare.axis_a": {"zh": "A 的段落", "en": "A paragraphs"},
    "compare.axis_b": {"zh": "B 的段落", "en": "B paragraphs"},
    "compare.click_cell": {"zh": "点击热力图中的格子，可并排查看两段文字及其差异。",
                           "en": "Click a cell of the heatmap to see the two paragraphs side by side with their diff."},
    "compare.front_matter": {"zh": "（正文之前）", "en": "(front matter)"},
    "compare.diff": {"zh": "逐字差异（A → B）", "en": "Character diff (A → B)"},
    "compare.aligned": {"zh": "段落对照", "en": "Aligned paragraphs"},
    "compare.col.label": {"zh": "关系", "en": "Label"},
    "compare.col.a": {"zh": "A 的段落", "en": "A"},
    "compare.col.b": {"zh": "B 中最接近的段落", "en": "Closest in B"},
    "compare.col.chars": {"zh": "字面相似", "en": "Characters alike"},
    "compare.col.chars_help": {"zh": "两段规范化文字的逐字相似度",
                               "en": "Character similarity of the normalised texts"},
    "compare.col.cosine": {"zh": "语义相似（余弦）", "en": "Meaning (cosine)"},
    "compare.col.cosine_help": {"zh": "两段向量的余弦相似度，1 为意思相同",
                                "en": "Cosine similarity of the two passages' vectors; 1 is the same meaning"},
    "compare.shared_text": {"zh": "两篇都有的文字", "en": "Text both hold"},
    "compare.col.text": {"zh": "文字", "en": "Text"},
    "compare.col.in_a": {"zh": "在 A 中的位置", "en": "In A"},
    "compare.col.in_b": {"zh": "在 B 中的位置", "en": "In B"},
    "compare.in_b_as": {"zh": "B 中写作：{text}", "en": "In B: {text}"},
    "compare.related": {"zh": "相关文章", "en": "Related essays"},
    "compare.no_related": {"zh": "没有其他已索引、有正文可比的文章。",
                           "en": "No other indexed essay has body text to compare with."},
    "compare.related_help": {
        "zh": "接近度：A 的段落与这篇文章的接近程度比与语料库中一般文章高出多少（0 为一般，2 及以上为接近）。"
              "接近段落：A 的文字中在这篇里有接近段落的比例。共同文字：A 的文字中两篇都有的连续 30 字以上片段的比例。",
        "en": "Closeness: how much nearer A's paragraphs come to the essay than to a typical essay of the corpus "
              "(0 typical, 2 or more close). Close paragraphs: A's text with a close match there. Shared text: "
              "A's text in runs of 30 or more characters both essays hold."},
    "compare.col.essay": {"zh": "文章", "en": "Essay"},
    "compare.col.closeness": {"zh": "接近度", "en": "Closeness"},
    "compare.col.close": {"zh": "接近段落", "en": "Close paragraphs"},
    "compare.col.shared": {"zh": "共同文字", "en": "Shared text"},
    "compare.col.keywords": {"zh": "共同关键词", "en": "Shared keywords"},
    "compare.col.references": {"zh": "共同参考文献", "en": "Shared references"},

    # --- library
    "library.title": {"zh": "文库", "en": "Library"},
    "library.count": {"zh": "{corpus} 中共有 {count} 篇文章", "en": "{count} essays in {corpus}"},
    "library.col.title": {"zh": "标题", "en": "Title"},
    "library.col.author": {"zh": "作者", "en": "Author"},
    "library.col.type": {"zh": "文件类型", "en": "File type"},
    "library.col.passages": {"zh": "段落数", "en": "Passages"},
    "library.col.passages_help": {"zh": "当前索引中这篇文章的段落数；尚未索引时为 0",
                                  "en": "The essay's passages in the current index; 0 until it is indexed"},
    "library.col.status": {"zh": "状态", "en": "Status"},
    "library.status.indexed": {"zh": "已索引", "en": "indexed"},
    "library.status.changed": {"zh": "索引后有改动", "en": "changed since indexing"},
    "library.status.new": {"zh": "尚未索引", "en": "not indexed yet"},
    "library.filetype.text": {"zh": "纯文本", "en": "text"},
    "library.filetype.markdown": {"zh": "Markdown", "en": "Markdown"},
    "library.filetype.web": {"zh": "网页", "en": "web page"},
    "library.filetype.pdf": {"zh": "PDF", "en": "PDF"},
    "library.filetype.word": {"zh": "Word 文档", "en": "Word"},
    "library.detail.file": {"zh": "文件", "en": "File"},
    "library.detail.type": {"zh": "类型", "en": "type"},
    "library.detail.source": {"zh": "来源", "en": "source"},
    "library.detail.author": {"zh": "作者", "en": "author"},
    "library.detail.keywords": {"zh": "关键词", "en": "keywords"},
    "library.detail.url": {"zh": "网址", "en": "web address"},
    "library.how_read": {"zh": "这篇文章是怎样读取的", "en": "How this essay was read"},
    "library.report_state.indexed": {"zh": "已按当前文件索引", "en": "indexed as it is now"},
    "library.report_state.changed": {
        "zh": "文件在索引后有改动；下面是已索引的段落（重建索引后更新）",
        "en": "the file changed since it was indexed; the passages shown are the indexed ones (rebuild the index)"},
    "library.report_state.new": {"zh": "尚未索引；下面是它将被切分成的段落（重建索引后可检索）",
                                 "en": "not indexed yet; the passages are how it would be chunked (rebuild the index)"},
    "library.report_state.removed": {"zh": "文件已不在语料库中；标题、元数据和段落取自索引",
                                     "en": "the file is no longer in the corpus; title, metadata and passages are "
                                           "the indexed ones"},
    "library.field.source": {"zh": "来源", "en": "Source"},
    "library.field.author": {"zh": "作者", "en": "Author"},
    "library.field.authors": {"zh": "作者", "en": "Authors"},
    "library.field.affiliation": {"zh": "单位", "en": "Affiliation"},
    "library.field.url": {"zh": "网址", "en": "Web address"},
    "library.field.date": {"zh": "日期", "en": "Date"},
    "library.field.keywords": {"zh": "关键词", "en": "Keywords"},
    "library.field.abstract": {"zh": "摘要", "en": "Abstract"},
    "library.field.clc": {"zh": "中图分类号", "en": "CLC number"},
    "library.field.doc_code": {"zh": "文献标识码", "en": "Document code"},
    "library.field.article_no": {"zh": "文章编号", "en": "Article number"},
    "library.field.fund": {"zh": "基金项目", "en": "Funding"},
    "library.field.author_bio": {"zh": "作者简介", "en": "About the author"},
    "library.field.received": {"zh": "收稿日期", "en": "Received"},
    "library.field.citation": {"zh": "引用本文", "en": "Cite as"},
    "library.field.editor": {"zh": "责任编辑", "en": "Editor"},
    "library.dropped": {"zh": "**舍弃的行**（{count} 行）", "en": "**Dropped lines** ({count})"},
    # why a line was dropped: the reader's rule names (ingest/boilerplate.py, frontmatter.py, html.py)
    "library.reason.affiliation": {"zh": "作者单位", "en": "affiliation"},
    "library.reason.after_the_essay": {"zh": "正文之后的内容", "en": "after the essay"},
    "library.reason.authors": {"zh": "作者行", "en": "authors"},
    "library.reason.banner": {"zh": "登录横幅", "en": "banner"},
    "library.reason.before_the_title": {"zh": "标题之前的内容", "en": "before the title"},
    "library.reason.breadcrumb": {"zh": "位置导航", "en": "breadcrumb"},
    "library.reason.byline": {"zh": "署名行", "en": "byline"},
    "library.reason.caption": {"zh": "图表说明", "en": "caption"},
    "library.reason.chrome": {"zh": "页面框架", "en": "chrome"},
    "library.reason.copyright": {"zh": "版权声明", "en": "copyright"},
    "library.reason.database_line": {"zh": "数据库信息", "en": "database line"},
    "library.reason.english_front_matter": {"zh": "英文题录", "en": "English front matter"},
    "library.reason.field_name": {"zh": "字段名", "en": "field name"},
    "library.reason.file_name": {"zh": "文件名", "en": "file name"},
    "library.reason.footnote": {"zh": "脚注", "en": "footnote"},
    "library.reason.metadata": {"zh": "元数据", "en": "metadata"},
    "library.reason.navigation": {"zh": "页面导航", "en": "navigation"},
    "library.reason.page_number": {"zh": "页码", "en": "page number"},
    "library.reason.property": {"zh": "属性行", "en": "property"},
    "library.reason.related_links": {"zh": "相关链接", "en": "related links"},
    "library.reason.reprint": {"zh": "转载声明", "en": "reprint"},
    "library.reason.running_head": {"zh": "页眉", "en": "running head"},
    "library.reason.separator": {"zh": "分隔线", "en": "separator"},
    "library.reason.share": {"zh": "分享按钮", "en": "share"},
    "library.reason.site_tags": {"zh": "网站标签", "en": "site tags"},
    "library.reason.source_line": {"zh": "来源行", "en": "source line"},
    "library.reason.table_of_contents": {"zh": "目录", "en": "table of contents"},
    "library.reason.table_of_contents_marker": {"zh": "目录标记", "en": "table of contents marker"},
    "library.reason.tags": {"zh": "标签", "en": "tags"},
    "library.reason.title_repeated": {"zh": "重复的标题", "en": "title repeated"},
    "library.paragraph": {"zh": "第 {n} 段", "en": "¶{n}"},
    "library.page": {"zh": "第 {n} 页", "en": "p. {n}"},
    "library.front_matter": {"zh": "（正文之前）", "en": "(front matter)"},
    "library.not_indexed": {"zh": "这篇文章尚未索引：重建索引后即可看到它的段落。",
                            "en": "This essay is not indexed yet: rebuild the index to see its passages."},
    "library.upload": {"zh": "添加文章", "en": "Add essays"},
    "library.upload_help": {
        "zh": "纯文本（UTF-8、GBK/GB18030 或 UTF-16）、Markdown、网页、带文字层的 PDF、Word（.docx）；"
              "每个文件不超过 {mb} MB",
        "en": "Text (UTF-8, GBK/GB18030 or UTF-16), Markdown, web pages, PDF with a text layer, Word .docx; "
              "at most {mb} MB each"},
    "library.upload_button": {"zh": "选择文件", "en": "Upload"},
    "library.upload_limits": {"zh": "每个文件不超过 {mb} MB · 纯文本、Markdown、网页、PDF、Word",
                              "en": "{mb} MB per file · text, Markdown, web page, PDF, Word"},
    "library.add_button": {"zh": "加入语料库", "en": "Add to the corpus"},
    "library.added": {"zh": "已加入 {essay}。重建索引后即可检索。",
                      "en": "Added {essay}. Rebuild the index to search it."},
    "library.refused": {"zh": "{name} 没有加入语料库。原因：{reason}",
                        "en": "{name} was not added to the corpus: {reason}"},
    "library.open": {"zh": "打开文章", "en": "Open an essay"},
    "library.no_such_essay": {"zh": "链接中的文章 {essay} 不在语料库中。",
                              "en": "The linked essay {essay} is not in the corpus."},

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
    "rebuild.header": {"zh": "重建索引", "en": "Rebuild the index"},
    "rebuild.caption": {
        "zh": "只读取新增和修改过的文章，只为从未计算过向量的段落计算向量。重建期间和重建失败后检索照常可用："
              "新索引完整建好之前，一直使用原来的索引。",
        "en": "Only new and changed essays are read, and only passages never embedded before are embedded. "
              "Searching keeps working during a rebuild and after a failed one: the previous index stays in use "
              "until the new one is complete."},
    "rebuild.button": {"zh": "立即重建", "en": "Rebuild now"},
    "rebuild.count.added": {"zh": "新增", "en": "added"},
    "rebuild.count.changed": {"zh": "已修改", "en": "changed"},
    "rebuild.count.removed": {"zh": "已删除", "en": "removed"},
    "rebuild.count.unchanged": {"zh": "未变", "en": "unchanged"},
    "rebuild.list.added": {"zh": "新增：", "en": "Added:"},
    "rebuild.list.changed": {"zh": "已修改：", "en": "Changed:"},
    "rebuild.list.removed": {"zh": "已删除：", "en": "Removed:"},
    "rebuild.renamed": {"zh": "**改名：** {old} → {new}（其段落不再重新计算向量）",
                        "en": "**Renamed:** {old} → {new} (its passages are not embedded again)"},
    "rebuild.aliases": {"zh": "**同一文件有多个名字**，只按 {essay} 索引一次：{names}",
                        "en": "**Same file under several names**, indexed once as {essay}: {names}"},
    "rebuild.will_skip": {"zh": "将被跳过：{problem}", "en": "Will be skipped: {problem}"},
    "rebuild.up_to_date": {"zh": "索引已是最新。", "en": "The index is up to date."},
    "rebuild.outdated": {
        "zh": "索引是用别的设置（模型、分段规则、`max_chars` 或分词方式）建的：下次重建会重新读取所有文章。",
        "en": "The index was built with other settings (model, chunker, max_chars or tokenizer): the next "
              "rebuild reads every essay again."},

    # --- about
    "about.header": {"zh": "关于这个知识库", "en": "About this knowledge base"},
    "about.essays": {"zh": "文章", "en": "Essays"},
    "about.passages": {"zh": "段落", "en": "Passages"},
    "about.size": {"zh": "索引大小", "en": "Index size"},
    "about.megabytes": {"zh": "{value} MB", "en": "{value} MB"},
    "about.model": {"zh": "模型", "en": "Model"},
    "about.model.name": {"zh": "名称", "en": "name"},
    "about.model.dimension": {"zh": "向量维数", "en": "dimensions"},
    "about.model.max_seq_length": {"zh": "最长输入（词元）", "en": "longest input (tokens)"},
    "about.model.precision": {"zh": "计算精度", "en": "precision"},
    "about.model.fingerprint": {"zh": "指纹", "en": "fingerprint"},
    "about.field": {"zh": "项目", "en": "field"},
    "about.value": {"zh": "值", "en": "value"},
    "about.configuration": {"zh": "设置", "en": "Configuration"},
    "about.config_caption": {
        "zh": "可用 `ESSAY_KB_*` 环境变量、命令行参数或 `essay-kb.toml` 修改。",
        "en": "Change them with `ESSAY_KB_*` environment variables, command-line flags or `essay-kb.toml`."},
    "about.setting": {"zh": "设置项", "en": "setting"},
    "about.meaning": {"zh": "含义", "en": "meaning"},
    "about.setting.corpus": {"zh": "要索引的文章所在文件夹。", "en": "Folder of essays to index."},
    "about.setting.index": {"zh": "索引存放的文件夹。", "en": "Folder where the built index lives."},
    "about.setting.model": {"zh": "向量模型的名称或路径；默认模型随软件附带，离线可用。",
                            "en": "Embedding model name or path; the default is bundled and works offline."},
    "about.setting.max_chars": {"zh": "一个段落块的最大字数；更长的段落在句末切分。",
                                "en": "Longest passage in characters; longer paragraphs split at sentence ends."},
    "about.setting.max_file_mb": {"zh": "单个文章文件的最大大小（MB），更大的文件会被跳过。",
                                  "en": "Largest essay file in MB; larger files are skipped."},
    "about.setting.batch_size": {"zh": "建索引时每批计算向量的段落数。", "en": "Passages embedded per batch."},
    "about.setting.precision": {"zh": "向量计算精度：fp32、bf16 或自动选择。",
                                "en": "Embedding arithmetic: fp32, bf16 or chosen automatically."},
    "about.setting.vector_store": {"zh": "近邻检索方式：精确（`flat`）、近似（`hnsw`）、自动（`auto`），或 Milvus。",
                                   "en": "Nearest-neighbour index: exact (flat), approximate (HNSW), automatic, "
                                         "or Milvus."},
    "about.setting.top_k": {"zh": "每个问题返回的段落数。", "en": "Passages returned per question."},
    "about.setting.lexical_tokenizer": {"zh": "BM25 如何切分中文：二字切分、结巴分词或两者结合。",
                                        "en": "How BM25 splits Chinese: bigrams, jieba words or both."},
    "about.setting.fusion": {"zh": "语义与 BM25 两种排序的融合方法：加权得分或倒数名次融合。",
                             "en": "How dense and BM25 rankings are fused: weighted scores or reciprocal ranks."},
    "about.setting.dense_weight": {"zh": "融合时语义一侧的权重（0＝只用 BM25，1＝只用语义）。",
                                   "en": "Weight of the dense side in fusion (0 = BM25 only, 1 = dense only)."},
    "about.setting.rrf_k": {"zh": "倒数名次融合的 k 值。", "en": "The k of reciprocal-rank fusion."},
    "about.setting.ocr": {"zh": "用 OCR 识别没有文字层的扫描版 PDF。",
                          "en": "Read scanned PDFs (no text layer) with OCR."},
    "about.setting.token": {"zh": "`kb serve` 的重建接口所需的令牌（空＝不需要）。",
                            "en": "Token that `kb serve` requires to rebuild (empty: none)."},
    "about.index": {"zh": "索引", "en": "Index"},
    "about.location": {"zh": "位置：`{path}`", "en": "Location: `{path}`"},
    "about.no_index": {"zh": "还没有索引。", "en": "No index yet."},
    "about.manifest.created": {"zh": "建立时间", "en": "built at"},
    "about.manifest.build_seconds": {"zh": "建索引用时", "en": "build time"},
    "about.manifest.seconds": {"zh": "{value} 秒", "en": "{value} s"},
    "about.manifest.model": {"zh": "模型", "en": "model"},
    "about.manifest.essays": {"zh": "文章数", "en": "essays"},
    "about.manifest.chunks": {"zh": "段落数", "en": "passages"},
    "about.manifest.skipped": {"zh": "跳过的文件", "en": "skipped files"},
    "about.manifest.chunker_version": {"zh": "分段规则版本", "en": "chunker version"},
    "about.manifest.lexical_tokenizer": {"zh": "BM25 分词方式", "en": "BM25 tokenizer"},
    "about.manifest.vector_store": {"zh": "向量索引", "en": "vector store"},
    "about.manifest.package_version": {"zh": "软件版本", "en": "essay-kb version"},
    "about.manifest.format_version": {"zh": "索引格式版本", "en": "index format version"},
    "about.raw": {"zh": "完整记录（JSON）", "en": "Full records (JSON)"},

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
    """The sidebar's language control. Its widget state is the session's choice (STATE_KEY), so the choice and the
    control never disagree, and a value set in session_state (tests, a later "remember me") shows in it; a reload
    keeps it, a new tab asks the browser again."""
    # A default beside a value already in session_state makes Streamlit warn; the browser's language is only the
    # first value.
    first = {} if st.session_state.get(STATE_KEY) in LANGS else {"default": browser_language()}
    st.sidebar.segmented_control(t("common.language"), LANGS, format_func=LANG_NAMES.__getitem__, key=STATE_KEY,
                                 on_change=_keep_a_language, **first)


_LAST_KEY = "ui_language_last"


def _keep_a_language() -> None:
    """A segmented control can be clicked empty; the language stays what it was instead."""
    if st.session_state.get(STATE_KEY) not in LANGS:
        st.session_state[STATE_KEY] = st.session_state.get(_LAST_KEY, browser_language())
    st.session_state[_LAST_KEY] = st.session_state[STATE_KEY]


def number(value: float, decimals: int = 0) -> str:
    """12,345 / 0.9 in the session's locale, one decimal style everywhere."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE[language()])


def percent(share: float, decimals: int = 0) -> str:
    """A share in [0, 1] as a percentage: 87% (en) / 87% (zh)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(share, format=pattern, locale=_BABEL_LOCALE[language()])
