"""Publication dates as points in time, for the canonical policy's "earliest date" step.

Why: a crawl's date fields come in many forms: ISO 8601 with or without a time and with any UTC offset
(``2024-10-12``, ``2024-10-12T10:00:00+02:00``, ``...Z``), RFC 2822 from feeds and HTTP headers
(``Sat, 12 Oct 2024 08:00:00 GMT``), epoch seconds, or words (``October 12, 2024``). Compared as strings
they order wrongly: ``Mon, 14 Oct`` before ``Sat, 12 Oct``, ``10:00+02:00`` after ``09:00Z``, any epoch
number before any ISO date. Each form is read here into seconds since the epoch, UTC, so the earliest copy
is the earliest.

A date with no offset is taken as UTC, and a day without a time as its start. Forms that are ambiguous
(``12/10/2024``: December or October?) or not understood give None: the doc is ranked as undated, and the
pipeline says so in the doc's warnings rather than guess.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime
from typing import Final

__all__ = ["DATE_FORMS", "date_key"]

#: What :func:`date_key` understands, for messages.
DATE_FORMS: Final = "ISO 8601, RFC 2822, epoch seconds or a day written out ('October 12, 2024')"

#: Epoch numbers accepted: seconds (10 digits, 2001-2286) or milliseconds (13 digits), optionally fractional.
_EPOCH: Final = re.compile(r"(\d{10}|\d{13})(?:\.\d+)?")
#: A day written out, month first or day first, with an optional time after it.
_WORDS: Final = (
    "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%b. %d, %Y",
    "%B %d, %Y %H:%M", "%b %d, %Y %H:%M", "%d %B %Y %H:%M", "%d %b %Y %H:%M",
)
#: Zone names that follow an ISO-like date and time in the wild ("2024-10-12 08:00:00 UTC").
_UTC_SUFFIXES: Final = (" UTC", " GMT", " Z", "UTC", "GMT")


def date_key(value: str | None) -> float | None:
    """Seconds since 1970-01-01 UTC of the date ``value`` names, or None when there is none or its form is
    not understood (see the module's docstring)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _EPOCH.fullmatch(text):
        number = float(text)
        return number / 1000 if len(text.split(".")[0]) == 13 else number
    moment = _iso(text) or _rfc2822(text) or _words(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _iso(text: str) -> datetime | None:
    if not text[:4].isdigit():
        return None
    for suffix in _UTC_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 8:
            text = text[: -len(suffix)] + "+00:00"
            break
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _words(text: str) -> datetime | None:
    collapsed = " ".join(text.replace(" at ", " ").split())
    for form in _WORDS:
        try:
            return datetime.strptime(collapsed, form)
        except ValueError:
            continue
    return None
