"""The scenarios of issue 16 (passage-level matching without site metadata), each through ``copydesk.dedup``.

Texts are hand-written news prose on fictional sites' furniture (``tests/passage_fixtures.py``); docs without
a ``source`` (bare ``.txt`` files in one folder, or ``Document`` objects without one) are judged by the prose
judgement, docs with one by corpus evidence. What a careful reader would say of each pair follows
``../shared/LABELLING.md``."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

import copydesk
from copydesk import Document, Reason, Role
from passage_fixtures import (
    BRIEFS,
    LIBRARY,
    LIBRARY_HEADLINE,
    ROBOTICS,
    ROBOTICS_HEADLINE,
    WILDFIRE,
    WILDFIRE_ADDED,
    WILDFIRE_NEW_LEAD,
    brief_copy,
    decisions_by_id,
    describe,
    digest_page,
    metro_headline_page,
    run_docs,
    run_folder,
    seawall_excerpt_page,
    seawall_excerpt_plain_page,
    seawall_full_page,
    valley_page,
    wildfire_original,
    wildfire_update,
    write_texts,
)

# ----------------------------------------------------------------------------------------------------------
# a. an excerpt in heavy furniture, no metadata


EXCERPT_PAGES = {"labelled": seawall_excerpt_page, "plain": seawall_excerpt_plain_page}


def _seawall_folder(tmp_path: Path, furniture: str = "labelled") -> Path:
    return write_texts(tmp_path / "crawl", {
        "coastal-daily-seawall.txt": EXCERPT_PAGES[furniture](),
        "northeast-seawall.txt": seawall_full_page(),
    })


def test_fixture_a_is_an_excerpt_in_heavy_furniture() -> None:
    """The fixture is what scenario (a) says: three of eight paragraphs inside about 25 lines of another
    site's furniture, more than a third of the excerpt page's lines and words outside the story."""
    page = seawall_excerpt_page()
    lines = [line for line in page.split("\n") if line.strip()]
    assert len(lines) - 4 >= 20  # lines other than the headline and the three paragraphs
    furniture_words = sum(len(line.split()) for line in lines if len(line.split()) < 20)
    assert furniture_words >= 0.3 * len(page.split())


def test_fixture_a_plain_furniture_hides_the_excerpt_from_set_scores() -> None:
    """On the raw text (no cleaning), the plain-furniture excerpt has under 60% of its shingles in the full
    copy, below the containment threshold: the set scores alone would not call it an excerpt."""
    raw = copydesk.RunConfig(clean=copydesk.CleanConfig(enabled=False))
    c = copydesk.compare_texts(seawall_excerpt_plain_page(), seawall_full_page(), raw)
    assert c.containment_a_in_b < 0.6, c


@pytest.mark.parametrize("furniture", sorted(EXCERPT_PAGES))
def test_furniture_heavy_excerpt_without_metadata_is_an_excerpt_of_the_full_copy(
    tmp_path: Path, furniture: str
) -> None:
    """Two bare .txt files, no source, no URL: the excerpt page (headline and first three paragraphs in 23
    lines of Coastal Daily's furniture with "More From" / "Most Read" headers, or in 16 lines that name
    themselves nowhere, which only the prose judgement tells from the story) is ``excerpt_of`` the full copy
    on Northeast News Network's page, which is canonical."""
    result = run_folder(_seawall_folder(tmp_path, furniture))
    d = decisions_by_id(result)
    excerpt, full = d["coastal-daily-seawall.txt"], d["northeast-seawall.txt"]
    assert excerpt.role is Role.EXCERPT_OF, describe(result)
    assert excerpt.canonical_id == "northeast-seawall.txt"
    assert excerpt.reason is Reason.CONTAINED_IN
    assert full.role is Role.CANONICAL
    assert excerpt.cluster_id == full.cluster_id is not None


# ----------------------------------------------------------------------------------------------------------
# b. an edited wire copy


def _wildfire_docs() -> list[Document]:
    return [Document(id="ap-quarry-fire-saturday", text=wildfire_original()),
            Document(id="ap-quarry-fire-sunday", text=wildfire_update())]


