"""Frozen, validated configuration: one dataclass per stage plus ``RunConfig``.

Every value is checked in ``__post_init__`` so a bad setting fails before any work starts, with a message
that says how to fix it (rather than being silently ignored, as free-form dicts allow).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .errors import ConfigError


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be in [0, 1], got {value!r}")


def _check_positive(name: str, value: int) -> None:
    if value < 1:
        raise ConfigError(f"{name} must be >= 1, got {value!r}")


@dataclass(frozen=True, slots=True)
class ReadConfig:
    """How records are read. Field names apply to JSONL and Parquet inputs."""

    id_field: str = "id"
    text_field: str = "text"
    url_field: str = "url"
    date_field: str = "date"
    source_field: str = "source"
    title_field: str = "title"
    max_doc_chars: int = 5_000_000
    #: An HTML page (a file, gunzipped when it is a .gz) larger than this is not read: no article page comes near
    #: it, and a gzip bomb would fill the memory.
    max_html_bytes: int = 64 << 20
    #: A line of a compressed JSONL file (or of a pipe) longer than this is one rejected row, skipped without
    #: being held: a small .jsonl.gz can unpack to a line of gigabytes.
    max_record_bytes: int = 256 << 20

    def __post_init__(self) -> None:
        _check_positive("max_doc_chars", self.max_doc_chars)
        _check_positive("max_html_bytes", self.max_html_bytes)
        _check_positive("max_record_bytes", self.max_record_bytes)
        if not self.id_field or not self.text_field:
            raise ConfigError("id_field and text_field must be non-empty field names")


@dataclass(frozen=True, slots=True)
class CleanConfig:
    """Boilerplate removal. ``enabled=False`` matches on the raw text."""

    enabled: bool = True
    # corpus-level evidence: a line seen in at least this many docs of one source is that source's boilerplate
    min_source_docs: int = 2
    max_tracked_lines: int = 2_000_000

    def __post_init__(self) -> None:
        _check_positive("min_source_docs", self.min_source_docs)
        _check_positive("max_tracked_lines", self.max_tracked_lines)


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """Shingles are word n-grams of the normalised text (see ``sketch/normalize.py``)."""

    size: int = 5

    def __post_init__(self) -> None:
        _check_positive("shingle size", self.size)
        if self.size > 16:
            raise ConfigError(f"shingle size {self.size} is too large to match anything; use 3-9")


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    """One-permutation MinHash with optimal densification: ``num_perm`` bins per signature."""

    num_perm: int = 128
    seed: int = 42

    def __post_init__(self) -> None:
        _check_positive("num_perm", self.num_perm)
        if self.seed < 0 or self.seed >= 2**63:
            raise ConfigError(f"seed must be in [0, 2**63), got {self.seed}")


@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """Candidate generation: LSH bands over MinHash (near copies) + sampled passage fingerprints (excerpts).

    ``bands * rows`` must equal ``num_perm``. ``sample_mod``: a shingle whose hash is 0 modulo it becomes a
    fingerprint, so on average 1/sample_mod of the shingles are indexed; a pair sharing at least
    ``min_shared_fingerprints`` becomes a candidate. A fingerprint held by more than ``max_postings`` docs is
    skipped (boilerplate or a stock phrase); an LSH bucket that large links each doc to its first
    ``max_postings`` docs only. Both keep candidate generation linear in corpus size.
    """

    bands: int = 32
    rows: int = 4
    sample_mod: int = 8
    min_shared_fingerprints: int = 2
    max_postings: int = 100

    def __post_init__(self) -> None:
        _check_positive("bands", self.bands)
        _check_positive("rows", self.rows)
        _check_positive("sample_mod", self.sample_mod)
        _check_positive("min_shared_fingerprints", self.min_shared_fingerprints)
        if self.max_postings < 2:
            raise ConfigError(f"max_postings must be >= 2, got {self.max_postings}")


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """Edge labels from exact shingle-set scores, then from shared passages (``copydesk.passages``).

    near_duplicate: Jaccard >= ``near_jaccard``, or both containments >= ``containment``, or one doc's
    containment in the other >= ``containment`` while neither is clearly shorter (each has more than
    ``excerpt_max_ratio`` of the other's shingles).
    excerpt_of: the smaller doc's containment in the larger >= ``containment`` and the smaller has at most
    ``excerpt_max_ratio`` of the larger's shingles (it is clearly shorter).

    Pairs the set scores leave unrelated but where a doc has ``align_containment`` of its shingles in the other
    are aligned: a passage is a run of shared shingles spanning ``passage_min_words`` words or more, merged
    across gaps of up to ``passage_max_gap`` shingles. Then the shorter doc with ``excerpt_coverage`` of its words
    in passages, one of at least ``excerpt_min_passage`` words, is an excerpt. Any excerpt prints the larger doc's
    lead: its first long passage (``excerpt_min_passage`` words or more) starts within the first
    ``excerpt_lead_share`` of the larger doc's words and within its first ``excerpt_lead_words`` words; both docs
    with ``containment`` of their words covered are near copies; and ``edited_min_passages`` long passages or more
    covering ``edited_coverage`` of each doc make an edited copy, as does one passage of ``edited_long_passage``
    words covering ``edited_long_coverage`` of each.
    ``excerpt_coverage`` is 0.4, not more: a one- or two-paragraph excerpt in bare text keeps prose-shaped
    furniture of its page (a forum pitch, a publisher's "about" paragraph, teasers with a byline) that no
    judgement of the lines' shape can tell from the story, and it often weighs as much as the excerpt itself;
    the long passage at the larger doc's lead is what makes such a pair a copy. ``excerpt_min_passage`` is
    30 words (a long sentence): a one-paragraph brief or an edited copy's shorter verbatim paragraphs count.
    """

    near_jaccard: float = 0.7
    containment: float = 0.7
    excerpt_max_ratio: float = 0.8
    align_containment: float = 0.25
    passage_min_words: int = 12
    passage_max_gap: int = 10
    excerpt_coverage: float = 0.4
    excerpt_min_passage: int = 30
    excerpt_lead_share: float = 0.5
    excerpt_lead_words: int = 200
    edited_min_passages: int = 2
    edited_coverage: float = 0.3
    edited_long_passage: int = 100
    edited_long_coverage: float = 0.6

    def __post_init__(self) -> None:
        for name in ("near_jaccard", "containment", "excerpt_max_ratio", "align_containment", "excerpt_coverage",
                     "excerpt_lead_share", "edited_coverage", "edited_long_coverage"):
            _check_fraction(name, getattr(self, name))
        for name in ("passage_min_words", "excerpt_min_passage", "excerpt_lead_words", "edited_min_passages",
                     "edited_long_passage"):
            _check_positive(name, getattr(self, name))
        if self.passage_max_gap < 0:
            raise ConfigError(f"passage_max_gap must be >= 0, got {self.passage_max_gap!r}")


@dataclass(frozen=True, slots=True)
class CanonicalConfig:
    """Canonical policy: the credited original (``credited_first``: a full copy that other members of its cluster
    credit, "This article originally appeared on X"), then most complete text, then earliest date, then source
    priority, then longest, then id."""

    prefer_sources: tuple[str, ...] = ()
    use_dates: bool = True
    credited_first: bool = True


@dataclass(frozen=True, slots=True)
class RunConfig:
    read: ReadConfig = field(default_factory=ReadConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    canonical: CanonicalConfig = field(default_factory=CanonicalConfig)
    batch_size: int = 2048
    workers: int = 1
    backend: Literal["numpy", "gpu", "auto"] = "numpy"
    output_formats: tuple[Literal["jsonl", "parquet"], ...] = ("jsonl",)

    def __post_init__(self) -> None:
        _check_positive("batch_size", self.batch_size)
        if self.workers < 0:
            raise ConfigError(f"workers must be >= 0 (0: one per CPU core for large inputs), got {self.workers!r}")
        if self.candidates.bands * self.candidates.rows != self.minhash.num_perm:
            raise ConfigError(
                f"bands x rows = {self.candidates.bands} x {self.candidates.rows} = "
                f"{self.candidates.bands * self.candidates.rows}, but num_perm is {self.minhash.num_perm}; "
                "choose bands and rows whose product is num_perm"
            )
        if self.backend not in ("numpy", "gpu", "auto"):
            raise ConfigError(f"unknown backend {self.backend!r}; use 'numpy', 'gpu' or 'auto'")
        for fmt in self.output_formats:
            if fmt not in ("jsonl", "parquet"):
                raise ConfigError(f"unknown output format {fmt!r}; use 'jsonl' or 'parquet'")

    def matching_dict(self) -> dict[str, Any]:
        """The settings that change results (for the manifest's config hash); not batch size or workers."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("batch_size", "workers", "backend", "output_formats"):
                continue
            value = getattr(self, f.name)
            out[f.name] = {g.name: getattr(value, g.name) for g in fields(value)}
        return out
