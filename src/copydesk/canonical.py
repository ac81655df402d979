"""Canonical policy and the per-document decisions.

Policy, in order (each step only breaks ties left by the one before):

1. **most complete text**: a doc that is an excerpt of another doc comes after every doc that is not (and the
   clustering climbs from an excerpt to its full copy), so an excerpt never wins over the full copy;
2. **earliest date**, as a point in time (``copydesk.dates``: ISO 8601 with any offset, RFC 2822, epoch seconds,
   a day written out); a missing date, or one in a form not understood, sorts last;
3. **preferred source**: position in ``--prefer-source`` of the doc's ``source`` field or its URL's host
   (``www.`` left out on both sides; unlisted sources after listed ones);
4. **longest text** (more shingles);
5. **lowest id**, so the choice is total and deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .cluster import Assignment
from .config import CanonicalConfig
from .dates import date_key
from .types import Reason, Role
from .verify import A_IN_B, B_IN_A, EDITED, EXACT, NEAR, EdgeTable

_NO_DATE = math.inf


@dataclass(frozen=True, slots=True)
class DocTable:
    """What the policy needs to know of each doc, as parallel sequences (index = doc number in the run).
    ``date_keys``: each date read as a point in time (``copydesk.dates.date_key``), when the caller has them
    already; read from ``dates`` when left out. ``hosts``: each doc's URL host (``provenance.url_host``), which
    ``--prefer-source`` may name instead of the source field."""

    ids: Sequence[str]
    sizes: np.ndarray
    dates: Sequence[str | None]
    sources: Sequence[str | None]
    date_keys: Sequence[float | None] | None = None
    hosts: Sequence[str | None] | None = None
    repairs: Sequence[int] | None = None  # input problems repaired in reading each doc (its warnings)

    def when(self, i: int) -> float | None:
        """Doc ``i``'s date as seconds since the epoch (UTC), or None."""
        return self.date_keys[i] if self.date_keys is not None else date_key(self.dates[i])


def excerpt_flags(n: int, edges: EdgeTable) -> np.ndarray:
    """True for docs that are the contained side of at least one excerpt edge."""
    flags = np.zeros(n, dtype=bool)
    flags[edges.a[edges.label == A_IN_B]] = True
    flags[edges.b[edges.label == B_IN_A]] = True
    return flags


def _site_name(name: str) -> str:
    return name.strip().casefold().removeprefix("www.")


def _source_rank(i: int, docs: DocTable, cfg: CanonicalConfig) -> int:
    """Position in ``prefer_sources`` of the first name that matches the doc's source field or URL host."""
    if not cfg.prefer_sources:
        return 0
    names = {_site_name(n) for n in (docs.sources[i], docs.hosts[i] if docs.hosts is not None else None) if n}
    for position, preferred in enumerate(cfg.prefer_sources):
        if _site_name(preferred) in names:
            return position
    return len(cfg.prefer_sources)


def _key(i: int, docs: DocTable, excerpt: np.ndarray, cfg: CanonicalConfig) -> tuple[bool, float, int, int, int, str]:
    when = docs.when(i) if cfg.use_dates else None
    return (
        bool(excerpt[i]),
        _NO_DATE if when is None else when,
        _source_rank(i, docs, cfg),
        -int(docs.sizes[i]),
        _repairs(i, docs),  # (a copy read as it was beats one repaired in reading)
        docs.ids[i],
    )