def test_fixture_b_is_an_edited_copy_partial_both_ways() -> None:
    """The update keeps six of the original's eight paragraphs word for word (one moved), replaces the lead,
    adds one and drops the weather outlook; neither version has 70% of its shingles or words in the other, so
    neither a near copy nor an excerpt."""
    update = wildfire_update()
    for k in (1, 2, 3, 4, 5, 6):
        assert WILDFIRE[k] in update
    assert WILDFIRE[0] not in update and WILDFIRE[7] not in update
    assert WILDFIRE_NEW_LEAD in update and WILDFIRE_ADDED in update
    assert update.index(WILDFIRE[5]) < update.index(WILDFIRE[3])  # moved up
    c = copydesk.compare_texts(update, wildfire_original())
    assert max(c.jaccard, c.containment_a_in_b, c.containment_b_in_a, c.cover_a, c.cover_b) < 0.7, c
    assert min(c.cover_a, c.cover_b) >= 0.55, c


def test_edited_wire_copy_joins_the_original_as_edited_copy() -> None:
    """The update of the wire story is ``edited_copy`` of the original (or the original of the update), with
    reason ``shared_passages``, in one cluster; the detail names the shared passages."""
    result = run_docs(_wildfire_docs())
    roles = {d.role for d in result.decisions}
    assert roles == {Role.CANONICAL, Role.EDITED_COPY}, describe(result)
    edited = next(d for d in result.decisions if d.role is Role.EDITED_COPY)
    canonical = next(d for d in result.decisions if d.role is Role.CANONICAL)
    assert edited.reason is Reason.SHARED_PASSAGES
    assert edited.canonical_id == canonical.doc_id
    assert "shared passages" in edited.detail
    assert len(result.clusters) == 1 and result.clusters[0].roles == (Role.EDITED_COPY,)


def test_compare_labels_the_edited_copy_and_lists_its_passages() -> None:
    """``compare_texts`` on the pair says ``edited_copy`` and lists several shared passages (the update's
    paragraphs 1-2, the moved paragraph, 3-4 and 6 are in different places); none of them holds the update's
    new lead or its added paragraph."""
    c = copydesk.compare_texts(wildfire_update(), wildfire_original())
    assert c.label == "edited_copy", c
    assert c.excerpt is None
    assert len(c.shared_passages) >= 2, c.shared_passages
    for p in c.shared_passages:
        assert WILDFIRE_ADDED not in p.text and WILDFIRE_NEW_LEAD not in p.text


# ----------------------------------------------------------------------------------------------------------
# c. unrelated articles sharing a site's furniture


@pytest.mark.parametrize("source", [None, "Valley Courier"])
def test_unrelated_short_articles_sharing_30_lines_of_furniture_stay_apart(source: str | None) -> None:
    """Two short Valley Courier articles (a library reopening, a robotics team; two paragraphs each) inside
    the same 30-line furniture block share nothing but the furniture: both stay ``unique``, with the site as
    ``source`` (corpus evidence) and without (prose judgement)."""
    docs = [Document(id="library", text=valley_page(LIBRARY_HEADLINE, LIBRARY), source=source),
            Document(id="robotics", text=valley_page(ROBOTICS_HEADLINE, ROBOTICS), source=source)]
    result = run_docs(docs)
    assert result.clusters == [], describe(result)
    assert [d.role for d in result.decisions] == [Role.UNIQUE, Role.UNIQUE]
    assert all(d.reason is Reason.NO_MATCH for d in result.decisions), describe(result)


def test_the_shared_furniture_is_half_of_each_raw_page() -> None:
    """Without cleaning the furniture is half of each page's shingles (Jaccard above 0.3, half the library
    page inside the robotics page), so the test above checks the cleaning and matching, not a fixture with too
    little in common."""
    docs = [Document(id="library", text=valley_page(LIBRARY_HEADLINE, LIBRARY)),
            Document(id="robotics", text=valley_page(ROBOTICS_HEADLINE, ROBOTICS))]
    raw = copydesk.RunConfig(clean=copydesk.CleanConfig(enabled=False))
    c = copydesk.compare_texts(docs[0].text, docs[1].text, raw)
    assert c.jaccard >= 0.3 and c.containment_a_in_b >= 0.45, c


# ----------------------------------------------------------------------------------------------------------
# d. a digest of briefs and docs that copy one brief each

SOURCES = ("Riverside Record", "Tri-County Today", "Arts Weekly", "Good Food Gazette", "Metro Wire",
           "Heritage Post", "Harvest Hub")


