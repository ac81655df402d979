"""End-to-end behaviour of ``dedup`` on the real seed pair and its companions."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from copydesk.config import CleanConfig, RunConfig
from copydesk.errors import ConfigError
from copydesk.executor import AUTO_WORKERS_MAX, AUTO_WORKERS_MIN_DOCS, resolve_workers, usable_cpus
from copydesk.io.readers import parsed, read_inputs, read_inputs_deferred
from copydesk.io.writers import decision_row
from copydesk.pipeline import dedup
from copydesk.run import write_outputs


def summit_corpus(tmp_path: Path, data_dir: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in (data_dir / "seeds").glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    for name in ("near_copy_of_001.txt", "other_summit_article.txt"):
        shutil.copy(data_dir / "summit" / name, corpus / name)
    return corpus


def run(corpus: Path, out: Path, **options: object) -> dict[str, dict[str, object]]:
    cfg = RunConfig(**options)  # type: ignore[arg-type]
    result = dedup(read_inputs([corpus], cfg.read), cfg)
    write_outputs(result, out, cfg)
    return {d.doc_id: decision_row(d) for d in result.decisions}


def test_three_copies_one_cluster_other_article_apart(tmp_path: Path, data_dir: Path) -> None:
    corpus = summit_corpus(tmp_path, data_dir)
    rows = run(corpus, tmp_path / "out")
    excerpt = next(k for k in rows if k.startswith("000_"))
    full = next(k for k in rows if k.startswith("001_"))
    clusters = {rows[k]["cluster_id"] for k in (excerpt, full, "near_copy_of_001.txt")}
    assert len(clusters) == 1 and None not in clusters
    canonical = rows[full]["canonical_id"]
    assert canonical in (full, "near_copy_of_001.txt")
    assert rows[canonical]["role"] == "canonical"
    assert rows[excerpt]["role"] == "excerpt_of"
    assert rows[excerpt]["containment"] >= 0.8
    other = rows["near_copy_of_001.txt" if canonical == full else full]
    assert other["role"] == "near_duplicate"
    assert rows["other_summit_article.txt"]["role"] == "unique"
    assert rows["other_summit_article.txt"]["cluster_id"] is None
    (cluster,) = [json.loads(line) for line in (tmp_path / "out" / "clusters.jsonl").read_text().splitlines()]
    assert cluster["size"] == 3
    scores = {m["id"]: m["containment"] if m["role"] == "excerpt_of" else m["jaccard"] for m in cluster["members"]}
    assert cluster["weakest_score"] == min(scores.values())
    assert cluster["weakest_member"] == min(scores, key=scores.__getitem__)


def test_outputs_are_byte_identical_across_runs_and_batch_sizes(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = summit_corpus(tmp_path, data_dir)
    outs = [tmp_path / name for name in ("a", "b", "c", "d")]
    run(corpus, outs[0])
    run(corpus, outs[1])
    run(corpus, outs[2], batch_size=1)
    # a batch file per doc, kept apart (verification walks the files), not joined as a table this small is
    monkeypatch.setattr("copydesk.sketch.spill.JOIN_BELOW_BYTES", 0)
    run(corpus, outs[3], batch_size=1)
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json"):
        first = (outs[0] / name).read_bytes()
        assert all((o / name).read_bytes() == first for o in outs[1:]), name


def test_summary_accounts_for_every_input_including_bad_ones(tmp_path: Path, data_dir: Path) -> None:
    corpus = summit_corpus(tmp_path, data_dir)
    (corpus / "empty.txt").write_text("   \n", encoding="utf-8")
    (corpus / "symbols.txt").write_text("!!! ??? ...", encoding="utf-8")
    records = [{"id": "j1", "text": "a short unique note about tides"}, {"id": "j1", "text": "dup id"}]
    (corpus / "more.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n{broken\n" + json.dumps({"id": "x"}) + "\n", encoding="utf-8"
    )
    rows = run(corpus, tmp_path / "out")
    decisions = [json.loads(x) for x in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["input_docs"] == len(decisions) == 10
    assert sum(summary["roles"].values()) == summary["input_docs"]
    assert summary["rejected_by_reason"] == {
        "duplicate_id": 1, "empty_text": 2, "malformed_record": 1, "missing_field": 1,
    }
    assert rows["j1"]["role"] in ("unique", "rejected")
    assert sum(1 for d in decisions if d["id"] == "j1") == 2


def test_workers_give_the_same_outputs(tmp_path: Path, data_dir: Path) -> None:
    corpus = summit_corpus(tmp_path, data_dir)
    run(corpus, tmp_path / "one")
    run(corpus, tmp_path / "two", workers=2, batch_size=1)
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "deduplicated.jsonl", "cleaning.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_auto_workers_only_for_inputs_known_to_be_large(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_workers(3, None) == 3 and resolve_workers(3, 10) == 3  # an explicit number is kept
    assert resolve_workers(0, None) == 1  # size unknown (no first pass): one process
    assert resolve_workers(0, AUTO_WORKERS_MIN_DOCS - 1) == 1
    monkeypatch.setattr("copydesk.executor.usable_cpus", lambda: 64)
    assert resolve_workers(0, AUTO_WORKERS_MIN_DOCS) == AUTO_WORKERS_MAX
    monkeypatch.setattr("copydesk.executor.usable_cpus", lambda: 2)
    assert resolve_workers(0, AUTO_WORKERS_MIN_DOCS) == 2
    assert usable_cpus() >= 1
    with pytest.raises(ConfigError):
        RunConfig(workers=-1)


def test_manifest_records_the_workers_used(tmp_path: Path, data_dir: Path) -> None:
    corpus = summit_corpus(tmp_path, data_dir)
    run(corpus, tmp_path / "auto", workers=0)
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["workers"] == 0 and manifest["workers_used"] == 1  # a handful of docs: one process


def test_auto_workers_start_during_the_first_pass_and_change_nothing(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the input proves large part-way through the first pass: the processes start there, take the rest of
    # that pass's line keys and the second pass, and the outputs are those of one process
    corpus = summit_corpus(tmp_path, data_dir)
    run(corpus, tmp_path / "one", workers=1)
    monkeypatch.setattr("copydesk.executor.AUTO_WORKERS_MIN_DOCS", 2)
    monkeypatch.setattr("copydesk.executor.usable_cpus", lambda: 2)
    run(corpus, tmp_path / "auto", workers=0, batch_size=1)
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["workers_used"] == 2
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "deduplicated.jsonl", "cleaning.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "auto" / name).read_bytes(), name


def test_auto_workers_start_without_a_first_pass_too(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With cleaning off there is no first pass to tell the input's size: auto workers used to stay in one
    process however large the input. They now start once the second pass has seen enough docs."""
    corpus = summit_corpus(tmp_path, data_dir)
    no_clean = CleanConfig(enabled=False)
    run(corpus, tmp_path / "one", workers=1, clean=no_clean)
    monkeypatch.setattr("copydesk.executor.AUTO_WORKERS_MIN_DOCS", 2)
    monkeypatch.setattr("copydesk.executor.usable_cpus", lambda: 2)
    run(corpus, tmp_path / "auto", workers=0, batch_size=1, clean=no_clean)
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["workers_used"] == 2
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "deduplicated.jsonl", "cleaning.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "auto" / name).read_bytes(), name


