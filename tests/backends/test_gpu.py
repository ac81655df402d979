"""GPU backend: the CUDA kernels give exactly the CPU path's shingle sets, exact-copy hashes, signatures and band
keys, so results never depend on the backend.

These tests need no GPU: numba's CUDA simulator runs the very same kernels on the CPU. The simulator is chosen
when numba starts, so it runs in a subprocess. Where the ``[gpu]`` extra is installed, the kernels are also
compiled to PTX (no device needed) and checked for floating-point maths, which the simulator cannot see; where a
CUDA device is present, the device itself is compared with the CPU.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from copydesk.backends import gpu
from copydesk.candidates.lsh import _BAND_SEED, candidate_pairs
from copydesk.config import CandidateConfig, MinHashConfig, RunConfig, ShingleConfig
from copydesk.errors import ConfigError
from copydesk.sketch import _kernels
from copydesk.sketch.minhash import signatures
from copydesk.sketch.shingle import ShingleSets, shingle_sets

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SIMULATOR_ENV = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}

#: Texts that exercise every branch of the tokeniser: empty and one-word docs, docs shorter than a shingle,
#: compatibility folds (ligatures, full-width letters), a fold that expands one character into four tokens
#: (U+3300, so the token region has to be re-run at its exact size), decomposed accents that NFC composes
#: (the host re-runs those docs), astral code points, CJK, and lone surrogates (encoded with surrogatepass).
EDGE_TEXTS = [
    "",
    "one",
    "two words",
    "Hello, World! This is a test of the sketch path, with punctuation -- and dashes.",
    "Café résumé naïve ﬁne ＡＢＣ ｄｅｆ",
    "Cafe\u0301 re\u0301sume\u0301: decomposed accents that NFC composes before folding, like the CPU path",
    "\u3300" * 12 + " apartments \u3300\u3300",
    "emoji \U0001f600 astral \U00020001\U00020002 ideographs 漢字かなカナ and a few more words here",
    "\udc80 lone surrogate \ud800 in text that a crawler decoded with surrogateescape, still hashed",
    "x " * 40,
    "   \n\n\t  ",
]


def _random_texts(count: int, seed: int) -> list[str]:
    """Seeded texts over a mixed alphabet, with line breaks and repeated passages."""
    rng = random.Random(seed)
    pieces = ["the", "summit", "Ñandú", "straße", "ﬁeld", "日本", "Ａ", "e\u0301", "—", "...", "\n", "'s", "42",
              "\u3300", "ǅ", "İstanbul", "ΣΊΣΥΦΟΣ", "\U0001d400", "and", "news"]
    texts = []
    for _ in range(count):
        words = [rng.choice(pieces) for _ in range(rng.randint(0, 120))]
        texts.append(" ".join(words) * rng.randint(1, 2))
    return texts


def _texts(data_dir: Path) -> list[str]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((data_dir / "seeds").glob("*.txt"))]
    return EDGE_TEXTS + seeds + _random_texts(25, 11)


def _simulate(
    tmp_path: Path, texts: list[str], size: int, num_perm: int, seed: int, bands: int, max_bytes: int
) -> Any:
    texts_path = tmp_path / "texts.json"
    texts_path.write_text(json.dumps(texts), encoding="utf-8")
    out = tmp_path / "gpu.npz"
    done = subprocess.run(
        [sys.executable, str(HERE / "simulated_sketch.py"), str(texts_path), str(out), str(size), str(num_perm),
         str(seed), str(bands), str(max_bytes)],
        env=SIMULATOR_ENV, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(out)


def _launches(tmp_path: Path) -> list[list[str]]:
    result: list[list[str]] = json.loads((tmp_path / "gpu.npz.launches.json").read_text(encoding="utf-8"))
    return result


def _assert_same_as_cpu(got: Any, texts: list[str], size: int, num_perm: int, seed: int, bands: int) -> None:
    sets = shingle_sets(texts, ShingleConfig(size=size))
    sigs = signatures(sets, MinHashConfig(num_perm=num_perm, seed=seed))
    np.testing.assert_array_equal(got["offsets"], sets.offsets)
    np.testing.assert_array_equal(got["values"], sets.values)
    np.testing.assert_array_equal(got["exact"], sets.exact)
    np.testing.assert_array_equal(got["signatures"], sigs)
    rows = num_perm // bands
    for band in range(bands):
        np.testing.assert_array_equal(got["band_keys"][:, band], _kernels.band_keys(sigs, band, rows, np.uint64(seed)))


@pytest.mark.parametrize(
    ("size", "num_perm", "seed", "bands", "max_bytes"),
    [(5, 128, 42, 32, gpu.MAX_BYTES_PER_ROUND), (3, 64, 7, 16, 2_000)],  # the second in many device rounds
)
def test_simulated_gpu_sketches_equal_the_cpu_path(
    tmp_path: Path, data_dir: Path, size: int, num_perm: int, seed: int, bands: int, max_bytes: int
) -> None:
    texts = _texts(data_dir)
    got = _simulate(tmp_path, texts, size, num_perm, seed, bands, max_bytes)
    _assert_same_as_cpu(got, texts, size, num_perm, seed, bands)
    # every launch passed the argument types the PTX check below compiles (a Python int where a kernel wants
    # uint64 would compile to floating-point maths on a device, which the simulator does not show)
    from copydesk.sketch._cuda_kernels import LAUNCH_TYPES

    launches = _launches(tmp_path)
    assert {name for name, *_ in launches} == set(LAUNCH_TYPES)
    for name, *arg_types in launches:
        assert arg_types == [str(t) for t in LAUNCH_TYPES[name]], name


def test_rounds_cover_every_text_once_within_the_byte_budget() -> None:
    texts = ["ab", "cdé", "", "x" * 10, "y", "z" * 3]
    rounds = gpu._rounds(texts, 5)
    # bytes 2, 4 ("é" is two), 0, 10, 1, 3: a round closes before the text that would pass 5 bytes, and a
    # text longer than the budget gets a round of its own
    assert rounds == [(0, 1), (1, 3), (3, 4), (4, 6)]
    assert gpu._rounds(texts, 10**9) == [(0, 6)]
    assert gpu._rounds(["long text"], 1) == [(0, 1)]


def test_simulated_gpu_dedup_writes_what_the_cpu_backend_writes(tmp_path: Path) -> None:
    """The whole CLI run with ``--backend gpu`` (two workers, odd batches) against the numpy backend: every output
    but the manifest (which records the backend and timings) is byte-identical."""
    sys.path.insert(0, str(REPO / "bench" / "quality"))
    try:
        import synthetic
    finally:
        sys.path.remove(str(REPO / "bench" / "quality"))
    corpus = synthetic.make_corpus(60, 5, tmp_path / "corpus")
    outputs = {}
    for backend, extra in (("numpy", []), ("gpu", ["--workers", "2", "--batch-size", "17"])):
        out = tmp_path / backend
        done = subprocess.run(
            [sys.executable, "-m", "copydesk.cli.main", "dedup", str(corpus / "docs.jsonl"), "--out", str(out),
             "--quiet", "--backend", backend, *extra],
            env=SIMULATOR_ENV, capture_output=True, text=True, timeout=600, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outputs[backend] = out
    manifest = json.loads((outputs["gpu"] / "manifest.json").read_text())
    assert manifest["backend"] == "gpu"
    for name in ("decisions.jsonl", "clusters.jsonl", "deduplicated.jsonl", "cleaning.jsonl", "summary.json"):
        assert (outputs["gpu"] / name).read_bytes() == (outputs["numpy"] / name).read_bytes(), name
    assert b'"excerpt_of"' in (outputs["numpy"] / "decisions.jsonl").read_bytes()  # the corpus has copies to find


def test_backend_choice() -> None:
    assert gpu.resolve_backend("numpy") == "numpy"
    with pytest.raises(ConfigError, match="unknown backend"):
        RunConfig(backend="tpu")  # type: ignore[arg-type]
    reason = gpu.gpu_unavailable_reason()
    if reason is None:
        assert gpu.resolve_backend("auto") == "gpu"
        assert gpu.resolve_backend("gpu") == "gpu"
    else:
        assert gpu.resolve_backend("auto") == "numpy"
        with pytest.raises(ConfigError, match="backend 'gpu' cannot run"):
            gpu.resolve_backend("gpu")


def test_candidate_pairs_take_band_keys_from_the_gpu_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """candidate_pairs with backend gpu reads its band keys from ``band_key_matrix`` (stood in for by the CPU
    kernel here; the simulator test above pins the device kernel to it) and finds the same pairs."""
    calls = []

    def cpu_band_key_matrix(sigs: np.ndarray, bands: int, rows: int, seed: np.uint64) -> np.ndarray:
        calls.append(sigs.shape[0])
        return np.stack([_kernels.band_keys(sigs, b, rows, seed) for b in range(bands)], axis=1)

    monkeypatch.setattr(gpu, "band_key_matrix", cpu_band_key_matrix)
    texts = [" ".join(f"w{(i * 7 + j) % 50}" for j in range(60)) for i in range(30)]
    texts += [t + " extra words at the end" for t in texts[:10]]
    sets = shingle_sets(texts, ShingleConfig())
    sigs = signatures(sets, MinHashConfig())
    empty = (np.empty(0, np.uint64), np.empty(0, np.int64))
    args = (sets.exact, [sigs[:25], sigs[25:]], [empty], np.zeros(len(texts), np.int64), CandidateConfig(),
            MinHashConfig(), 0.7)
    on_cpu = candidate_pairs(*args)
    on_gpu = candidate_pairs(*args, backend="gpu")
    assert calls == [25, len(texts) - 25]
    assert on_cpu.shape[0] >= 10
    np.testing.assert_array_equal(on_gpu, on_cpu)


def _nvvm_ready() -> str | None:
    try:
        from numba import cuda

        if getattr(cuda, "implementation", "") != "NVIDIA":
            return "numba-cuda (the [gpu] extra) is not installed"
        from numba.cuda.cudadrv.nvvm import NVVM

        NVVM()  # type: ignore[no-untyped-call]
    except Exception as exc:  # noqa: BLE001
        return f"NVVM is not available ({exc})"
    return None


def test_kernels_compile_to_ptx_without_floating_point_maths() -> None:
    """numba types ``uint64 op int64`` as float64, which would silently change hashes on a device while the
    simulator (numpy scalars) still agreed; compiling each kernel for an H100 shows its integer-only PTX."""
    reason = _nvvm_ready()
    if reason is not None:
        pytest.skip(reason)
    from numba import cuda

    from copydesk.sketch import _cuda_kernels as k

    for name, sig in k.LAUNCH_TYPES.items():
        kernel = getattr(k, name)
        ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0))  # type: ignore[attr-defined,no-untyped-call]
        assert ".entry" in ptx
        assert not re.search(r"\.f(32|64)\b", ptx), name


@pytest.mark.gpu
def test_device_sketches_equal_the_cpu_path(data_dir: Path) -> None:
    if os.environ.get("NUMBA_ENABLE_CUDASIM"):
        pytest.skip("the simulator is on; the simulated tests above cover it")
    reason = gpu.gpu_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    texts = _texts(data_dir) * 50  # enough docs for many blocks
    got_sets, got_sigs = gpu.sketch(texts, ShingleConfig(), MinHashConfig())
    sets: ShingleSets = shingle_sets(texts, ShingleConfig())
    np.testing.assert_array_equal(got_sets.values, sets.values)
    np.testing.assert_array_equal(got_sets.offsets, sets.offsets)
    np.testing.assert_array_equal(got_sets.exact, sets.exact)
    np.testing.assert_array_equal(got_sigs, signatures(sets, MinHashConfig()))
    seed = _BAND_SEED ^ np.uint64(42)
    keys = gpu.band_key_matrix(got_sigs, 32, 4, seed)
    np.testing.assert_array_equal(keys[:, 3], _kernels.band_keys(got_sigs, 3, 4, seed))
