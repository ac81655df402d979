#!/usr/bin/env python3
"""Fault matrix: runs of ``copydesk dedup`` killed at random points, each checked for what it left behind.

For each fault (SIGKILL, as ``kill -9``, and SIGTERM) and each of ``--points`` random instants in a clean
run's duration, one run on corpus A is started into an ``--out`` that holds a complete earlier run on corpus B,
with a private ``TMPDIR``, in a process group of its own, and sent the signal at that instant. Then:

* **all or nothing**: ``--out`` holds B's outputs or A's, each file byte for byte as a clean run writes it,
  and its ``summary.json`` checksums verify them (never a mix);
* **no stray process**: nothing of the run's process group is alive once the command has exited after
  SIGTERM (or a full disk), nor 5 s after SIGKILL of the whole group;
* **no stray file**: ``TMPDIR`` is empty once the group is gone, except after SIGKILL, which no process can
  clean up after: the killed run's spill is then removed by the next run (the column after the rerun); no
  staging folder remains beside ``--out`` after the rerun;
* **rerun**: the same command again, unkilled, writes outputs byte-identical to a clean run.

Disk-full faults (as root, where ``mount -t tmpfs`` works; skipped with a note elsewhere): for each disk (the
temporary folder, the disk of ``--out``) and each of ``--disk-points`` random sizes, a size-limited tmpfs
holds it, too small for the run (a random share of what a clean run needed there; ``--out``'s disk always
has room for the earlier run it holds). Then: the run exits 1 with a message that names that disk; ``--out``
holds the earlier run, whole; the temporary folder is empty and no staging folder is left; no stray process;
and the same command, once the disk is made large enough (``mount -o remount``), writes outputs byte-identical
to a clean run.

Run from the repository root, as root for the disk-full rows (about 6 minutes for 2 x 10 kill points and
2 x 5 disk sizes on 10k docs, 2 cores):

    python bench/faults.py --docs 10000 --points 10 --disk-points 5 --out bench/FAULTS.md

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xxhash

REPO = Path(__file__).resolve().parents[1]
COMMAND = Path(sys.executable).with_name("copydesk")
OUTPUTS = ("decisions.jsonl", "clusters.jsonl", "deduplicated.jsonl", "cleaning.jsonl", "summary.json")


def generate(docs: int, seed: int, folder: Path) -> Path:
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--docs", str(docs), "--seed", str(seed),
                    "--out", str(folder)], check=True, capture_output=True)
    return folder / "docs.jsonl"


def run(corpus: Path, out: Path, temp: Path, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(COMMAND), "dedup", str(corpus), "--out", str(out), "--quiet"],
                            env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.DEVNULL,
                            stderr=stderr, start_new_session=True)


def mount_tmpfs(path: Path, size: int) -> bool:
    """A tmpfs of ``size`` bytes (rounded up to pages) at ``path``; False where it cannot be mounted."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def resize_tmpfs(path: Path, size: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True, capture_output=True)


def unmount(path: Path) -> None:
    subprocess.run(["umount", str(path)], check=False, capture_output=True)


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def peak_temp_bytes(corpus: Path, out: Path, temp: Path) -> int:
    """The most bytes a clean run holds in its temporary folder at once (sampled every 20 ms)."""
    temp.mkdir(parents=True, exist_ok=True)
    proc = run(corpus, out, temp)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_bytes(temp))
        except OSError:  # (a file removed while it was being counted)
            pass
        time.sleep(0.02)
    return peak


