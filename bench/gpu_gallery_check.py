"""On a GPU machine with CuPy (no cuML needed): the cluster gallery of a run on dask-cuda workers
handles CuPy partitions as it does NumPy ones (distributed/gallery.py's per-partition sums and
distances, then gallery.build_from). Prints one JSON line; exits 1 on a difference.

    PYTHONPATH=src python bench/gpu_gallery_check.py
"""

from __future__ import annotations

import json
import sys

import cupy as cp
import numpy as np

from clusterbench.pipeline import gallery
from clusterbench.pipeline import gallery_on_workers as on_workers


def main() -> int:
    rng = np.random.default_rng(0)
    k, per, dims = 10, 3000, 50
    ids = np.repeat(np.arange(k), per)
    ids[::97] = -1  # noise
    features = (rng.normal(size=(len(ids), dims)) + ids[:, None] * 4).astype(np.float32)
    pixels = rng.integers(0, 256, size=(len(ids), 784), dtype=np.uint8)
    y = np.where(ids >= 0, ids, 0) % 10
    blocks = np.array_split(np.arange(len(ids)), 4)
    results = {}
    for name, to in (("numpy", np.asarray), ("cupy", cp.asarray)):
        sums = sum(on_workers._sums(to(features[b]), to(ids[b]), k) for b in blocks)
        centres = gallery.centres_of(sums)
        parts = [on_workers._distances(to(features[b]), to(ids[b]), centres) for b in blocks]
        distances = np.concatenate(parts)
        results[name] = (
            centres,
            distances,
            gallery.build_from(lambda r: pixels[r], 784, distances, ids, y, np.arange(k), 137),
        )
    (c_np, d_np, g_np), (c_cp, d_cp, g_cp) = results["numpy"], results["cupy"]
    same = {
        "centres": bool(np.allclose(c_np, c_cp, rtol=1e-9, atol=1e-9)),
        "distances": bool(np.allclose(d_np, d_cp, rtol=1e-9, atol=1e-9)),
        "gallery": g_np == g_cp,
        "host_distances_agree": bool(
            np.allclose(gallery.centre_distances(features, ids, k), d_np, rtol=1e-6)
        ),
    }
    print(json.dumps({"device": cp.cuda.runtime.getDeviceProperties(0)["name"].decode(),
                      "cupy": cp.__version__, "digits": len(ids), "same": same}))  # fmt: skip
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
