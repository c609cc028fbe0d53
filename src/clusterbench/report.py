"""Human-readable views of result records (built from the record alone, never from live state)."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def format_run(record: dict[str, Any]) -> str:
    """The result table `clusterbench run` prints."""
    m, t = record["metrics"], record["timings"]
    params = ", ".join(f"{k}={v}" for k, v in record["params"].items())
    lines = [
        f"clusterbench: {record['method']} on {record['dataset']} ({record['protocol']}), "
        f"{record['n_train']} train / {record['n_test']} test digits, backend {record['backend']}",
        f"  params              {params}",
        f"  test accuracy       {_fmt(m['test_accuracy'])}",
        f"  ARI                 {_fmt(m['ari'])}",
        f"  NMI                 {_fmt(m['nmi'])}",
        f"  Rand index          {_fmt(m['rand_index'])}",
        f"  silhouette          {_fmt(m['silhouette'])}",
        f"  clusters            {m['n_clusters']} (noise {100 * m['noise_fraction']:.1f} % "
        f"of training digits)",
        f"  train purity        {_fmt(m['train_purity'])}",
        "  per-class accuracy  "
        + "  ".join(f"{c}: {_fmt(a, 3)}" for c, a in m["per_class_accuracy"].items()),
        "  timings (s)         "
        + "  ".join(f"{k.removesuffix('_s')} {v:.2f}" for k, v in t.items()),
    ]
    if record.get("warm_timings"):
        warm = sorted(w["fit_predict_s"] for w in record["warm_timings"])
        lines.append(
            f"  warm runs (s)       {len(warm)} runs, median {warm[len(warm) // 2]:.2f}, "
            f"min {warm[0]:.2f}, max {warm[-1]:.2f}"
        )
    lines.append("  confusion matrix (rows: true label, columns: predicted)")
    lines += ["    " + " ".join(f"{v:5d}" for v in row) for row in m["confusion_matrix"]]
    return "\n".join(lines)
