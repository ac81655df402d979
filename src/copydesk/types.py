"""Typed records that flow between stages.

Bulk data (shingles, signatures, candidate pairs) stays in numpy arrays; these objects appear only at
stage edges (reading, decisions, reports), so they are frozen and slotted to stay cheap and hashable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


def _empty_meta() -> Mapping[str, str]:
    return {}


@dataclass(frozen=True, slots=True)
class Document:
    """One input document.

    ``id`` is stable across runs (file path relative to the input folder, or the record's id field).
    ``origin`` names where it came from (``file`` or ``file:line``) so that every message can point at it.
    ``meta`` carries the other input fields through to the outputs untouched. ``warnings`` records input
    problems that were repaired rather than fatal (invalid UTF-8 replaced, text truncated, id generated).
    ``notes`` records what reading changed in a text that is no problem of the input (HTML character
    references a scraper left in plain text, decoded): shown with the warnings, never counted as problems.
    """

    id: str
    text: str
    url: str | None = None
    source: str | None = None
    date: str | None = None
    title: str | None = None
    origin: str = ""
    meta: Mapping[str, str] = field(default_factory=_empty_meta)  # a plain dict, so documents pickle
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # (a clear message where a None text would fail deep inside the run, naming the document)
        if not isinstance(self.text, str) or not isinstance(self.id, str):
            field_name, value = ("id", self.id) if not isinstance(self.id, str) else ("text", self.text)
            raise TypeError(f"Document(id={self.id!r}): {field_name} must be a str, got {type(value).__name__}"
                            + ("; pass '' for a document without text" if field_name == "text" else ""))

    def __reduce__(self) -> tuple[type[Document], tuple[object, ...]]:
        """Pickle as a constructor call: the first pass spills every document, and the state methods that
        ``dataclass(slots=True)`` writes look up the fields on each call (three times slower to dump)."""
        return Document, (self.id, self.text, self.url, self.source, self.date, self.title, self.origin, self.meta,
                          self.warnings, self.notes)


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that could not become a Document; it still gets exactly one output row."""

    id: str
    origin: str
    reason: Reason
    detail: str


class EdgeLabel(StrEnum):
    EXACT = "exact"
    NEAR = "near_duplicate"
    A_IN_B = "a_in_b"
    B_IN_A = "b_in_a"
    EDITED = "edited_copy"
    UNRELATED = "unrelated"


@dataclass(frozen=True, slots=True)
class Edge:
    """A verified pair. ``contain_ab`` is the share of a's shingles found in b.

    Passage evidence (``copydesk.passages``): ``cover_ab`` is the share of a's words inside passages it shares
    with b (``cover_ba`` the same for b), ``longest_passage`` the longest in words, and ``passages`` each shared
    passage as (start, end) word offsets in a, then in b (ends exclusive; words of the text as matched)."""

    a: str
    b: str
    jaccard: float
    contain_ab: float
    contain_ba: float
    label: EdgeLabel
    cover_ab: float = 0.0
    cover_ba: float = 0.0
    longest_passage: int = 0
    passages: tuple[tuple[int, int, int, int], ...] = ()


class Role(StrEnum):
    CANONICAL = "canonical"
    NEAR_DUPLICATE = "near_duplicate"
    EXCERPT_OF = "excerpt_of"
    EDITED_COPY = "edited_copy"
    FULLER_COPY = "fuller_copy"  # (an index run: holds the whole of an old canonical doc, which stays canonical)
    UNIQUE = "unique"
    REJECTED = "rejected"


class Reason(StrEnum):
    # canonical choice
    MOST_COMPLETE = "most_complete"
    EARLIEST_DATE = "earliest_date"
    PREFERRED_SOURCE = "preferred_source"
    LONGEST_TEXT = "longest_text"
    FEWEST_REPAIRS = "fewest_repairs"
    LOWEST_ID = "lowest_id"
    # membership
    EXACT_COPY = "exact_copy"
    NEAR_COPY = "near_copy"
    CONTAINED_IN = "contained_in"
    SHARED_PASSAGES = "shared_passages"
    HOLDS_CANONICAL = "holds_canonical"
    MULTI_STORY_PAGE = "multi_story_page"
    CREDITED_ORIGINAL = "credited_original"
    NO_MATCH = "no_match"
    NO_PROSE_BODY = "no_prose_body"
    # rejection
    EMPTY_TEXT = "empty_text"
    BAD_ENCODING = "bad_encoding"
    MALFORMED_RECORD = "malformed_record"
    MISSING_FIELD = "missing_field"
    DUPLICATE_ID = "duplicate_id"
    UNREADABLE = "unreadable"
    BINARY = "binary"
    ALREADY_INDEXED = "already_indexed"  # (an index run: a doc of this id is in the index, so it is skipped)


@dataclass(frozen=True, slots=True)
class SyndicationEdge:
    """One credit a cluster member gives: ``doc`` (published by ``doc_source``) credits ``credited``.

    ``credited_doc`` is the cluster member published by the credited party, when there is one, so a chain such
    as excerpt site -> portal -> original publisher can be followed from doc to doc.
    """

    doc: str
    doc_source: str | None
    credited: str
    kind: str
    evidence: str
    credited_doc: str | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    """A canonical-centred cluster: every member is attached by its *own* edge to ``canonical``.

    ``edges[k]`` joins ``members[k]`` (as ``a``) to the canonical doc (as ``b``); ``roles[k]`` is that member's
    role. The weakest link is the member with the lowest score on its edge (containment for an excerpt,
    Jaccard for a near copy): the first place to look when judging whether a cluster is right.
    """

    id: str
    canonical: str
    canonical_reason: str
    members: tuple[str, ...]
    roles: tuple[Role, ...]
    edges: tuple[Edge, ...]
    weakest_member: str
    weakest_score: float
    weakest_metric: str
    syndication: tuple[SyndicationEdge, ...] = ()

    @property
    def size(self) -> int:
        return len(self.members) + 1


@dataclass(frozen=True, slots=True)
class Decision:
    """The one output row of an input document: its role, why, and its scores against its canonical doc
    (``containment`` is the share of this doc's shingles found in the canonical doc, ``cover`` the share of its
    words inside passages it shares with the canonical doc, ``longest_passage`` the longest in words)."""

    doc_id: str
    origin: str
    role: Role
    reason: Reason
    detail: str
    cluster_id: str | None = None
    canonical_id: str | None = None
    jaccard: float | None = None
    containment: float | None = None
    cover: float | None = None
    longest_passage: int | None = None
    source: str | None = None
    url: str | None = None
    date: str | None = None
    title: str | None = None
    credits: tuple[tuple[str, str], ...] = ()  # (kind, credited name), in order of appearance
    removed_lines: int = 0
    warnings: tuple[str, ...] = ()
