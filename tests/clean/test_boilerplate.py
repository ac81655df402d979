"""Boilerplate line rules: each family on small texts written for these tests, then the real seed pair."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.clean.boilerplate import (
    RULE_NAMES,
    SOURCE_BOILERPLATE_MAX_CHARS,
    CleanResult,
    RemovedLine,
    byline_name,
    clean_text,
    normalise_line,
    split_lines,
)

# Body paragraphs written for these tests (a fictional harbour town), long enough to read as body text.
P1 = (
    "PORT ALDER — The town council voted 5-2 on Tuesday to spend $4 million repairing the north breakwater, "
    "which was cracked by a winter storm that flooded the fish market and stranded two ferries for a week."
)
P2 = (
    "Engineers told the council the repairs would take most of the summer, and that the ferry schedule would "
    "be cut to four crossings a day while crews work on the seaward side of the wall."
)
P3 = (
    "Harbourmaster Ines Vogel said fishermen had waited long enough. The fleet lost nearly a month of "
    "landings after the storm, and several boats moved to the neighbouring port of Kestrel Bay for good."
)
P4 = (
    "The council will meet again in June to review bids from contractors, and residents can comment on the "
    "plan at the library until the end of May, officials said on Wednesday."
)
QUOTE = "\u201cWe cannot let the harbour silt up again,\u201d Vogel said. \u201cThe town depends on it.\u201d"


def doc(*lines: str) -> str:
    """Paragraphs separated by blank lines, as crawled text usually is."""
    return "\n\n".join(lines)


def rules(result: CleanResult) -> dict[str, str]:
    """Removed line text (stripped) -> rule name."""
    return {r.text.strip(): r.rule for r in result.removed}


def kept(result: CleanResult) -> list[str]:
    return [line for line in result.text.split("\n") if line.strip()]


def assert_body_kept(result: CleanResult, *paragraphs: str) -> None:
    lines = kept(result)
    for paragraph in paragraphs:
        assert paragraph in lines, f"body paragraph removed: {paragraph[:60]!r} ({rules(result)})"


# ----------------------------------------------------------------------------------------------------------
# shape of the result


def test_empty_and_blank_text() -> None:
    assert clean_text("") == CleanResult(text="", title=None, removed=())
    assert clean_text("\n \n\t\n") == CleanResult(text="", title=None, removed=())


def test_plain_story_is_untouched_and_paragraphs_survive() -> None:
    text = doc("Council approves breakwater repairs", P1, P2, QUOTE, P3, P4)
    result = clean_text(text)
    assert result.removed == ()
    assert result.text == text
    assert result.title == "Council approves breakwater repairs"


def test_removed_lines_report_original_line_numbers_and_text() -> None:
    text = "Council approves breakwater repairs\n\n  ADVERTISEMENT  \n" + P1 + "\n\n" + P2
    result = clean_text(text)
    assert result.removed == (RemovedLine(line=3, text="  ADVERTISEMENT  ", rule="advertisement"),)
    assert result.text == "Council approves breakwater repairs\n\n" + P1 + "\n\n" + P2


def test_blank_line_runs_collapse_and_removed_lines_leave_no_gap() -> None:
    text = "\n\n" + P1 + "\n\n\n\nAdvertisement\n\n\n" + P2 + "\n\n"
    assert clean_text(text).text == P1 + "\n\n" + P2


def test_crlf_line_endings() -> None:
    text = f"Harbour news\r\n\r\n{P1}\r\nSponsored\r\n\r\n{P2}\r\n"
    result = clean_text(text)
    assert rules(result) == {"Sponsored": "advertisement"}
    assert result.text == f"Harbour news\n\n{P1}\n\n{P2}"


def test_every_reported_rule_is_a_known_name() -> None:
    text = doc(
        "Home > Local > Harbour",
        "Council approves breakwater repairs",
        "By Ana Ruiz",
        P1,
        "Advertisement",
        P2,
    )
    assert {r.rule for r in clean_text(text).removed} <= set(RULE_NAMES)


def test_split_lines_only_on_newline() -> None:
    assert split_lines("a\r\nb\x0cc\u2028d\n") == ["a", "b\x0cc\u2028d", ""]


def test_normalise_line() -> None:
    assert normalise_line("  \u2022  Don\u2019t   MISS\u00a0this ") == "don't miss this"
    assert normalise_line("\uff46\uff55\uff4c\uff4c\u200bwidth") == "fullwidth"


# ----------------------------------------------------------------------------------------------------------
# rule families


def test_navigation_breadcrumbs_and_menus() -> None:
    text = doc(
        "Home > Local > Harbour",
        "News Sport Weather Opinion Business",
        "Council approves breakwater repairs",
        P1,
        P2,
    )
    result = clean_text(text)
    assert rules(result) == {
        "Home > Local > Harbour": "navigation",
        "News Sport Weather Opinion Business": "navigation",
    }
    assert result.title == "Council approves breakwater repairs"


def test_breadcrumb_glued_to_headline_is_navigation_not_title() -> None:
    text = doc(
        "Home LocalPolitics Council approves breakwater repairs",
        "Council approves breakwater repairs",
        P1,
        P2,
    )
    result = clean_text(text)
    assert rules(result) == {"Home LocalPolitics Council approves breakwater repairs": "navigation"}
    assert result.title == "Council approves breakwater repairs"


def test_section_label_above_headline_is_navigation() -> None:
    result = clean_text(doc("Coast | Storm Recovery", "Council approves breakwater repairs", P1, P2))
    assert rules(result) == {"Coast | Storm Recovery": "navigation"}
    assert result.title == "Council approves breakwater repairs"


def test_headline_with_site_suffix_is_kept_as_title() -> None:
    result = clean_text(doc("Council approves breakwater repairs after winter storm | Alder Post", P1, P2))
    assert result.removed == ()
    assert result.title == "Council approves breakwater repairs after winter storm | Alder Post"


def test_title_is_none_when_the_text_starts_with_body() -> None:
    assert clean_text(doc(P1, P2)).title is None


def test_bylines_and_comment_counters() -> None:
    text = doc(
        "Council approves breakwater repairs",
        "By Maria Okafor and Tom Lindqvist",
        "Written by: Priya Raman",
        "By a staff correspondent",
        "12 Comments",
        P1,
        "By the end of the meeting, most of the fishermen in the gallery had gone home to mend nets.",
        P2,
        "Leave a comment",
    )
    result = clean_text(text)
    assert rules(result) == {
        "By Maria Okafor and Tom Lindqvist": "byline",
        "Written by: Priya Raman": "byline",
        "By a staff correspondent": "byline",
        "12 Comments": "byline",
        "Leave a comment": "byline",
    }
    assert_body_kept(
        result,
        P1,
        P2,
        "By the end of the meeting, most of the fishermen in the gallery had gone home to mend nets.",
    )


def test_byline_name() -> None:
    assert byline_name("by Harbour Weekly") == "Harbour Weekly"
    assert byline_name("  \u2022 By JANE ROE, Staff Writer") == "JANE ROE, Staff Writer"
    assert byline_name("By Friday the market had fallen.") is None
    assert byline_name("Bystanders watched") is None


def test_timestamps() -> None:
    text = doc(
        "Council approves breakwater repairs",
        "Updated 10:42 a.m. ET March 3, 2023",
        "Published: 12 May 2021 | Updated: 13 May 2021",
        "4 min read",
        P1,
        "Call 555-0142-77",
        P2,
    )
    result = clean_text(text)
    assert rules(result) == {
        "Updated 10:42 a.m. ET March 3, 2023": "timestamp",
        "Published: 12 May 2021 | Updated: 13 May 2021": "timestamp",
        "4 min read": "timestamp",
    }


def test_share_subscribe_and_sign_in_rows() -> None:
    body = (
        "Residents were invited to share their views on the plan, and dozens chose to subscribe to text "
        "updates from the council or sign in to the town website to leave written comments."
    )
    text = doc(
        "Council approves breakwater repairs",
        "Share on Facebook  Share on X  Email this article",
        "Sign in | Register",
        "Tweet",
        P1,
        body,
        P2,
    )
    result = clean_text(text)
    assert rules(result) == {
        "Share on Facebook  Share on X  Email this article": "share_row",
        "Sign in | Register": "share_row",
        "Tweet": "share_row",
    }
    assert_body_kept(result, body)


def test_cookie_banners_but_not_sentences_about_cookies() -> None:
    long_body = (
        "The bakery on Quay Street, which sells oat cookies to the ferry crews, said it would accept card "
        "payments again once the power lines along the seafront are repaired next month."
    )
    short_body = "The cookies sold out by noon."
    banner = (
        "We use cookies to personalise content and ads. "
        "By continuing to browse you agree to our use of cookies."
    )
    text = doc(
        "Council approves breakwater repairs",
        P1,
        "We use cookies to personalise content and ads. By continuing to browse you agree to our use of"
        " cookies.",
        "Accept all cookies",
        long_body,
        short_body,
        P2,
    )
    result = clean_text(text)
    assert rules(result) == {banner: "cookie_banner", "Accept all cookies": "cookie_banner"}
    assert_body_kept(result, long_body, short_body)


def test_newsletter_boxes_but_not_sentences_about_newsletters() -> None:
    body = "Her weekly newsletter, which she began in 2019, now reaches 4,000 fishermen along the coast."
    text = doc(
        "Council approves breakwater repairs",
        P1,
        "Sign up for our free morning newsletter",
        "Get the best local stories delivered to your inbox.",
        "Enter your email address",
        body,
        P2,
    )
    result = clean_text(text)
    assert rules(result) == {
        "Sign up for our free morning newsletter": "newsletter",
        "Get the best local stories delivered to your inbox.": "newsletter",
        "Enter your email address": "newsletter",
    }
    assert_body_kept(result, body)


def test_related_block_header_and_its_list() -> None:
    text = doc(
        "Council approves breakwater repairs",
        P1,
        P2,
        "Related: Ferry operator warns of summer delays",
        P3,
        "Most Read",
        "Lighthouse keeper retires after 40 years",
        "Why the harbour seals are back?",
        "Fish market reopens",
        P4,
    )
    result = clean_text(text)
    assert rules(result) == {
        "Related: Ferry operator warns of summer delays": "related_block",
        "Most Read": "related_block",
        "Lighthouse keeper retires after 40 years": "related_block",
        "Why the harbour seals are back?": "related_block",
        "Fish market reopens": "related_block",
    }
    assert_body_kept(result, P1, P2, P3, P4)


def test_placeholder_text() -> None:
    result = clean_text(doc(P1, "Lorem ipsum dolor sit amet, sed do eiusmod tempor.", P2))
    assert rules(result) == {"Lorem ipsum dolor sit amet, sed do eiusmod tempor.": "placeholder"}


def test_widget_errors_whole_or_split_over_bulleted_lines() -> None:
    text = "\n".join(
        [
            "Council approves breakwater repairs",
            "",
            "  \u00b7 An error occurred.",
            "    Please try again.",
            "  * Whoops! There was a problem loading this content",
            "",
            P1,
            "Your browser does not support the video tag.",
            "",
            P2,
        ]
    )
    result = clean_text(text)
    assert rules(result) == {
        "\u00b7 An error occurred.": "widget_error",
        "Please try again.": "widget_error",
        "* Whoops! There was a problem loading this content": "widget_error",
        "Your browser does not support the video tag.": "widget_error",
    }
    assert_body_kept(result, P1, P2)


def test_click_here_and_read_more_links_but_not_sentences_about_clicking() -> None:
    body = "Users who click on the banner are sent to a sign-up page."
    text = doc(P1, "Click here to watch the council meeting", "Read more \u00bb", body, P2)
    result = clean_text(text)
    assert rules(result) == {
        "Click here to watch the council meeting": "click_here",
        "Read more \u00bb": "click_here",
    }
    assert_body_kept(result, body)


def test_advertisement_markers() -> None:
    text = doc(P1, "ADVERTISEMENT", "Story continues below advertisement", P2, "Sponsored Content", P3)
    result = clean_text(text)
    assert rules(result) == {
        "ADVERTISEMENT": "advertisement",
        "Story continues below advertisement": "advertisement",
        "Sponsored Content": "advertisement",
    }


def test_copyright_and_legal_links() -> None:
    body = "Copyright lawyers for the ferry company said the new timetable could not be reprinted by rivals."
    text = doc(
        P1,
        body,
        P2,
        "\u00a9 2023 Alder Media Group. All rights reserved.",
        "Terms of Use | Privacy Policy | Cookie Policy",
    )
    result = clean_text(text)
    assert rules(result) == {
        "\u00a9 2023 Alder Media Group. All rights reserved.": "legal_footer",
        "Terms of Use | Privacy Policy | Cookie Policy": "legal_footer",
    }
    assert_body_kept(result, body)


def test_repeated_line_keeps_first_copy() -> None:
    caption = "Crews inspect the cracked breakwater at low tide on Monday. The wall was built in 1952."
    text = doc(P1, caption + "\n" + caption, P2, caption, "\n\n" + caption)
    result = clean_text(text)
    removed = [r for r in result.removed if r.rule == "repeated_line"]
    assert [r.line for r in removed] == [4, 12]
    assert kept(result).count(caption) == 2  # the first copy of each adjacent pair


def test_credit_lines_are_removed() -> None:
    text = doc(
        P1,
        P2,
        "This story was originally published by the Valley Ledger.",
        "Read the full article at The Valley Ledger",
        "Source: Coastal Wire Service",
    )
    result = clean_text(text)
    assert rules(result) == {
        "This story was originally published by the Valley Ledger.": "credit",
        "Read the full article at The Valley Ledger": "credit",
        "Source: Coastal Wire Service": "credit",
    }


def test_inline_teasers_between_body_paragraphs() -> None:
    text = doc(
        "Budget watch: Council approves breakwater repairs",
        P1,
        "Ferries: Operator cuts crossings as repairs begin",
        P2,
        "What it means: Higher fares likely for island residents",
        P3,
        P4,
    )
    result = clean_text(text)
    assert rules(result) == {
        "Ferries: Operator cuts crossings as repairs begin": "teaser",
        "What it means: Higher fares likely for island residents": "teaser",
    }
    assert result.title == "Budget watch: Council approves breakwater repairs"  # a title, not a teaser


@pytest.mark.parametrize(
    "line",
    [
        "Vogel said: \u201cWe will rebuild it stronger than before.\u201d",  # speech
        "Q: How long will the ferries run on the reduced timetable?",  # interview turn
        "Vogel: We are ready to start on Monday.",  # transcript turn
        "The plan: We will close the north quay first and open it in July.",  # first person
        "Here is why:",  # too short
    ],
)
def test_colon_lines_that_are_not_teasers_survive(line: str) -> None:
    result = clean_text(doc(P1, P2, line, P3, P4))
    assert result.removed == (), rules(result)


def test_trailing_footer_labels_but_not_closing_sentences_or_lists() -> None:
    text = doc(
        P1,
        P2,
        "He declined to comment.",
        "June 3 \u2013 Kestrel Bay, Pier 4",
        "\u201cWe will be back\u201d",
        "Alder Post Newsroom",
        "Sections",
        "About",
    )
    result = clean_text(text)
    assert rules(result) == {"Alder Post Newsroom": "footer", "Sections": "footer", "About": "footer"}
    assert_body_kept(
        result, "He declined to comment.", "June 3 \u2013 Kestrel Bay, Pier 4", "\u201cWe will be back\u201d"
    )


def test_short_lines_are_not_footer_without_a_body_paragraph() -> None:
    text = doc("Ferry times", "Monday to Friday", "Weekends only in winter")
    assert clean_text(text).removed == ()


def test_source_boilerplate_from_corpus_evidence_with_length_guard() -> None:
    promo = "Get the Alder Post app for the latest harbour news"
    long_repeated = ("The Alder Post is an independent newsroom covering the coast. " * 6).strip()
    assert len(long_repeated) > SOURCE_BOILERPLATE_MAX_CHARS
    flagged = {promo, long_repeated}
    text = doc(P1, promo, P2, long_repeated)
    result = clean_text(text, is_source_boilerplate=lambda line: line in flagged)
    assert rules(result) == {promo: "source_boilerplate"}
    assert_body_kept(result, P1, P2, long_repeated)


def test_specific_rules_win_over_corpus_evidence() -> None:
    result = clean_text(doc(P1, "Advertisement", P2), is_source_boilerplate=lambda line: True)
    assert rules(result)["Advertisement"] == "advertisement"


# ----------------------------------------------------------------------------------------------------------
# properties

_line = st.one_of(
    st.sampled_from(
        [P1, P2, QUOTE, "Advertisement", "By Ana Ruiz", "Home > News", "", "  ", "\u2022", "Oops!"]
    ),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, max_size=12))
def test_kept_and_removed_lines_partition_the_original(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = clean_text(text)
    original = split_lines(text)
    for removed in result.removed:
        assert original[removed.line - 1] == removed.text
        assert removed.rule in RULE_NAMES
    removed_numbers = {r.line for r in result.removed}
    assert len(removed_numbers) == len(result.removed)
    kept_lines = [line for line in result.text.split("\n") if line]
    candidates = [line for i, line in enumerate(original, 1) if i not in removed_numbers]
    # kept lines appear in order and unchanged
    it = iter(candidates)
    assert all(any(line == c for c in it) for line in kept_lines)
    assert clean_text(text) == result  # deterministic


# ----------------------------------------------------------------------------------------------------------
# the real seed pair (tests/data/seeds, see SOURCE.md)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_seed_excerpt_000(seed_paths: tuple[Path, Path]) -> None:
    text = _read(seed_paths[0])
    result = clean_text(text)
    got = rules(result)
    lines = kept(result)

    assert result.title == "Guns and drugs on agenda for Joe Biden, Mexico\u2019s AMLO"
    assert got["Home NewsCrime Guns and drugs on agenda for Joe Biden, Mexico\u2019s AMLO"] == "navigation"
    assert got["by Yucatan Times"] == "byline"
    assert got["0 comment"] == "byline"
    assert got["CLICK HERE FOR FULL ARTICLE ON YAHOO NEWS"] == "credit"
    assert got["You may also like"] == "related_block"
    assert any(t.startswith("This website uses cookies") and r == "cookie_banner" for t, r in got.items())
    assert any(t.startswith("Lorem ipsum") and r == "placeholder" for t, r in got.items())
    assert got["Newsletter"] == "newsletter"
    for footer in ("TYT Newsroom", "Our Company", "Laest News"):
        assert footer in got

    # body paragraphs (lines 8-21 of the file), quotes and the caption's first copy survive
    body = [line for line in split_lines(text)[7:21] if line.strip()]
    assert len(body) == 8
    caption = body[5]
    assert caption.startswith("Armed men")
    assert lines.count(caption) == 1
    assert [r.line for r in result.removed if r.rule == "repeated_line"] == [19]
    for paragraph in set(body):
        assert paragraph in lines
    assert any(line.startswith("MEXICO CITY") for line in lines)
    assert sum(line.startswith("\u201c") for line in lines) == 2
    # nothing but the headline and the body is left
    assert lines == ["Guns and drugs on agenda for Joe Biden, Mexico\u2019s AMLO", *body[:5], *body[6:]]


def test_seed_full_copy_001(seed_paths: tuple[Path, Path]) -> None:
    text = _read(seed_paths[1])
    result = clean_text(text)
    got = rules(result)
    lines = kept(result)

    assert result.title == "'Getting to the kingpins': Guns and drugs on agenda for Joe Biden, Mexico's AMLO"
    widget = [r for r in result.removed if r.rule == "widget_error"]
    assert [r.text.strip() for r in widget] == [
        "\u2022 Oops!",
        "Something went wrong.",
        "Please try again later.",
    ] * 2
    teasers = sorted(t for t, r in got.items() if r == "teaser")
    assert [t.split(":")[0] for t in teasers] == ["Climate", "DHS", "Harris meets AMLO", "What to expect"]
    credit = [t for t, r in got.items() if r == "credit"]
    assert len(credit) == 1 and credit[0].startswith("This article originally appeared on USA TODAY:")
    assert sorted(r.line for r in result.removed if r.rule == "repeated_line") == [23, 50]
    assert len(result.removed) == 13

    removed_numbers = {r.line for r in result.removed}
    body = [line for i, line in enumerate(split_lines(text), 1) if line.strip() and i not in removed_numbers]
    assert len(body) == 25  # 38 non-blank lines, 13 removed
    assert lines == body  # everything else (headline, body, quotes, first caption copies) is kept
    assert any(line.startswith("MEXICO CITY") for line in lines)
    assert sum(line.startswith("\u201c") for line in lines) == 5


def test_seed_pair_cleaned_excerpt_is_contained_in_cleaned_full_copy(seed_paths: tuple[Path, Path]) -> None:
    excerpt = clean_text(_read(seed_paths[0]))
    full = clean_text(_read(seed_paths[1]))
    full_lines = set(kept(full))
    body = kept(excerpt)[1:]  # the headlines differ (the full copy has a kicker)
    assert body and all(line in full_lines for line in body)


def test_related_label_at_the_top_does_not_eat_the_headline() -> None:
    result = clean_text(doc("Latest News", "Council approves breakwater repairs", P1, P2))
    assert rules(result) == {"Latest News": "related_block"}
    assert result.title == "Council approves breakwater repairs"


# ----------------------------------------------------------------------------------------------------------
# menu runs at the top, long legal notices, bios and tag clouds after the story


def test_run_of_short_menu_labels_above_the_headline_is_navigation() -> None:
    menu = ["Topics", "Week's top", "Unread news", "Harbour & Coast", "Ferries"]
    headline = "Council votes to repair the north breakwater"
    result = clean_text(doc(*menu, headline, P1, P2))
    assert rules(result) == dict.fromkeys(menu, "navigation")
    assert result.title == headline
    assert_body_kept(result, headline, P1, P2)


def test_short_lines_that_are_not_a_menu_run_survive() -> None:
    # two short lines are a dateline and a section label, not a menu; a short headline right before the
    # body stays; a list after the story has begun (a sentence) is the story's
    assert clean_text(doc("PORT ALDER", "Local", P1, P2)).removed == ()
    result = clean_text(doc("Home", "News", "Sport", "Breakwater repairs approved", P1))
    assert "Breakwater repairs approved" in kept(result)
    features = ["Longer crossings", "New timetable", "Bigger car deck", "Free wifi"]
    result = clean_text(doc("What changes for passengers this summer?", *features, P1, P2))
    assert result.removed == ()


def test_menu_items_are_short_in_characters_too() -> None:
    # a script without spaces has one "word" per line: length in characters tells a label from a sentence
    sentence = "\u6e2f\u306e\u9632\u6ce2\u5824\u306f\u51ac\u306e\u5d50\u3067\u58ca\u308c\u305f\u305f\u3081\u3001\u753a\u8b70\u4f1a\u306f\u4fee\u7e55\u8cbb\u3092\u627f\u8a8d"
    lines = [f"{sentence}{sentence}{i}" for i in range(5)]  # one "word" each, yet 50 characters: not labels
    assert clean_text(doc(*lines, P1)).removed == ()


def test_long_copyright_notice_with_terms_of_use_is_legal() -> None:
    notice = (
        "\u00a9 2023 Alder Media Group. All rights reserved. Use of this site constitutes acceptance of our "
        "User Agreement and Privacy Policy and Cookie Statement and your California privacy rights. The "
        "material on this site may not be reproduced, distributed, transmitted, cached or otherwise used, "
        "except with the prior written permission of Alder Media Group. Ad Choices and more terms that make "
        "this line longer than any rule for short lines would look at, as such notices are in the wild."
    )
    assert len(notice.split()) > 40
    trademarks = "Ferrylink and the Ferrylink logo are registered trademarks of Alder Ferries Ltd."
    citation = "Citation: Breakwater repairs approved (2023, May 2) retrieved 3 May 2023 from https://example.org/b"
    result = clean_text(doc(P1, P2, trademarks, citation, notice))
    assert rules(result) == {trademarks: "legal_footer", citation: "legal_footer", notice: "legal_footer"}


def test_author_bio_and_tag_cloud_after_the_story_are_footer() -> None:
    bio = (
        "Ana Ruiz (@anaruiz) is a senior reporter at the Alder Post, where she has covered the harbour and "
        "the ferry lines since 2015."
    )
    cloud = " ".join(["Harbour Ferries Breakwater Kestrel Bay Council Storm Fish Market Tides Weather"] * 5)
    result = clean_text(doc(P1, P2, P3, bio, "Tags", cloud, "About us"))
    assert rules(result) == {bio: "footer", "Tags": "footer", cloud: "footer", "About us": "footer"}
    assert_body_kept(result, P1, P2, P3)


def test_bio_shaped_sentence_inside_the_story_survives() -> None:
    inside = "Ines Vogel is a harbourmaster who has run the port for twenty years, and she said the wall must hold."
    result = clean_text(doc(P1, inside, P2, P3))
    assert result.removed == ()


def test_company_about_paragraph_after_a_release_is_footer() -> None:
    about = (
        "Alder Ferries is a regional transport provider focused on island crossings. The company runs "
        "twelve vessels and employs 400 people along the coast."
    )
    closing = "The company is a major employer in the town, and the council said the repairs would protect it."
    result = clean_text(doc(P1, closing, P2, about))
    assert rules(result) == {about: "footer"}
    assert_body_kept(result, closing)


def test_long_consent_text_and_subscribe_by_email_lines() -> None:
    consent = "This website uses cookies to improve your experience while you navigate through the website. " * 8
    subscribe = "Enter your email address to subscribe to the Alder Post and receive notifications of new posts by email."
    result = clean_text(doc(P1, P2, subscribe, "Join 513 other subscribers", consent.strip()))
    assert rules(result) == {
        subscribe: "newsletter",
        "Join 513 other subscribers": "newsletter",
        consent.strip(): "cookie_banner",
    }


def test_consent_text_opening_with_by_choosing() -> None:
    consent = "By choosing I Accept, you consent to our use of cookies and other tracking technologies."
    result = clean_text(doc(consent, P1, P2))
    assert rules(result) == {consent: "cookie_banner"}
