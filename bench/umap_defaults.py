"""Choose the UMAP methods' defaults on the training set only: a validation split of it.

MNIST's 60,000 training digits are split 90/10 (stratified, seed 137); the test digits are not
read. For each UMAP n_neighbors the embedding of the 54,000 is computed once; each (KNN k,
clusters K) of umap-kmeans, and each (selection method, min_cluster_size) of umap-hdbscan, is
then clustered, labelled by majority and scored on the 6,000 validation digits.

    python bench/umap_defaults.py --data-dir ../shared/data/mnist [--out results/]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from clusterbench.backends import Backend
from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.records import Environment, StudyRecord
from clusterbench.registry import Params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("CLUSTERBENCH_DATA_DIR"))
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--umap-neighbors", default="15,30")
    parser.add_argument("--knn", default="5,10,25,50")
    parser.add_argument("--clusters", default="10,20")
    parser.add_argument("--hdbscan-sizes", default="50,100,300,1000")
    parser.add_argument("--hdbscan-selections", default="eom,leaf")
    args = parser.parse_args()

    train = make_split(load_dataset("mnist", DataOptions(args.data_dir)), "canonical", seed=137)
    X_fit, X_val, y_fit, y_val = train_test_split(
        train.X_train, train.y_train, test_size=0.1, stratify=train.y_train, random_state=137
    )
    backend = Backend()
    rows = []
    for neighbors in map(int, args.umap_neighbors.split(",")):
        params = Params(umap_neighbors=neighbors)
        start = time.perf_counter()
        X_dev, features = ClusterThenLabel("umap-kmeans", params, backend).embed(X_fit)
        embed_s = time.perf_counter() - start
        for k in map(int, args.clusters.split(",")):
            for knn in map(int, args.knn.split(",")):
                chosen = replace(params, n_clusters=k, knn=knn)
                model = ClusterThenLabel("umap-kmeans", chosen, backend)
                model.fit_embedded(X_dev, features, y_fit)
                accuracy = float(np.mean(model.predict(X_val) == y_val))
                rows.append(
                    {
                        "method": "umap-kmeans",
                        "umap_neighbors": neighbors,
                        "clusters": k,
                        "knn": knn,
                        "validation_accuracy": accuracy,
                        "embed_s": embed_s,
                    }
                )
                print(f"umap_neighbors {neighbors}, K {k}, knn {knn}: {accuracy:.4f}", flush=True)
        for selection in args.hdbscan_selections.split(","):
            for size in map(int, args.hdbscan_sizes.split(",")):
                chosen = replace(params, min_cluster_size=size, hdbscan_selection=selection)
                model = ClusterThenLabel("umap-hdbscan", chosen, backend)
                model.fit_embedded(X_dev, features, y_fit)
                accuracy = float(np.mean(model.predict(X_val) == y_val))
                rows.append(
                    {
                        "method": "umap-hdbscan",
                        "umap_neighbors": neighbors,
                        "hdbscan_selection": selection,
                        "min_cluster_size": size,
                        "clusters_found": model.n_clusters_,
                        "clustered_fraction": float(np.mean(model.cluster_ids_ >= 0)),
                        "knn": model.params.knn,
                        "validation_accuracy": accuracy,
                    }
                )
                print(
                    f"umap_neighbors {neighbors}, hdbscan {selection} {size}: "
                    f"{model.n_clusters_} clusters, {accuracy:.4f}",
                    flush=True,
                )
    results = {
        "split": "canonical training digits, 90/10 stratified, seed 137 (test digits unread)",
        "n_fit": len(y_fit),
        "n_validation": len(y_val),
        "rows": rows,
    }
    record = StudyRecord("umap-defaults", results, Environment.collect(backend))
    print(f"written {record.write_into(args.out)}")


if __name__ == "__main__":
    main()
