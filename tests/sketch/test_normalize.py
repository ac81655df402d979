from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.sketch.normalize import (
    CHAR_CLASS, FOLD_TABLE, FOLD_WIDTH, NFC_UNSAFE, SEPARATOR, SINGLE, WORD, fold, normalize_for_matching, tokens,
)
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


def test_tables_hold_the_per_character_definition_for_every_bmp_code_point() -> None:
    """The tables are built in bulk for speed; each entry must still be what the definition gives for its
    character: nothing for a format character (category Cf), else NFKC, case folding, NFKC, homoglyphs to
    Latin (cut to FOLD_WIDTH), and word = alphanumeric or combining mark."""
    from copydesk.sketch.normalize import HOMOGLYPHS

    single = [(0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]
    for code in range(0x10000):
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch).casefold())
        folded = "" if unicodedata.category(ch) == "Cf" else "".join(HOMOGLYPHS.get(c, c) for c in folded)
        folded = folded[:FOLD_WIDTH]
        row = [ord(c) for c in folded] + [-1] * (FOLD_WIDTH - len(folded))
        assert FOLD_TABLE[code].tolist() == row, hex(code)
        if any(lo <= code <= hi for lo, hi in single):
            expected = SINGLE
        elif ch.isalnum() or unicodedata.category(ch).startswith("M"):
            expected = WORD
        else:
            expected = SEPARATOR
        assert CHAR_CLASS[code] == expected, hex(code)


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


def test_nfc_unsafe_table_flags_every_code_point_composition_may_touch() -> None:
    # every two-part canonical decomposition: its second half may combine with what precedes it; the table
    # covers the BMP, and the tokeniser counts anything above it as unsafe
    for code in range(0x80, 0x110000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            parts = [int(p, 16) for p in decomposition.split()]
            if len(parts) == 2 and parts[1] < 0x10000:
                assert NFC_UNSAFE[parts[1]] == 1, hex(code)
    assert NFC_UNSAFE[0x0301] == 1 and NFC_UNSAFE[0x1161] == 1 and NFC_UNSAFE[0x11A8] == 1  # accent, jamo
    assert NFC_UNSAFE[ord("é")] == 0 and NFC_UNSAFE[ord("—")] == 0 and NFC_UNSAFE[ord("東")] == 0


_SAFE_BMP = st.characters(max_codepoint=0xFFFF).filter(lambda ch: NFC_UNSAFE[ord(ch)] == 0)


@settings(max_examples=300, deadline=None)
@given(st.text(_SAFE_BMP, max_size=40))
def test_text_without_unsafe_code_points_is_already_composed(text: str) -> None:
    # what lets the tokeniser skip the NFC check for unflagged texts
    assert unicodedata.is_normalized("NFC", text)
    for lead in ("e", "\u1100", "\uac00", "\u0b47"):  # starters that compose with a following code point
        assert unicodedata.is_normalized("NFC", lead + text)


def test_decomposed_texts_are_composed_and_tokenised_again_in_place() -> None:
    texts = ["Cafe\u0301 society", "plain words here", "", "e\u0301te\u0301 \u1100\u1161 x", "Café emoji 🙂 ok"]
    values, offsets = token_stream(texts)
    assert offsets.tolist() == np.cumsum([0] + [len(tokens(t)) for t in texts]).tolist()
    for i, text in enumerate(texts):
        expected = [reference_token_hash(t) for t in tokens(unicodedata.normalize("NFC", text))]
        assert values[offsets[i] : offsets[i + 1]].tolist() == expected, text
    assert tokens(texts[0])[0] == "café" and tokens(texts[3])[1] == "\uac00"  # composed before folding


def test_cached_tables_equal_a_fresh_build_and_a_broken_cache_is_rebuilt(tmp_path, monkeypatch) -> None:
    from copydesk.sketch import normalize

    fresh = normalize._build_all()
    for key, table in fresh.items():
        assert np.array_equal(getattr(normalize, key.upper()), table), key
        assert not getattr(normalize, key.upper()).flags.writeable
    cache = tmp_path / "__pycache__" / "unicode_tables-test.npz"
    monkeypatch.setattr(normalize, "_tables_cache_path", lambda: cache)
    built = normalize._load_tables()  # no cache yet: built and written
    assert cache.exists()
    cache.write_bytes(b"not an npz file")  # a torn or foreign file is rebuilt, not trusted
    rebuilt = normalize._load_tables()
    read_back = normalize._load_tables()
    for key, table in fresh.items():
        assert np.array_equal(built[key], table) and np.array_equal(rebuilt[key], table)
        assert np.array_equal(read_back[key], table) and read_back[key].dtype == table.dtype
