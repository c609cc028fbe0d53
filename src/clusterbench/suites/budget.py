"""The labelling-budget curve: test accuracy against the number of clusters a person labels.

The study's use case is a person naming clusters instead of digits: 10 labels for 60,000 digits
is one end, a few dozen is still a tiny effort. The embedding is computed once per curve; each
point re-clusters it with K clusters, names each cluster by its majority, and labels the test
digits through the KNN, exactly as `clusterbench run --clusters K` does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from clusterbench.backends import select_backend
from clusterbench.data import check_options, default_protocol, load_dataset, make_split
from clusterbench.errors import ConfigError
from clusterbench.metrics import contingency_scores, labelling_scores
from clusterbench.outputs import check_file, make_parent
from clusterbench.pipeline.checks import fit_params
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.pipeline.local import data_info
from clusterbench.pipeline.timing import StageTimer
from clusterbench.progress import Log, stderr_log
from clusterbench.records import BudgetPoint, BudgetRecord, Environment
from clusterbench.registry import METHODS, method_params

DEFAULT_CLUSTER_COUNTS = (10, 20, 50, 100, 200)
DEFAULT_METHOD = "umap-kmeans"  # the curve's best method (README: "Beyond the study")


PLOT_FORMATS = (".png", ".pdf", ".svg")


def plot_path(plot: Path | None, json_path: Path | None) -> Path | None:
    """Where the curve is drawn: `plot`, else beside the JSON record (none without either);
    checked before the work starts."""
    path = plot or (None if json_path is None else json_path.with_suffix(".png"))
    if path is not None:
        if path.suffix.lower() not in PLOT_FORMATS:
            raise ConfigError(f"--plot {path}: expected a file ending in {', '.join(PLOT_FORMATS)}")
        check_file(path, "--plot")
    return path


def labelling_budget(
    config: RunConfig, clusters: Sequence[int] = DEFAULT_CLUSTER_COUNTS, log: Log = stderr_log
) -> BudgetRecord:
    if "n_clusters" not in METHODS[config.method].params:
        takes = [m for m, row in METHODS.items() if "n_clusters" in row.params]
        raise ConfigError(
            f"{config.method} chooses its own number of clusters; the budget curve needs a "
            f"method that takes a number of clusters: {', '.join(takes)}"
        )
    if not clusters or min(clusters) < 1:
        raise ConfigError(f"--cluster-counts {clusters}: expected counts >= 1")
    config.params.check()
    check_options(config.dataset, config.data)
    backend = select_backend(config.backend)
    METHODS[config.method].on(backend.column)  # a method this backend lacks: refused now
    log(f"backend: {backend.name} ({backend.reason})")
    environment = Environment.collect(backend)  # before the work: the code as it starts
    start = time.perf_counter()
    dataset = load_dataset(config.dataset, config.data, log)
    protocol = config.protocol or default_protocol(dataset)
    split = make_split(dataset, protocol, config.params.seed, config.subsample)
    if max(clusters) > split.n_train:
        raise ConfigError(
            f"--cluster-counts {max(clusters)} exceeds the {split.n_train} training digits"
        )
    params = fit_params(config.params, split, config.method, log)
    load_s = time.perf_counter() - start
    timer = StageTimer(backend.synchronize, memory=True, device=backend.device_memory)
    log(f"embedding the {split.n_train} training digits ({config.method}) ...")
    with timer.stage("embed"):
        embedder = ClusterThenLabel(config.method, params, backend)
        knn_points, features = embedder.embed(split.X_train)
    embed_s = timer.seconds["embed"]
    log(f"embedding of {split.n_train} training digits: {embed_s:.1f} s (once for the curve)")
    rows = []
    for k in clusters:
        start = time.perf_counter()
        with timer.stage("clusters"):
            model = ClusterThenLabel(config.method, replace(params, n_clusters=k), backend)
            model.fit_embedded(knn_points, features, split.y_train, pca=embedder.pca_)
            y_pred = model.predict(split.X_test)
        seconds = time.perf_counter() - start
        scores = contingency_scores(split.y_train, backend.to_host(model.cluster_ids_))
        rows.append(
            BudgetPoint(
                clusters=k,
                clusters_found=model.n_clusters_,
                test_accuracy=labelling_scores(split.y_test, y_pred, model.n_classes_)[
                    "test_accuracy"
                ],
                train_purity=scores["train_purity"],
                ari=scores["ari"],
                clustered_fraction=scores["clustered_fraction"],
                seconds=seconds,
            )
        )
        log(f"K={k}: test accuracy {rows[-1].test_accuracy:.4f}")
    return BudgetRecord(
        data=data_info(dataset, protocol, config, split),
        backend=backend.name,
        method=config.method,
        params={k: v for k, v in method_params(config.method, params).items() if k != "n_clusters"},
        load_s=load_s,
        embed_s=embed_s,
        points=rows,
        memory=timer.peaks,
        environment=environment,
        solvers=dict(backend.solvers),
    )


def format_budget(record: BudgetRecord) -> str:
    d = record.data
    lines = [
        f"labelling budget: {record.method} on {d.dataset} ({d.protocol}), "
        f"{d.n_train} train / {d.n_test} test digits, backend {record.backend}",
        f"{'clusters':>8}  {'test accuracy':>13}  {'train purity':>12}  {'ARI':>6}  {'seconds':>7}",
    ]
    for r in record.points:
        lines.append(
            f"{r.clusters:>8}  {r.test_accuracy:>13.4f}  {r.train_purity:>12.4f}  "
            f"{r.ari:>6.3f}  {r.seconds:>7.1f}"
        )
    return "\n".join(lines)


def plot_budget(record: BudgetRecord, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = [r.clusters for r in record.points]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(ks, [r.test_accuracy for r in record.points], "o-", label="test accuracy")
    ax.plot(ks, [r.train_purity for r in record.points], "s--", label="train purity")
    ax.set_xscale("log")
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("clusters labelled by a person (K)")
    ax.set_ylabel("fraction correct")
    ax.set_title(f"Labelling budget: {record.method} on {record.data.dataset} ({record.backend})")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    make_parent(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
