"""Assembly: the run's verdicts as the outputs' records (a Decision per input, a Cluster per cluster, the
kept texts), from the per-doc arrays the matching stages leave.

Why a stage of its own: it runs once per doc in the main process after every parallel stage, so its cost is
paid in full by any number of workers; it reads columns as Python lists once (a numpy scalar read per field
costs more than the rest of a row) and computes what a cluster shares (its id, its canonical's fields) once per
cluster, not per member.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

from .canonical import DocTable, MemberScore
from .clean.crosscopy import cross_copy_clean
from .cluster import Assignment
from .prepare import DocInfo
from .sketch.spill import BatchFiles, TextReader
from .syndication import NameKeys, syndication_edges
from .types import Cluster, Decision, Edge, Reason, Rejected, Role
from .verify import A_IN_B, B_IN_A, LABEL_CODES

__all__ = ["KeptTexts", "cluster_id", "clusters", "decisions", "kept_texts"]


def cluster_id(canonical_id: str) -> str:
    """Cluster ids derive from the canonical member's id, never from iteration order. (An id may hold a lone
    surrogate: a file name that is not UTF-8, which Python decodes so, or an id given through the API.)"""
    return "c" + xxhash.xxh64_hexdigest(canonical_id.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class KeptTexts:
    """The rows of ``deduplicated.jsonl``, generated when iterated: each canonical and unique doc's clean text
    (a canonical's after cross-copy cleaning against its near copies), in input order. It pickles small (the
    texts stay in their spill file), so a helper process can write the file while the main process writes the
    others (``copydesk.run``)."""

    texts: TextReader
    docs: list[tuple[int, str, str | None, str, str | None]]  # (doc index, id, cluster id, role, title)
    near_members: dict[int, list[int]]  # canonical doc index -> its near copies

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            for i, doc_id, cluster_key, role, title in self.docs:
                text = self.texts.get(i)
                dropped: list[str] = []
                members = self.near_members.get(i)
                if members:
                    text, dropped = cross_copy_clean(text, [self.texts.get(m) for m in members])
                yield {
                    "id": doc_id, "cluster_id": cluster_key, "role": role, "title": title, "text": text,
                    "cross_copy_removed": dropped,
                }
        finally:
            self.texts.close()  # (a long-lived process running many jobs must not keep their files open)


def kept_texts(infos: list[DocInfo], assign: Assignment, scores: list[MemberScore], texts: BatchFiles) -> KeptTexts:
    near_members: dict[int, list[int]] = {}
    for i in np.flatnonzero(assign.link[: len(infos)] >= 0).tolist():  # (an index run: its new docs only)
        if scores[i].role is Role.NEAR_DUPLICATE:
            near_members.setdefault(int(assign.centre[i]), []).append(i)
    docs = [
        (i, info.id, cluster_id(info.id) if role is Role.CANONICAL else None, role.value, info.title)
        for i, info in enumerate(infos)
        if (role := scores[i].role) in (Role.CANONICAL, Role.UNIQUE)
    ]
    return KeptTexts(TextReader(*texts.frozen()), docs, near_members)


class _EdgeColumns:
    """The edge table's columns as Python lists (read once: a numpy scalar per field read costs more than the
    rest of building an Edge)."""

    def __init__(self, assign: Assignment) -> None:
        e = assign.edges
        self.a = e.a.tolist()
        self.label = e.label.tolist()
        self.jaccard = e.jaccard.tolist()
        self.contain_ab, self.contain_ba = e.contain_ab.tolist(), e.contain_ba.tolist()
        self.cover_ab, self.cover_ba = e.cover_ab.tolist(), e.cover_ba.tolist()
        self.longest = e.longest.tolist()
        self.link = assign.link.tolist()


#: The detail of a doc with no prose body (never matched).
_NO_PROSE_DETAIL = ("no prose body to match (a headline, page furniture or a fragment: fewer than 15 words of "
                    "running text); not matched, so that shared furniture cannot make it a copy")


def decisions(
    slots: list[DocInfo | Rejected], doc_slot: list[int], docs: DocTable, assign: Assignment,
    scores: list[MemberScore],
) -> list[Decision]:
    """One Decision per input slot, in input order: rejected, unique without a prose body, or the doc's role
    and scores against its canonical doc (scores rounded to four decimals)."""
    index_of_slot = [-1] * len(slots)
    for i, slot in enumerate(doc_slot):
        index_of_slot[slot] = i
    centres = assign.centre.tolist()
    e = _EdgeColumns(assign)
    # what a cluster's members share, once per canonical doc
    named: dict[int, tuple[str, str]] = {c: (docs.ids[c], cluster_id(docs.ids[c])) for c in set(centres) if c >= 0}
    out: list[Decision] = []
    append = out.append
    for slot, info in enumerate(slots):
        if isinstance(info, Rejected):
            append(Decision(info.id, info.origin, Role.REJECTED, info.reason, info.detail))
            continue
        credits = tuple([(c.kind, c.name) for c in info.credits]) if info.credits else ()
        i = index_of_slot[slot]
        if i < 0:  # no prose body: never matched
            append(Decision(
                doc_id=info.id, origin=info.origin, role=Role.UNIQUE, reason=Reason.NO_PROSE_BODY,
                detail=_NO_PROSE_DETAIL, source=info.source, url=info.url, date=info.date, title=info.title,
                credits=credits, removed_lines=info.removed_lines, warnings=info.shown_warnings,
            ))
            continue
        score = scores[i]
        c = centres[i]
        canonical, key = named[c] if c >= 0 else (None, None)
        k = e.link[i]
        cover = longest = None
        if k >= 0:
            cover = round(e.cover_ab[k] if e.a[k] == i else e.cover_ba[k], 4)
            longest = e.longest[k]
        jaccard, containment = score.jaccard, score.containment
        append(Decision(
            doc_id=info.id, origin=info.origin, role=score.role, reason=score.reason, detail=score.detail,
            cluster_id=key, canonical_id=canonical, jaccard=None if jaccard is None else round(jaccard, 4),
            containment=None if containment is None else round(containment, 4), cover=cover,
            longest_passage=longest, source=info.source, url=info.url, date=info.date, title=info.title,
            credits=credits, removed_lines=info.removed_lines, warnings=info.shown_warnings,
        ))
    return out


_SWAPPED = {LABEL_CODES[A_IN_B]: LABEL_CODES[B_IN_A], LABEL_CODES[B_IN_A]: LABEL_CODES[A_IN_B]}


def _edge_to_centre(columns: _EdgeColumns, member_id: str, centre_id: str, member: int,
                    passages: tuple[tuple[int, int, int, int], ...]) -> Edge:
    """The member's edge, oriented member -> canonical, with its ``passages`` (member words, canonical words)."""
    e = columns
    k = e.link[member]
    flip = e.a[k] != member
    label = LABEL_CODES[e.label[k]]
    if flip:
        label = _SWAPPED.get(label, label)
    cab, cba = e.contain_ab[k], e.contain_ba[k]
    vab, vba = e.cover_ab[k], e.cover_ba[k]
    return Edge(
        a=member_id, b=centre_id, jaccard=round(e.jaccard[k], 4),
        contain_ab=round(cba if flip else cab, 4), contain_ba=round(cab if flip else cba, 4), label=label,
        cover_ab=round(vba if flip else vab, 4), cover_ba=round(vab if flip else vba, 4),
        longest_passage=e.longest[k], passages=passages,
    )


