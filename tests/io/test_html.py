"""HTML/WARC input: extraction, charset decoding, gzip files, WARC streaming, missing-extra errors.

Tests that run trafilatura or warcio skip (via ``pytest.importorskip``) when the ``[html]`` extra is absent;
decoding, file reading and the MissingExtra checks need neither and always run.
"""

from __future__ import annotations

import gzip
import importlib.abc
import io
import sys
from pathlib import Path

import pytest

from copydesk.config import ReadConfig
from copydesk.errors import InputError, MissingExtra
from copydesk.io.html import (
    ExtractedPage,
    WarcRecord,
    _headline,
    _strip_site_name,
    decode_html,
    extract_html,
    iter_warc,
    read_html_file,
    warc_damage,
)
from copydesk.io.readers import read_inputs
from copydesk.types import Reason, Rejected

ARTICLE = Path(__file__).parents[1] / "data" / "html" / "article.html"
ARTICLE_URL = "https://courier.example.org/news/2024/03/05/sea-wall-vote"

PARAGRAPHS = (
    "The town council of Port Ellery voted on Monday night to rebuild the sea wall",
    "Councillors approved the plan by nine votes to two",
    "The new wall will be built one metre higher than the old one",
    "The county has promised to cover a third of the cost",
)
BOILERPLATE = (
    "Subscribe to the Courier",
    "Weather",
    "Related stories",
    "Ferry timetable",
    "Copyright 2024",
    "Privacy policy",
    "Contact us",
)


def _trafilatura() -> None:
    pytest.importorskip("trafilatura", reason="needs the [html] extra (trafilatura)")


def _warcio() -> None:
    pytest.importorskip("warcio", reason="needs the [html] extra (warcio)")


# ----------------------------------------------------------------------------------------------------------
# extract_html


@pytest.mark.html
def test_extract_keeps_article_paragraphs_and_metadata_but_not_nav_or_footer() -> None:
    _trafilatura()
    page = extract_html(ARTICLE.read_bytes(), url=ARTICLE_URL)

    assert isinstance(page, ExtractedPage)
    for paragraph in PARAGRAPHS:
        assert paragraph in page.text
    for furniture in BOILERPLATE:
        assert furniture not in page.text, furniture
    assert page.title == "Harbour town votes to rebuild its flooded sea wall"
    assert page.date == "2024-03-05"
    assert page.sitename == "Coastline Courier"
    assert page.author == "Maria Okafor"
    assert page.url == ARTICLE_URL


@pytest.mark.html
def test_paragraphs_are_separated_by_blank_lines_and_line_breaks_kept() -> None:
    _trafilatura()
    text = extract_html(ARTICLE.read_text(encoding="utf-8")).text
    blocks = text.split("\n\n")
    assert len(blocks) == 5
    assert all(block == block.strip() and block for block in blocks)
    # source indentation inside <p> is not a line break, <br> is
    assert "rebuild the sea wall that failed" in blocks[0]
    assert blocks[3].splitlines() == [
        "Harbour master Tomas Reyes said fishermen had lost weeks of work since the storm.",
        '"We cannot go through another winter like this one," he said.',
    ]


@pytest.mark.html
def test_headline_repeating_the_title_is_not_part_of_the_text() -> None:
    _trafilatura()
    page = extract_html(ARTICLE.read_bytes())
    assert page.title is not None
    assert not page.text.startswith(page.title)
    assert page.text.startswith(PARAGRAPHS[0])


@pytest.mark.parametrize(
    ("block", "title", "expected"),
    [
        ("Sea wall vote", "Sea wall vote", "Sea wall vote"),
        ("Sea wall vote", "Sea wall vote | Coastline Courier", "Sea wall vote"),
        ("Sea wall vote passes", "News | Sea wall vote passes | Courier", "Sea wall vote passes"),
        ("News", "News | Sea wall vote passes | Courier", None),  # a section label is not the headline
        ("The council met on Monday.", "Sea wall vote", None),
        ("Sea wall vote\nsecond line", "Sea wall vote", None),
    ],
)
def test_headline_detection(block: str, title: str, expected: str | None) -> None:
    assert _headline(block, title) == expected


