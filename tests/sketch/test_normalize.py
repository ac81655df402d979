from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.sketch.normalize import fold, normalize_for_matching, tokens
from copydesk.sketch.shingle import token_stream

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    h ^= h >> 33
    return h


def reference_token_hash(token: str) -> int:
    h = FNV_OFFSET
    for ch in token:
        h = ((h ^ ord(ch)) * FNV_PRIME) & MASK
    return fmix64(h)


def test_quotes_dashes_case_and_whitespace_are_unified() -> None:
    curly = "“Getting to the kingpins’ — said   Mexico’s\tAMLO…"
    straight = '"getting to the KINGPINS\' - said Mexico\'s amlo...'
    assert normalize_for_matching(curly) == normalize_for_matching(straight)
    assert normalize_for_matching(curly) == "getting to the kingpins said mexico s amlo"


def test_nfkc_folds_compatibility_forms() -> None:
    assert tokens("ﬁnal ＡＢＣ") == ["final", "abc"]
    assert tokens("Straße") == ["strasse"]
    assert tokens("e\u0301te") == tokens("éte")  # decomposed accents compose first


def test_cjk_characters_are_single_tokens() -> None:
    assert tokens("東京都 news") == ["東", "京", "都", "news"]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=200))
def test_compiled_tokeniser_matches_reference(text: str) -> None:
    values, offsets = token_stream([text])
    expected = [reference_token_hash(t) for t in tokens(text)]
    assert offsets.tolist() == [0, len(expected)]
    assert values.tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=100))
def test_fold_is_idempotent_on_tokens(text: str) -> None:
    assert tokens(fold(text)) == tokens(text)


def test_batching_does_not_change_tokens() -> None:
    texts = ["One two three.", "", "Ünïcödé — words", "x"]
    together, offsets = token_stream(texts)
    for i, text in enumerate(texts):
        alone, _ = token_stream([text])
        assert np.array_equal(together[offsets[i] : offsets[i + 1]], alone)


def test_expanding_folds_never_overflow_the_token_buffer() -> None:
    text = "\u337f" * 50  # one square sign folds to four ideographs: four tokens from three bytes
    values, offsets = token_stream([text, "a b"])
    assert offsets.tolist() == [0, 200, 202]
    assert values[:200].tolist() == [reference_token_hash(t) for t in tokens(text)]