def weakest_link(edges: Sequence[Edge], roles: Sequence[Role]) -> tuple[float, str, str]:
    """A cluster's weakest member: (its score, its id, the metric), the score being the containment of an excerpt
    in the canonical doc, that of the canonical doc in a fuller copy (an index's), and the Jaccard of a near
    copy, on its edge to the canonical doc."""
    return min(
        (e.contain_ab if role is Role.EXCERPT_OF else e.contain_ba if role is Role.FULLER_COPY else e.jaccard, e.a,
         "containment" if role in (Role.EXCERPT_OF, Role.FULLER_COPY) else "jaccard")
        for e, role in zip(edges, roles, strict=True)
    )


def clusters(
    docs: DocTable, infos: list[DocInfo], assign: Assignment, scores: list[MemberScore],
    spans: dict[int, tuple[tuple[int, int, int, int], ...]],
) -> list[Cluster]:
    """One Cluster per canonical doc: its members (by id) with their edges to it, the weakest link, and who
    credits whom among them; sorted by cluster id."""
    members: dict[int, list[int]] = {}
    centres = assign.centre.tolist()
    for i in np.flatnonzero(assign.link >= 0).tolist():
        members.setdefault(centres[i], []).append(i)
    columns = _EdgeColumns(assign)
    ids = docs.ids
    out: list[Cluster] = []
    keys = NameKeys()
    for c, member_idx in members.items():
        ordered = sorted(member_idx, key=ids.__getitem__)
        centre_id = ids[c]
        edges = tuple([_edge_to_centre(columns, ids[m], centre_id, m, spans[m]) for m in ordered])
        roles = tuple([scores[m].role for m in ordered])
        weakest = weakest_link(edges, roles)
        out.append(Cluster(
            id=cluster_id(centre_id), canonical=centre_id, canonical_reason=scores[c].detail,
            members=tuple([ids[m] for m in ordered]), roles=roles, edges=edges,
            weakest_member=weakest[1], weakest_score=weakest[0], weakest_metric=weakest[2],
            syndication=syndication_edges(
                [(infos[m].id, infos[m].source, infos[m].credits) for m in [c, *ordered]], keys
            ),
        ))
    out.sort(key=lambda cl: cl.id)
    return out
