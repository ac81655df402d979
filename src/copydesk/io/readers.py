"""Inputs -> a stream of ``Document`` (or ``Rejected``) with stable ids.

Supported: folders (recursively, sorted), ``.txt``/``.text`` files (id = path relative to the folder
given, or the file name when a file is given directly), JSONL (``.jsonl``, ``.ndjson``, optionally ``.gz``),
Parquet (streamed in record batches), and with the ``[html]`` extra ``.html``/``.htm`` (optionally ``.gz``) and
WARC files. A bad record never stops the run: it becomes a ``Rejected`` that names the file and line, or a
``Document`` carrying a warning when it could be repaired (invalid UTF-8, missing id, oversized text). Nor does a
damaged file (a truncated or corrupt ``.gz``, a damaged Parquet row group, a WARC cut short): what was read before
the damage stays, and one ``Rejected`` row (``unreadable``) stands for the rest (:func:`cut_short`).
"""

from __future__ import annotations

import datetime
import gzip
import html
import io
import json
import logging
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Final, Union, cast

import orjson
import xxhash

from ..config import ReadConfig
from ..errors import InputError
from ..types import Document, Reason, Rejected
from .gzipcheck import check_gzip

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
PARQUET_SUFFIXES = (".parquet",)
WARC_SUFFIXES = (".warc", ".warc.gz")
ALL_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES + WARC_SUFFIXES