def _digest_docs(copies_per_brief: int, with_sources: bool) -> tuple[list[Document], dict[str, int]]:
    """The digest and ``copies_per_brief`` copies of each brief (each on its own site); returns the docs and
    the brief each copy copies."""
    docs = [Document(id="digest", text=digest_page(), source=SOURCES[0] if with_sources else None)]
    brief_of: dict[str, int] = {}
    for copy in range(copies_per_brief):
        for b in range(len(BRIEFS)):
            site = b + copy * len(BRIEFS)
            doc_id = f"brief{b}-copy{copy}"
            docs.append(Document(id=doc_id, text=brief_copy(b, site),
                                 source=SOURCES[1 + site] if with_sources else None))
            brief_of[doc_id] = b
    return docs, brief_of


def _assert_no_cluster_mixes_briefs(result: copydesk.RunResult, brief_of: dict[str, int]) -> None:
    for c in result.clusters:
        briefs = {brief_of[m] for m in (c.canonical, *c.members) if m in brief_of}
        why = f"{c.canonical}'s cluster holds copies of briefs {briefs}"
        assert len(briefs) <= 1, f"{why}\n{describe(result)}"


@pytest.mark.parametrize("with_sources", [False, True])
def test_docs_copying_different_briefs_of_a_digest_are_not_joined(with_sources: bool) -> None:
    """A digest of three briefs, and three docs each copying a different brief on its own site: no cluster
    holds copies of two briefs, and the digest is no canonical joining them: it is reported as a
    ``multi_story_page``, or sits in one cluster at most, with copies of one brief only."""
    docs, brief_of = _digest_docs(1, with_sources)
    result = run_docs(docs)
    _assert_no_cluster_mixes_briefs(result, brief_of)
    digest = decisions_by_id(result)["digest"]
    holding = [c for c in result.clusters if "digest" in (c.canonical, *c.members)]
    assert digest.reason is Reason.MULTI_STORY_PAGE or len(holding) <= 1, describe(result)


@pytest.mark.parametrize("with_sources", [False, True])
def test_each_brief_copied_twice_makes_one_cluster_per_brief(with_sources: bool) -> None:
    """Each brief copied by two sites: three clusters, one per brief, each holding that brief's two copies;
    the digest joins none of them (``multi_story_page``)."""
    docs, brief_of = _digest_docs(2, with_sources)
    result = run_docs(docs)
    _assert_no_cluster_mixes_briefs(result, brief_of)
    assert len(result.clusters) == 3, describe(result)
    per_brief = sorted(sorted((c.canonical, *c.members)) for c in result.clusters)
    assert per_brief == [[f"brief{b}-copy0", f"brief{b}-copy1"] for b in range(3)]
    digest = decisions_by_id(result)["digest"]
    assert digest.role is Role.UNIQUE and digest.reason is Reason.MULTI_STORY_PAGE, describe(result)
    # the edges the split dropped are no negative count of pairs verified while clustering
    assert result.summary["edges_verified_while_clustering"] == 0


# ----------------------------------------------------------------------------------------------------------
# e. pages that kept only a headline and the site's furniture

HEADLINES = ("Chef Reveals Menu for New Riverfront Steakhouse",
             "Beloved Diner on Fifth Avenue Closes After 52 Years")


@pytest.mark.parametrize("source", [None, "Metro Eats"])
def test_headline_only_pages_sharing_furniture_stay_apart(source: str | None) -> None:
    """Two Metro Eats pages whose scrape kept only a headline and the site's furniture (menu, restaurant
    teasers, a 60-word legal notice, footer) share nothing but that furniture: neither is a copy of the other
    (with the site as source or without)."""
    docs = [Document(id=f"metro-{k}", text=metro_headline_page(h), source=source)
            for k, h in enumerate(HEADLINES)]
    result = run_docs(docs)
    assert result.clusters == [], describe(result)
    assert [d.role for d in result.decisions] == [Role.UNIQUE, Role.UNIQUE], describe(result)


# ----------------------------------------------------------------------------------------------------------
# f. the real seed pair