def test_cleaning_outputs_credits_and_clean_canonical_text(tmp_path: Path, data_dir: Path) -> None:
    corpus = summit_corpus(tmp_path, data_dir)
    rows = run(corpus, tmp_path / "out")
    excerpt = next(k for k in rows if k.startswith("000_"))
    assert {"kind": "full_article_link", "name": "Yahoo News"} in rows[excerpt]["credits"]
    assert rows[excerpt]["containment"] >= 0.95  # cleaning removed the wrapper that diluted it
    kept = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "deduplicated.jsonl").read_text().splitlines())}
    assert set(kept) == {k for k, r in rows.items() if r["role"] in ("canonical", "unique")}
    canonical = next(r for r in kept.values() if r["role"] == "canonical")
    assert "MEXICO CITY" in canonical["text"]
    assert "Something went wrong" not in canonical["text"] and "originally appeared" not in canonical["text"]
    audit = [json.loads(x) for x in (tmp_path / "out" / "cleaning.jsonl").read_text().splitlines()]
    rules = {r["rule"] for row in audit if row["id"] == excerpt for r in row["removed"]}
    assert {"cookie_banner", "placeholder", "credit"} <= rules
    (cluster,) = [json.loads(x) for x in (tmp_path / "out" / "clusters.jsonl").read_text().splitlines()]
    credited = {(e["doc"], e["credits"]) for e in cluster["syndication"]}
    assert (excerpt, "Yahoo News") in credited
    assert any(name == "USA TODAY" for _, name in credited)


