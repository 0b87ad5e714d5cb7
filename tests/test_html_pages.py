"""HTML pages (issue 13): the article readability-lxml finds, the page's own <title>/<h1>/<meta> as evidence, and
nothing of the essay lost on the way. Real parser, pages written for this test."""

from __future__ import annotations

from essay_kb.chunker import chunk_essay
from essay_kb.ingest import parse_essay
from essay_kb.ingest.html import html_to_lines

BODY = [
    "城市更新不只是拆旧建新，更是对居民生活方式的重新安排。许多老旧街区的改造从修路和刷墙开始，却在停车、晾晒和邻里交往这些细节上引起了新的矛盾。",
    "一些街道在改造前先开居民议事会，把方案画成图纸贴在楼下，请居民写下意见。方案因此改了三次，施工期间的投诉却明显减少，居民也更愿意维护改造后的公共空间。",
    "改造完成以后，管理同样重要。街道与物业、居民代表共同制定公约，约定公共空间的使用规则和维修责任，让改造的成果能够保持下去，而不是几年后又回到原样。",
]
COMMENTS = [
    "老街坊：我们小区去年也改造了，楼道亮堂了不少，就是停车位还是不够，晚上回来经常要绕好几圈才能找到位置。",
    "路过的网友：希望改造的时候多听听老人的意见，他们在这里住得最久，最清楚哪里需要修，哪里其实不用动。",
]