def disk_trial(disk: str, size: int, corpus: Path, ref_a: dict[str, bytes], ref_b_out: Path, work: Path,
               roomy: int) -> dict[str, object]:
    """One run with ``disk`` ("TMPDIR" or "--out") on a tmpfs of ``size`` bytes, then the rerun once the
    tmpfs holds ``roomy`` bytes."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    small = work / "small"
    if not mount_tmpfs(small, size):
        raise PermissionError("mount -t tmpfs failed")
    try:
        temp = small if disk == "TMPDIR" else work / "tmp"
        out = work / "out" if disk == "TMPDIR" else small / "out"
        temp.mkdir(exist_ok=True)
        shutil.copytree(ref_b_out, out)
        ref_b = outputs(ref_b_out)
        proc = run(corpus, out, temp, stderr=subprocess.PIPE)
        _, err = proc.communicate()
        stray = group_alive(proc.pid)
        text = " ".join(err.decode(errors="replace").split())  # (the terminal's line wrapping undone)
        message = text[text.find("no space"):] if "no space" in text else text
        named = (f"temporary folder {temp.resolve()}" in message) if disk == "TMPDIR" else (
            str(out.resolve()) in message or str(small.resolve()) in message)
        now = outputs(out)
        whole = now == ref_b and verified(out)
        left_in_tmp = sum(1 for _ in temp.iterdir())
        staging_left = [p.name for p in out.parent.iterdir() if p.name != "out" and p != temp]
        resize_tmpfs(small, roomy)
        rerun = run(corpus, out, temp)
        rerun.wait()
        identical = outputs(out) == ref_a
        return {"disk": disk, "size_kib": size // 1024, "exit": proc.returncode, "message_names_disk": named,
                "message": message[:200], "state": "previous" if now == ref_b else "new" if now == ref_a else "MIX",
                "whole": whole, "stray_process": stray, "tmp_entries_left": left_in_tmp,
                "staging_left": bool(staging_left), "rerun_identical": identical}
    finally:
        unmount(small)


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS if (out / name).exists()}


def verified(out: Path) -> bool:
    try:
        files = json.loads((out / "summary.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return False
    for name, seen in files.items():
        path = out / name
        if not path.exists():
            return False
        data = path.read_bytes()
        if len(data) != seen["bytes"] or xxhash.xxh3_128_hexdigest(data) != seen["xxh3_128"]:
            return False
    return True


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def clean_run(corpus: Path, out: Path, temp: Path) -> tuple[dict[str, bytes], float]:
    start = time.perf_counter()
    proc = run(corpus, out, temp)
    proc.wait()
    return outputs(out), time.perf_counter() - start


def trial(sig: signal.Signals, at: float, corpus: Path, ref_a: dict[str, bytes], ref_b_out: Path,
          work: Path) -> dict[str, object]:
    out = work / "out"
    temp = work / "tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    temp.mkdir()
    shutil.copytree(ref_b_out, out)
    ref_b = outputs(ref_b_out)
    proc = run(corpus, out, temp)
    time.sleep(at)
    finished_before = proc.poll() is not None
    if not finished_before:
        os.killpg(proc.pid, sig) if sig == signal.SIGKILL else proc.send_signal(sig)
    code = proc.wait()
    # (SIGTERM: the command cleans up, and nothing of it may be left once it has exited; SIGKILL of the whole
    # group: the kernel takes a moment to tear its processes down)
    deadline = time.monotonic() + (5 if sig == signal.SIGKILL else 0)
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    stray = group_alive(proc.pid)
    if stray:
        os.killpg(proc.pid, signal.SIGKILL)
    now = outputs(out)
    whole = (now == ref_a or now == ref_b) and verified(out)
    left_in_tmp = sum(1 for _ in temp.iterdir())
    rerun = run(corpus, out, temp)
    rerun.wait()
    identical = outputs(out) == ref_a
    tmp_after_rerun = sum(1 for _ in temp.iterdir())
    staging_left = [p.name for p in work.iterdir() if "staging" in p.name]
    return {"signal": sig.name, "at": round(at, 2), "exit": code, "finished_first": finished_before,
            "state": "new" if now == ref_a else "previous" if now == ref_b else "MIX", "whole": whole,
            "stray_process": stray, "tmp_entries_left": left_in_tmp, "tmp_after_rerun": tmp_after_rerun,
            "rerun_identical": identical,
            "staging_left_after_rerun": bool(staging_left)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--disk-points", type=int, default=5, help="disk-full sizes per disk (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "FAULTS.md")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        corpus_a = generate(args.docs, args.seed, root / "a")
        corpus_b = generate(args.docs // 2, args.seed + 1, root / "b")
        (root / "tmp").mkdir()
        ref_b_out = root / "ref-b"
        clean_run(corpus_b, ref_b_out, root / "tmp")
        ref_a, seconds = clean_run(corpus_a, root / "ref-a", root / "tmp")
        rows = []
        for sig in (signal.SIGKILL, signal.SIGTERM):
            for k in range(args.points):
                at = rng.uniform(0.05, 0.8) * seconds  # (a run can be faster than the clean one was)
                rows.append(trial(sig, at, corpus_a, ref_a, ref_b_out, root / f"trial-{sig.name}-{k}"))
                print(json.dumps(rows[-1]), flush=True)
        disk_rows: list[dict[str, object]] = []
        disk_note = ""
        if args.disk_points:
            temp_peak = peak_temp_bytes(corpus_a, root / "ref-peak", root / "peak-tmp")
            out_need = tree_bytes(ref_b_out) + tree_bytes(root / "ref-a")  # (the earlier run stays until the switch)
            needs = {"TMPDIR": (0, temp_peak), "--out": (tree_bytes(ref_b_out), out_need)}
            try:
                for disk, (floor, need) in needs.items():
                    for k in range(args.disk_points):
                        size = floor + int(rng.uniform(0.05, 0.95) * (need - floor))
                        disk_rows.append(disk_trial(disk, size, corpus_a, ref_a, ref_b_out,
                                                    root / f"disk-{disk.strip('-')}-{k}", roomy=4 * need))
                        print(json.dumps(disk_rows[-1]), flush=True)
            except PermissionError:
                disk_note = "Disk-full rows: none (a tmpfs could not be mounted here: run as root)."
            disk_note = disk_note or (f"A clean run held at most {temp_peak / 2**20:.1f} MiB in its temporary folder and "
                                      f"needs {out_need / 2**20:.1f} MiB on the disk of `--out` (its outputs beside the "
                                      f"earlier run's, until the switch).")
    lines = [
        "# Fault matrix (`bench/faults.py`)", "",
        f"Command: `python bench/faults.py {' '.join(sys.argv[1:])}`", "",
        f"`copydesk dedup` on {args.docs:,} synthetic docs (a clean run: {seconds:.1f} s), killed at "
        f"{args.points} random instants per signal, into an `--out` holding an earlier complete run (of "
        f"{args.docs // 2:,} other docs); seed {args.seed}. See the script's docstring for each check.", "",
        "| signal | at (s) | exit | state of --out | whole (checksums) | stray process | TMPDIR entries left "
        "| after the rerun | rerun identical | staging left |",
        "|---|---:|---:|---|---|---|---:|---:|---|---|",
    ]
    for r in rows:
        state = f"{r['state']}" + (" (finished first)" if r["finished_first"] else "")
        lines.append(f"| {r['signal']} | {r['at']} | {r['exit']} | {state} | {r['whole']} | {r['stray_process']} | "
                     f"{r['tmp_entries_left']} | {r['tmp_after_rerun']} | {r['rerun_identical']} | "
                     f"{r['staging_left_after_rerun']} |")
    survived = sum(1 for r in rows if r["whole"] and r["rerun_identical"] and not r["stray_process"]
                   and not r["tmp_after_rerun"] and not r["staging_left_after_rerun"])
    lines += ["", f"Faults injected: {len(rows)}; outputs whole, rerun identical, no stray process and TMPDIR empty "
              f"after the rerun: {survived}; mixes: {sum(1 for r in rows if r['state'] == 'MIX')}; anything lost: "
              f"{sum(1 for r in rows if not r['rerun_identical'])}."]
    if args.disk_points:
        lines += ["", "## Full disks", "", disk_note]
    if disk_rows:
        lines += [
            "",
            "| full disk | size (KiB) | exit | names the disk | state of --out | whole (checksums) | stray process "
            "| TMPDIR entries left | staging left | rerun identical | message |",
            "|---|---:|---:|---|---|---|---|---:|---|---|---|",
        ]
        for r in disk_rows:
            lines.append(f"| {r['disk']} | {r['size_kib']:,} | {r['exit']} | {r['message_names_disk']} | {r['state']} | "
                         f"{r['whole']} | {r['stray_process']} | {r['tmp_entries_left']} | {r['staging_left']} | "
                         f"{r['rerun_identical']} | {str(r['message']).replace('|', '/')} |")
        fine = sum(1 for r in disk_rows if r["exit"] == 1 and r["message_names_disk"] and r["whole"]
                   and not r["stray_process"] and not r["tmp_entries_left"] and not r["staging_left"]
                   and r["rerun_identical"])
        lines += ["", f"Disk-full faults injected: {len(disk_rows)}; exit 1 naming the full disk, earlier run whole, "
                  f"nothing left behind, rerun identical: {fine}; mixes: "
                  f"{sum(1 for r in disk_rows if r['state'] == 'MIX')}; anything lost: "
                  f"{sum(1 for r in disk_rows if not r['rerun_identical'])}."]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
