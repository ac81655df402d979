"""Shared helpers for the bench scripts: timing, peak memory, machine facts, markdown tables.

Kept dependency-light (stdlib, with psutil optional) so every bench script and every
child process the peer harness spawns can import it before the heavy libraries load.
Nothing here holds state between calls: each helper returns values or small objects.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

__all__ = [
    "PeakRss",
    "Stopwatch",
    "command_line",
    "fmt_bytes",
    "fmt_num",
    "machine_info",
    "machine_markdown",
    "markdown_table",
    "package_versions",
    "timed",
]


@dataclass
class Stopwatch:
    """Wall-clock seconds of a `with` block (perf_counter: monotonic, highest resolution)."""

    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)

    def __enter__(self) -> Self:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def _status_kib(key: str) -> int | None:
    """Read one `VmXXX:  N kB` line of /proc/self/status (Linux only)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's high-water mark (VmHWM) so the next peak belongs to our block.

    Writing "5" to /proc/self/clear_refs does this since Linux 4.0; it is exact and free,
    unlike a sampling thread, which both misses short spikes and competes for the GIL.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _current_rss() -> int:
    """Resident set size in bytes now (psutil if present, else /proc, else ru_maxrss)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        kib = _status_kib("VmRSS")
        if kib is not None:
            return kib * 1024
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


class PeakRss:
    """Peak resident memory reached inside a `with` block, minus the RSS at its start.

    Method, in order of preference:
    - "hwm": reset VmHWM via clear_refs, read VmHWM after (exact);
    - "sampled": a psutil thread polling every 2 ms (can miss spikes shorter than that).
    The method used is kept in `.method` so reports can say how the number was taken.
    """

    def __init__(self, interval_s: float = 0.002) -> None:
        self.interval_s = interval_s
        self.start_bytes = 0
        self.peak_bytes = 0
        self.method = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def delta_bytes(self) -> int:
        return max(0, self.peak_bytes - self.start_bytes)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_bytes = max(self.peak_bytes, _current_rss())

    def __enter__(self) -> Self:
        self.start_bytes = _current_rss()
        self.peak_bytes = self.start_bytes
        if _reset_peak() and _status_kib("VmHWM") is not None:
            self.method = "hwm"
        else:
            self.method = "sampled"
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.method == "hwm":
            kib = _status_kib("VmHWM")
            self.peak_bytes = max(self.start_bytes, (kib or 0) * 1024)
        else:
            self._stop.set()
            if self._thread is not None:
                self._thread.join()
            self.peak_bytes = max(self.peak_bytes, _current_rss())


def package_versions(names: Sequence[str]) -> dict[str, str]:
    """Installed distribution versions, "absent" for the ones not installed."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info(packages: Sequence[str] = ()) -> dict[str, str]:
    """The facts a reader needs to compare two benchmark tables."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_kib = int(fh.readline().split()[1])
        memory = fmt_bytes(mem_kib * 1024)
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    info = {
        "cpu": _cpu_model(),
        "cores": f"{os.cpu_count()} logical ({affinity} usable)",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    for name, version in package_versions(packages).items():
        info[name] = version
    return info


def git_state(work_tree: Path, pathspec: str = ".", untracked: bool = True) -> tuple[str, list[str]] | None:
    """(short HEAD commit, paths under ``pathspec`` with uncommitted changes, untracked files included when
    ``untracked``) of the git work tree holding ``work_tree``; None outside one. A report must say which code
    it measured, and the tree moves while others edit it."""
    try:
        head = subprocess.run(["git", "-C", str(work_tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(work_tree), "status", "--porcelain",
                                 "--untracked-files=" + ("normal" if untracked else "no"), "--", pathspec], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head, [line[3:] for line in status.splitlines() if line.strip()]


def machine_markdown(info: dict[str, str]) -> str:
    return "\n".join(f"- **{k}**: {v}" for k, v in info.items())


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command as typed, relative script path kept, so a reader can rerun it."""
    args = list(sys.argv if argv is None else argv)
    exe = Path(sys.executable)
    return " ".join(shlex.quote(a) for a in [str(exe), *args])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A GitHub markdown table; `align` gives one of l/r/c per column (default: l then r)."""
    if not align:
        align = "l" + "r" * (len(headers) - 1)
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(marks[a] for a in align) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def fmt_num(x: float | None, digits: int = 3) -> str:
    """Readable number with `digits` significant figures; '-' for missing."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    v = float(n)
    for unit in units:
        if abs(v) < 1024 or unit == units[-1]:
            return f"{v:.0f} {unit}" if unit == "B" else f"{v:.1f} {unit}"
        v /= 1024
    return f"{v:.1f} TiB"


@contextmanager
def timed(label: str, sink: dict[str, float]) -> Iterator[None]:
    """Accumulate the seconds of a block into `sink[label]` (for multi-phase breakdowns)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        sink[label] = sink.get(label, 0.0) + time.perf_counter() - start
