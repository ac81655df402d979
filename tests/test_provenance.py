"""Credits: who a document says its text came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.provenance import Credit, extract_credits


def kinds_names(text: str, *, url: str | None = None, source: str | None = None) -> list[tuple[str, str]]:
    return [(c.kind, c.name) for c in extract_credits(text, url=url, source=source)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "This article originally appeared on The Harbour Ledger: Council votes on repairs",
            [("originally_appeared", "The Harbour Ledger")],
        ),
        (
            "This story was originally published by Coastline News.",
            [("originally_appeared", "Coastline News")],
        ),
        (
            "A version of this story originally appeared in the Valley Ledger on May 3, 2021.",
            [("originally_appeared", "the Valley Ledger")],
        ),
        ("Originally published in Alder Weekly", [("originally_appeared", "Alder Weekly")]),
        ("CLICK HERE FOR FULL ARTICLE ON HARBOUR DAILY NEWS", [("full_article_link", "Harbour Daily News")]),
        ("Read the full story at Coastline News.", [("full_article_link", "Coastline News")]),
        ("Continue reading on Alder Weekly", [("full_article_link", "Alder Weekly")]),
        ("By Ana Ruiz", [("byline", "Ana Ruiz")]),
        ("by Harbour Weekly", [("byline", "Harbour Weekly")]),
        (
            "By Ana Ruiz, Coastline News | Updated 3 hours ago",
            [("byline", "Ana Ruiz"), ("byline", "Coastline News")],
        ),
        ("By Ana Ruiz, Staff Writer", [("byline", "Ana Ruiz")]),
        (
            "By Ana Ruiz, Associated Press",
            [("byline", "Ana Ruiz"), ("byline", "Associated Press"), ("wire", "Associated Press")],
        ),
        ("Source: Kestrel Bay Gazette", [("source_line", "Kestrel Bay Gazette")]),
        ("Source: Reuters", [("source_line", "Reuters"), ("wire", "Reuters")]),
        ("Courtesy of Alder Weekly", [("source_line", "Alder Weekly")]),
        ("via Coastline News", [("source_line", "Coastline News")]),
        ("PORT ALDER (AP) \u2014 The council voted on Tuesday to repair the breakwater.", [("wire", "AP")]),
        ("LONDON, Jan 5 (Reuters) - Shares in ferry operators rose on Monday.", [("wire", "Reuters")]),
        ("(CNN) \u2014 A storm closed the harbour.", [("wire", "CNN")]),
        ("\u2014 AFP", [("wire", "AFP")]),
        (
            "The ferry operator said it would appeal the ruling on Monday morning, according to a filing seen"
            " by reporters - Reuters",
            [("wire", "Reuters")],
        ),
        ("The Associated Press contributed to this report.", [("wire", "Associated Press")]),
        ("\u00a9 2023 Reuters. All rights reserved.", [("wire", "Reuters")]),
    ],
)
def test_credit_patterns(line: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_names(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "The study, first published in Nature, found that seals sleep in short bursts.",
        "Published on Jan 5, 2022",
        "Rep. Ana Ruiz (D) - who chairs the harbour committee - voted against the plan.",
        "By the end of the meeting, most of the fishermen had gone home.",
        "Via Rail announced new routes on Monday.",
        "Reuters reported on Monday that the ferry operator would appeal the council's decision in court.",
        "Sources said the talks would resume next week.",
        "Readers can read the full report at the town library until the end of the month.",
    ],
)
def test_sentences_are_not_credits(line: str) -> None:
    assert extract_credits(line) == ()


def test_line_numbers_evidence_dedup_and_order() -> None:
    text = "\n".join(
        [
            "Council approves breakwater repairs",
            "",
            "  By Ana Ruiz  ",
            "PORT ALDER (AP) \u2014 The council voted on Tuesday.",
            "",
            "The Associated Press contributed to this report.",
            "by ana ruiz",
            "This article originally appeared on Coastline News.",
        ]
    )
    credits = extract_credits(text, url="https://www.coastline.example/news/1", source="Coastline News")
    assert credits == (
        Credit(kind="byline", name="Ana Ruiz", line=3, evidence="By Ana Ruiz"),
        Credit(
            kind="wire", name="AP", line=4, evidence="PORT ALDER (AP) \u2014 The council voted on Tuesday."
        ),
        Credit(
            kind="wire",
            name="Associated Press",
            line=6,
            evidence="The Associated Press contributed to this report.",
        ),
        Credit(
            kind="originally_appeared",
            name="Coastline News",
            line=8,
            evidence="This article originally appeared on Coastline News.",
        ),
        Credit(
            kind="url_host",
            name="coastline.example",
            line=None,
            evidence="https://www.coastline.example/news/1",
        ),
        Credit(kind="source_field", name="Coastline News", line=None, evidence="Coastline News"),
    )


def test_fields_only() -> None:
    assert kinds_names("", url="http://WWW.Alder.example:8080/a?b=c") == [("url_host", "alder.example")]
    assert kinds_names("", url="https://news.alder.example/x") == [("url_host", "news.alder.example")]
    assert kinds_names("", url="not a url") == []
    assert kinds_names("", source="  ") == []
    assert kinds_names("", source="alder") == [("source_field", "alder")]
    assert extract_credits("") == ()


def test_seed_excerpt_000_credits(seed_paths: tuple[Path, Path]) -> None:
    credits = extract_credits(seed_paths[0].read_text(encoding="utf-8"))
    assert [(c.kind, c.name, c.line) for c in credits] == [
        ("byline", "Yucatan Times", 5),
        ("full_article_link", "Yahoo News", 23),
    ]
    assert credits[1].evidence == "CLICK HERE FOR FULL ARTICLE ON YAHOO NEWS"


def test_seed_full_copy_001_credits(seed_paths: tuple[Path, Path]) -> None:
    credits = extract_credits(seed_paths[1].read_text(encoding="utf-8"))
    assert [(c.kind, c.name, c.line) for c in credits] == [("originally_appeared", "USA TODAY", 68)]
    assert credits[0].evidence.startswith("This article originally appeared on USA TODAY:")


def _host_by_urlsplit(url: str) -> str | None:
    """What the URL host credit is defined as: urlsplit's host name, without ``www.``."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


_URL_PARTS = st.sampled_from(
    ["http", "https", "HTTPS", "ftp", "://", ":", "/", "//", "www.", "WWW.", "example", "news", ".com", ".co.uk",
     ".", "-", "@", "user", ":8080", "[::1]", "?q=1", "#top", " ", "\t", "\n", "\u00e9", "%20", "a b", "xn--"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_URL_PARTS, max_size=9).map("".join))
def test_the_url_host_is_urlsplits_host_for_any_address(url: str) -> None:
    from copydesk.provenance import url_host

    assert url_host(url) == _host_by_urlsplit(url)


@pytest.mark.parametrize("url", [
    "https://www.example.com/world/2023/07/a-story-123", "http://news.example.co.uk", "https://example.com?x=1",
    "https://Example.com/", "https://user@example.com/", "https://example.com:8080/", "  https://example.com/a  ",
    "https://exa mple.com/", "https://example.com/a b", "https://[::1]/", "https://", "example.com/no-scheme",
    "https://www.", "https://example.com/\u00e9t\u00e9",
])
def test_the_url_host_of_common_and_odd_addresses(url: str) -> None:
    from copydesk.provenance import url_host

    assert url_host(url) == _host_by_urlsplit(url)
