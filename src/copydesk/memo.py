"""A bounded memo of answers keyed by a line's text, shared by the documents of one batch.

Why: a site prints the same menu, share row, byline and footer on every page, so in a crawl most short lines
have been seen before, and what the line rules (or the credit patterns) say of a line depends on its text
alone. Remembering those answers for one batch saves running the rules again, and a memo per batch keeps
batches independent of each other. Bounded: it starts afresh when full. A memo never changes a result, only
the time.
"""

from __future__ import annotations

from typing import Final, Generic, TypeVar

__all__ = ["MISSING", "BoundedMemo"]

T = TypeVar("T")

#: What :meth:`BoundedMemo.lookup` returns for a key it does not hold (``None`` may be a remembered answer).
MISSING: Final = object()


class BoundedMemo(Generic[T]):
    """Answers by key, at most ``max_entries`` of them (all are dropped when it is full)."""

    __slots__ = ("_answers", "max_entries")

    def __init__(self, max_entries: int = 100_000) -> None:
        self._answers: dict[str, T] = {}
        self.max_entries = max_entries

    def lookup(self, key: str) -> T | object:
        """The remembered answer, or :data:`MISSING`."""
        return self._answers.get(key, MISSING)

    def store(self, key: str, answer: T) -> T:
        """Remember ``answer`` for ``key`` and return it."""
        if len(self._answers) >= self.max_entries:
            self._answers.clear()
        self._answers[key] = answer
        return answer
