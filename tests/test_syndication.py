from __future__ import annotations

from copydesk.provenance import Credit
from copydesk.syndication import NameKeys, syndication_edges


def _members() -> list[tuple[str, str | None, tuple[Credit, ...]]]:
    yahoo = (Credit("url_host", "news.yahoo.com", None, "https://news.yahoo.com/a"),)
    regional = (
        Credit("full_article_link", "Yahoo News", 9, "CLICK HERE FOR FULL ARTICLE ON YAHOO NEWS"),
        Credit("byline", "Yucatan Times", 2, "by Yucatan Times"),
    )
    return [("yahoo-1", None, yahoo), ("regional-7", "The Regional Herald", regional)]


def test_a_credit_links_to_the_member_that_published_the_credited_name() -> None:
    edges = syndication_edges(_members())
    linked = {(e.doc, e.credited, e.credited_doc) for e in edges}
    assert ("regional-7", "Yahoo News", "yahoo-1") in linked
    assert ("regional-7", "Yucatan Times", None) in linked  # no member published it: named, not linked
    assert all(e.doc != "yahoo-1" for e in edges)  # field-derived credits name the copy's own publisher


def test_keys_shared_across_clusters_change_nothing() -> None:
    keys = NameKeys()
    first = syndication_edges(_members(), keys)
    again = syndication_edges(list(reversed(_members())), keys)
    assert first == syndication_edges(_members())
    assert again == syndication_edges(list(reversed(_members())))
