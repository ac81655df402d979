"""The only module that knows the stage order: read -> shingle/sketch -> candidates -> verify -> cluster ->
canonical -> decisions. Each stage is a pure function over arrays; this module streams documents through the
first stage in batches (texts are dropped once sketched) and keeps only compact per-doc arrays afterwards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xxhash

from .candidates.lsh import candidate_pairs
from .canonical import DocTable, MemberScore, member_scores, priority
from .cluster import Assignment, cluster
from .config import RunConfig
from .sketch.minhash import signatures
from .sketch.shingle import ShingleSets, concat, shingle_sets, take
from .types import Cluster, Decision, Document, Edge, Reason, Rejected, Role
from .verify import A_IN_B, B_IN_A, LABEL_CODES, EdgeTable, verify_pairs

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: ``progress(stage, done, total)``: called as work advances; ``total`` is None while the input is streaming.
ProgressFn = Callable[[str, int, int | None], None]


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What the outputs need of a document once its text has been sketched and dropped."""

    id: str
    origin: str
    url: str | None
    source: str | None
    date: str | None
    title: str | None
    chars: int
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything a run produced; ``decisions`` has one row per input, in input order."""

    decisions: list[Decision]
    clusters: list[Cluster]
    summary: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def cluster_id(canonical_id: str) -> str:
    """Cluster ids derive from the canonical member's id, never from iteration order."""
    return "c" + xxhash.xxh64_hexdigest(canonical_id.encode("utf-8"))


class _Intake:
    """Streams items into batches of texts, sketches each batch, and keeps per-doc info and rejections."""

    def __init__(self, cfg: RunConfig, progress: ProgressFn) -> None:
        self.cfg = cfg
        self.progress = progress
        self.slots: list[DocInfo | Rejected] = []  # input order
        self.doc_slot: list[int] = []  # sketched doc index -> slot
        self.parts: list[ShingleSets] = []
        self.first_seen: dict[str, str] = {}
        self.batch: list[str] = []
        self.batch_slots: list[int] = []
        self.problems: list[str] = []
        self.bytes = 0

    def add(self, item: Document | Rejected) -> None:
        if isinstance(item, Rejected):
            self.problems.append(item.detail)
            self.slots.append(item)
            return
        self.problems.extend(item.warnings)
        if item.id in self.first_seen:
            detail = f"{item.origin}: duplicate id {item.id!r}, first seen at {self.first_seen[item.id]}"
            self.problems.append(detail)
            self.slots.append(Rejected(item.id, item.origin, Reason.DUPLICATE_ID, detail))
            return
        self.first_seen[item.id] = item.origin
        if not item.text.strip():
            self.slots.append(Rejected(item.id, item.origin, Reason.EMPTY_TEXT, f"{item.origin}: empty text"))
            return
        self.slots.append(DocInfo(
            item.id, item.origin, item.url, item.source, item.date, item.title, len(item.text), item.warnings
        ))
        self.batch.append(item.text)
        self.batch_slots.append(len(self.slots) - 1)
        self.bytes += len(item.text.encode("utf-8", "surrogatepass"))
        if len(self.batch) >= self.cfg.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        sets = shingle_sets(self.batch, self.cfg.shingle)
        sizes = sets.sizes()
        kept = np.flatnonzero(sizes > 0)
        for row in np.flatnonzero(sizes == 0).tolist():
            slot = self.batch_slots[row]
            info = self.slots[slot]
            assert isinstance(info, DocInfo)
            self.slots[slot] = Rejected(info.id, info.origin, Reason.EMPTY_TEXT,
                                        f"{info.origin}: no words to match (only punctuation or symbols)")
        self.parts.append(take(sets, kept) if kept.shape[0] < len(self.batch) else sets)
        self.doc_slot.extend(self.batch_slots[r] for r in kept.tolist())
        self.batch, self.batch_slots = [], []
        self.progress("sketch", len(self.slots), None)


def _timed(timings: dict[str, float], stage: str, start: float) -> float:
    now = time.perf_counter()
    timings[stage] = round(timings.get(stage, 0.0) + now - start, 4)
    return now