Item = Document | Rejected
#: What reading a damaged or vanished file raises: OSError (``gzip.BadGzipFile`` among them), EOFError (a gzip
#: stream cut short, as a crawl interrupted mid-write leaves it) and zlib.error (corrupt deflate data).
READ_ERRORS: Final = (OSError, EOFError, zlib.error)
#: What a deferred reader yields: an item, or JSONL lines still to parse (see :class:`JsonlChunk`).
Entry = Union[Document, Rejected, "JsonlChunk", "PageBatch"]


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (
        ("text", TEXT_SUFFIXES), ("html", HTML_SUFFIXES), ("jsonl", JSONL_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES), ("warc", WARC_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def from_html(origin: str) -> bool:
    """Whether a doc of that origin was extracted from an HTML page: an HTML file, or a WARC response
    (``file.warc#record-id``)."""
    return _kind(Path(origin.split("#", 1)[0])) in ("html", "warc")


#: Where a reader reports a repaired input (the message is also kept on the Document): the module's logger,
#: unless the caller collects the messages to report them elsewhere (a worker process has no log handler).
Warn = Callable[[str], None]


def decode_utf8(data: bytes, origin: str, warn: Warn = log.warning) -> tuple[str, list[str]]:
    """Decode UTF-8; invalid bytes become U+FFFD and a warning names the first bad line."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = sum(1 for _ in data.decode("utf-8", "replace") if _ == "\ufffd")
        message = f"{origin}: invalid UTF-8 at line {line} (byte {exc.start}); {bad} byte run(s) replaced with U+FFFD"
        warn(message)
        return data.decode("utf-8", "replace"), [message]


def _limit(text: str, cfg: ReadConfig, origin: str, warnings: list[str], warn: Warn = log.warning) -> str:
    if len(text) <= cfg.max_doc_chars:
        return text
    message = f"{origin}: text has {len(text)} characters; only the first {cfg.max_doc_chars} are matched"
    warn(message)
    warnings.append(message)
    return text[: cfg.max_doc_chars]


def _read_error(path: Path | str, exc: BaseException) -> str:
    """The cause, without the file name when the message starts with it (``InputError`` messages do)."""
    reason = str(exc.strerror or exc) if isinstance(exc, OSError) else str(exc)
    return " ".join(reason.removeprefix(f"{path}: ").split())  # (pyarrow's messages span lines)


def cut_short(path: Path | str, line: int, exc: BaseException, unit: str = "line") -> Rejected:
    """The output row standing for the part of a file that could not be read, from ``line`` (a ``unit``: line,
    row) on, named like a bad record of that file; the items read before it stay. A file that breaks off (a
    truncated or corrupt ``.gz``, a read error) loses only what could not be read, and the run goes on."""
    if line <= 1:
        origin, detail = str(path), f"{path}: cannot read: {_read_error(path, exc)}"
    else:
        origin, detail = f"{path}:{line}", f"{path}: cannot read from {unit} {line} on: {_read_error(path, exc)}"
    return Rejected(origin, origin, Reason.UNREADABLE, detail)


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


#: An HTML character reference as scrapers leave them in plain text: numeric (``&#8217;``, ``&#x2019;``) or
#: named (``&amp;``, ``&nbsp;``), with its semicolon.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(text: str, origin: str, notes: list[str]) -> str:
    """Plain text (a text file, a JSONL or Parquet field) with the HTML character references a scraper left in
    it decoded, as a reader of the page saw them: a copy printed with ``&#8217;`` and ``&amp;`` then matches
    its clean twin, and the repair is recorded (``notes``: no problem of the input, but among equal copies one
    read with fewer repairs is canonical). A reference that stands for a line break, a control character or
    nothing known stays as it is (line numbers keep pointing at the input's lines; ``&#0;`` names no character)."""
    if "&" not in text:
        return text
    count = 0

    def decoded(match: re.Match[str]) -> str:
        nonlocal count
        ref = match.group()
        char = html.unescape(ref)
        if char == ref or any(c in "\n\r\ufffd" or (ord(c) < 0x20 and c != "\t") for c in char):
            return ref
        count += 1
        return char

    out = _ENTITY.sub(decoded, text)
    if count:
        notes.append(f"{origin}: decoded {count} HTML character reference{'s' if count > 1 else ''} "
                        "(such as &amp; or &#8217;) left in the plain text")
    return out


def looks_binary(data: bytes) -> bool:
    """NUL bytes near the start of a file that has no UTF-16 byte order mark: an image, an archive or another
    binary file under a text name (no text or HTML file holds NUL in UTF-8 or a single-byte charset)."""
    return b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))


def _binary(doc_id: str, origin: str) -> Rejected:
    return Rejected(doc_id, origin, Reason.BINARY,
                    f"{origin}: binary data, not text (NUL bytes near its start: an image or archive under a text "
                    "name?); not read")


def read_text_file(path: Path, doc_id: str, source: str | None, cfg: ReadConfig) -> Item:
    origin = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Rejected(doc_id, origin, Reason.UNREADABLE, f"{origin}: cannot read: {exc.strerror or exc}")
    if looks_binary(data):
        return _binary(doc_id, origin)
    text, warnings = decode_utf8(data, origin)
    notes: list[str] = []
    text = decode_entities(_limit(_strip_bom(text), cfg, origin, warnings), origin, notes)
    return Document(id=doc_id, text=text, source=source, origin=origin, warnings=tuple(warnings), notes=tuple(notes))


@dataclass(frozen=True, slots=True)
class RawPage:
    """An HTML page read but not extracted yet: an ``.html`` file (``source`` from its folder) or a WARC response
    (``url`` and ``date`` from the record). :func:`page_document` makes its Document."""

    id: str
    origin: str
    html: str | bytes
    source: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class PageBatch:
    """Consecutive HTML pages still to extract. Extraction (trafilatura, tens of milliseconds a page) is most of
    reading HTML, so ``copydesk.pipeline.dedup`` does it in its worker processes, once, in input order; the
    Documents are those :func:`page_document` gives in this process (:func:`parsed`)."""

    pages: list[RawPage]


#: Pages per :class:`PageBatch`, and the most HTML bytes one holds (a batch ends early past them).
PAGE_BATCH_PAGES = 32
PAGE_BATCH_BYTES = 16 << 20


def page_document(page: RawPage, cfg: ReadConfig, warn: Warn = log.warning) -> Document:
    """The Document of an HTML page: its main text, title, date and site name as ``extract_html`` finds them (the
    WARC record's URL and date, and the file's folder as source, take precedence)."""
    from .html import extract_html  # lazy: needs the [html] extra

    extracted = extract_html(page.html, url=page.url)
    warnings: list[str] = []
    text = _limit(extracted.text, cfg, page.origin, warnings, warn)
    return Document(
        id=page.id, text=text, url=page.url if page.url is not None else extracted.url,
        source=page.source or extracted.sitename, date=page.date or extracted.date, title=extracted.title,
        origin=page.origin, warnings=tuple(warnings),
    )


def _html_page(path: Path, doc_id: str, source: str | None, max_bytes: int = 64 << 20) -> RawPage | Rejected:
    from .html import read_html_file  # lazy: needs the [html] extra

    origin = str(path)
    try:
        raw = read_html_file(path, max_bytes)
    except InputError as exc:  # unreadable, or corrupt gzip data: the message names the file and the cause
        return Rejected(doc_id, origin, Reason.UNREADABLE, str(exc))
    if isinstance(raw, bytes) and looks_binary(raw):
        return _binary(doc_id, origin)
    return RawPage(doc_id, origin, raw, source)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` (a parsed JSON value, or an output row) with every lone surrogate replaced by U+FFFD, and how
    many there were.

    Why: JSON may escape half of a UTF-16 pair (``"\\ud800"``, left by crawlers that cut text mid-character);
    Python decodes it to a lone surrogate, which no UTF-8 output can hold (``io.writers`` repairs Parquet rows
    with it too).
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        fixed = [without_surrogates(v) for v in value]
        return [v for v, _ in fixed], sum(n for _, n in fixed)
    if isinstance(value, dict):
        pairs = [(without_surrogates(k), without_surrogates(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, sum(nk + nv for (_, nk), (_, nv) in pairs)
    return value, 0


def _scalar(value: Any) -> str | None:
    """A field's value as the string a Document holds. Parquet gives typed values: a timestamp or date column
    becomes its ISO form (which ``copydesk.dates`` reads), bytes their UTF-8 text, a list or struct JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):  # (datetime.datetime is a date)
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (list, tuple, dict)):
        # (a value inside that JSON has no rule of its own: a date, bytes, a decimal; written as it is on its own)
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_scalar)
    return str(value)  # (Decimal, UUID, ...)


def _text_field_hint(record: Mapping[str, Any], cfg: ReadConfig) -> str:
    """Which of the record's fields hold text, so that a file whose text is under another name (``content``,
    ``body``) says what to pass as ``--text-field``."""
    named = {cfg.id_field, cfg.url_field, cfg.date_field, cfg.source_field, cfg.title_field}
    texts = [str(k) for k, v in record.items() if isinstance(v, str) and k not in named]
    if not texts:
        return ""
    longest = max(texts, key=lambda k: len(record[k]))
    return f" (text fields it has: {', '.join(texts[:8])}; try --text-field {longest})"


def record_to_item(record: Mapping[str, Any], origin: str, cfg: ReadConfig, warn: Warn = log.warning) -> Item:
    """One JSON/Parquet record -> Document, or Rejected when it has no usable text."""
    warnings: list[str] = []
    raw_id = record.get(cfg.id_field)
    if raw_id is None or raw_id == "":
        doc_id = origin
        message = f"{origin}: no {cfg.id_field!r} field; using {doc_id!r} as the id"
        warn(message)
        warnings.append(message)
    else:
        doc_id = _scalar(raw_id) or origin
    if cfg.text_field not in record:
        return Rejected(doc_id, origin, Reason.MISSING_FIELD,
                        f"{origin}: no {cfg.text_field!r} field{_text_field_hint(record, cfg)}")
    if record[cfg.text_field] is None:
        return Rejected(doc_id, origin, Reason.MISSING_FIELD, f"{origin}: field {cfg.text_field!r} is null")
    text = record[cfg.text_field]
    if isinstance(text, (bytes, bytearray)):  # a binary Parquet column: its bytes should be UTF-8 text
        text, repaired = decode_utf8(bytes(text), origin, warn)
        warnings.extend(repaired)
    if not isinstance(text, str):
        return Rejected(
            doc_id, origin, Reason.MALFORMED_RECORD,
            f"{origin}: field {cfg.text_field!r} is {type(text).__name__}, not a string",
        )
    notes: list[str] = []
    text = decode_entities(_limit(text, cfg, origin, warnings, warn), origin, notes)
    named = {cfg.id_field, cfg.text_field, cfg.url_field, cfg.date_field, cfg.source_field, cfg.title_field}
    meta = {k: v for k, v in ((str(k), _scalar(v)) for k, v in record.items() if k not in named) if v is not None}
    return Document(
        id=doc_id, text=text, url=_scalar(record.get(cfg.url_field)), source=_scalar(record.get(cfg.source_field)),
        date=_scalar(record.get(cfg.date_field)), title=_scalar(record.get(cfg.title_field)), origin=origin,
        meta=meta, warnings=tuple(warnings), notes=tuple(notes),
    )


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


@dataclass(frozen=True, slots=True)
class JsonlChunk:
    """Consecutive raw lines of one JSONL file, not parsed: ``copydesk.pipeline.dedup`` parses them in its worker
    processes (parsing JSON is most of reading), in input order. Line ``first_line`` opens the chunk.

    A chunk of a plain file is only a byte range (``offset``, ``length``) with the range's xxh3 ``digest``: the
    process that parses it reads the bytes itself, so the text never passes through the process that hands out
    the work, and a chunk costs a few bytes to keep for a second pass. A chunk of a compressed file or of a named
    pipe, which cannot be read from the middle, carries its ``lines``.
    """

    path: str
    first_line: int
    line_count: int
    lines: list[bytes] | None = None
    offset: int = 0
    length: int = 0
    digest: int = 0

    def read_lines(self) -> list[bytes]:
        """The chunk's lines, each with its line feed (the last line of a file may lack one), as iterating over
        the file in binary mode gives them. Raises ``InputError`` if the file no longer holds the bytes it held
        when the chunk was cut."""
        if self.lines is not None:
            return self.lines
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(self.length)
        if len(data) != self.length or xxhash.xxh3_64_intdigest(data) != self.digest:
            last = self.first_line + self.line_count - 1
            raise InputError(f"{self.path}: lines {self.first_line}-{last} changed while copydesk was reading the file")
        return io.BytesIO(data).readlines()


#: Lines per :class:`JsonlChunk`: about a batch of news-sized docs.
JSONL_CHUNK_LINES = 2048
#: A chunk ends early once it holds this many bytes (never before its first line), so a file of huge records is
#: still cut into chunks of bounded size.
JSONL_CHUNK_BYTES = 32 << 20
#: Bytes read at a time while cutting a plain file into chunks.
_READ_BLOCK = 4 << 20


def _json_problem(origin: str, exc: json.JSONDecodeError) -> str:
    """What is wrong with a line and where: json's own message names the position only in ``str(exc)``, after a
    dangling "at" ("Invalid control character at: line 1 column 27"), which reads badly on its own."""
    return f"{origin}: invalid JSON at column {exc.colno}: {exc.msg.removesuffix(' at')}"


def read_jsonl_chunks(
    path: Path, chunk_lines: int | None = None, chunk_bytes: int | None = None, max_record_bytes: int = 256 << 20,
) -> Iterator[JsonlChunk | Rejected]:
    """The file cut into chunks of whole lines, at most ``chunk_lines`` lines (default ``JSONL_CHUNK_LINES``) and
    about ``chunk_bytes`` bytes (default ``JSONL_CHUNK_BYTES``) each; nothing is parsed or checked here. A plain
    file is read once to find the line ends, at memory speed, and its chunks are byte ranges; a compressed one
    yields its lines. Where the file cannot be read on, a ``Rejected`` row (:func:`cut_short`) ends the stream."""
    chunk_lines = JSONL_CHUNK_LINES if chunk_lines is None else chunk_lines
    chunk_bytes = JSONL_CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    if path.name.lower().endswith(".gz") or not path.is_file():  # (a named pipe cannot be read twice either)
        yield from _line_chunks(path, chunk_lines, chunk_bytes, max_record_bytes)
        return
    progress = [1]  # the first line of the next chunk: where reading stopped if it fails
    try:
        yield from _range_chunks(path, chunk_lines, chunk_bytes, progress, max_record_bytes)
    except READ_ERRORS as exc:
        yield cut_short(path, progress[0], exc)


def _range_chunks(path: Path, chunk_lines: int, chunk_bytes: int, progress: list[int],
                  max_record_bytes: int = 256 << 20) -> Iterator[JsonlChunk | Rejected]:
    """Byte-range chunks of a plain file, and one ``malformed_record`` row for each line of more than
    ``max_record_bytes`` bytes, which is read past in blocks and never held."""
    with path.open("rb") as handle:
        pending = bytearray()  # bytes from ``start`` on, not yet in a chunk
        start = 0
        first = 1
        scanned = 0  # ``pending[:scanned]`` holds ``lines`` whole lines
        lines = 0
        eof = False

        def cut() -> JsonlChunk:
            nonlocal start, first, scanned, lines
            data = memoryview(pending)[:scanned]
            chunk = JsonlChunk(str(path), first, lines, offset=start, length=scanned,
                               digest=xxhash.xxh3_64_intdigest(data))
            data.release()
            del pending[:scanned]
            start += scanned
            first += lines
            progress[0] = first
            scanned = lines = 0
            return chunk

        def too_long(length: int) -> Rejected:
            nonlocal start, first
            row = _too_long_record(f"{path}:{first}", length, max_record_bytes)
            start += length + 1
            first += 1
            progress[0] = first
            return row

        while True:
            huge = -1  # the length of a whole line past the limit, found after ``scanned``
            while lines < chunk_lines and scanned < chunk_bytes:
                end = pending.find(b"\n", scanned)
                if end < 0:
                    break
                if end - scanned > max_record_bytes:
                    huge = end - scanned
                    break
                scanned = end + 1
                lines += 1
            if huge >= 0:
                if lines:
                    yield cut()
                del pending[: huge + 1]
                yield too_long(huge)
                continue
            full = lines >= chunk_lines or (lines > 0 and scanned >= chunk_bytes)
            if not full and len(pending) - scanned > max_record_bytes:  # (no line feed in sight)
                if lines:
                    yield cut()
                skipped = len(pending)
                pending.clear()
                while block := handle.read(_READ_BLOCK):
                    end = block.find(b"\n")
                    if end >= 0:
                        skipped += end
                        pending += block[end + 1 :]
                        break
                    skipped += len(block)
                yield too_long(skipped)
                continue
            if not full and not eof:
                block = handle.read(_READ_BLOCK)
                if block:
                    pending += block
                    continue
                eof = True
            if eof and not full:
                if scanned < len(pending):  # a last line without a line feed
                    scanned, lines = len(pending), lines + 1
                if not lines:
                    return
            yield cut()


def _too_long_record(origin: str, size: int, limit: int) -> Rejected:
    return Rejected(origin, origin, Reason.MALFORMED_RECORD,
                    f"{origin}: a record of {size:,} bytes, more than {limit:,} (ReadConfig.max_record_bytes); not read")


def _bounded_lines(handle: IO[bytes], limit: int) -> Iterator[bytes | int]:
    """The lines of ``handle``; for a line of more than ``limit`` bytes (its line feed left out), its length
    instead: it is read past in pieces, never held."""
    while raw := handle.readline(limit + 1):
        if len(raw) <= limit or (len(raw) == limit + 1 and raw.endswith(b"\n")):
            yield raw
            continue
        skipped = len(raw)
        while not raw.endswith(b"\n") and (raw := handle.readline(1 << 20)):
            skipped += len(raw)
        yield skipped


def _line_chunks(path: Path, chunk_lines: int, chunk_bytes: int,
                 max_record_bytes: int = 256 << 20) -> Iterator[JsonlChunk | Rejected]:
    """Chunks carrying their lines (a compressed file or a pipe); the whole lines read before a read error stay,
    and one row stands for the rest. A line over ``max_record_bytes`` is one ``malformed_record`` row. A
    ``.gz`` file is checked first (:func:`copydesk.io.gzipcheck.check_gzip`): no line of a member that fails its integrity
    check is handed out, and one ``unreadable`` row from the member's first line on stands for the rest."""
    lines: list[bytes] = []
    size = 0
    first = 1
    read = 0  # whole lines read
    sound, damaged = -1, None  # (uncompressed bytes vouched for, and what is wrong after them)
    try:
        if path.name.lower().endswith(".gz") and path.is_file():
            # (a member cut off, as by a crawl stopped mid-write, inflated without error: its whole lines are
            # what was written, and reading stops at the cut, where gzip raises EOFError)
            check = check_gzip(path)
            sound = check.sound_bytes
            damaged = None if check.damage is None else InputError(f"fails its integrity check: {check.damage}")
        inflated = 0  # uncompressed bytes of the lines read
        with _open_binary(path) as handle:
            for raw in _bounded_lines(handle, max_record_bytes):
                inflated += raw if isinstance(raw, int) else len(raw)
                if damaged is not None and inflated > sound:
                    raise damaged
                read += 1
                if isinstance(raw, int):
                    if lines:
                        yield JsonlChunk(str(path), first, len(lines), lines)
                        lines, size = [], 0
                    yield _too_long_record(f"{path}:{read}", raw, max_record_bytes)
                    continue
                if not lines:
                    first = read
                lines.append(raw)
                size += len(raw)
                if len(lines) >= chunk_lines or size >= chunk_bytes:
                    yield JsonlChunk(str(path), first, len(lines), lines)
                    lines, size = [], 0
    except (InputError, *READ_ERRORS) as exc:
        if lines:
            yield JsonlChunk(str(path), first, len(lines), lines)
        # (gzip may fail on the damaged member before its first line is whole: the check said why)
        yield cut_short(path, read + 1, exc if damaged is None else damaged)
        return
    if lines:
        yield JsonlChunk(str(path), first, len(lines), lines)


def _holds_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float anywhere (a record of strings answers in a few type tests)."""
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return False
    for item in value:  # a plain loop beats any() over a generator here
        if isinstance(item, (float, dict, list)) and _holds_float(item):
            return True
    return False


def _fast_record(raw: bytes) -> Any:
    """``json.loads`` of one valid UTF-8 JSON line, parsed by orjson (two to three times faster on news-sized
    records), or ``_NOT_FAST`` when only the standard parser can give its exact answer.

    orjson refuses what ``json.loads`` repairs or reports in its own words (invalid UTF-8, NaN, an escaped lone
    surrogate, malformed JSON), and reads an integer beyond 64 bits as a float where ``json.loads`` keeps it
    exact: every such line, and any record holding a float, goes to the standard parser, so the records are
    the same either way.
    """
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _NOT_FAST
    return _NOT_FAST if _holds_float(record) else record


_NOT_FAST: Any = object()


#: The byte order mark some editors and Windows tools put at the start of a UTF-8 file.
_UTF8_BOM = b"\xef\xbb\xbf"


def _nested_too_deep(origin: str) -> Rejected:
    return Rejected(origin, origin, Reason.MALFORMED_RECORD,
                    f"{origin}: nested too deep (arrays or objects about 1,000 levels deep, more than "
                    "the JSON reader follows); not read")


def parse_jsonl_chunk(chunk: JsonlChunk, cfg: ReadConfig, warn: Warn = log.warning) -> list[Item]:
    """The items of a chunk's lines; a malformed line becomes a Rejected row named ``file:line``."""
    items: list[Item] = []
    lines = chunk.read_lines()
    if chunk.first_line == 1 and lines and lines[0].startswith(_UTF8_BOM):  # (Windows tools write one)
        lines = [lines[0][len(_UTF8_BOM):], *lines[1:]]
    for offset, raw in enumerate(lines):
        origin = f"{chunk.path}:{chunk.first_line + offset}"
        if not raw.strip():
            continue
        warnings: list[str] = []
        try:
            record = _fast_record(raw)
            if record is _NOT_FAST:
                line, warnings = decode_utf8(raw, origin, warn)
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    items.append(Rejected(origin, origin, Reason.MALFORMED_RECORD, _json_problem(origin, exc)))
                    continue
            if b"\\ud" in raw or b"\\uD" in raw:  # an escaped surrogate: maybe half of a pair
                record, replaced = without_surrogates(record)
            else:
                replaced = 0
        except RecursionError:  # (json.loads and the walks over a record recurse once per level)
            items.append(_nested_too_deep(origin))
            continue
        if replaced:
            message = f"{origin}: {replaced} lone surrogate escape(s) replaced with U+FFFD"
            warn(message)
            warnings.append(message)
        if not isinstance(record, dict):
            items.append(Rejected(
                origin, origin, Reason.MALFORMED_RECORD,
                f"{origin}: expected a JSON object, got {type(record).__name__}",
            ))
            continue
        try:
            item = record_to_item(record, origin, cfg, warn)
        except RecursionError:  # (a deep value kept in ``meta`` is written back as JSON, recursing again)
            items.append(_nested_too_deep(origin))
            continue
        if warnings and isinstance(item, Document):
            item = replace(item, warnings=tuple(warnings) + item.warnings)
        items.append(item)
    return items


def read_parquet(path: Path, cfg: ReadConfig, batch_rows: int = 4096) -> Iterator[Item]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        yield Rejected(str(path), str(path), Reason.UNREADABLE, f"{path}: not a readable Parquet file: {exc}")
        return
    row = 0
    for group in range(parquet.num_row_groups):  # a group at a time: a damaged one costs only its own rows
        end = row + parquet.metadata.row_group(group).num_rows
        try:
            for batch in parquet.iter_batches(batch_size=batch_rows, row_groups=[group]):
                for record in batch.to_pylist():
                    row += 1
                    yield record_to_item(record, f"{path}:{row}", cfg)
        except Exception as exc:  # noqa: BLE001  (a damaged page: pyarrow raises several types)
            origin = f"{path}:{row + 1}"
            yield Rejected(origin, origin, Reason.UNREADABLE,
                           f"{path}: cannot read rows {row + 1}-{end}: {_read_error(path, exc)}")
            row = end


def _warc_pages(path: Path) -> Iterator[RawPage | Rejected]:
    from .html import iter_warc  # lazy: needs the [html] extra

    records = iter_warc(path)  # (raises at once without the extra)
    read = 0
    while True:
        try:
            record = next(records, None)
        except (InputError, *READ_ERRORS) as exc:  # not WARC, or cut short: the pages before stay
            yield cut_short(path, read + 1, exc, unit="HTML response")
            return
        if record is None:
            return
        read += 1
        yield RawPage(record.record_id, f"{path}#{record.record_id}", record.html, url=record.url, date=record.date)


def _not_regular(path: Path, listed: bool) -> str | None:
    """What ``path`` is when it is no regular file that may be read: a device, a socket, or (met in a folder
    listing, where nothing would write to it) a named pipe; None for a regular file or a pipe named as input."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # (reading it says why)
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISFIFO(mode) and listed:
        return "a named pipe"
    return None


def _read_file(path: Path, doc_id: str, source: str | None, cfg: ReadConfig,
               listed: bool = False) -> Iterator[Entry | RawPage]:
    kind = _kind(path)
    special = _not_regular(path, listed)
    if special is not None:
        origin = str(path)
        yield Rejected(doc_id, origin, Reason.UNREADABLE,
                       f"{origin}: not read, it is {special} (or a link to one), not a regular file")
        return
    if kind == "text":
        yield read_text_file(path, doc_id, source, cfg)
    elif kind == "html":
        yield _html_page(path, doc_id, source, cfg.max_html_bytes)
    elif kind == "jsonl":
        yield from read_jsonl_chunks(path, max_record_bytes=cfg.max_record_bytes)
    elif kind == "parquet":
        yield from read_parquet(path, cfg)
    elif kind == "warc":
        yield from _warc_pages(path)
    else:
        raise InputError(f"{path}: unknown input format; expected one of {', '.join(ALL_SUFFIXES)}")


#: Files that together mark a folder as the outputs of a copydesk run (``copydesk.run.write_outputs``).
OUTPUT_MARKERS = ("decisions.jsonl", "manifest.json")


def is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` holds the outputs of a copydesk run: its decisions and a manifest that copydesk wrote
    (a JSON object with the run's ``config_hash``)."""
    if not all((folder / name).is_file() for name in OUTPUT_MARKERS):
        return False
    try:
        manifest = json.loads((folder / "manifest.json").read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "config_hash" in manifest and "workers_used" in manifest


def sorted_files(folder: Path, top: Path | None = None) -> Iterator[Path]:
    """The supported files under ``folder``, in the order of ``sorted(folder.rglob("*"))`` (by path parts), without
    hidden names or the outputs of earlier runs (a sub-folder ``is_output_folder`` says holds them).

    One directory is listed at a time, as the files are read: a folder of millions of small files is not held
    as millions of paths first (about half a kilobyte each). Like ``rglob``, links to directories are not
    followed and links to files are; a directory that cannot be listed is skipped with a warning.
    """
    top = folder if top is None else top
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        log.warning("%s: skipped, cannot list it (%s)", folder, exc.strerror or exc)
        return
    if folder != top and any(e.name == OUTPUT_MARKERS[0] for e in entries) and is_output_folder(folder):
        log.warning("%s: skipped, it holds the outputs of an earlier copydesk run", folder)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from sorted_files(path, top)
        elif _kind(path) is not None and (entry.is_file() or _not_regular(path, listed=True) is not None):
            yield path  # (a device, socket or pipe under a known name gets its row saying why it was not read)


def _folder(folder: Path, cfg: ReadConfig) -> Iterator[Entry | RawPage]:
    """Supported files under ``folder``, sorted; hidden ones and the outputs of earlier runs left out.

    Why the outputs: ``--out`` often lies inside the crawl folder (``copydesk dedup crawl -o crawl/dedup``), and a
    second run would read the first one's decisions and deduplicated texts as documents, each a copy of a real
    one. Such a sub-folder is skipped with a warning naming it (an output folder given as the input is read).
    """
    for path in sorted_files(folder):
        rel = path.relative_to(folder)
        source = rel.parts[0] if len(rel.parts) > 1 else None
        yield from _read_file(path, rel.as_posix(), source, cfg, listed=True)


def read_inputs_deferred(paths: Sequence[Path], cfg: ReadConfig) -> Iterator[Entry]:
    """``read_inputs``, but JSONL files come as unparsed :class:`JsonlChunk` entries and HTML pages (files or WARC
    responses) as :class:`PageBatch` entries still to extract, for ``copydesk.pipeline.dedup`` to parse and
    extract in its worker processes; every other input comes parsed. Expanding them (:func:`parsed`) gives
    exactly ``read_inputs``."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if not path.is_dir() and _kind(path) is None:
            raise InputError(f"{path}: unknown input format; expected a folder or one of {', '.join(ALL_SUFFIXES)}")
    return _page_batches(_entries(paths, cfg))


def _entries(paths: Sequence[Path], cfg: ReadConfig) -> Iterator[Entry | RawPage]:
    for path in paths:
        if path.is_dir():
            yield from _folder(path, cfg)
        else:
            yield from _read_file(path, path.name, None, cfg)


def _page_batches(entries: Iterable[Entry | RawPage]) -> Iterator[Entry]:
    """Consecutive pages grouped into batches (``PAGE_BATCH_PAGES``, ``PAGE_BATCH_BYTES``), in order. Without the
    extractor installed, the first page raises ``MissingExtra`` here, before any batch goes to a worker."""
    from .html import _import_trafilatura  # (html.py itself imports neither trafilatura nor warcio)

    pages: list[RawPage] = []
    size = 0
    for entry in entries:
        if isinstance(entry, RawPage):
            if not pages:
                _import_trafilatura()  # (cached by the import system after the first page)
            pages.append(entry)
            size += len(entry.html)
            if len(pages) >= PAGE_BATCH_PAGES or size >= PAGE_BATCH_BYTES:
                yield PageBatch(pages)
                pages, size = [], 0
            continue
        if pages:
            yield PageBatch(pages)
            pages, size = [], 0
        yield entry
    if pages:
        yield PageBatch(pages)


def read_inputs(paths: Sequence[Path], cfg: ReadConfig) -> Iterator[Item]:
    """All inputs in the order given. Missing paths raise ``InputError`` before anything is read."""
    return parsed(read_inputs_deferred(paths, cfg), cfg)


def parsed(entries: Iterable[Entry], cfg: ReadConfig) -> Iterator[Item]:
    """The items of a deferred stream, chunks parsed and pages extracted here, in order."""
    for entry in entries:
        if isinstance(entry, DEFERRED):
            yield from deferred_items(entry, cfg)
        else:
            yield entry


#: Entries of a deferred stream that stand for items still to parse or extract.
DEFERRED = (JsonlChunk, PageBatch)


def deferred_items(entry: JsonlChunk | PageBatch, cfg: ReadConfig, warn: Warn = log.warning) -> list[Item]:
    """The items a deferred entry stands for: a chunk's records parsed, a batch's pages extracted."""
    if isinstance(entry, JsonlChunk):
        return parse_jsonl_chunk(entry, cfg, warn)
    return [page_document(page, cfg, warn) for page in entry.pages]


def held_chars(entry: object) -> int:
    """About what an entry holds in memory, in characters: a document's text, a chunk's lines (a chunk of a
    plain file is only a byte range), a page batch's HTML; a fixed allowance for the rest of each."""
    if isinstance(entry, Document):
        return len(entry.text) + 256
    if isinstance(entry, JsonlChunk):
        return sum(map(len, entry.lines)) + 256 if entry.lines is not None else 256
    if isinstance(entry, PageBatch):
        return sum(len(page.html) for page in entry.pages) + 256
    return 256


def deferred_size(entry: JsonlChunk | PageBatch) -> int:
    """How many items (at most: a blank line is none) a deferred entry stands for."""
    return entry.line_count if isinstance(entry, JsonlChunk) else len(entry.pages)
