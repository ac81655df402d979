"""HTML and WARC input (extra ``[html]``): raw pages -> main article text plus metadata.

``extract_html`` wraps trafilatura with the settings chosen on ``bench/quality/extraction.py`` (see
``bench/quality/EXTRACTION.md``): ``favor_precision=True`` without reader comments, a ``favor_recall`` retry
when the precise pass keeps almost nothing, and the headline removed from the body when it merely repeats the
page title (it is returned as ``title``, without a `` | Site name`` part). Paragraphs come back separated by
blank lines.

``iter_warc`` streams the HTML responses of a ``.warc`` / ``.warc.gz`` file with warcio.

trafilatura and warcio are imported inside the functions that need them; when one is missing the call raises
``MissingExtra`` naming the ``[html]`` extra.
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ..errors import InputError, MissingExtra
from .gzipcheck import check_gzip

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

__all__ = [
    "ExtractedPage",
    "WarcRecord",
    "decode_html",
    "extract_html",
    "iter_warc",
    "read_html_file",
]

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
GZIP_SUFFIXES = (".gz",)

# A precise extraction shorter than this many characters is suspicious (paywall notice, cookie banner,
# teaser): a favor_recall pass is then tried, and kept when its text is not short itself and is at least
# _RETRY_GAIN times longer. Scores barely move for thresholds between 500 and 2000 chars and gains 2 to 5.
_SHORT_TEXT_CHARS = 500
_RETRY_GAIN = 3.0

# How far into the page a <meta charset> / <?xml encoding?> declaration is looked for.
_DECLARATION_SCAN_BYTES = 16_384
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING_RE = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:+-]{1,40})""", re.IGNORECASE
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# As browsers do (WHATWG Encoding): these labels mean windows-1252.
_AS_WINDOWS_1252 = {"latin_1", "iso8859-1", "ascii"}

_HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
_WHITESPACE_RE = re.compile(r"\s+")
_TITLE_KEY_RE = re.compile(r"\W+")
# " | ", " - ", " — ", " » ", " :: " ...: what sites put between a headline, its section and the site name
_TITLE_SEPARATOR_RE = re.compile(r"\s+[|\-\u2013\u2014\u00b7\u2022\u203a\u00bb/]+\s+|\s*::\s*")


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """The main text of one HTML page and the metadata found in it.

    ``text`` holds the article body: paragraphs (and headings, lists, tables, quotes) separated by a blank
    line, explicit line breaks (``<br>``, list items, table rows) kept as single newlines. It is ``""`` when
    nothing could be extracted, never ``None``. ``date`` is an ISO ``YYYY-MM-DD`` date.
    """

    text: str
    title: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One HTML response of a WARC file.

    ``record_id`` is the WARC-Record-ID without its angle brackets (``urn:uuid:...``): stable across runs, so
    it serves as the document id. ``date`` is the WARC-Date (ISO 8601, the capture time). ``html`` is the HTTP
    body after de-chunking and content decoding, still in the page's own character encoding.
    """

    url: str
    date: str | None
    html: bytes
    record_id: str


# ----------------------------------------------------------------------------------------------------------
# bytes -> str


def _codec_name(label: bytes) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return "cp1252" if name in _AS_WINDOWS_1252 else name


def _declared_encoding(data: bytes) -> str | None:
    head = data[:_DECLARATION_SCAN_BYTES]
    match = _XML_ENCODING_RE.search(head) or _META_CHARSET_RE.search(head)
    return _codec_name(match.group(1)) if match else None


def decode_html(data: bytes) -> str:
    """Decode a raw page to text.

    Order: a byte-order mark; then UTF-8 if the bytes are valid UTF-8; then the ``<meta charset>`` (or
    ``http-equiv`` / ``<?xml encoding?>``) declaration; then charset detection (charset_normalizer, when
    installed); finally UTF-8 with U+FFFD replacement characters. Valid UTF-8 wins over a declaration because
    legacy-encoded text with non-ASCII bytes is practically never valid UTF-8, while pages that declare
    ``iso-8859-1`` but are served as UTF-8 are common. Labels ``iso-8859-1``/``ascii`` mean windows-1252, as
    in browsers.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_encoding(data)
    if declared is not None:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            logger.debug("declared charset %s does not decode the page; detecting", declared)
    detected = _detect_encoding(data)
    if detected is not None:
        try:
            return data.decode(detected)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("utf-8", errors="replace")


