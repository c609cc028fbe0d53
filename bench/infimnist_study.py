"""The InfiMNIST-style generator, measured: do its digits stay digits, and how fast is it?

1. Sanity: a 3-NN classifier fitted on MNIST's 60,000 training digits labels a seeded sample of
   generated digits (indices 60,000 and up); the same classifier on as many of MNIST's own
   test digits is the reference. Also: how often a generated digit's nearest neighbour is its
   own source digit (how close to a copy the deformation leaves it).
2. Rate: generating --n digits into an empty cache (Dask workers, one per core), then reading
   them again from the cache (--cache DIR keeps them, e.g. for the scale suite).
3. A picture: source digits beside two deformations of each (results/infimnist-gallery-*.png).

    python bench/infimnist_study.py --data-dir ../shared/data/mnist [--n 1000000] [--out results]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from clusterbench.backends import Backend
from clusterbench.data import infimnist, mnist
from clusterbench.data.infimnist_store import CHUNK, Store, _train_images
from clusterbench.records import Environment, StudyRecord

SEED = 2007  # InfiMNIST's year


def sanity(train: np.ndarray, labels: np.ndarray, test, sample: int, n: int) -> dict:
    rng = np.random.default_rng(SEED)
    indices = np.sort(rng.choice(np.arange(infimnist.N_SOURCE, n), sample, replace=False))
    generated = np.concatenate([infimnist.generate(train, i, i + 1) for i in indices])
    knn = KNeighborsClassifier(n_neighbors=3).fit(train, labels)
    sources = indices % infimnist.N_SOURCE
    accuracy = float(np.mean(knn.predict(generated) == labels[sources]))
    nearest = knn.kneighbors(generated, n_neighbors=1, return_distance=False)[:, 0]
    pick = np.sort(rng.choice(len(test[0]), sample, replace=False))
    reference = float(np.mean(knn.predict(test[0][pick]) == test[1][pick]))
    return {
        "classifier": "KNeighborsClassifier(n_neighbors=3) on MNIST's 60,000 training digits",
        "sample": sample,
        "sample_seed": SEED,
        "index_range": [infimnist.N_SOURCE, n],
        "generated_accuracy": accuracy,
        "mnist_test_accuracy": reference,
        "nearest_is_source": float(np.mean(nearest == sources)),
    }


def rate(data_dir: Path, n: int, cache: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        os.environ[mnist.CACHE_DIR_ENV] = str(cache or scratch)
        store = Store.for_mnist(data_dir)
        if store.n_done() > infimnist.N_SOURCE:
            raise SystemExit(f"{store.directory} already holds digits: give an empty --cache")
        start = time.perf_counter()
        store.ensure(data_dir, n, print)
        generate_s = time.perf_counter() - start
        start = time.perf_counter()
        digits = store.ensure(data_dir, n, print)
        checksum = int(np.asarray(digits[-1000:], dtype=np.int64).sum())  # touch the pages
        read_s = time.perf_counter() - start
    return {
        "n": n,
        "generate_s": generate_s,
        "digits_per_s": n / generate_s,
        "workers": os.cpu_count(),
        "chunk": CHUNK,
        "cached_read_s": read_s,
        "last_1000_pixel_sum": checksum,
    }


def gallery(train: np.ndarray, path: Path, count: int = 12) -> list[int]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def digit(i: int) -> np.ndarray:
        return infimnist.generate(train, i, i + 1)[0]

    sources = list(range(count))
    fig, axes = plt.subplots(3, count, figsize=(count * 0.9, 3.1))
    for col, i in enumerate(sources):
        laps = [digit(i + lap * infimnist.N_SOURCE) for lap in range(3)]  # lap 0: the source
        for row, image in enumerate(laps):
            axes[row, col].imshow(image.reshape(28, 28), cmap="gray_r")
            axes[row, col].axis("off")
    for row, label in enumerate(("digit i", "i + 60,000", "i + 120,000")):
        axes[row, 0].set_title(label, fontsize=7, loc="left")
    fig.suptitle("MNIST training digits (top) and two of their generated deformations", size=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("CLUSTERBENCH_DATA_DIR"))
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--n", type=int, default=1_000_000, help="digits to generate and time")
    parser.add_argument("--sample", type=int, default=5_000, help="digits in the sanity check")
    parser.add_argument(
        "--cache", type=Path, help="generate into this cache (kept) instead of a temporary one"
    )
    args = parser.parse_args()

    data_dir = mnist.locate(args.data_dir)
    parsed = mnist.read_idx_dir(data_dir, verify=True)
    train = _train_images(str(data_dir))
    labels = parsed["train-labels-idx1-ubyte"].array.astype(np.int64)
    test = (
        parsed["t10k-images-idx3-ubyte"].array.reshape(-1, infimnist.PIXELS),
        parsed["t10k-labels-idx1-ubyte"].array.astype(np.int64),
    )
    environment = Environment.collect(Backend())
    results = {"recipe": infimnist.DEFAULT.__dict__, "version": infimnist.GENERATOR_VERSION}
    results["sanity"] = sanity(train, labels, test, args.sample, args.n)
    print("sanity:", results["sanity"])
    results["rate"] = rate(data_dir, args.n, args.cache)
    print("rate:", results["rate"])
    picture = args.out / f"infimnist-gallery-{environment.host}.png"
    results["gallery"] = {"file": picture.name, "sources": gallery(train, picture)}
    path = StudyRecord("infimnist", results, environment).write_into(args.out)
    print(f"written {path} and {picture}")


if __name__ == "__main__":
    main()