def test_cleaning_file_holds_exactly_the_audit_rows(tmp_path: Path, data_dir: Path) -> None:
    """write_outputs copies the run's audit file whole; it must be what ``audit_rows`` streams, line for line."""
    corpus = summit_corpus(tmp_path, data_dir)
    cfg = RunConfig()
    result = dedup(read_inputs([corpus], cfg.read), cfg)
    rows = list(result.audit_rows())
    assert rows and all(json.loads(row)["removed"] for row in rows)
    write_outputs(result, tmp_path / "out", cfg)
    assert (tmp_path / "out" / "cleaning.jsonl").read_text(encoding="utf-8").splitlines() == rows


def test_site_wrapper_shared_by_unrelated_articles_is_removed_and_does_not_join_them(tmp_path: Path) -> None:
    wrapper_top = ["Riverbend Gazette Online Edition", "Serving the valley since 1921 with local reporting"]
    wrapper_bottom = [
        "Gazette readers also viewed these community updates from the valley this week",
        "Riverbend Gazette Online Edition is published by Valley Media Holdings of Riverbend",
    ]
    topics = ["bridge repairs", "school lunches", "library hours", "harvest fair", "bus routes", "park cleanup"]
    site = tmp_path / "corpus" / "riverbend"
    site.mkdir(parents=True)
    for n, topic in enumerate(topics):
        body = [f"Paragraph {p} about the {topic} carries its own distinct words number {n * 10 + p} for readers "
                f"who follow the {topic} story closely, including detail {p} only this article has." for p in range(3)]
        (site / f"story{n}.txt").write_text("\n\n".join(wrapper_top + body + wrapper_bottom), encoding="utf-8")
    rows = run(tmp_path / "corpus", tmp_path / "out")
    assert all(r["role"] == "unique" for r in rows.values())
    audit = [json.loads(x) for x in (tmp_path / "out" / "cleaning.jsonl").read_text().splitlines()]
    assert len(audit) == len(topics)
    for row in audit:
        texts = {r["text"] for r in row["removed"] if r["rule"] == "source_boilerplate"}
        assert set(wrapper_bottom) <= texts | {r["text"] for r in row["removed"]}
    without = run(tmp_path / "corpus", tmp_path / "raw", clean=CleanConfig(enabled=False))
    assert all(r["removed_lines"] == 0 for r in without.values())


