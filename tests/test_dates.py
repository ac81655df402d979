"""Dates read as points in time: every form the module names, and the forms it must refuse rather than guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from copydesk.dates import date_key


def _utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-10-12", _utc(2024, 10, 12)),
    (" 2024-10-12 ", _utc(2024, 10, 12)),
    ("20241012", _utc(2024, 10, 12)),
    ("2024-10-12T10:00:00+02:00", _utc(2024, 10, 12, 8)),
    ("2024-10-12T09:00:00Z", _utc(2024, 10, 12, 9)),
    ("2024-10-12 08:00:00 UTC", _utc(2024, 10, 12, 8)),
    ("2024-10-12T08:00:00", _utc(2024, 10, 12, 8)),  # no offset: UTC
    ("Sat, 12 Oct 2024 08:00:00 GMT", _utc(2024, 10, 12, 8)),
    ("Mon, 14 Oct 2024 08:00:00 +0000", _utc(2024, 10, 14, 8)),
    ("12 Oct 2024 08:00:00 -0500", _utc(2024, 10, 12, 13)),
    ("1728720000", _utc(2024, 10, 12, 8)),
    ("1728720000123", _utc(2024, 10, 12, 8) + 0.123),
    ("October 12, 2024", _utc(2024, 10, 12)),
    ("Oct. 12, 2024", _utc(2024, 10, 12)),
    ("12 October 2024", _utc(2024, 10, 12)),
    ("October 12, 2024 at 10:30", _utc(2024, 10, 12, 10, 30)),
])
def test_each_form_is_read_as_the_same_instant(text: str, expected: float) -> None:
    assert date_key(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", [None, "", "  ", "12/10/2024", "yesterday", "2024-13-45", "Tue, 99 Foo 2024", "2024"])
def test_missing_ambiguous_or_unknown_forms_give_none(text: str | None) -> None:
    assert date_key(text) is None  # (12/10/2024: December or October? not guessed)


def test_string_order_is_not_time_order_but_keys_are() -> None:
    """What comparing the strings got wrong: a later weekday name, a UTC offset, an epoch number (2030)."""
    for earlier_as_text, later_as_text in [("Mon, 14 Oct 2024 08:00:00 GMT", "Sat, 12 Oct 2024 08:00:00 GMT"),
                                           ("2024-10-12T09:00:00Z", "2024-10-12T10:00:00+02:00"),
                                           ("1893456000", "2024-01-01")]:
        assert earlier_as_text < later_as_text
        assert date_key(earlier_as_text) > date_key(later_as_text)  # type: ignore[operator]


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()))
def test_iso_and_rfc_2822_of_one_instant_agree(moment: datetime) -> None:
    from email.utils import format_datetime

    moment = moment.replace(microsecond=0)
    offset = moment.utcoffset()
    assume(offset is not None and offset.seconds % 60 == 0)  # (RFC 2822 offsets are whole minutes)
    expected = moment.timestamp()
    assert date_key(moment.isoformat()) == pytest.approx(expected)
    assert date_key(format_datetime(moment)) == pytest.approx(expected)
