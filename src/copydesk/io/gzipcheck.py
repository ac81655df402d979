"""Integrity of a gzip file, member by member, checked before anything of it is used.

Why: gzip vouches for a member's data only at the member's end, with its CRC-32 and length, long after its
lines or pages were read; a bit flipped inside the deflate stream can inflate to wrong text before anything
notices, and a crawl killed mid-write leaves a member cut off. The JSONL and WARC readers both ask, before
they hand out a line or a page, how far the file is sound.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

#: Compressed bytes read, and most bytes inflated, at a time: memory stays bounded whatever a member unpacks to.
CHECK_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class GzipCheck:
    """``sound_bytes``: uncompressed bytes of the members, from the first, that inflate and pass their CRC and
    length check. ``damage``: what is wrong with the member after them (None when none is damaged). ``cut``:
    the file ends inside a member that inflated without error so far (a file cut off mid-write)."""

    sound_bytes: int
    damage: str | None
    cut: bool


def check_gzip(path: Path) -> GzipCheck:
    """Inflates the whole file once, throwing the data away. Trailing zero bytes after the last member are
    padding, as gzip allows."""
    sound = 0
    member = 0  # bytes inflated from the member being checked
    inflater = zlib.decompressobj(wbits=31)
    started = False  # some bytes of the current member were fed
    with path.open("rb") as handle:
        while block := handle.read(CHECK_BLOCK):
            data = block
            while data:
                if not started and data[:1] == b"\0" and not data.strip(b"\0"):
                    break  # (padding, or the zeros before more of it; a member starts with 0x1f, so only a
                    # zero first byte costs the copy that strip makes: a WARC has a member per record)
                started = True
                try:
                    member += len(inflater.decompress(data, CHECK_BLOCK))
                except zlib.error as exc:
                    return GzipCheck(sound, f"corrupt gzip data ({exc})", cut=False)
                if inflater.eof:
                    sound, member, started = sound + member, 0, False
                    data = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                else:
                    data = inflater.unconsumed_tail
    return GzipCheck(sound, None, cut=started)
