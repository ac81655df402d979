"""Normalisation for matching only (the original text is always kept for output).

Matching sees a document as a stream of *tokens*: Unicode NFKC, case-folded, split on every character that is
not a letter, digit or combining mark. Quotes, apostrophes, dashes, ellipses and all other punctuation are
separators, so curly and straight quotes, en and em dashes are unified by construction, and whitespace is
collapsed. CJK ideographs and kana, written without spaces, become one token each so that n-gram shingles
still work for those scripts.

``CHAR_CLASS`` is the single source of truth for that split: the compiled tokeniser in ``shingle.py`` reads it,
and ``tokens()`` here is the readable reference the tests compare it against.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from pathlib import Path

import numpy as np

from ..runtime import write_cache

SEPARATOR = 0
WORD = 1
SINGLE = 2  # a character that is a token by itself (CJK ideographs, kana)

_SINGLE_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


FOLD_WIDTH = 4  # longest per-character fold we keep (e.g. U+FDFA expands further and is cut)

#: Cyrillic and Greek letters (as case folding leaves them) that read as a Latin letter: folded to it, so a
#: word with a homoglyph slipped in (a Cyrillic "а" in "Sаmsung", as spam and some scrapers print) is the same
#: token as the plain word. Each maps a different letter of its script to a different Latin letter, so words
#: of either script stay apart from one another: only a Cyrillic or Greek word and the Latin word it looks like
#: become one token, and nothing matches across languages on a single word.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y", "\u0445": "x",
    "\u0456": "i", "\u0458": "j", "\u0455": "s", "\u04bb": "h", "\u04cf": "l", "\u0501": "d", "\u051b": "q",
    "\u051d": "w",
    # Greek
    "\u03bf": "o", "\u03b1": "a", "\u03b9": "i", "\u03ba": "k", "\u03bd": "v", "\u03c1": "p",
}


def _folded(ch: str) -> str:
    """What matching makes of one character: nothing for an invisible format character (Unicode category Cf:
    the soft hyphen, zero-width spaces and joiners, the word joiner, a BOM inside the text, bidi marks), which
    CMSs and hyphenation plugins put inside words and which would split them; else NFKC, case folding, NFKC
    again, with Cyrillic and Greek homoglyphs of Latin letters folded to them (``HOMOGLYPHS``)."""
    if unicodedata.category(ch) == "Cf":
        return ""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch).casefold())
    return "".join(HOMOGLYPHS.get(c, c) for c in folded) if not folded.isascii() else folded


def _build_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per-character fold table (code point -> up to FOLD_WIDTH code points, -1 padded) and class table.

    A character is a WORD character when it is alphanumeric or a combining mark, SINGLE in the CJK ranges and a
    SEPARATOR otherwise; its fold is :func:`_folded` (nothing for a format character). Built at import in every process (worker
    processes are spawned), so it loops once over the BMP with plain list and string work, calls ``_folded``
    only where a character may not fold to itself and touches the numpy arrays only where it does not.
    """
    chars = [chr(code) for code in range(0x10000)]
    categories = [unicodedata.category(ch) for ch in chars]
    char_class = np.array(
        [WORD if (ch.isalnum() or cat[0] == "M") else SEPARATOR for ch, cat in zip(chars, categories, strict=True)],
        dtype=np.uint8,
    )
    for lo, hi in _SINGLE_RANGES:
        char_class[lo : hi + 1] = SINGLE
    fold_table = np.full((0x10000, FOLD_WIDTH), -1, dtype=np.int32)
    fold_table[:, 0] = np.arange(0x10000)
    fold_table[ord("A") : ord("Z") + 1, 0] += 32  # ASCII: only the capitals change
    is_normalized = unicodedata.is_normalized
    for code in range(0x80, 0x10000):
        ch = chars[code]
        # (a character in NFKC that case folding leaves alone, no format character and no homoglyph, folds to
        # itself: three quick tests skip most of the BMP, where _folded's two normalisations cost the most)
        if categories[code] != "Cf" and ch.casefold() == ch and is_normalized("NFKC", ch) and ch not in HOMOGLYPHS:
            continue
        folded = _folded(ch)
        if folded != ch:
            folded = folded[:FOLD_WIDTH]
            fold_table[code, : len(folded)] = [ord(c) for c in folded]
            fold_table[code, len(folded) :] = -1
    fold_table.setflags(write=False)
    char_class.setflags(write=False)
    return fold_table, char_class