def test_same_site_reprint_keeps_its_body(tmp_path: Path) -> None:
    """A site that runs an excerpt and the full story: their shared paragraphs repeat across the site, but
    corpus evidence must not strip the excerpt to nothing."""
    paragraphs = [f"Short paragraph {i} of the harbour story says the ferry {i} will run late on Sunday." for i in range(6)]
    site = tmp_path / "corpus" / "harbour-news"
    site.mkdir(parents=True)
    (site / "full.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    (site / "brief.txt").write_text("\n\n".join(paragraphs[:3]), encoding="utf-8")
    rows = run(tmp_path / "corpus", tmp_path / "out")
    assert rows["harbour-news/brief.txt"]["role"] == "excerpt_of"
    assert rows["harbour-news/full.txt"]["role"] == "canonical"


def _jsonl_corpus(tmp_path: Path, data_dir: Path) -> Path:
    """The summit texts as JSONL records of two sites, with a bad line, invalid UTF-8 and a record without id."""
    texts = sorted((data_dir / "seeds").glob("*.txt")) + sorted((data_dir / "summit").glob("*.txt"))
    lines = [
        json.dumps({"id": p.name, "text": p.read_text(encoding="utf-8"), "source": f"site{i % 2}.example"}).encode()
        for i, p in enumerate(texts)
    ]
    lines += [b"{broken", b'{"id": "u", "text": "one bad \xff byte in a short text", "source": "site0.example"}',
              json.dumps({"text": "a record without an id"}).encode()]
    # an id seen before, on a doc with a text to prepare (a worker prepares it; its row is dropped), and a blank
    lines.insert(3, lines[0])
    lines.insert(2, json.dumps({"id": "blank", "text": "  \n "}).encode())
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize(("workers", "clean", "chunk_lines"), [(1, True, 2048), (2, True, 2048), (2, False, 2048),
                                                         (1, True, 3), (2, True, 2), (2, False, 3)])
def test_deferred_jsonl_parsing_gives_the_outputs_of_parsed_input(
    tmp_path: Path, data_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    workers: int, clean: bool, chunk_lines: int,
) -> None:
    """JSONL chunks parsed in the worker processes (the CLI's path) give the same outputs and problems as items
    parsed up front, and each reader warning is logged once, by the main process. Chunks of a few lines put
    the duplicate id and the blank doc in other chunks than the docs they follow."""
    monkeypatch.setattr("copydesk.io.readers.JSONL_CHUNK_LINES", chunk_lines)
    path = _jsonl_corpus(tmp_path, data_dir)
    pages = tmp_path / "pages"  # parsed items ahead of the chunks: the spill must keep them first
    (pages / "site0.example").mkdir(parents=True)
    shutil.copy(data_dir / "summit" / "near_copy_of_001.txt", pages / "site0.example" / "copy.txt")
    cfg = RunConfig(workers=workers, batch_size=2, clean=CleanConfig(enabled=clean))
    outputs = {}
    for name, reader in (("parsed", read_inputs), ("deferred", read_inputs_deferred)):
        caplog.clear()
        with caplog.at_level("WARNING", logger="copydesk.io.readers"):
            result = dedup(reader([pages, path], cfg.read), cfg)
        outputs[name] = result
        write_outputs(result, tmp_path / name, cfg)
        logged = [r.getMessage() for r in caplog.records if r.name == "copydesk.io.readers"]
        assert sorted(logged) == sorted(p for p in result.problems if "invalid UTF-8" in p or "no 'id'" in p)
        assert len(logged) == 2, logged
    assert outputs["parsed"].problems == outputs["deferred"].problems
    # five texts, a duplicate id, a blank text, a broken line, a repaired one, one without id
    assert len(outputs["parsed"].decisions) == 10
    reasons = {d.doc_id: d.reason.value for d in outputs["deferred"].decisions}
    assert reasons["blank"] == "empty_text"
    assert [d.reason.value for d in outputs["deferred"].decisions][5] == "duplicate_id"  # (after one page)
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "deduplicated.jsonl", "cleaning.jsonl"):
        assert (tmp_path / "parsed" / name).read_bytes() == (tmp_path / "deferred" / name).read_bytes(), name


@pytest.mark.parametrize("workers", [1, 2])
def test_items_after_jsonl_chunks_keep_their_place_with_workers(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, workers: int,
) -> None:
    """Docs read after a JSONL file are admitted after its docs, so the decisions stay in input order and the
    first of two docs sharing an id is the one kept. With workers, the chunks were still out in the processes
    when the later docs were admitted, which put those ahead (and kept the wrong one of a shared id)."""
    monkeypatch.setattr("copydesk.io.readers.JSONL_CHUNK_LINES", 2)  # many chunks in flight
    path = _jsonl_corpus(tmp_path, data_dir)
    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(data_dir / "summit" / "other_summit_article.txt", later / "late.txt")
    with path.open("a", encoding="utf-8") as handle:  # the JSONL takes the id "late.txt" first
        handle.write(json.dumps({"id": "late.txt", "text": "A note on harbour tides, filed before the page."}) + "\n")
    (later / "blank.txt").write_text(" \n", encoding="utf-8")
    cfg = RunConfig(workers=workers, batch_size=2)

    result = dedup(read_inputs_deferred([path, later], cfg.read), cfg)

    assert [d.doc_id for d in result.decisions] == [item.id for item in read_inputs([path, later], cfg.read)]
    # (the JSONL's one-sentence note has no prose body to match)
    assert [d.reason.value for d in result.decisions[-3:]] == ["no_prose_body", "empty_text", "duplicate_id"]
    assert result.decisions[-1].origin == str(later / "late.txt")