def priority(docs: DocTable, edges: EdgeTable, cfg: CanonicalConfig) -> np.ndarray:
    """Rank of every doc under the policy (0 = most canonical). Only docs with edges are ranked precisely."""
    n = len(docs.ids)
    excerpt = excerpt_flags(n, edges)
    linked = np.unique(np.concatenate([edges.a, edges.b])).tolist()
    order = sorted(linked, key=lambda i: _key(i, docs, excerpt, cfg))
    rank = np.full(n, n, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    return rank


def _repairs(i: int, docs: DocTable) -> int:
    return docs.repairs[i] if docs.repairs is not None else 0


def _preferred_name(i: int, docs: DocTable, cfg: CanonicalConfig) -> str | None:
    rank = _source_rank(i, docs, cfg)
    return cfg.prefer_sources[rank] if rank < len(cfg.prefer_sources) else docs.sources[i]


_TIE_REASONS = (Reason.MOST_COMPLETE, Reason.EARLIEST_DATE, Reason.PREFERRED_SOURCE, Reason.LONGEST_TEXT,
                Reason.FEWEST_REPAIRS, Reason.LOWEST_ID)


def why_canonical(centre: int, rivals: Sequence[int], docs: DocTable, excerpt: np.ndarray,
                  cfg: CanonicalConfig) -> tuple[Reason, str]:
    """The first policy step that put ``centre`` ahead of its closest rival among the cluster's full copies."""
    if not rivals:
        return Reason.MOST_COMPLETE, "the other members are excerpts of it"
    mine = _key(centre, docs, excerpt, cfg)
    best = min(rivals, key=lambda i: _key(i, docs, excerpt, cfg))
    theirs = _key(best, docs, excerpt, cfg)
    for step, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if a != b:
            reason = _TIE_REASONS[step]
            break
    else:
        reason = Reason.LOWEST_ID
    details = {
        Reason.MOST_COMPLETE: f"most complete text; {docs.ids[best]} is an excerpt of another copy",
        Reason.EARLIEST_DATE: f"earliest date {docs.dates[centre]} among {len(rivals) + 1} full copies",
        Reason.PREFERRED_SOURCE: f"preferred source {_preferred_name(centre, docs, cfg)!r} among {len(rivals) + 1} "
                                 "full copies",
        Reason.LONGEST_TEXT: f"longest text ({int(docs.sizes[centre])} shingles) among {len(rivals) + 1} full copies",
        Reason.FEWEST_REPAIRS: (f"read with fewer repairs ({_repairs(centre, docs)} against "
                                f"{_repairs(best, docs)} for {docs.ids[best]}: invalid UTF-8, HTML character "
                                f"references in plain text, ...) among {len(rivals) + 1} full copies"),
        Reason.LOWEST_ID: f"lowest id among {len(rivals) + 1} equally ranked full copies",
    }
    return reason, details[reason]


@dataclass(frozen=True, slots=True)
class MemberScore:
    """Row of one doc in the decisions: its role, reason and scores against its canonical doc."""

    role: Role
    reason: Reason
    detail: str
    jaccard: float | None
    containment: float | None


def member_scores(assign: Assignment, docs: DocTable, cfg: CanonicalConfig,
                  credited_why: Mapping[int, str] | None = None,
                  anchored: np.ndarray | None = None) -> list[MemberScore]:
    """Role, reason and scores of every doc (index-aligned with ``docs``); scores are against the canonical doc.

    A member's role comes from how it joined its cluster (near copy of the hub, or contained in it). When its
    own edge to the canonical doc is weaker than the thresholds (two edited copies of one original), the reason
    names the hub that links them. A canonical doc chosen as the credited original (``assign.credited``) says
    who credited it (``credited_why``); a page that carries several stories says so. A member of an
    ``anchored`` canonical doc (an index's old canonical doc, mask) that holds the whole of it is a
    ``fuller_copy``: the index keeps the older doc canonical.
    """
    n = len(docs.ids)
    edges = assign.edges
    excerpt = excerpt_flags(n, edges)
    out: list[MemberScore] = []
    near_members: dict[int, list[int]] = {}
    for i in range(n):
        c = int(assign.centre[i])
        if c >= 0 and c != i and not assign.excerpt[i]:
            near_members.setdefault(c, []).append(i)
    for i in range(n):
        c = int(assign.centre[i])
        k = int(assign.link[i])
        several = assign.multi_story is not None and bool(assign.multi_story[i])
        if c < 0 and several:
            out.append(MemberScore(
                Role.UNIQUE, Reason.MULTI_STORY_PAGE,
                "a page that carries several stories (an aggregator, a digest, a live blog): docs that copy "
                "different parts of it are not its copies and are not joined through it", None, None,
            ))
            continue
        if c < 0:
            out.append(MemberScore(Role.UNIQUE, Reason.NO_MATCH, "no verified copy in the corpus", None, None))
            continue
        if c == i:
            if assign.credited is not None and assign.credited[i]:
                reason = Reason.CREDITED_ORIGINAL
                detail = (credited_why or {}).get(i, "credited as the original by other members")
            else:
                reason, detail = why_canonical(i, near_members.get(i, []), docs, excerpt, cfg)
            if several:
                detail += "; it carries several stories, and docs that copy its other parts were left apart"
            out.append(MemberScore(Role.CANONICAL, reason, detail, 1.0, 1.0))
            continue
        i_is_a = int(edges.a[k]) == i
        jac = float(edges.jaccard[k])
        cont = float(edges.contain_ab[k] if i_is_a else edges.contain_ba[k])
        label = int(edges.label[k])
        canon = docs.ids[c]
        h = int(assign.hub[i])
        via = "" if h in (i, c) else f" (joined through {docs.ids[h]}, a copy of both)"
        t = int(assign.through[i]) if assign.through is not None else -1
        if t >= 0:  # joined through a member of which it is a copy (see cluster._join_through_members)
            member = int(edges.b[t]) if int(edges.a[t]) == i else int(edges.a[t])
            t_label = int(edges.label[t])
            label = EDITED if t_label == EDITED else NEAR
            contained = t_label == (A_IN_B if int(edges.a[t]) == i else B_IN_A)
            kind = "an excerpt" if contained else "an edited copy" if label == EDITED else "a near copy"
            via = f" (joined through {docs.ids[member]}, of which it is {kind})"
        cover = float(edges.cover_ab[k] if i_is_a else edges.cover_ba[k])
        passages = f"{int(edges.passages[k])} shared passages, the longest {int(edges.longest[k])} words"
        holds = label == (B_IN_A if i_is_a else A_IN_B)  # (its canonical doc is contained in it)
        if holds and t < 0 and not assign.excerpt[i] and anchored is not None and anchored[c]:
            canon_cont = float(edges.contain_ba[k] if i_is_a else edges.contain_ab[k])
            out.append(MemberScore(
                Role.FULLER_COPY, Reason.HOLDS_CANONICAL,
                f"fuller copy of {canon}, which the index keeps canonical (it came first): {canon_cont:.0%} of "
                f"{canon}'s shingles are in it, {passages} (jaccard {jac:.2f}); `--recanonicalize` would make "
                f"this one canonical{via}", jac, cont,
            ))
        elif assign.excerpt[i]:
            out.append(MemberScore(
                Role.EXCERPT_OF, Reason.CONTAINED_IN,
                f"excerpt of {canon}: {cont:.0%} of its shingles are in it, {cover:.0%} of its words in "
                f"{passages} (jaccard {jac:.2f}){via}", jac, cont,
            ))
        elif label == EDITED:
            canon_cover = float(edges.cover_ba[k] if i_is_a else edges.cover_ab[k])
            out.append(MemberScore(
                Role.EDITED_COPY, Reason.SHARED_PASSAGES,
                f"edited copy of {canon}: {passages}; they cover {cover:.0%} of its words and {canon_cover:.0%} "
                f"of {canon}'s (jaccard {jac:.2f}, containment {cont:.2f}){via}", jac, cont,
            ))
        elif label == EXACT:
            out.append(MemberScore(Role.NEAR_DUPLICATE, Reason.EXACT_COPY, f"same text as {canon}", jac, cont))
        else:
            out.append(MemberScore(
                Role.NEAR_DUPLICATE, Reason.NEAR_COPY,
                f"near copy of {canon}: jaccard {jac:.2f}, containment {cont:.2f}{via}", jac, cont,
            ))
    return out
