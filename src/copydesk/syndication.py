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


_GENERIC_LABELS = frozenset(("www", "com", "net", "org", "co", "uk"))


def _host_key(publisher: str) -> str:
    """A host name's labels, generic ones dropped, in reverse order ("news.yahoo.com" -> "yahoonews"); "" for
    a name that is not a host."""
    if "." not in publisher:
        return ""
    parts = [p for p in re.split(r"[.\s]+", publisher.casefold()) if p and p not in _GENERIC_LABELS]
    return "".join(reversed(parts))


def _keys_match(credited_key: str, publisher_key: str, host_key: str) -> bool:
    """Whether a credited name (its ``_key``) names a publisher (its ``_key`` and ``_host_key``)."""
    if not credited_key or not publisher_key:
        return False
    if credited_key == publisher_key:
        return True
    return bool(host_key) and (credited_key in host_key or host_key in credited_key) and len(credited_key) >= 4


class NameKeys:
    """The ``(_key, _host_key)`` of every name met in one run, computed once each: a run's clusters name the
    same sites and agencies over and over."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, str]] = {}

    def of(self, name: str) -> tuple[str, str]:
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = (_key(name), _host_key(name))
        return found


def syndication_edges(
    members: Sequence[tuple[str, str | None, tuple[Credit, ...]]], keys: NameKeys | None = None,
) -> tuple[SyndicationEdge, ...]:
    """``members``: (doc id, source, credits) of each cluster member. Returns edges sorted by doc, then kind.

    Each publisher name is keyed once per cluster (once per run with ``keys``), not once per credit it is
    compared with: a big cluster compares every credit with every member.
    """
    keys = NameKeys() if keys is None else keys
    publishers: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    for doc_id, source, credits in members:
        names = [c.name for c in credits if c.kind in _FIELD_KINDS]
        if source:
            names.append(source)
        publishers.append((doc_id, names, [keys.of(n) for n in names]))
    edges: list[SyndicationEdge] = []
    for (doc_id, source, credits), (_, own_names, _) in zip(members, publishers, strict=True):
        for credit in credits:
            if credit.kind in _FIELD_KINDS:
                continue
            credited_key = keys.of(credit.name)[0]
            target = None
            for other_id, _, publisher_keys in publishers:
                if other_id != doc_id and any(
                    _keys_match(credited_key, key, host) for key, host in publisher_keys
                ):
                    target = other_id
                    break
            edges.append(SyndicationEdge(
                doc=doc_id, doc_source=source or (own_names[0] if own_names else None), credited=credit.name,
                kind=credit.kind, evidence=credit.evidence, credited_doc=target,
            ))
    edges.sort(key=lambda e: (e.doc, e.kind, e.credited))
    return tuple(edges)


class CreditedOriginal:
    """The credited original of a cluster (``cluster.Credited``): among its full copies, the one that members
    (excerpts included: "CLICK HERE FOR FULL ARTICLE ON YAHOO NEWS") credit ("This article originally appeared on USA TODAY", and USA TODAY's copy, known by its source
    field or URL host, is a member) and that credits no other member itself, so a chain excerpt site -> portal
    -> original publisher ends at the publisher. The most credited wins; ties go to the best ranked (``full``
    comes in rank order). ``why[doc]`` says who credited the chosen doc, for its decision."""

    def __init__(self, members: Sequence[tuple[str, str | None, tuple[Credit, ...]]]) -> None:
        self._members = members  # (doc id, source, credits) per doc index
        self._keys = NameKeys()
        # (a cluster where no member credits anyone in its text has no credited original: most clusters)
        self._credits_someone = [any(c.kind not in _FIELD_KINDS for c in credits) for _, _, credits in members]
        self._chosen: dict[tuple[tuple[int, ...], tuple[int, ...]], int | None] = {}  # per cluster, once
        self._names: dict[int, tuple[list[tuple[str, Credit]], list[tuple[str, str]]]] = {}
        self.why: dict[int, str] = {}

    def _names_of(self, d: int) -> tuple[list[tuple[str, Credit]], list[tuple[str, str]]]:
        """Doc ``d``'s text credits with their credited keys, and its publisher keys (source field, URL host):
        computed once per doc, as a doc's cluster comes back in every round."""
        found = self._names.get(d)
        if found is None:
            _, source, credits = self._members[d]
            textual = [(self._keys.of(c.name)[0], c) for c in credits if c.kind not in _FIELD_KINDS]
            names = [c.name for c in credits if c.kind in _FIELD_KINDS] + ([source] if source else [])
            found = self._names[d] = (textual, [self._keys.of(name) for name in names])
        return found

    def __call__(self, members: list[int], full: list[int]) -> int | None:
        key = (tuple(members), tuple(full))  # (clustering runs in rounds, and most clusters come back unchanged)
        if key not in self._chosen:
            credited = any(self._credits_someone[m] for m in members)
            self._chosen[key] = self._choose(members, full) if credited else None
        return self._chosen[key]

    def _choose(self, members: list[int], full: list[int]) -> int | None:
        """What ``syndication_edges`` of the members would say (each text credit points to the first other
        member whose publisher it names), without building the edges."""
        ids = [self._members[m][0] for m in members]
        publishers = [self._names_of(m)[1] for m in members]
        crediting: dict[str, list[tuple[str, str, str, str]]] = {}  # credited doc -> (doc, kind, name, evidence)
        credits_other: set[str] = set()
        for doc_id, m in zip(ids, members, strict=True):
            for credited_key, credit in self._names_of(m)[0]:
                for other_id, keys in zip(ids, publishers, strict=True):
                    if other_id != doc_id and any(_keys_match(credited_key, key, host) for key, host in keys):
                        crediting.setdefault(other_id, []).append((doc_id, credit.kind, credit.name, credit.evidence))
                        credits_other.add(doc_id)
                        break
        ends = [m for m in full if self._members[m][0] in crediting and self._members[m][0] not in credits_other]
        if not ends:
            return None
        best = max(ends, key=lambda m: (len({g[0] for g in crediting[self._members[m][0]]}), -full.index(m)))
        given = crediting[self._members[best][0]]
        first = min(given, key=lambda g: (g[0], g[1], g[2]))  # (the first of the edges in their sorted order)
        others = sorted({g[0] for g in given} - {first[0]})
        also = f" and {len(others)} more" if others else ""
        self.why[best] = (f"credited as the original by {first[0]} ({first[3].strip()!r}){also}; "
                          "in the canonical policy the credited original comes first")
        return best