def dedup(items: Iterable[Document | Rejected], cfg: RunConfig, progress: ProgressFn = _no_progress) -> RunResult:
    """Run the whole job over a stream of documents and return decisions, clusters and a summary."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    intake = _Intake(cfg, progress)
    for item in items:
        intake.add(item)
    intake.flush()
    start = _timed(timings, "read_and_sketch", start)

    sets = concat(intake.parts)
    infos = [info for info in (intake.slots[s] for s in intake.doc_slot) if isinstance(info, DocInfo)]
    assert len(infos) == len(intake.doc_slot)
    docs = DocTable(
        ids=[i.id for i in infos],
        sizes=sets.sizes(),
        dates=[i.date for i in infos],
        sources=[i.source for i in infos],
    )
    sigs = signatures(sets, cfg.minhash)
    start = _timed(timings, "minhash", start)
    progress("candidates", 0, None)
    pairs = candidate_pairs(sets, sigs, cfg.candidates, cfg.minhash, cfg.verify.containment)
    start = _timed(timings, "candidates", start)
    progress("verify", 0, int(pairs.shape[0]))
    edges = verify_pairs(sets, pairs, cfg.verify)
    start = _timed(timings, "verify", start)
    rank = priority(docs, edges, cfg.canonical)
    assignment = cluster(len(sets), edges, rank, lambda p: verify_pairs(sets, p, cfg.verify, keep_unrelated=True))
    scores = member_scores(assignment, docs, cfg.canonical)
    start = _timed(timings, "cluster", start)

    decisions = _decisions(intake.slots, intake.doc_slot, docs, assignment, scores)
    clusters = _clusters(docs, assignment, scores)
    _timed(timings, "assemble", start)
    summary = _summary(decisions, clusters, pairs, edges, assignment, intake, cfg, timings)
    manifest = _manifest(cfg, timings, len(decisions), intake.bytes)
    return RunResult(decisions, clusters, summary, manifest, intake.problems)


def _decisions(
    slots: list[DocInfo | Rejected], doc_slot: list[int], docs: DocTable, assign: Assignment,
    scores: list[MemberScore],
) -> list[Decision]:
    index_of_slot = {slot: i for i, slot in enumerate(doc_slot)}
    out: list[Decision] = []
    for slot, info in enumerate(slots):
        if isinstance(info, Rejected):
            out.append(Decision(info.id, info.origin, Role.REJECTED, info.reason, info.detail))
            continue
        i = index_of_slot[slot]
        score = scores[i]
        c = int(assign.centre[i])
        canonical = docs.ids[c] if c >= 0 else None
        out.append(Decision(
            doc_id=info.id, origin=info.origin, role=score.role, reason=score.reason, detail=score.detail,
            cluster_id=cluster_id(canonical) if canonical is not None else None, canonical_id=canonical,
            jaccard=None if score.jaccard is None else round(score.jaccard, 4),
            containment=None if score.containment is None else round(score.containment, 4),
            source=info.source, url=info.url, date=info.date, warnings=info.warnings,
        ))
    return out


def _edge_to_centre(assign: Assignment, docs: DocTable, member: int) -> Edge:
    """The member's edge, oriented member -> canonical."""
    e = assign.edges
    k = int(assign.link[member])
    flip = int(e.a[k]) != member
    label = LABEL_CODES[int(e.label[k])]
    if flip and label in (LABEL_CODES[A_IN_B], LABEL_CODES[B_IN_A]):
        label = LABEL_CODES[A_IN_B] if label == LABEL_CODES[B_IN_A] else LABEL_CODES[B_IN_A]
    cab, cba = float(e.contain_ab[k]), float(e.contain_ba[k])
    return Edge(
        a=docs.ids[member], b=docs.ids[int(assign.centre[member])], jaccard=round(float(e.jaccard[k]), 4),
        contain_ab=round(cba if flip else cab, 4), contain_ba=round(cab if flip else cba, 4), label=label,
    )


def _clusters(docs: DocTable, assign: Assignment, scores: list[MemberScore]) -> list[Cluster]:
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(assign.link >= 0).tolist():
        members.setdefault(int(assign.centre[i]), []).append(i)
    out: list[Cluster] = []
    for c, member_idx in members.items():
        ordered = sorted(member_idx, key=lambda m: docs.ids[m])
        edges = tuple(_edge_to_centre(assign, docs, m) for m in ordered)
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
        ))
    out.sort(key=lambda cl: cl.id)
    return out


def _summary(
    decisions: list[Decision], clusters: list[Cluster], pairs: np.ndarray, edges: EdgeTable,
    assign: Assignment, intake: _Intake, cfg: RunConfig, timings: dict[str, float],
) -> dict[str, Any]:
    from .manifest import config_hash

    roles = {role.value: 0 for role in Role}
    rejected: dict[str, int] = {}
    for d in decisions:
        roles[d.role.value] += 1
        if d.role is Role.REJECTED:
            rejected[d.reason.value] = rejected.get(d.reason.value, 0) + 1
    return {
        "input_docs": len(decisions),
        "roles": roles,
        "rejected_by_reason": dict(sorted(rejected.items())),
        "clusters": len(clusters),
        "largest_cluster": max((c.size for c in clusters), default=0),
        "candidate_pairs": int(pairs.shape[0]),
        "verified_edges": len(edges),
        "edges_verified_while_clustering": len(assign.edges) - len(edges),
        "input_problems": len(intake.problems),
        "text_bytes": intake.bytes,
        "config_hash": config_hash(cfg),
    }


def _manifest(cfg: RunConfig, timings: dict[str, float], docs: int, text_bytes: int) -> dict[str, Any]:
    """Run facts that may differ between identical runs (timings, versions); kept out of summary.json so that
    the result files are byte-identical for the same input and settings."""
    from .manifest import config_hash, versions

    total = sum(timings.values())
    return {
        "config_hash": config_hash(cfg), "config": cfg.matching_dict(), "versions": versions(),
        "batch_size": cfg.batch_size, "workers": cfg.workers, "backend": cfg.backend,
        "seconds": timings, "docs_per_second": round(docs / total, 1) if total else None,
        "mb_per_second": round(text_bytes / 1e6 / total, 2) if total else None,
    }


def iter_batches(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
