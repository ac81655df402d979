"""Assembly: the run's verdicts as the outputs' records (a Decision per input, a Cluster per cluster, the
kept texts), from the per-doc arrays the matching stages leave.

Why a stage of its own: it runs once per doc in the main process after every parallel stage, so its cost is
paid in full by any number of workers; it reads columns as Python lists once (a numpy scalar read per field
costs more than the rest of a row) and computes what a cluster shares (its id, its canonical's fields) once per
cluster, not per member.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    for i in np.flatnonzero(assign.link >= 0).tolist():
        if scores[i].role is Role.NEAR_DUPLICATE:
            near_members.setdefault(int(assign.centre[i]), []).append(i)
    docs = [
        (i, info.id, cluster_id(info.id) if role is Role.CANONICAL else None, role.value, info.title)
        for i, info in enumerate(infos)
        if (role := scores[i].role) in (Role.CANONICAL, Role.UNIQUE)
    ]
    return KeptTexts(TextReader(*texts.frozen()), docs, near_members)


def decisions(
    slots: list[DocInfo | Rejected], doc_slot: list[int], docs: DocTable, assign: Assignment,
    scores: list[MemberScore],
) -> list[Decision]:
    index_of_slot = {slot: i for i, slot in enumerate(doc_slot)}
    # (lists, read per doc: a numpy scalar per read costs more than the rest of a row)
    centres, links = assign.centre.tolist(), assign.link.tolist()
    edge_a, cover_ab, cover_ba = assign.edges.a.tolist(), assign.edges.cover_ab.tolist(), assign.edges.cover_ba.tolist()
    longests = assign.edges.longest.tolist()
    out: list[Decision] = []
    for slot, info in enumerate(slots):
        if isinstance(info, Rejected):
            out.append(Decision(info.id, info.origin, Role.REJECTED, info.reason, info.detail))
            continue
        i = index_of_slot.get(slot, -1)
        if i < 0:  # no prose body: never matched
            out.append(Decision(
                doc_id=info.id, origin=info.origin, role=Role.UNIQUE, reason=Reason.NO_PROSE_BODY,
                detail="no prose body to match (a headline, page furniture or a fragment: fewer than 15 words of "
                       "running text); not matched, so that shared furniture cannot make it a copy", source=info.source, url=info.url, date=info.date, title=info.title,
                credits=tuple((c.kind, c.name) for c in info.credits), removed_lines=info.removed_lines,
                warnings=info.shown_warnings,
            ))
            continue
        score = scores[i]
        c = centres[i]
        canonical = docs.ids[c] if c >= 0 else None
        k = links[i]
        cover = longest = None
        if k >= 0:
            cover = round(cover_ab[k] if edge_a[k] == i else cover_ba[k], 4)
            longest = longests[k]
        out.append(Decision(
            doc_id=info.id, origin=info.origin, role=score.role, reason=score.reason, detail=score.detail,
            cluster_id=cluster_id(canonical) if canonical is not None else None, canonical_id=canonical,
            jaccard=None if score.jaccard is None else round(score.jaccard, 4),
            containment=None if score.containment is None else round(score.containment, 4),
            cover=cover, longest_passage=longest,
            source=info.source, url=info.url, date=info.date, title=info.title,
            credits=tuple((c.kind, c.name) for c in info.credits), removed_lines=info.removed_lines,
            warnings=info.shown_warnings,
        ))
    return out


def _edge_to_centre(assign: Assignment, docs: DocTable, member: int,
                    passages: tuple[tuple[int, int, int, int], ...]) -> Edge:
    """The member's edge, oriented member -> canonical, with its ``passages`` (member words, canonical words)."""
    e = assign.edges
    k = int(assign.link[member])
    flip = int(e.a[k]) != member
    label = LABEL_CODES[int(e.label[k])]
    if flip and label in (LABEL_CODES[A_IN_B], LABEL_CODES[B_IN_A]):
        label = LABEL_CODES[A_IN_B] if label == LABEL_CODES[B_IN_A] else LABEL_CODES[B_IN_A]
    cab, cba = float(e.contain_ab[k]), float(e.contain_ba[k])
    vab, vba = float(e.cover_ab[k]), float(e.cover_ba[k])
    return Edge(
        a=docs.ids[member], b=docs.ids[int(assign.centre[member])], jaccard=round(float(e.jaccard[k]), 4),
        contain_ab=round(cba if flip else cab, 4), contain_ba=round(cab if flip else cba, 4), label=label,
        cover_ab=round(vba if flip else vab, 4), cover_ba=round(vab if flip else vba, 4),
        longest_passage=int(e.longest[k]), passages=passages,
    )


def clusters(
    docs: DocTable, infos: list[DocInfo], assign: Assignment, scores: list[MemberScore],
    spans: dict[int, tuple[tuple[int, int, int, int], ...]],
) -> list[Cluster]:
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(assign.link >= 0).tolist():
        members.setdefault(int(assign.centre[i]), []).append(i)
    out: list[Cluster] = []
    keys = NameKeys()
    for c, member_idx in members.items():
        ordered = sorted(member_idx, key=lambda m: docs.ids[m])
        edges = tuple(_edge_to_centre(assign, docs, m, spans[m]) for m in ordered)
        roles = tuple(scores[m].role for m in ordered)
        weakest = min(
            (e.contain_ab if role is Role.EXCERPT_OF else e.jaccard, e.a,
             "containment" if role is Role.EXCERPT_OF else "jaccard")
            for e, role in zip(edges, roles, strict=True)
        )
        out.append(Cluster(
            id=cluster_id(docs.ids[c]), canonical=docs.ids[c], canonical_reason=scores[c].detail,
            members=tuple(docs.ids[m] for m in ordered), roles=roles, edges=edges,
            weakest_member=weakest[1], weakest_score=weakest[0], weakest_metric=weakest[2],
            syndication=syndication_edges(
                [(infos[m].id, infos[m].source, infos[m].credits) for m in [c, *ordered]], keys
            ),
        ))
    out.sort(key=lambda cl: cl.id)
    return out
