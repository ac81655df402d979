"""Run inside numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, set by the parent test before numba starts):
sketch the texts of a JSON file with the GPU backend and save every array the CPU path is compared on, and the
numba types of every kernel launch's arguments (next to the arrays, as ``<out>.launches.json``).

Usage: python simulated_sketch.py TEXTS.json OUT.npz SHINGLE_SIZE NUM_PERM SEED BANDS MAX_BYTES
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

import numpy as np


class _RecordedKernel:
    """Stands in for one kernel: records the numba type of each launch's arguments, then launches it."""

    def __init__(self, name: str, kernel: Any, launches: list[list[str]]) -> None:
        self.name, self.kernel, self.launches = name, kernel, launches

    def __getitem__(self, config: Any) -> Any:
        from numba import typeof

        launch = self.kernel[config]

        def run(*args: Any) -> Any:
            # the simulator's device arrays wrap a numpy array, which is what a device launch is typed from
            self.launches.append([self.name, *(str(typeof(getattr(a, "_ary", a))) for a in args)])  # type: ignore[no-untyped-call]
            return launch(*args)

        return run


def main(texts_path: str, out_path: str, size: str, num_perm: str, seed: str, bands: str, max_bytes: str) -> None:
    from copydesk.backends import gpu
    from copydesk.config import MinHashConfig, ShingleConfig
    from copydesk.sketch import _cuda_kernels

    reason = gpu.gpu_unavailable_reason()
    if reason is not None:
        raise SystemExit(f"the CUDA simulator did not start: {reason}")
    launches: list[list[str]] = []
    for name in _cuda_kernels.LAUNCH_TYPES:
        setattr(_cuda_kernels, name, _RecordedKernel(name, getattr(_cuda_kernels, name), launches))
    with open(texts_path, encoding="utf-8") as fh:
        texts = json.load(fh)
    with warnings.catch_warnings():  # the simulator runs uint64 maths on numpy scalars, which warn on wrap-around
        warnings.simplefilter("ignore", RuntimeWarning)
        sets, sigs = gpu.sketch(
            texts, ShingleConfig(size=int(size)), MinHashConfig(num_perm=int(num_perm), seed=int(seed)),
            max_bytes=int(max_bytes),
        )
        keys = gpu.band_key_matrix(sigs, int(bands), int(num_perm) // int(bands), np.uint64(int(seed)))
    np.savez(out_path, values=sets.values, offsets=sets.offsets, exact=sets.exact, signatures=sigs, band_keys=keys)
    with open(out_path + ".launches.json", "w", encoding="utf-8") as fh:
        json.dump(launches, fh)


if __name__ == "__main__":
    main(*sys.argv[1:])