def test_seed_pair_as_bare_text_files_is_an_excerpt(tmp_path: Path, seed_paths: tuple[Path, Path]) -> None:
    """The real seed pair copied as bare .txt files (no source, so judged by the prose judgement): 000, a
    regional site's excerpt, is ``excerpt_of`` 001, the full syndicated copy."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for path in seed_paths:
        shutil.copy(path, folder / path.name)
    result = run_folder(folder)
    excerpt_name, full_name = seed_paths[0].name, seed_paths[1].name
    d = decisions_by_id(result)
    assert d[excerpt_name].role is Role.EXCERPT_OF, describe(result)
    assert d[excerpt_name].canonical_id == full_name
    assert d[full_name].role is Role.CANONICAL


# ----------------------------------------------------------------------------------------------------------
# g. determinism under input order


def _read(folder: Path) -> list[Document]:
    """The documents of a folder of bare .txt files, as ``dedup`` reads them."""
    docs = [d for d in copydesk.read_inputs([folder], copydesk.RunConfig().read) if isinstance(d, Document)]
    assert docs and all(d.source is None for d in docs)
    return docs


def _scenario_docs(tmp_path: Path) -> dict[str, list[Document]]:
    return {
        "a": _read(_seawall_folder(tmp_path / "labelled")),
        "a-plain": _read(_seawall_folder(tmp_path / "plain", "plain")),
        "b": _wildfire_docs(),
        "c": [Document(id="library", text=valley_page(LIBRARY_HEADLINE, LIBRARY)),
              Document(id="robotics", text=valley_page(ROBOTICS_HEADLINE, ROBOTICS))],
        "d1": _digest_docs(1, False)[0],
        "d2": _digest_docs(2, False)[0],
    }


def _outcome(result: copydesk.RunResult) -> dict[str, tuple[object, ...]]:
    return {d.doc_id: (d.role, d.reason, d.canonical_id, d.cluster_id, d.jaccard, d.containment, d.cover,
                       d.longest_passage, d.detail) for d in result.decisions}


def test_input_order_does_not_change_any_decision(tmp_path: Path) -> None:
    """Each scenario (a)-(d) run with its docs reversed, and rotated by one, gives every doc the same role,
    reason, canonical doc, cluster id, scores and detail."""
    for name, docs in _scenario_docs(tmp_path).items():
        expected = _outcome(run_docs(docs))
        for order in (docs[::-1], docs[1:] + docs[:1]):
            assert _outcome(run_docs(order)) == expected, name


# ----------------------------------------------------------------------------------------------------------
# f. stock phrases that very many docs share

#: Wire stock phrases (shorter than a passage's solid segment of 12 words) and a disclaimer line (18 words).
STOCK = (
    "The company did not immediately respond to a request for comment.",
    "It was not immediately clear how many people were affected.",
    "Officials said more details would be released later this week.",
    "The views expressed in this article are the author's own and do not reflect those of the publisher.",
)


def _with_stock(headline: str, paragraphs: Sequence[str]) -> str:
    """The story with a stock phrase after each paragraph but the last, then the disclaimer."""
    parts = [headline]
    for k, paragraph in enumerate(paragraphs):
        parts += [paragraph, STOCK[k % 3]] if k < len(paragraphs) - 1 else [paragraph]
    return "\n\n".join([*parts, STOCK[3]]) + "\n"


@pytest.mark.parametrize("copies", [1, 40])
def test_stock_phrases_that_many_docs_share_join_none_of_them(copies: int) -> None:
    """Five unrelated short stories, each printed with the same wire stock phrases between its paragraphs and
    the same disclaimer at its foot, and (``copies`` 40) every story on forty sites: stock phrases give no
    evidence. No pair of different stories is joined; the stock phrases cover none of a story's words in
    passages but the disclaimer's, and each story's own copies still form one cluster."""
    stories = [(LIBRARY_HEADLINE, LIBRARY), (ROBOTICS_HEADLINE, ROBOTICS), *BRIEFS]
    docs = [Document(id=f"story{s}-site{c}", text=_with_stock(h, p)) for s, (h, p) in enumerate(stories)
            for c in range(copies)]
    result = run_docs(docs)
    for c in result.clusters:
        assert len({m.split("-")[0] for m in (c.canonical, *c.members)}) == 1, describe(result)
    assert len(result.clusters) == (len(stories) if copies > 1 else 0), describe(result)
    pair = copydesk.compare_texts(_with_stock(*stories[0]), _with_stock(*stories[1]))
    assert pair.label == "unrelated" and len(pair.shared_passages) == 1, pair
    assert "views expressed" in pair.shared_passages[0].text, pair  # (the disclaimer, a line of its own)
    assert max(pair.cover_a, pair.cover_b) < 0.2, pair
