"""Per-cluster syndication edges: which copy credits which party, linked to the member that party published.

Credits come from ``provenance.extract_credits`` (text lines such as "This article originally appeared on X",
"by X", "(AP) —", "full article on X", and the ``url``/``source`` fields). Field-derived credits only say who
published a copy, so they name the copy's own source and are not edges; they are used to find which member a
textual credit points to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .provenance import Credit
from .types import SyndicationEdge

_FIELD_KINDS = ("url_host", "source_field")
_NON_ALNUM = re.compile(r"[\W_]+")
_SITE_SUFFIX = re.compile(r"(com|net|org|co|news|the)$")


def _key(name: str) -> str:
    """Compare names loosely: "Yahoo News", "news.yahoo.com" and "YAHOO NEWS" meet at "yahoonews"-like keys."""
    key = _NON_ALNUM.sub("", name.casefold())
    return key[3:] if key.startswith("the") and len(key) > 6 else key


def _names_match(credited: str, publisher: str) -> bool:
    a, b = _key(credited), _key(publisher)
    if not a or not b:
        return False
    if a == b:
        return True
    host_parts = [p for p in re.split(r"[.\s]+", publisher.casefold()) if p and p not in ("www", "com", "net", "org", "co", "uk")]
    host_key = "".join(reversed(host_parts)) if "." in publisher else ""
    return bool(host_key) and (a == host_key or a in host_key or host_key in a) and len(a) >= 4


def syndication_edges(
    members: Sequence[tuple[str, str | None, tuple[Credit, ...]]],
) -> tuple[SyndicationEdge, ...]:
    """``members``: (doc id, source, credits) of each cluster member. Returns edges sorted by doc, then kind."""
    publishers: list[tuple[str, list[str]]] = []
    for doc_id, source, credits in members:
        names = [c.name for c in credits if c.kind in _FIELD_KINDS]
        if source:
            names.append(source)
        publishers.append((doc_id, names))
    edges: list[SyndicationEdge] = []
    for (doc_id, source, credits), (_, own_names) in zip(members, publishers, strict=True):
        for credit in credits:
            if credit.kind in _FIELD_KINDS:
                continue
            target = None
            for other_id, names in publishers:
                if other_id != doc_id and any(_names_match(credit.name, n) for n in names):
                    target = other_id
                    break
            edges.append(SyndicationEdge(
                doc=doc_id, doc_source=source or (own_names[0] if own_names else None), credited=credit.name,
                kind=credit.kind, evidence=credit.evidence, credited_doc=target,
            ))
    edges.sort(key=lambda e: (e.doc, e.kind, e.credited))
    return tuple(edges)