def test_dates_rank_by_instant_and_a_date_not_understood_is_reported(tmp_path: Path, data_dir: Path) -> None:
    """Three full copies of one story: the earliest instant wins whatever its form, and a date in a form
    copydesk does not read (12/10/2024: which month?) is reported on the doc, unless dates are not used."""
    from copydesk.config import CanonicalConfig
    from copydesk.types import Document

    text = (data_dir / "seeds").glob("001_*.txt").__next__().read_text(encoding="utf-8")
    docs = [Document(id="late", text=text, date="2024-10-12T10:30:00+00:00", origin="f:1"),
            Document(id="early", text=text, date="Sat, 12 Oct 2024 10:00:00 +0200", origin="f:2"),  # 08:00Z
            Document(id="odd", text=text, date="12/10/2024", origin="f:3")]
    result = dedup(iter(docs), RunConfig())
    by_id = {d.doc_id: d for d in result.decisions}
    assert by_id["early"].role.value == "canonical" and by_id["early"].reason.value == "earliest_date"
    message = "f:3: date '12/10/2024' is not in a form copydesk reads"
    assert by_id["odd"].warnings[0].startswith(message) and result.problems[0].startswith(message)
    assert by_id["late"].warnings == by_id["early"].warnings == ()
    undated = dedup(iter(docs), RunConfig(canonical=CanonicalConfig(use_dates=False)))
    assert undated.problems == [] and all(d.warnings == () for d in undated.decisions)


@pytest.mark.parametrize(("workers", "clean"), [(1, True), (2, True), (1, False)])
def test_a_run_that_stops_leaves_no_spill_behind(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, workers: int, clean: bool
) -> None:
    """Ctrl-C or a failing input used to leave the run's temporary folder (gigabytes at a million docs)."""
    from copydesk.types import Document

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    text = next((data_dir / "seeds").glob("001_*.txt")).read_text(encoding="utf-8")

    def stream() -> Iterator[Document]:
        for i in range(5):
            yield Document(id=str(i), text=text)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dedup(stream(), RunConfig(workers=workers, batch_size=2, clean=CleanConfig(enabled=clean)))
    assert list(tmp_path.glob("copydesk-*")) == []
    kept = tmp_path / "mine"  # a work_dir the caller gave is the caller's: left as it is
    kept.mkdir()
    (kept / "the caller's.txt").write_text("kept")
    with pytest.raises(KeyboardInterrupt):
        dedup(stream(), RunConfig(workers=workers, batch_size=2, clean=CleanConfig(enabled=clean)), work_dir=kept)
    assert (kept / "the caller's.txt").read_text() == "kept"