def _build_nfc_unsafe() -> np.ndarray:
    """BMP code points that NFC composition might change or combine with what precedes them: combining marks,
    characters that are not their own NFC form, the second half of every two-part canonical decomposition
    (the "Maybe" of the NFC quick check, Hangul vowel and trailing jamo included) and lone surrogates. A text
    with none of them (and nothing above the BMP) is in NFC already, so the tokeniser skips :func:`compose`
    for it (``tests/sketch`` checks the table against :func:`unicodedata.is_normalized`)."""
    unsafe = np.zeros(0x10000, dtype=np.uint8)
    unsafe[0xD800:0xE000] = 1
    for code in range(0x80, 0x10000):
        ch = chr(code)
        if unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch:
            unsafe[code] = 1
        decomposition = unicodedata.decomposition(ch)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2 and int(parts[1], 16) < 0x10000:
                unsafe[int(parts[1], 16)] = 1
    # Hangul syllables compose algorithmically (no decomposition is listed): leading + vowel jamo, and a
    # syllable + trailing jamo
    unsafe[0x1161:0x1176] = 1
    unsafe[0x11A8:0x11C3] = 1
    unsafe.setflags(write=False)
    return unsafe


def _build_all() -> dict[str, np.ndarray]:
    fold_table, char_class = _build_tables()
    return {"fold_table": fold_table, "char_class": char_class, "nfc_unsafe": _build_nfc_unsafe()}


def _tables_cache_path() -> Path:
    """Where the built tables are kept: beside this module's bytecode, named by what they are derived from (this
    file's source and the Unicode database's version), so that an edit or another Python gives another name."""
    digest = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8)
    digest.update(unicodedata.unidata_version.encode())
    name = f"unicode_tables-{sys.implementation.cache_tag}-{digest.hexdigest()}.npz"
    return Path(__file__).with_name("__pycache__") / name


def _load_tables() -> dict[str, np.ndarray]:
    """The three tables, read from their cache file or built (about 0.2 s: a loop over the BMP in Python) and
    cached. Every process builds or reads them at import (worker processes are spawned), so the cache spares each
    one that time, as ``__pycache__`` spares it compiling. The cache is only an optimisation: a cache that cannot
    be read is rebuilt, one that cannot be written (a read-only install) is skipped, and the arrays are the same
    either way (``tests/sketch`` compares them with a fresh build)."""
    path = _tables_cache_path()
    try:
        with np.load(path, allow_pickle=False) as cached:
            tables = {key: cached[key] for key in ("fold_table", "char_class", "nfc_unsafe")}
        if tables["fold_table"].shape == (0x10000, FOLD_WIDTH) and tables["char_class"].shape == (0x10000,):
            for table in tables.values():
                table.setflags(write=False)
            return tables
    except (OSError, KeyError, ValueError):
        pass
    tables = _build_all()
    write_cache(path, lambda out: np.savez(out, fold_table=tables["fold_table"], char_class=tables["char_class"],
                                           nfc_unsafe=tables["nfc_unsafe"]))
    return tables


_TABLES = _load_tables()

#: Read-only constants derived from Python's Unicode database (its version is recorded in the run manifest).
#: FOLD_TABLE maps a BMP code point to its NFKC + case-folded form; CHAR_CLASS classifies a folded code point.
#: Code points above the BMP are kept as they are: single tokens in the supplementary ideographic planes
#: (0x20000-0x3FFFF), separators otherwise (emoji and symbols).
FOLD_TABLE: np.ndarray = _TABLES["fold_table"]
CHAR_CLASS: np.ndarray = _TABLES["char_class"]
#: 1 for a BMP code point whose presence means a text may not be in NFC (see ``_build_nfc_unsafe``).
NFC_UNSAFE: np.ndarray = _TABLES["nfc_unsafe"]


def needs_compose(text: str) -> bool:
    """Whether :func:`compose` changes ``text``."""
    return not (text.isascii() or unicodedata.is_normalized("NFC", text))


def compose(text: str) -> str:
    """NFC-compose text so that per-character folding sees "é", not "e" + combining accent. Cheap when the
    text is already composed, as nearly all web text is."""
    return unicodedata.normalize("NFC", text) if needs_compose(text) else text


def fold(text: str) -> str:
    """NFKC + case folding, character by character (the mapping the compiled tokeniser applies)."""
    out: list[str] = []
    for ch in compose(text):
        code = ord(ch)
        if code >= 0x10000:
            out.append(ch)
            continue
        out.extend(chr(c) for c in FOLD_TABLE[code] if c >= 0)
    return "".join(out)


def _char_class(ch: str) -> int:
    code = ord(ch)
    if code < 0x10000:
        return int(CHAR_CLASS[code])
    return SINGLE if 0x20000 <= code <= 0x3FFFF else SEPARATOR


def tokens(text: str) -> list[str]:
    """Reference tokeniser (pure Python, for tests and small inputs such as ``compare``)."""
    out: list[str] = []
    current: list[str] = []
    for ch in fold(text):
        kind = _char_class(ch)
        if kind == WORD:
            current.append(ch)
            continue
        if current:
            out.append("".join(current))
            current = []
        if kind == SINGLE:
            out.append(ch)
    if current:
        out.append("".join(current))
    return out


def normalize_for_matching(text: str) -> str:
    """The text exactly as matching sees it: tokens joined by single spaces."""
    return " ".join(tokens(text))
