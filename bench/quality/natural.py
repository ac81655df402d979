#!/usr/bin/env python3
"""Natural copies among real pages: which of ~1,150 real crawled pages copy each other, and does copydesk
join exactly those?

No copies are made here. The corpus is every page of two public extraction benchmarks (the
article-extraction benchmark, trafilatura's evaluation corpus), read where they lie. Some of those pages
happen to copy each other (one wire story printed by two outlets, one page saved twice), and pages of one
site may share furniture (a footer, a subscription line, a teaser block): the first must be joined, the
second must not.

1. Every page's main text is extracted with copydesk's own ``extract_html``. A doc is the bare text: its
   id is the page's path under the data folder (``<folder>/.../<file name>``) and it carries no URL, source
   or date ("without site metadata"), so nothing but the text can tell two sites apart. Texts are cached as
   JSONL in ``bench/out/natural/`` (gitignored), keyed by each page's SHA-1 and the extractor's fingerprint.
2. ``copydesk.dedup`` runs over the docs with the default ``RunConfig``; every pair of docs in one cluster
   is a *joined* pair.
3. Independently of copydesk, an exact passage search finds the pairs a careful reader might call copies: word
   8-grams of casefolded ``\\w+`` tokens, an inverted index 8-gram -> docs (8-grams found in more than 20
   docs are dropped as furniture / stock phrases), and for every pair that shares an 8-gram its shared
   passages: maximal runs of shared 8-grams, merged across gaps of at most 3 words. A passage's length is
   the words it spans (gaps included); the pair's *longest* and *total* are the smaller of the two docs'
   sides. Pairs with a longest passage >= 25 words or a total >= 40 words are kept.
4. Every pair from 2 and 3 is labelled by reading (``natural_labels.tsv``: a, b, label, note; COPY /
   EDITED / NOT / UNSURE as in ``../shared/LABELLING.md``), and copydesk is scored against the labels:
   labelled NOT but joined (false positives), labelled COPY/EDITED but not joined (misses), and joined
   pairs without a label (listed, so that a person labels them).

Run from the repository root (needs the ``[html]`` extra; 30-50 s for the extraction on 2 cores, then a
few seconds):

    .venv/bin/python bench/quality/natural.py --out bench/quality/NATURAL.md [--data ../shared/data]
        [--review bench/out/natural/review.txt]

``--review`` writes the shared passages and context of every pair, for reading; it stays in bench/out.
``tests/test_natural_copies.py`` imports this module (one implementation of the pipeline and the
scoring).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import importlib.metadata
import json
import os
import re
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
try:
    import copydesk
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "src"))
    import copydesk

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = REPO / "bench" / "out" / "natural"
LABELS = HERE / "natural_labels.tsv"
FOLDERS = ("article-extraction-benchmark", "trafilatura-eval")

# passage search (step 3)
GRAM = 8  # words per passage key
MAX_DOCS_PER_GRAM = 20  # an 8-gram in more docs than this is furniture or a stock phrase: not indexed
MAX_GAP = 3  # runs of shared 8-grams at most this many words apart form one passage
MIN_LONGEST = 25  # keep a pair whose longest passage has at least this many words ...
MIN_TOTAL = 40  # ... or whose passages total at least this many

LABEL_VALUES = ("COPY", "EDITED", "NOT", "UNSURE")
COPY_LABELS = frozenset({"COPY", "EDITED"})

_WORD = re.compile(r"\w+")


# ----------------------------------------------------------------------------------------------------------
# 1. pages -> bare texts (cached)


def gather_pages(data: Path) -> list[tuple[str, Path]]:
    """(doc id, path) of every page in the two folders, sorted by id. The id is the path under ``data``.

    article-extraction-benchmark: ``html/*.html.gz``; trafilatura-eval: every file in ``eval/`` and
    ``cache/`` (the one file there without an ``.html`` suffix is an HTML page too)."""
    pages: list[tuple[str, Path]] = []
    aeb = data / FOLDERS[0] / "html"
    pages += [(p.relative_to(data).as_posix(), p) for p in aeb.glob("*.html.gz")]
    for sub in ("eval", "cache"):
        folder = data / FOLDERS[1] / sub
        pages += [(p.relative_to(data).as_posix(), p) for p in folder.iterdir() if p.is_file()]
    return sorted(pages)


def unlisted_pages(data: Path) -> int:
    """How many trafilatura-eval files ``evaldata.json`` does not list (they are pages all the same)."""
    try:
        entries = json.loads((data / FOLDERS[1] / "evaldata.json").read_text(encoding="utf-8"))
        listed = {entry["file"] for entry in entries.values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0
    return sum(1 for doc_id, _ in gather_pages(data) if doc_id.startswith(FOLDERS[1] + "/")
               and doc_id.rsplit("/", 1)[1].removesuffix(".gz") not in listed)


def _page_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def extractor_fingerprint() -> str:
    """Changes when the extraction could: copydesk's html module source and trafilatura's version."""
    from copydesk.io import html as html_module

    source = Path(html_module.__file__).read_bytes()
    version = importlib.metadata.version("trafilatura")
    return hashlib.sha1(source + b"\0" + version.encode()).hexdigest()[:16]


def _extract_one(job: tuple[str, str]) -> dict[str, str]:
    from copydesk.io.html import extract_html

    doc_id, path = job
    raw = _page_bytes(Path(path))
    return {"id": doc_id, "sha1": hashlib.sha1(raw).hexdigest(), "text": extract_html(raw).text}


def load_texts(data: Path, cache_dir: Path, workers: int | None = None, log: Any = print,
               stats: dict[str, Any] | None = None) -> dict[str, str]:
    """{doc id: extracted main text} for every page, in id order; extracts only what the cache lacks.

    The cache is ``cache_dir/texts.jsonl``: a header line ``{"fingerprint": ...}``, then one
    ``{"id", "sha1", "text"}`` record per page. A record is reused when its page's bytes hash the same and
    the extractor fingerprint matches; otherwise the page is extracted again (in ``workers`` processes).
    ``stats``, when given, gets ``pages``, ``extracted`` (how many were not cached) and ``seconds``."""
    pages = gather_pages(data)
    if not pages:
        raise SystemExit(f"no pages under {data} (expected {', '.join(FOLDERS)})")
    fingerprint = extractor_fingerprint()
    cache_file = cache_dir / "texts.jsonl"
    cached: dict[str, dict[str, str]] = {}
    if cache_file.exists():
        with cache_file.open(encoding="utf-8") as handle:
            header = json.loads(handle.readline() or "{}")
            if header.get("fingerprint") == fingerprint:
                for line in handle:
                    record = json.loads(line)
                    cached[record["id"]] = record
    records: dict[str, dict[str, str]] = {}
    todo: list[tuple[str, str]] = []
    for doc_id, path in pages:
        record = cached.get(doc_id)
        if record is not None and record["sha1"] == hashlib.sha1(_page_bytes(path)).hexdigest():
            records[doc_id] = record
        else:
            todo.append((doc_id, str(path)))
    started = time.perf_counter()
    if todo:
        workers = max(1, workers or os.cpu_count() or 1)
        log(f"extracting {len(todo)} of {len(pages)} pages in {workers} processes ...")
        if workers == 1:
            done = map(_extract_one, todo)
            for record in done:
                records[record["id"]] = record
        else:
            with get_context("spawn").Pool(workers) as pool:
                for record in pool.imap_unordered(_extract_one, todo, chunksize=8):
                    records[record["id"]] = record
        log(f"  {time.perf_counter() - started:.1f} s")
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        with tmp.open("w", encoding="ascii") as handle:  # JSON escapes: even a lone surrogate round-trips
            handle.write(json.dumps({"fingerprint": fingerprint}) + "\n")
            for doc_id, _ in pages:
                handle.write(json.dumps(records[doc_id]) + "\n")
        tmp.replace(cache_file)
    if stats is not None:
        stats.update(pages=len(pages), extracted=len(todo), seconds=time.perf_counter() - started)
    return {doc_id: records[doc_id]["text"] for doc_id, _ in pages}


# ----------------------------------------------------------------------------------------------------------
# 2. copydesk


@dataclass
class DedupOutcome:
    decisions: dict[str, Any]  # doc id -> copydesk.Decision
    joined: set[tuple[str, str]]  # (a, b) with a < b: both in one cluster
    summary: dict[str, Any]
    seconds: float


def run_copydesk(texts: dict[str, str], cfg: Any = None) -> DedupOutcome:
    """``copydesk.dedup`` over bare documents (id and text only); every pair inside a cluster is joined."""
    cfg = cfg if cfg is not None else copydesk.RunConfig()
    started = time.perf_counter()
    docs = (copydesk.Document(id=doc_id, text=text) for doc_id, text in texts.items())
    result = copydesk.dedup(docs, cfg)
    seconds = time.perf_counter() - started
    decisions = {d.doc_id: d for d in result.decisions}
    members: dict[str, list[str]] = defaultdict(list)
    for decision in result.decisions:
        if decision.cluster_id is not None:
            members[decision.cluster_id].append(decision.doc_id)
    joined = {pair_key(a, b) for ids in members.values() for i, a in enumerate(ids)
              for b in ids[i + 1 :]}
    return DedupOutcome(decisions, joined, dict(result.summary), seconds)


# ----------------------------------------------------------------------------------------------------------
# 3. exact passage search, independent of copydesk


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass
class Tokens:
    words: list[str]  # casefolded
    spans: list[tuple[int, int]]  # character offsets in the text

    @classmethod
    def of(cls, text: str) -> Tokens:
        matches = list(_WORD.finditer(text))
        return cls([m.group().casefold() for m in matches], [m.span() for m in matches])

    def grams(self) -> list[int]:
        w = self.words
        return [hash(tuple(w[i : i + GRAM])) for i in range(len(w) - GRAM + 1)]


@dataclass
class SharedPair:
    a: str
    b: str
    longest: int  # words, the smaller of the two sides
    total: int
    # token intervals [start, end] (inclusive) of each side's shared passages
    passages_a: list[tuple[int, int]] = field(default_factory=list)
    passages_b: list[tuple[int, int]] = field(default_factory=list)


def _passages(grams: list[int], other: set[int], frequent: set[int]) -> list[tuple[int, int]]:
    """Token intervals of this doc covered by runs of 8-grams found in ``other``, merged across gaps."""
    runs: list[tuple[int, int]] = []
    for i, g in enumerate(grams):
        if g in other and g not in frequent:
            start, end = i, i + GRAM - 1
            if runs and start - runs[-1][1] - 1 <= MAX_GAP:  # overlaps, touches or is <= MAX_GAP words off
                runs[-1] = (runs[-1][0], max(runs[-1][1], end))
            else:
                runs.append((start, end))
    return runs


def _lengths(passages: list[tuple[int, int]]) -> tuple[int, int]:
    sizes = [e - s + 1 for s, e in passages]
    return (max(sizes, default=0), sum(sizes))


def shared_passage_pairs(
    texts: dict[str, str], min_longest: int = MIN_LONGEST, min_total: int = MIN_TOTAL
) -> tuple[list[SharedPair], dict[str, Any]]:
    """Every pair sharing an indexed 8-gram, with its shared passages; those over either threshold are
    returned (largest total first), plus counts of the search."""
    tokens = {doc_id: Tokens.of(text) for doc_id, text in texts.items()}
    grams = {doc_id: t.grams() for doc_id, t in tokens.items()}
    gram_sets = {doc_id: set(g) for doc_id, g in grams.items()}
    postings: dict[int, list[str]] = defaultdict(list)
    for doc_id, gs in gram_sets.items():
        for g in gs:
            postings[g].append(doc_id)
    frequent = {g for g, ids in postings.items() if len(ids) > MAX_DOCS_PER_GRAM}
    candidates: set[tuple[str, str]] = set()
    for g, ids in postings.items():
        if len(ids) < 2 or g in frequent:
            continue
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                candidates.add((a, b))
    kept: list[SharedPair] = []
    for a, b in sorted(candidates):
        pa = _passages(grams[a], gram_sets[b], frequent)
        pb = _passages(grams[b], gram_sets[a], frequent)
        (la, ta), (lb, tb) = _lengths(pa), _lengths(pb)
        longest, total = min(la, lb), min(ta, tb)
        if longest >= min_longest or total >= min_total:
            kept.append(SharedPair(a, b, longest, total, pa, pb))
    kept.sort(key=lambda p: (-p.total, -p.longest, p.a, p.b))
    stats = {"grams": len(postings), "frequent_grams": len(frequent),
             "pairs_sharing_a_gram": len(candidates), "pairs_kept": len(kept)}
    return kept, stats


def passage_text(text: str, tok: Tokens, interval: tuple[int, int]) -> str:
    s, e = interval
    return text[tok.spans[s][0] : tok.spans[e][1]]


# ----------------------------------------------------------------------------------------------------------
# 4. labels and scoring


@dataclass(frozen=True)
class Label:
    a: str
    b: str
    label: str
    note: str


def load_labels(path: Path = LABELS) -> dict[tuple[str, str], Label]:
    """The labelled pairs, keyed by (a, b) sorted. ValueError on a bad label or a pair given twice."""
    labels: dict[tuple[str, str], Label] = {}
    if not path.exists():
        return labels
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            label = row["label"].strip()
            if label not in LABEL_VALUES:
                raise ValueError(f"{path}: bad label {label!r} for {row['a']} / {row['b']}")
            key = pair_key(row["a"].strip(), row["b"].strip())
            if key in labels:
                raise ValueError(f"{path}: pair {key} labelled twice")
            labels[key] = Label(*key, label, (row.get("note") or "").strip())
    return labels


@dataclass
class Score:
    false_positives: list[tuple[str, str]]  # labelled NOT, joined
    misses: list[tuple[str, str]]  # labelled COPY/EDITED, not joined
    unlabelled_joined: list[tuple[str, str]]  # joined, no label: a person must label them
    counts: dict[str, dict[str, int]]  # label -> {"joined": n, "not joined": n}


def score(labels: dict[tuple[str, str], Label], joined: set[tuple[str, str]]) -> Score:
    counts = {lab: {"joined": 0, "not joined": 0} for lab in LABEL_VALUES}
    false_positives, misses = [], []
    for key, lab in sorted(labels.items()):
        is_joined = key in joined
        counts[lab.label]["joined" if is_joined else "not joined"] += 1
        if is_joined and lab.label == "NOT":
            false_positives.append(key)
        if not is_joined and lab.label in COPY_LABELS:
            misses.append(key)
    unlabelled = sorted(k for k in joined if k not in labels)
    return Score(false_positives, misses, unlabelled, counts)


@dataclass
class Natural:
    """Everything one run of the pipeline produced (the test and the report both use it)."""

    texts: dict[str, str]
    outcome: DedupOutcome
    labels: dict[tuple[str, str], Label]
    result: Score

    def __repr__(self) -> str:  # short: pytest prints fixture values in its failure reports
        return (f"Natural({len(self.texts)} docs, {len(self.outcome.joined)} joined pairs, "
                f"{len(self.labels)} labels, {len(self.result.false_positives)} false positives, "
                f"{len(self.result.misses)} misses)")


def run_pipeline(data: Path, cache_dir: Path, labels_path: Path = LABELS, workers: int | None = None,
                 log: Any = print) -> Natural:
    texts = load_texts(data, cache_dir, workers, log)
    outcome = run_copydesk(texts)
    labels = load_labels(labels_path)
    return Natural(texts, outcome, labels, score(labels, outcome.joined))


# ----------------------------------------------------------------------------------------------------------
# report


def _head() -> str:
    """The repository's HEAD commit (read-only: ``git rev-parse``), or ``?``."""
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return done.stdout.strip()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _role(decision: Any) -> str:
    if decision is None:
        return "?"
    return decision.role.value if hasattr(decision.role, "value") else str(decision.role)


def review_dump(path: Path, pairs: Sequence[tuple[str, str]], texts: dict[str, str],
                shared: dict[tuple[str, str], SharedPair], outcome: DedupOutcome, context: int = 400) -> None:
    """For reading: each pair's scores, its shared passages (with context) and the head of both texts."""
    toks: dict[str, Tokens] = {}

    def tok(doc_id: str) -> Tokens:
        if doc_id not in toks:
            toks[doc_id] = Tokens.of(texts[doc_id])
        return toks[doc_id]

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for n, (a, b) in enumerate(pairs, 1):
            cmp = copydesk.compare_texts(texts[a], texts[b])
            sp = shared.get((a, b))
            da, db = outcome.decisions.get(a), outcome.decisions.get(b)
            out.write(f"\n{'=' * 100}\n#{n} {a}  |  {b}\n")
            out.write(f"words: {len(tok(a).words)} / {len(tok(b).words)}; "
                      f"joined: {(a, b) in outcome.joined}; roles {_role(da)} / {_role(db)}; "
                      f"compare_texts J={cmp.jaccard} "
                      f"a_in_b={cmp.containment_a_in_b} b_in_a={cmp.containment_b_in_a} {cmp.label}\n")
            if sp is not None:
                out.write(f"passages: longest {sp.longest}, total {sp.total}; "
                          f"a-side {[e - s + 1 for s, e in sp.passages_a]}\n")
                for s, e in sp.passages_a:
                    ta = texts[a]
                    lo, hi = tok(a).spans[s][0], tok(a).spans[e][1]
                    out.write(f"--- A[{s}:{e}] ({e - s + 1} words)\n")
                    out.write("..." + ta[max(0, lo - context) : lo].replace("\n", " / ") + " [[[ ")
                    out.write(ta[lo:hi].replace("\n", " / ") + " ]]] ")
                    out.write(ta[hi : hi + context].replace("\n", " / ") + "...\n")
            for doc_id in (a, b):
                out.write(f"--- HEAD {doc_id}\n{texts[doc_id][:1500]}\n")


def write_report(out: Path, args_line: str, texts: dict[str, str], outcome: DedupOutcome,
                 shared: list[SharedPair], shared_stats: dict[str, Any], labels: dict[tuple[str, str], Label],
                 result: Score, extraction: dict[str, Any], unlisted: int) -> None:
    by_key = {(p.a, p.b): p for p in shared}
    pages = len(texts)
    per_folder = {f: sum(1 for k in texts if k.startswith(f + "/")) for f in FOLDERS}
    empty = sum(1 for t in texts.values() if not t.strip())
    roles: dict[str, int] = defaultdict(int)
    rejected: dict[str, int] = defaultdict(int)
    for d in outcome.decisions.values():
        roles[_role(d)] += 1
        if _role(d) == "rejected":
            rejected[str(d.reason.value if hasattr(d.reason, "value") else d.reason)] += 1
    sizes: dict[str, int] = defaultdict(int)
    for d in outcome.decisions.values():
        if d.cluster_id:
            sizes[d.cluster_id] += 1
    both = outcome.joined & set(by_key)
    lines = [
        "# Natural copies among real pages",
        "",
        "Written by `bench/quality/natural.py` (its docstring says how). The corpus is every page of the",
        "two extraction benchmarks in `../shared/data`, extracted with `copydesk.io.html.extract_html` and",
        "given to `copydesk.dedup` as bare text (id = the page's path under the data folder; no URL, source",
        "or date). Labels (`natural_labels.tsv`) were given by reading both texts, per",
        "`../shared/LABELLING.md`.",
        "",
        "```bash",
        args_line,
        "```",
        "",
        f"- copydesk {copydesk.__version__} from `{Path(copydesk.__file__).parent}`; trafilatura "
        f"{importlib.metadata.version('trafilatura')}; default `RunConfig()`",
        f"- repository HEAD `{_head()}`; extraction {extraction['seconds']:.1f} s "
        f"({extraction['extracted']} of {extraction['pages']} pages extracted in this run, the rest read "
        f"from the cache `bench/out/natural/texts.jsonl`); dedup {outcome.seconds:.1f} s",
        "",
        "## Corpus",
        "",
        f"- {pages} pages: " + ", ".join(f"{n} from `{f}/`" for f, n in per_folder.items())
        + f" (every file of `eval/` and `cache/`, {unlisted} that `evaldata.json` does not list included, "
        f"one of them without an `.html` suffix); {empty} with no extracted text",
        f"- {sum(len(_WORD.findall(t)) for t in texts.values()):,} words of extracted text",
        "- copydesk roles: " + ", ".join(f"{k} {v}" for k, v in sorted(roles.items()))
        + (" (rejected: " + ", ".join(f"{k} {v}" for k, v in sorted(rejected.items())) + ")"
           if rejected else "")
        + f"; {len(sizes)} clusters (sizes "
        + ", ".join(str(s) for s in sorted(sizes.values(), reverse=True))
        + f"), **{len(outcome.joined)} joined pairs**",
        f"- passage search: {shared_stats['grams']:,} distinct 8-grams, "
        f"{shared_stats['frequent_grams']:,} in more than {MAX_DOCS_PER_GRAM} docs (not indexed); "
        f"{shared_stats['pairs_sharing_a_gram']:,} pairs share an 8-gram; **{len(shared)} pairs** with a "
        f"passage >= {MIN_LONGEST} words or >= {MIN_TOTAL} words in all (the other "
        f"{shared_stats['pairs_sharing_a_gram'] - len(shared)} are not labelled)",
        f"- {len(both)} pairs found by both, {len(outcome.joined - set(by_key))} joined by copydesk only, "
        f"{len(set(by_key) - outcome.joined)} found by the passage search only",
        "",
        "## Totals",
        "",
        "| label | pairs | joined by copydesk | not joined |",
        "|---|---:|---:|---:|",
    ]
    for lab in LABEL_VALUES:
        c = result.counts[lab]
        lines.append(f"| {lab} | {c['joined'] + c['not joined']} | {c['joined']} | {c['not joined']} |")
    lines += [
        "",
        f"- **false positives** (labelled NOT, joined): {len(result.false_positives)}",
        f"- **misses** (labelled COPY/EDITED, not joined): {len(result.misses)}",
        f"- joined pairs without a label: {len(result.unlabelled_joined)}"
        + (" (label them in `natural_labels.tsv`)" if result.unlabelled_joined else ""),
    ]
    unlabelled_found = [k for k in by_key if k not in labels]
    if unlabelled_found:
        lines.append(f"- passage-search pairs without a label: {len(unlabelled_found)} (label them too)")
    sections = (("False positives", result.false_positives), ("Misses", result.misses),
                ("Joined pairs without a label", result.unlabelled_joined),
                ("Passage-search pairs without a label", unlabelled_found))
    for title, keys in sections:
        if not keys:
            continue
        lines += ["", f"### {title}", ""]
        for a, b in keys:
            cmp = copydesk.compare_texts(texts[a], texts[b])
            lab = labels.get((a, b))
            lines.append(f"- `{a}` / `{b}`: compare_texts Jaccard {cmp.jaccard:.2f}, containment "
                         f"{cmp.containment_a_in_b:.2f} / {cmp.containment_b_in_a:.2f}"
                         + (f". {lab.label}: {lab.note}" if lab else ""))
    lines += [
        "",
        "## Every labelled pair",
        "",
        "Passage words: longest / total shared passage (exact 8-gram search; empty when under the "
        "thresholds). Roles and scores: each doc's copydesk role and its Jaccard / containment against its "
        "cluster's canonical doc (none for a canonical or unique doc). pair J / a⊂b / b⊂a: "
        "`copydesk.compare_texts` of the two texts (per-document cleaning only, no corpus).",
        "",
        "| # | a | b | label | found by | passage words | role a (J, cont.) | role b (J, cont.) | "
        "pair J / a⊂b / b⊂a | joined | note |",
        "|---:|---|---|---|---|---:|---|---|---|:---:|---|",
    ]
    order = {"COPY": 0, "EDITED": 1, "UNSURE": 2, "NOT": 3}

    def rank(lab: Label) -> tuple[int, int, str, str]:
        sp = by_key.get((lab.a, lab.b))
        return (order[lab.label], -(sp.total if sp else 0), lab.a, lab.b)

    rows = sorted(labels.values(), key=rank)
    for n, lab in enumerate(rows, 1):
        key = (lab.a, lab.b)
        sp = by_key.get(key)
        da, db = outcome.decisions.get(lab.a), outcome.decisions.get(lab.b)
        if lab.a in texts and lab.b in texts:
            cmp = copydesk.compare_texts(texts[lab.a], texts[lab.b])
            pair = f"{cmp.jaccard:.2f} / {cmp.containment_a_in_b:.2f} / {cmp.containment_b_in_a:.2f}"
        else:
            pair = "(page missing)"

        def role(d: Any) -> str:
            if d is None:
                return "?"
            shown = d.jaccard is not None and _role(d) != "canonical"
            scores = f" ({_fmt(d.jaccard)}, {_fmt(d.containment)})" if shown else ""
            return _role(d) + scores

        mark = "yes" if key in outcome.joined else "no"
        if key in result.false_positives or key in result.misses:
            mark = f"**{mark}** ✗"
        note = lab.note.replace("|", "\\|")
        hits = (("copydesk", key in outcome.joined), ("passages", sp is not None))
        found = " + ".join(name for name, hit in hits if hit) or "neither"
        words = f"{sp.longest} / {sp.total}" if sp else ""
        lines.append(f"| {n} | `{lab.a}` | `{lab.b}` | {lab.label} | {found} | {words} | {role(da)} | "
                     f"{role(db)} | {pair} | {mark} | {note} |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"),
                        help="folder holding article-extraction-benchmark/ and trafilatura-eval/")
    parser.add_argument("--out", type=Path, default=None, help="write the markdown report here")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="extracted-text cache folder")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--workers", type=int, default=None,
                        help="extraction processes (default: all CPUs)")
    parser.add_argument("--review", type=Path, default=None,
                        help="write every pair's shared passages and text heads here, for reading")
    args = parser.parse_args(argv)

    print(f"copydesk: {copydesk.__file__}")
    extraction: dict[str, Any] = {}
    texts = load_texts(args.data, args.cache, args.workers, stats=extraction)
    outcome = run_copydesk(texts)
    shared, shared_stats = shared_passage_pairs(texts)
    labels = load_labels(args.labels)
    result = score(labels, outcome.joined)
    print(f"{len(texts)} docs; copydesk joined {len(outcome.joined)} pairs in {outcome.seconds:.1f} s; "
          f"passage search kept {len(shared)} pairs; {len(labels)} labelled")
    by_key = {(p.a, p.b): p for p in shared}
    if args.review is not None:
        pairs = sorted(outcome.joined | set(by_key))
        review_dump(args.review, pairs, texts, by_key, outcome)
        print(f"review: {args.review} ({len(pairs)} pairs)")
    todo = sorted((outcome.joined | set(by_key)) - set(labels))
    for a, b in todo:
        print(f"UNLABELLED\t{a}\t{b}\t{'joined' if (a, b) in outcome.joined else 'passages only'}")
    print(f"false positives {len(result.false_positives)}, misses {len(result.misses)}, "
          f"unlabelled joined {len(result.unlabelled_joined)}, unlabelled in all {len(todo)}")
    if args.out is not None:
        args_line = " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv])
        write_report(args.out, args_line, texts, outcome, shared, shared_stats, labels, result,
                     extraction, unlisted_pages(args.data))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