def _page(head: str, article: str, before: str = "", after: str = "") -> bytes:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>
<div class="topmenu"><a href="/">首页</a> <a href="/a/">城市</a> <a href="/b/">社区</a> <a href="/c/">评论</a></div>
{before}<div class="article">{article}</div>{after}
<div class="copyright">某某城市网 版权所有</div></body></html>""".encode()


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def test_citation_metas_become_metadata() -> None:
    head = ("<title>老旧街区改造中的居民参与_某某城市网</title>"
            '<meta name="citation_title" content="老旧街区改造中的居民参与">'
            '<meta name="citation_author" content="林知远"><meta name="citation_author" content="何晴">'
            '<meta name="citation_journal_title" content="城市社区研究">'
            '<meta name="citation_publication_date" content="2023/04/18">')
    essay = parse_essay(_page(head, "<h1>老旧街区改造中的居民参与</h1>" + _paragraphs(BODY)), "page.html")
    assert essay.title == "老旧街区改造中的居民参与"
    assert essay.meta.author == "林知远；何晴"
    assert essay.meta.source == "城市社区研究"
    assert essay.meta_extra["date"] == "2023-04-18"


def test_a_byline_on_the_page_wins_over_the_site_author_meta() -> None:
    head = '<title>老旧街区改造中的居民参与</title><meta name="author" content="某某城市网">'
    article = "<h1>老旧街区改造中的居民参与</h1><p>作者：林知远　来源：城市社区研究</p>" + _paragraphs(BODY)
    essay = parse_essay(_page(head, article), "page.html")
    assert essay.meta.author == "林知远"
    assert essay.meta.source == "城市社区研究"


def test_og_title_is_the_title_when_the_page_has_no_h1() -> None:
    head = ('<title>老旧街区改造中的居民参与--某某城市网</title>'
            '<meta property="og:title" content="老旧街区改造中的居民参与">')
    essay = parse_essay(_page(head, '<div class="t">老旧街区改造中的居民参与</div>' + _paragraphs(BODY)), "p.html")
    assert essay.title == "老旧街区改造中的居民参与"
    assert essay.text.count("老旧街区改造中的居民参与") == 1


def test_og_title_that_the_page_title_does_not_repeat_is_not_taken_over_the_h1() -> None:
    # Some sites give og:title the site's name on every page.
    head = '<title>老旧街区改造中的居民参与 - 某某城市网</title><meta property="og:title" content="某某城市网">'
    essay = parse_essay(_page(head, "<h1>老旧街区改造中的居民参与</h1>" + _paragraphs(BODY)), "page.html")
    assert essay.title == "老旧街区改造中的居民参与"


def test_site_suffixes_come_off_the_page_title_but_a_hyphen_inside_the_title_stays() -> None:
    for page_title, title in (("社区食堂的运营模式--期刊网", "社区食堂的运营模式"),
                              ("社区食堂的运营模式-治理评论网", "社区食堂的运营模式"),
                              ("2019-2020年社区食堂调查", "2019-2020年社区食堂调查"),
                              ("COVID-19疫情下的社区食堂", "COVID-19疫情下的社区食堂")):
        essay = parse_essay(f"<title>{page_title}</title><p>{BODY[0]}</p>".encode(), "t.html")
        assert essay.title == title


def test_comments_related_links_and_sidebars_after_the_article_stay_out_of_the_text() -> None:
    after = (f'<div class="related"><h3>相关阅读</h3><p><a href="#">{COMMENTS[0][:20]}</a></p></div>'
             f'<div class="comments"><h3>网友评论</h3>{_paragraphs(COMMENTS)}</div>'
             '<div class="side"><h3>热点推荐</h3><p><a href="#">地铁新线下月开通，沿线居民出行将更加便利</a></p></div>')
    essay = parse_essay(_page("<title>老旧街区改造中的居民参与</title>",
                              "<h1>老旧街区改造中的居民参与</h1>" + _paragraphs(BODY), after=after), "page.html")
    passages = " ".join(chunk.text for chunk in chunk_essay(essay))
    for line in (*COMMENTS, "网友评论", "热点推荐", "地铁新线下月开通", "某某城市网 版权所有"):
        assert line not in essay.text and line not in passages
    assert all(body in essay.text for body in BODY)
    dropped = dict(essay.dropped)
    assert dropped[COMMENTS[1]] == "after article"  # kept where kb show can list it


def test_nothing_of_the_essay_is_lost_abstract_keywords_lists_tables_references() -> None:
    # readability's own cleaned text drops short blocks, lists and tables; the article's container keeps them.
    article = ("<h1>老旧街区改造中的居民参与</h1><p>作者：林知远</p>"
               "<p>摘要：本文讨论老旧街区改造中居民参与的方式与效果。</p><p>关键词：城市更新；居民参与；社区治理</p>"
               "<h2>一、改造前的议事</h2>" + _paragraphs(BODY[:2])
               + "<ul><li>张贴方案图纸</li><li>收集书面意见</li></ul>"
               "<table><tr><td>改造前投诉</td><td>42件</td></tr><tr><td>改造后投诉</td><td>9件</td></tr></table>"
               "<h2>二、改造后的管理</h2>" + _paragraphs(BODY[2:])
               + "<p>参考文献：</p><p>[1]周文.城市更新与社区参与[J].城市研究,2021(3):1-9.</p>")
    after = f'<div class="comments"><h3>网友评论</h3>{_paragraphs(COMMENTS)}</div>'
    essay = parse_essay(_page("<title>老旧街区改造中的居民参与</title>", article, after=after), "page.html")
    for kept in (*BODY, "一、改造前的议事", "二、改造后的管理", "张贴方案图纸", "收集书面意见", "改造后投诉", "9件",
                 "[1]周文.城市更新与社区参与"):
        assert kept in essay.text
    assert essay.meta.author == "林知远"
    assert essay.meta.abstract == "本文讨论老旧街区改造中居民参与的方式与效果。"
    assert essay.meta.keywords == ("城市更新", "居民参与", "社区治理")
    assert COMMENTS[0] not in essay.text


def test_a_list_that_ends_the_article_is_kept_though_readability_drops_it() -> None:
    article = ("<h1>老旧街区改造中的居民参与</h1>" + _paragraphs(BODY)
               + "<p>居民提出的建议：</p><ul><li>增设非机动车棚</li><li>保留楼下的晾衣架</li>"
               "<li>每季度开一次议事会</li></ul>")
    after = f'<div class="comments"><h3>网友评论</h3>{_paragraphs(COMMENTS)}</div>'
    essay = parse_essay(_page("<title>老旧街区改造中的居民参与</title>", article, after=after), "page.html")
    for kept in ("增设非机动车棚", "保留楼下的晾衣架", "每季度开一次议事会"):
        assert kept in essay.text
    assert COMMENTS[0] not in essay.text


def test_the_head_of_the_page_stays_for_the_front_matter_classifier() -> None:
    # The byline sits outside the article's container; it is still read as metadata, never as a passage.
    before = ('<div class="crumb">当前位置：首页 > 社区 > 正文</div>'
              '<div class="info">作者：何晴　来源：城市社区研究</div>')
    essay = parse_essay(_page("<title>老旧街区改造中的居民参与</title>",
                              "<h1>老旧街区改造中的居民参与</h1>" + _paragraphs(BODY), before=before), "page.html")
    assert essay.meta.author == "何晴"
    assert essay.meta.source == "城市社区研究"
    assert not any("当前位置" in chunk.text or "作者" in chunk.text for chunk in chunk_essay(essay))


def test_a_page_whose_article_readability_cannot_find_is_read_whole() -> None:
    page = html_to_lines("<html><body><p>第一段。</p><p>第二段。</p></body></html>")
    assert [line.text for line in page.lines if line.text.strip()] == ["第一段。", "第二段。"]
    assert page.dropped == ()
    assert not any(line.text.strip() for line in html_to_lines("").lines)