def _detect_encoding(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return None
    best = from_bytes(data[:200_000]).best()
    return None if best is None else str(best.encoding)


# ----------------------------------------------------------------------------------------------------------
# HTML -> ExtractedPage


def _import_trafilatura() -> Any:
    try:
        import trafilatura
    except ImportError as exc:
        # lxml >= 5.2 moved lxml.html.clean (needed by trafilatura's justext) into its own package
        missing = "lxml_html_clean" if "lxml_html_clean" in str(exc) else "trafilatura"
        raise MissingExtra(missing, "html", "HTML extraction") from exc
    return trafilatura


def _field(result: Any, name: str) -> str | None:
    """A metadata field of a trafilatura result (a ``Document`` in 2.x, a dict in 1.x), or None if blank."""
    value = result.get(name) if isinstance(result, dict) else getattr(result, name, None)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _normalize_whitespace(element: Any) -> None:
    """Collapse source-formatting whitespace in text nodes (not in ``<code>``); ``<lb/>`` stays a newline."""
    for node in element.iter():
        in_code = node.tag == "code" or next(node.iterancestors("code"), None) is not None
        if node.text and not in_code:
            node.text = _WHITESPACE_RE.sub(" ", node.text)
        parent = node.getparent()
        tail_in_code = parent is not None and (
            parent.tag == "code" or next(parent.iterancestors("code"), None) is not None
        )
        if node.tail and not tail_in_code:
            node.tail = _WHITESPACE_RE.sub(" ", node.tail)


def _blocks(result: Any) -> list[str]:
    """The body as a list of blocks (paragraphs, headings, lists, tables), each stripped and non-empty."""
    body = result.get("body") if isinstance(result, dict) else getattr(result, "body", None)
    if body is None:
        text = _field(result, "text") or ""
        return [line.strip() for line in text.split("\n") if line.strip()]
    from trafilatura.xml import xmltotxt

    _normalize_whitespace(body)
    blocks: list[str] = []
    if body.text and body.text.strip():
        blocks.append(body.text.strip())
    for child in body:
        rendered = xmltotxt(child, False)
        lines = [line.strip() for line in rendered.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            blocks.append(block)
    return blocks


def _title_key(text: str) -> str:
    return _TITLE_KEY_RE.sub(" ", text.casefold()).strip()


def _title_parts(title: str) -> list[str]:
    return [part for part in _TITLE_SEPARATOR_RE.split(title) if part.strip()]


def _headline(block: str, title: str | None) -> str | None:
    """If ``block`` is the page's headline again, the title to report (the cleaner of the two), else None.

    A headline repeats the title when it equals it, when it is one of the title's parts between separators
    (``Section | Headline | Site``) that is the longest or has 3+ words, or when it begins the title and
    covers at least half of it.
    """
    if not title or "\n" in block:
        return None
    head, full = _title_key(block), _title_key(title)
    if not head or not full:
        return None
    if head == full:
        return title
    parts = _title_parts(title)
    # a part of the title is the headline if it is the longest part or reads like one (3+ words),
    # not a one-word section label such as "News"
    is_part = len(parts) > 1 and any(_title_key(part) == head for part in parts)
    if is_part and (_title_key(max(parts, key=len)) == head or len(head.split()) >= 3):
        return block
    if full.startswith(head) and len(head) >= len(full) / 2:
        return block
    return None


def _strip_site_name(title: str | None, sitename: str | None, url: str | None) -> str | None:
    """Drop a leading or trailing title part that is only the site's name or host (``Story | Example News``)."""
    if not title:
        return title
    names = {_title_key(name) for name in (sitename, _host(url)) if name}
    names |= {name.removeprefix("www ") for name in names}
    parts = _title_parts(title)
    if len(parts) < 2 or not names:
        return title
    if _title_key(parts[-1]) in names:
        parts = parts[:-1]
    elif _title_key(parts[0]) in names:
        parts = parts[1:]
    else:
        return title
    # keep the original separators of the remaining parts
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else title


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host or None


Favor = Literal["precision", "balanced", "recall"]


def _run(trafilatura: Any, html: str, url: str | None, favor: Favor, *, with_metadata: bool = True) -> Any:
    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        favor_precision=favor == "precision",
        favor_recall=favor == "recall",
    )


def _chars(blocks: list[str]) -> int:
    return sum(len(b) for b in blocks)


def _extract_page(
    trafilatura: Any,
    page: str,
    url: str | None,
    *,
    favor: Favor = "precision",
    recall_retry: bool = True,
    drop_title_line: bool = True,
) -> ExtractedPage:
    """``extract_html`` with its choices as arguments (the benchmark scores each of them)."""
    meta = _run(trafilatura, page, url, favor)  # the metadata do not depend on favor: extracted once
    blocks = _blocks(meta) if meta is not None else []
    if recall_retry and favor != "recall" and _chars(blocks) < _SHORT_TEXT_CHARS:
        recall = _run(trafilatura, page, url, "recall", with_metadata=meta is None)
        recall_blocks = _blocks(recall) if recall is not None else []
        if _chars(recall_blocks) >= max(_SHORT_TEXT_CHARS, _RETRY_GAIN * _chars(blocks)):
            logger.debug("the %s pass kept %d chars; using the favor_recall pass", favor, _chars(blocks))
            blocks = recall_blocks
            meta = recall if meta is None else meta

    if meta is None:
        return _metadata_only(trafilatura, page, url)
    title = _field(meta, "title")
    sitename = _field(meta, "sitename")
    page_url = _field(meta, "url") or url
    headline = _headline(blocks[0], title) if drop_title_line and blocks else None
    if headline is not None:
        blocks = blocks[1:]
        title = headline
    return ExtractedPage(
        text="\n\n".join(blocks),
        title=_strip_site_name(title, sitename, page_url),
        date=_field(meta, "date"),
        sitename=sitename,
        url=page_url,
        author=_field(meta, "author"),
    )


def extract_html(html: str | bytes, *, url: str | None = None) -> ExtractedPage:
    """Extract the main article text and metadata of one HTML page.

    ``html`` may be bytes in any encoding (see ``decode_html``) or already-decoded text; ``url`` (the page's
    address, if known) helps trafilatura resolve metadata and is returned when the page names none.
    Returns ``ExtractedPage(text="")`` (with whatever metadata was found) when the page has no main text.
    Raises ``MissingExtra`` when trafilatura is not installed.
    """
    trafilatura = _import_trafilatura()
    page = decode_html(html) if isinstance(html, bytes) else html
    if not page.strip():
        return ExtractedPage(text="", url=url)
    return _extract_page(trafilatura, page, url)


def _metadata_only(trafilatura: Any, page: str, url: str | None) -> ExtractedPage:
    """No main text: still return the page's title, date, ... so that reports can name it."""
    meta = trafilatura.extract_metadata(page, default_url=url)
    if meta is None:
        return ExtractedPage(text="", url=url)
    return ExtractedPage(
        text="",
        title=_field(meta, "title"),
        date=_field(meta, "date"),
        sitename=_field(meta, "sitename"),
        url=_field(meta, "url") or url,
        author=_field(meta, "author"),
    )


# ----------------------------------------------------------------------------------------------------------
# files


def read_html_file(path: Path, max_bytes: int = 64 << 20) -> str | bytes:
    """The raw bytes of an ``.html``/``.htm``/``.xhtml`` file, gunzipped for ``.html.gz``/``.htm.gz``.

    The bytes are left undecoded so that ``extract_html`` can honour the page's own charset declaration.
    A gzip file is recognised by its magic number as well as its suffix. Raises ``InputError`` for an
    unreadable or corrupt file, an unknown suffix, or a page of more than ``max_bytes`` (as read, or once
    gunzipped: a small gzip bomb is stopped at the limit, not read until the memory runs out).
    """
    name = path.name.lower()
    stem = name[: -len(".gz")] if name.endswith(GZIP_SUFFIXES) else name
    if not stem.endswith(HTML_SUFFIXES):
        raise InputError(f"{path}: not an HTML file; expected one of .html, .htm, .xhtml (optionally .gz)")
    too_large = (f"{path}: more than {max_bytes:,} bytes of HTML (ReadConfig.max_html_bytes); no article page is "
                 "that large; not read")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            return _gunzip(data, max_bytes, too_large)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: corrupt gzip data ({exc})") from exc
    if len(data) > max_bytes:
        raise InputError(too_large)
    return data


def _gunzip(data: bytes, max_bytes: int, too_large: str) -> bytes:
    """Every gzip member of ``data``, decompressed, stopping past ``max_bytes`` of output."""
    out: list[bytes] = []
    size = 0
    while data:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        part = member.decompress(data, max_bytes + 1 - size)
        size += len(part)
        out.append(part)
        if size > max_bytes or member.unconsumed_tail:
            raise InputError(too_large)
        if not member.eof:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")
        data = member.unused_data
    return b"".join(out)


# ----------------------------------------------------------------------------------------------------------
# WARC


def _is_html(content_type: str | None) -> bool:
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() in _HTML_CONTENT_TYPES


def iter_warc(path: Path) -> Iterator[WarcRecord]:
    """Stream the HTML responses of a ``.warc`` or ``.warc.gz`` file, in file order.

    Only ``response`` records whose HTTP Content-Type is ``text/html`` or ``application/xhtml+xml`` and whose
    HTTP status is 2xx are yielded (redirects and error pages are not stories); everything else (request,
    metadata, warcinfo records, images, scripts) is skipped and counted in a debug log line.
    Raises ``MissingExtra`` without warcio and ``InputError`` for a missing file at once (not on the first
    ``next()``), and ``InputError`` while iterating when the file turns out not to be WARC.
    """
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError as exc:
        raise MissingExtra("warcio", "html", "Reading WARC files") from exc
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return _iter_warc_records(path, ArchiveIterator, ArchiveLoadFailed)


def _iter_warc_records(
    path: Path, archive_iterator: Any, load_failed: type[Exception]
) -> Iterator[WarcRecord]:
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    yielded = skipped = 0
    with stream:
        try:
            records = archive_iterator(stream)
            for record in records:
                if record.rec_type != "response" or record.http_headers is None:
                    skipped += 1
                    continue
                status = record.http_headers.get_statuscode() or ""
                if not _is_html(record.http_headers.get_header("Content-Type")) or not status.startswith("2"):
                    skipped += 1
                    continue
                record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>")
                if not record_id:  # mandatory in WARC; fall back to a position that is stable for this file
                    record_id = f"{path.name}@{records.get_record_offset()}"
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                html = record.content_stream().read()
                block = record.raw_stream
                while block.read(1 << 16):  # (the rest of the record's block, a few bytes of padding at most)
                    pass
                if getattr(block, "limit", 0) > 0:
                    # the data ended before the record's Content-Length: the file was cut inside this response,
                    # or its length is wrong (it would swallow the records after it); either way the page is
                    # not whole and must not pass for a page (it would match its full copy as an excerpt)
                    why = warc_damage(path) or "a record's Content-Length runs past the end of the file"
                    raise _CutInside(f"{why}, inside the response {record_id or url}")
                yield WarcRecord(url=url.strip().strip("<>"), date=record.rec_headers.get_header("WARC-Date"),
                                 html=html, record_id=record_id)
                yielded += 1
        except _CutInside as exc:
            raise InputError(f"{path}: {exc}") from exc
        except load_failed as exc:
            raise InputError(f"{path}: not a readable WARC file ({exc})") from exc
        except Exception as exc:  # warcio raises several types on damaged data
            raise InputError(f"{path}: damaged WARC data ({type(exc).__name__}: {exc})") from exc
    damage = warc_damage(path)
    if damage is not None:
        raise InputError(f"{path}: {damage}")
    logger.debug("%s: %d HTML responses, %d other records skipped", path, yielded, skipped)


class _CutInside(Exception):
    """A WARC response read to the end of the file before its Content-Length."""


def warc_damage(path: Path) -> str | None:
    """Why ``path`` is not a whole WARC file (cut short, corrupt compressed data), or None.

    Why: warcio stops quietly where a crawl that was killed mid-write cut the file, so the responses after the
    cut would vanish without a word. A ``.warc.gz`` is whole when each of its gzip members ends with its
    checksum; checking means decompressing it once more (in zlib, hundreds of MB/s: a few percent of what
    extracting its pages costs). An uncompressed WARC is whole when it ends as every record does, with a blank
    line.
    """
    with path.open("rb") as handle:
        if handle.read(2) != b"\x1f\x8b":
            size = handle.seek(0, 2)
            handle.seek(max(size - 4, 0))
            whole = size == 0 or handle.read().endswith((b"\r\n\r\n", b"\n\n"))
            return None if whole else "cut short (no blank line after its last record)"
    check = check_gzip(path)
    if check.damage is not None:
        return check.damage
    return "cut short (its last gzip member ends early)" if check.cut else None