@pytest.mark.parametrize(
    ("title", "sitename", "url", "expected"),
    [
        ("Sea wall vote | Coastline Courier", "Coastline Courier", None, "Sea wall vote"),
        ("Coastline Courier :: Sea wall vote", "Coastline Courier", None, "Sea wall vote"),
        ("Sea wall vote - courier.example.org", None, "https://www.courier.example.org/x", "Sea wall vote"),
        ("Sea wall vote - harbour news", "Coastline Courier", None, "Sea wall vote - harbour news"),
        ("Coastline Courier", "Coastline Courier", None, "Coastline Courier"),
        (None, "Coastline Courier", None, None),
    ],
)
def test_site_name_is_stripped_from_the_title(
    title: str | None, sitename: str | None, url: str | None, expected: str | None
) -> None:
    assert _strip_site_name(title, sitename, url) == expected


@pytest.mark.html
def test_bytes_are_decoded_with_the_declared_charset() -> None:
    _trafilatura()
    html = ARTICLE.read_text(encoding="utf-8")
    html = html.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    html = html.replace("Port Ellery", "Port Ellerý").replace("Tomas Reyes", "Tomás Reyes")
    page = extract_html(html.encode("cp1252"))
    assert "Port Ellerý" in page.text and "Tomás Reyes" in page.text
    assert "\ufffd" not in page.text


@pytest.mark.html
@pytest.mark.parametrize(
    "html",
    ["", "   \n", b"", "<html><head><title>T</title></head><body><script>var x = 1;</script></body></html>"],
)
def test_a_page_without_main_text_gives_empty_text_not_none(html: str | bytes) -> None:
    _trafilatura()
    page = extract_html(html, url="https://example.org/x")
    assert page.text == ""
    assert page.url == "https://example.org/x"


@pytest.mark.html
def test_a_page_without_main_text_still_reports_its_metadata() -> None:
    _trafilatura()
    html = (
        "<html><head><title>Only a title</title></head><body><nav><ul>"
        "<li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav></body></html>"
    )
    page = extract_html(html, url="https://example.org/x")
    assert page == ExtractedPage(
        text="", title="Only a title", sitename="example.org", url="https://example.org/x"
    )


def test_missing_trafilatura_raises_missing_extra_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    with pytest.raises(MissingExtra, match=r"pip install 'copydesk\[html\]'") as info:
        extract_html("<html><body><p>text</p></body></html>")
    assert info.value.package == "trafilatura" and info.value.extra == "html"
    assert isinstance(info.value, ImportError)


def test_trafilatura_broken_by_lxml_split_names_the_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    class _BrokenTrafilatura(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: object, target: object = None) -> None:
            if name == "trafilatura":
                raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean.")

    monkeypatch.delitem(sys.modules, "trafilatura", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenTrafilatura(), *sys.meta_path])
    with pytest.raises(MissingExtra, match="lxml_html_clean") as info:
        extract_html("<p>text</p>")
    assert info.value.package == "lxml_html_clean"


# ----------------------------------------------------------------------------------------------------------
# decode_html (no extra needed)


def test_decode_prefers_bom() -> None:
    assert decode_html("\ufeff<p>naïve</p>".encode("utf-16-le")) == "<p>naïve</p>"
    assert decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "<p>café</p>"


def test_decode_uses_meta_charset_for_legacy_bytes() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=KOI8-R"></head>'
        "<body><p>Привет, мир</p></body></html>"
    )
    assert "Привет, мир" in decode_html(page.encode("koi8-r"))


def test_decode_reads_latin1_label_as_windows_1252() -> None:
    data = b'<meta charset="iso-8859-1"><p>\x93quoted\x94 \xe9t\xe9</p>'
    assert "\u201cquoted\u201d été" in decode_html(data)


def test_decode_valid_utf8_wins_over_a_wrong_declaration() -> None:
    data = '<meta charset="iso-8859-1"><p>Zürich – café</p>'.encode()
    assert "Zürich – café" in decode_html(data)


def test_decode_never_raises_on_garbage() -> None:
    assert isinstance(decode_html(b"<p>\xff\xfe\xfa\x80 broken \x81</p>" * 3), str)


# ----------------------------------------------------------------------------------------------------------
# read_html_file (no extra needed)


