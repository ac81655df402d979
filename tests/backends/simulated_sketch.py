"""Run inside numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, set by the parent test before numba starts):
sketch the texts of a JSON file with the GPU backend and save every array the CPU path is compared on.

Usage: python simulated_sketch.py TEXTS.json OUT.npz SHINGLE_SIZE NUM_PERM SEED BANDS MAX_BYTES
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np


def main(texts_path: str, out_path: str, size: str, num_perm: str, seed: str, bands: str, max_bytes: str) -> None:
    from copydesk.backends import gpu
    from copydesk.config import MinHashConfig, ShingleConfig

    reason = gpu.gpu_unavailable_reason()
    if reason is not None:
        raise SystemExit(f"the CUDA simulator did not start: {reason}")
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


if __name__ == "__main__":
    main(*sys.argv[1:])