def _html_corpus(tmp_path: Path, data_dir: Path) -> Path:
    """Pages (two copies of one article, one cut short, a page of another story) in two site folders, a WARC of
    two more, a corrupt .html.gz between them and a text file: every kind of entry around page batches."""
    import gzip

    pytest.importorskip("trafilatura", reason="needs the [html] extra")
    pytest.importorskip("warcio", reason="needs the [html] extra")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    article = (data_dir / "html" / "article.html").read_text(encoding="utf-8")
    corpus = tmp_path / "pages"
    for site in ("a-site", "b-site"):
        (corpus / site).mkdir(parents=True)
    (corpus / "a-site" / "story.html").write_text(article, encoding="utf-8")
    (corpus / "b-site" / "story-copy.html").write_text(article.replace("Coastline Courier", "Bay Times"), "utf-8")
    (corpus / "b-site" / "broken.html.gz").write_bytes(gzip.compress(article.encode())[:-30])
    cut = article.split("</p>")
    (corpus / "b-site" / "story-short.html").write_text("</p>".join(cut[: len(cut) // 2]) + "</p></body></html>",
                                                        encoding="utf-8")
    (corpus / "b-site" / "note.txt").write_text("A short note about the ferry timetable.", encoding="utf-8")
    with (corpus / "crawl.warc.gz").open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, body in enumerate((article, article.replace("sea wall", "harbour wall"))):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://c.example/{n}", "response", payload=io.BytesIO(body.encode()), http_headers=headers))
    return corpus


@pytest.mark.html
@pytest.mark.parametrize("clean", [True, False])
def test_html_pages_are_extracted_in_the_workers_with_the_same_outputs(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, clean: bool,
) -> None:
    """HTML pages (files and WARC responses) come to the pipeline as batches still to extract, so the workers
    extract them (it was all in the main process); the outputs are those of one process, batch by batch or all
    at once, and the pages read in-process give the same documents."""
    corpus = _html_corpus(tmp_path, data_dir)
    monkeypatch.setattr("copydesk.io.readers.PAGE_BATCH_PAGES", 2)
    entries = list(read_inputs_deferred([corpus], RunConfig().read))
    kinds = [type(e).__name__ for e in entries]
    assert kinds == ["PageBatch", "Rejected", "Document", "PageBatch", "PageBatch"], kinds  # (sorted paths)
    assert list(parsed(entries, RunConfig().read)) == list(read_inputs([corpus], RunConfig().read))

    outs = []
    for name, options in (("one", {"workers": 1}), ("two", {"workers": 2, "batch_size": 1}), ("auto", {"workers": 0})):
        cfg = RunConfig(clean=CleanConfig(enabled=clean), **options)  # type: ignore[arg-type]
        if name == "auto":  # the pool starts part-way: a page counts for PAGE_WORK docs
            monkeypatch.setattr("copydesk.executor.AUTO_WORKERS_MIN_DOCS", 2 * 50)
            monkeypatch.setattr("copydesk.executor.usable_cpus", lambda: 2)
        result = dedup(read_inputs_deferred([corpus], cfg.read), cfg)
        write_outputs(result, tmp_path / name, cfg)
        outs.append(tmp_path / name)
        assert result.manifest["workers_used"] == (1 if name == "one" else 2)
    rows = [json.loads(line) for line in (outs[0] / "decisions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows][:2] == ["a-site/story.html", "b-site/broken.html.gz"]
    assert rows[0]["role"] == "canonical" and rows[0]["title"]
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "deduplicated.jsonl", "cleaning.jsonl"):
        first = (outs[0] / name).read_bytes()
        assert all((o / name).read_bytes() == first for o in outs[1:]), name


def test_progress_reports_every_stage_through_the_last_output(tmp_path: Path, data_dir: Path) -> None:
    """The CLI's progress bars hear of each stage in order, with counts that end at the totals, and of each
    output file as it is written (the write stage ran silently before)."""
    corpus = summit_corpus(tmp_path, data_dir)
    heard: list[tuple[str, int, int | None]] = []

    def progress(stage: str, done: int, total: int | None) -> None:
        heard.append((stage, done, total))

    cfg = RunConfig()
    result = dedup(read_inputs([corpus], cfg.read), cfg, progress)
    write_outputs(result, tmp_path / "out", cfg, progress)
    assert list(dict.fromkeys(stage for stage, _, _ in heard)) == [
        "clean+sketch", "candidates", "verify (pairs)", "cluster", "assemble",
        "write decisions.jsonl", "write clusters.jsonl", "write deduplicated.jsonl",
    ]
    last = {stage: (done, total) for stage, done, total in heard}
    pairs = result.summary["candidate_pairs"]
    assert pairs > 0 and last["verify (pairs)"] == (pairs, pairs)
    assert last["write decisions.jsonl"] == (len(result.decisions), len(result.decisions))
    assert last["write clusters.jsonl"] == (len(result.clusters), len(result.clusters))
    kept = sum(1 for _ in (tmp_path / "out" / "deduplicated.jsonl").open(encoding="utf-8"))
    assert last["write deduplicated.jsonl"] == (kept, None)


def test_the_summary_counts_the_utf8_bytes_of_the_texts_admitted() -> None:
    from copydesk.types import Document

    texts = ["plain ascii words in a row", "caf\u00e9 cr\u00e8me \u2014 \U0001f600 smiles", "  ", "a lone \ud800 half"]
    docs = [Document(id=f"d{i}", text=t) for i, t in enumerate(texts)]
    result = dedup(iter(docs), RunConfig())
    admitted = [t for t in texts if t.strip()]  # the blank doc is rejected before it is counted
    assert result.summary["text_bytes"] == sum(len(t.encode("utf-8", "surrogatepass")) for t in admitted)


def test_a_malformed_url_loses_nothing(tmp_path: Path) -> None:
    """urlsplit raises on "http://[bad": the doc has no site for corpus evidence and no URL host credit, and the
    run goes on with every input accounted for."""
    from copydesk.prepare import source_key

    assert source_key(None, "http://[bad/x") is None
    assert source_key(None, "https://www.Example.com/a") == "example.com"
    path = tmp_path / "docs.jsonl"
    records = [{"id": "a", "text": "Harbour walls were repaired after the storm.", "url": "http://[bad/x"},
               {"id": "b", "text": "A different note about ferries.", "url": "http://ok.example/x"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    cfg = RunConfig()
    result = dedup(read_inputs_deferred([path], cfg.read), cfg)
    assert [d.doc_id for d in result.decisions] == ["a", "b"]
    assert result.summary["roles"]["unique"] == 2