@pytest.mark.parametrize("name", ["page.html", "page.htm", "PAGE.HTML"])
def test_read_plain_html_returns_the_raw_bytes(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(ARTICLE.read_bytes())
    assert read_html_file(path) == ARTICLE.read_bytes()


@pytest.mark.parametrize("name", ["page.html.gz", "page.htm.gz"])
def test_read_gzip_html_is_decompressed(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(ARTICLE.read_bytes()))
    assert read_html_file(path) == ARTICLE.read_bytes()


def test_read_gzip_content_behind_a_plain_suffix(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(gzip.compress(b"<p>x</p>"))
    assert read_html_file(path) == b"<p>x</p>"


def test_read_errors_are_input_errors_naming_the_file(tmp_path: Path) -> None:
    corrupt = tmp_path / "bad.html.gz"
    corrupt.write_bytes(gzip.compress(b"<p>x</p>" * 100)[:30])
    with pytest.raises(InputError, match="bad.html.gz: corrupt gzip"):
        read_html_file(corrupt)
    with pytest.raises(InputError, match="missing.html: cannot read"):
        read_html_file(tmp_path / "missing.html")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not an HTML file"):
        read_html_file(tmp_path / "notes.txt")


# ----------------------------------------------------------------------------------------------------------
# iter_warc


def _write_warc(path: Path, *, gzipped: bool) -> dict[str, str]:
    """A small WARC: 2 HTML 200 responses (one gzip content-encoded), plus records iter_warc must skip.

    Returns {target url: WARC-Record-ID} of the two records that must come back.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    expected: dict[str, str] = {}
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "copydesk-test"}))

        def response(
            url: str, status: str, content_type: str, body: bytes, extra: list[tuple[str, str]]
        ) -> str:
            headers = StatusAndHeaders(status, [("Content-Type", content_type), *extra], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-03-05T10:00:00Z"},
            )
            writer.write_record(record)
            return str(record.rec_headers.get_header("WARC-Record-ID"))

        request = writer.create_warc_record(
            "https://a.example/story", "request", payload=io.BytesIO(b"GET /story HTTP/1.1\r\n\r\n")
        )
        writer.write_record(request)
        expected["https://a.example/story"] = response(
            "https://a.example/story", "200 OK", "text/html; charset=utf-8", ARTICLE.read_bytes(), []
        )
        response("https://a.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n", [])
        response("https://a.example/gone", "404 Not Found", "text/html", b"<html>not found</html>", [])
        response(
            "https://a.example/old",
            "301 Moved Permanently",
            "text/html",
            b"<a href='/new'>moved</a>",
            [("Location", "https://a.example/new")],
        )
        expected["https://b.example/copy"] = response(
            "https://b.example/copy",
            "200 OK",
            "application/xhtml+xml",
            gzip.compress(b"<html><body><p>second page</p></body></html>"),
            [("Content-Encoding", "gzip")],
        )
        writer.write_record(
            writer.create_warc_record(
                "https://a.example/story", "metadata", payload=io.BytesIO(b"fetchTimeMs: 5")
            )
        )
    return expected


@pytest.mark.html
@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_round_trip_yields_only_html_responses(tmp_path: Path, name: str) -> None:
    _warcio()
    path = tmp_path / name
    expected = _write_warc(path, gzipped=name.endswith(".gz"))

    records = list(iter_warc(path))

    assert [r.url for r in records] == ["https://a.example/story", "https://b.example/copy"]
    assert all(isinstance(r, WarcRecord) for r in records)
    for record in records:
        assert f"<{record.record_id}>" == expected[record.url]
        assert record.record_id.startswith("urn:uuid:")
        assert record.date == "2024-03-05T10:00:00Z"
    assert records[0].html == ARTICLE.read_bytes()
    assert records[1].html == b"<html><body><p>second page</p></body></html>"  # content-encoding undone


@pytest.mark.html
def test_warc_is_streamed_lazily_and_ids_are_stable(tmp_path: Path) -> None:
    _warcio()
    path = tmp_path / "crawl.warc.gz"
    _write_warc(path, gzipped=True)
    first = next(iter_warc(path))
    assert first.url == "https://a.example/story"
    assert [r.record_id for r in iter_warc(path)] == [r.record_id for r in iter_warc(path)]


@pytest.mark.html
def test_warc_record_feeds_extract_html(tmp_path: Path) -> None:
    _warcio()
    _trafilatura()
    path = tmp_path / "crawl.warc"
    _write_warc(path, gzipped=False)
    record = next(iter_warc(path))
    page = extract_html(record.html, url=record.url)
    assert PARAGRAPHS[1] in page.text


@pytest.mark.html
def test_warc_errors_are_input_errors(tmp_path: Path) -> None:
    _warcio()
    with pytest.raises(InputError, match="no such file"):
        iter_warc(tmp_path / "absent.warc.gz")  # raised at call time, before iteration
    not_warc = tmp_path / "page.warc"
    not_warc.write_bytes(ARTICLE.read_bytes())
    with pytest.raises(InputError, match="not a readable WARC"):
        list(iter_warc(not_warc))


def test_missing_warcio_raises_missing_extra_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("warcio", "warcio.archiveiterator", "warcio.exceptions"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingExtra, match=r"'warcio'.*pip install 'copydesk\[html\]'"):
        iter_warc(tmp_path / "crawl.warc.gz")


@pytest.mark.html
@pytest.mark.parametrize(("name", "cause"), [
    ("a-cut.warc.gz", "cut short (its last gzip member ends early)"),  # warcio itself stops quietly there
    ("a-cut.warc", "damaged WARC data"),  # warcio fails with an AttributeError there
])
def test_a_damaged_warc_keeps_the_pages_before_the_damage(tmp_path: Path, name: str, cause: str) -> None:
    """A crawl cut short mid-write: the pages read before the cut stay, one row stands for the rest, and a file
    that is not WARC at all is one row; neither stops the run."""
    _warcio()
    _trafilatura()
    whole = tmp_path / "whole.warc"
    _write_warc(whole, gzipped=name.endswith(".gz"))
    data = whole.read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) - 800])  # into the second HTML response's record
    (tmp_path / "b-not.warc").write_bytes(ARTICLE.read_bytes())
    whole.unlink()

    items = list(read_inputs([tmp_path], ReadConfig()))

    assert [type(item).__name__ for item in items] == ["Document", "Rejected", "Rejected"]
    assert items[0].origin.startswith(f"{cut}#urn:uuid:")
    damaged, not_warc = items[1], items[2]
    assert isinstance(damaged, Rejected) and isinstance(not_warc, Rejected)
    assert damaged.reason is not_warc.reason is Reason.UNREADABLE
    assert damaged.origin == f"{cut}:2"
    assert damaged.detail.startswith(f"{cut}: cannot read from HTML response 2 on: {cause}")
    assert not_warc.origin == str(tmp_path / "b-not.warc")
    assert not_warc.detail.startswith(f"{tmp_path / 'b-not.warc'}: cannot read: not a readable WARC file")


@pytest.mark.html
def test_warc_damage_tells_whole_files_from_cut_ones(tmp_path: Path) -> None:
    _warcio()
    for gzipped in (True, False):
        path = tmp_path / f"crawl-{gzipped}.warc"
        _write_warc(path, gzipped=gzipped)
        data = path.read_bytes()
        assert warc_damage(path) is None
        for keep in (len(data) - 1, len(data) // 2, 10):
            path.write_bytes(data[:keep])
            assert warc_damage(path) is not None, (gzipped, keep)
        if gzipped:
            damaged = bytearray(data)
            damaged[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
            path.write_bytes(bytes(damaged))
            assert warc_damage(path) is not None
        path.write_bytes(data + data)  # two whole files end to end are whole (gzip members concatenate)
        assert warc_damage(path) is None
    (tmp_path / "empty.warc").write_bytes(b"")
    assert warc_damage(tmp_path / "empty.warc") is None


def test_a_corrupt_html_gz_is_one_unreadable_row(tmp_path: Path) -> None:
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(ARTICLE.read_bytes())[:-40])  # cut short

    (item,) = read_inputs([path], ReadConfig())

    assert isinstance(item, Rejected) and item.reason is Reason.UNREADABLE and item.id == "page.html.gz"
    assert item.detail.startswith(f"{path}: corrupt gzip data")


def test_missing_trafilatura_is_reported_before_any_page_goes_to_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are extracted in the worker processes: the missing extra must be reported by the main process,
    before any page goes out, and the error must survive pickling should a worker raise it."""
    import pickle

    from copydesk.io.readers import read_inputs_deferred

    monkeypatch.setitem(sys.modules, "trafilatura", None)
    (tmp_path / "page.html").write_bytes(ARTICLE.read_bytes())
    with pytest.raises(MissingExtra, match=r"'trafilatura'.*pip install 'copydesk\[html\]'"):
        list(read_inputs_deferred([tmp_path], ReadConfig()))
    error = pickle.loads(pickle.dumps(MissingExtra("trafilatura", "html", "HTML extraction")))
    assert (str(error), error.package, error.extra, error.purpose) == (
        "HTML extraction needs the 'trafilatura' package: install it with  pip install 'copydesk[html]'",
        "trafilatura", "html", "HTML extraction",
    )
