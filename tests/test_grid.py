"""The DBSCAN grid on Dask: equal to a serial scikit-learn loop, resumable, failure-tolerant."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from clusterbench.backends import Backend
from clusterbench.cli import main
from clusterbench.data import DataOptions
from clusterbench.errors import ConfigError, DataError
from clusterbench.grid import tasks
from clusterbench.grid.runner import GridConfig, prepare, run_grid
from clusterbench.grid.spec import GridSpec, parse_eps, parse_min_samples
from clusterbench.records import load_record
from clusterbench.records.grid_file import config_key, read_grid
from clusterbench.registry import METHODS, DaskOptions

QUIET = DaskOptions(workers=2, processes=False)  # threads in this process: quick to start


def digits_grid(tmp_path: Path, **kw) -> GridConfig:
    base = GridConfig(
        dataset="digits",
        n_components=20,
        spec=GridSpec.parse("0.6:2.0:5", "2:14:4"),
        backend="cpu",
        dask=QUIET,
        out=tmp_path / "grid.jsonl",
    )
    if kw.get("engine") == "loop":
        kw.setdefault("batch_size", 3)
    return replace(base, **kw)


def _silent(_: str) -> None:
    pass


def assert_equals_serial_loop(config: GridConfig) -> None:
    grid = run_grid(config, _silent).record
    X, y, _ = prepare(config, Backend(), _silent)
    rows = {config_key(r["eps"], r["min_samples"]): r for r in grid.rows}
    assert len(rows) == len(config.spec) == len(grid.rows)
    for eps, min_samples in config.spec.configs():
        labels = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(X)
        row = rows[config_key(eps, min_samples)]
        assert row["status"] == "ok"
        assert row["n_clusters"] == labels.max() + 1
        assert row["noise_fraction"] == pytest.approx(np.mean(labels < 0), abs=0)
        assert row["ari"] == pytest.approx(adjusted_rand_score(y, labels), abs=1e-12)
        assert row["nmi"] == pytest.approx(normalized_mutual_info_score(y, labels), abs=1e-12)


@pytest.mark.parametrize("engine", ["loop", "sweep"])
def test_grid_equals_a_serial_loop_on_digits(tmp_path, engine):
    assert_equals_serial_loop(digits_grid(tmp_path, engine=engine))


@pytest.mark.mnist
@pytest.mark.parametrize("engine", ["loop", "sweep"])
def test_grid_equals_a_serial_loop_on_an_mnist_subsample(tmp_path, mnist_dir, engine):
    config = GridConfig(
        engine=engine,
        data=DataOptions(data_dir=mnist_dir),
        subsample=3000,
        spec=GridSpec.parse("3.0:5.0:3", "5:30:10"),
        backend="cpu",
        dask=QUIET,
        out=tmp_path / "grid.jsonl",
    )
    assert_equals_serial_loop(config)


def test_study_grid_is_the_default():
    spec = GridSpec.parse()
    assert len(spec) == 1000
    assert spec.eps[0] == 0.1 and spec.eps[-1] == 5.0 and len(spec.eps) == 50
    assert spec.min_samples == tuple(range(2, 202, 10))
    assert GridConfig().n_components == 50 and GridConfig().protocol == "seed"


@pytest.mark.parametrize(
    ("eps", "min_samples", "message"),
    [
        ("0:1:5", "2:10:2", "eps must be > 0"),
        ("-1:2:3", "2:10:2", "eps must be > 0"),
        ("0.1:1:0", "2:10:2", "range is empty"),
        ("2:1:3", "2:10:2", "STOP must be >= START"),
        ("a:b:c", "2:10:2", "must be numbers"),
        ("0.1:1", "2:10:2", "expected START:STOP:NUM"),
        ("0.1:1:3", "0:10:2", "min_samples must be >= 1"),
        ("0.1:1:3", "10:5:1", "the range is empty"),
        ("0.1:1:3", "2:10:0", "STEP must be >= 1"),
        ("0.1:1:3", "2:x:1", "whole numbers"),
        ("0.1:5:100000000", "2:10:2", "NUM above 10,000"),
        ("1:1:3", "2:10:2", "NUM 1 takes START alone"),  # three times the same eps
        ("0.1:5:1", "2:10:2", "NUM 1 takes START alone"),  # STOP silently dropped
        ("0.1:1:3", "1:100000000:1", "more than 10,000 values"),
    ],
)
def test_bad_grid_specs(eps, min_samples, message):
    with pytest.raises(ConfigError, match=message):
        GridSpec.parse(eps, min_samples)


def test_bad_grid_spec_on_the_command_line_is_one_line(capsys, tmp_path):
    argv = [
        "grid",
        "--dataset",
        "digits",
        "--eps-range",
        "0:1:3",
        "--jsonl",
        str(tmp_path / "g.jsonl"),
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert (
        err.strip().splitlines()[-1] == "clusterbench: error: --eps-range '0:1:3': eps must be > 0"
    )
    assert "Traceback" not in err


def test_parsers_follow_linspace_and_range():
    assert parse_eps("1:2:3") == (1.0, 1.5, 2.0)
    assert parse_min_samples("2:12:5") == (2, 7)


@pytest.mark.parametrize("engine", ["loop", "sweep"])
def test_resume_after_a_kill_loses_nothing_and_repeats_nothing(tmp_path, engine):
    config = digits_grid(tmp_path, engine=engine)
    reference = {
        config_key(r["eps"], r["min_samples"]): r for r in run_grid(config, _silent).record.rows
    }
    lines = config.out.read_text().splitlines()
    # Killed after 7 rows, in the middle of writing the 8th.
    config.out.write_text("\n".join(lines[:8]) + "\n" + lines[8][:25])
    assert run_grid(replace(config, resume=True), _silent).ran == len(config.spec) - 7
    _, rows = read_grid(config.out)
    keys = [config_key(r["eps"], r["min_samples"]) for r in rows]
    assert len(keys) == len(set(keys)) == len(config.spec)
    for row in rows:
        ref = reference[config_key(row["eps"], row["min_samples"])]
        assert (row["ari"], row["n_clusters"]) == (ref["ari"], ref["n_clusters"])
    # Resuming a complete file runs nothing.
    assert run_grid(replace(config, resume=True), _silent).ran == 0


def test_a_real_kill_then_resume_from_the_command_line(tmp_path):
    out = tmp_path / "grid.jsonl"
    argv = [
        sys.executable,
        "-m",
        "clusterbench",
        "grid",
        "--dataset",
        "digits",
        "--pca",
        "20",
        "--eps-range",
        "0.5:3.0:4",
        "--min-samples-range",
        "2:42:4",  # 40 configurations: each a task of its own (--batch-size 1)
        "--backend",
        "cpu",
        "--workers",
        "1",
        "--batch-size",
        "1",
        "--engine",
        "loop",
        "--jsonl",
        str(out),
    ]
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_text().count("\n") > 10:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its Dask workers, mid-flight
    proc.wait()
    before = out.read_text().count("\n") - 1
    assert 1 <= before < 40  # killed mid-flight
    resumed = subprocess.run([*argv, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    _, rows = read_grid(out)
    keys = {config_key(r["eps"], r["min_samples"]) for r in rows}
    assert len(rows) == len(keys) == 40
    assert f"grid: 40 configurations, {before} already in" in resumed.stderr


class _FailsAtOneEps:
    """Stands in for DBSCAN only to make one configuration fail, as a huge eps can (OOM)."""

    def __init__(self, eps: float, min_samples: int, n_jobs: int) -> None:
        self.inner = DBSCAN(eps=eps, min_samples=min_samples, n_jobs=n_jobs)

    def fit_predict(self, X):
        if self.inner.eps == 2.0:
            raise MemoryError("simulated: the neighbourhoods do not fit")
        return self.inner.fit_predict(X)


def test_a_failing_configuration_is_recorded_and_the_grid_goes_on(tmp_path, monkeypatch):
    failing = replace(
        METHODS["dbscan"], cpu=replace(METHODS["dbscan"].cpu, path=f"{__name__}._FailsAtOneEps")
    )
    monkeypatch.setitem(tasks.METHODS, "dbscan", failing)
    grid = run_grid(digits_grid(tmp_path, engine="loop"), _silent).record
    failed = [r for r in grid.rows if r["status"] == "failed"]
    assert {r["eps"] for r in failed} == {2.0} and len(failed) == 3
    assert all(
        r["reason"] == "MemoryError: simulated: the neighbourhoods do not fit" for r in failed
    )
    assert sum(r["status"] == "ok" for r in grid.rows) == 12
    assert grid.n_failed == 3


def test_existing_out_needs_resume(tmp_path):
    config = digits_grid(tmp_path, spec=GridSpec.parse("1:1:1", "2:3:1"))
    run_grid(config, _silent)
    with pytest.raises(ConfigError, match="pass --resume"):
        run_grid(config, _silent)
    with pytest.raises(ConfigError, match="n_components differ"):
        run_grid(replace(config, n_components=10, resume=True), _silent)
    with pytest.raises(ConfigError, match="engine differ"):  # rows of one file: one engine
        run_grid(replace(config, engine="loop", resume=True), _silent)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "line 1 is not valid JSON"),
        ('{"kind": "run"}\n', "a run record, not a grid file"),
        ("[1, 2]\n", "not a JSON object"),
        ("", "empty or not a grid file"),
    ],
)
def test_malformed_out_file_is_a_one_line_error(tmp_path, capsys, content, message):
    out = tmp_path / "grid.jsonl"
    out.write_text(content)
    argv = [
        "grid",
        "--dataset",
        "digits",
        "--pca",
        "10",
        "--eps-range",
        "1:1:1",
        "--min-samples-range",
        "2:3:1",
        "--backend",
        "cpu",
        "--jsonl",
        str(out),
        "--resume",
    ]
    if content:
        assert main(argv) == 1
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.startswith("clusterbench: error:") and message in last
    else:  # an empty file is simply started afresh
        assert main(argv) == 0


def test_unreadable_out_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_grid(tmp_path / "missing.jsonl")
    out = tmp_path / "bin.jsonl"
    out.write_bytes(b"\xff\xfe\x00garbage\n")
    with pytest.raises(DataError, match="cannot read"):
        read_grid(out)


def test_grid_writes_a_heatmap_and_run_uses_its_best(tmp_path, capsys):
    config = digits_grid(tmp_path)
    outcome = run_grid(config, _silent)
    assert outcome.png.stat().st_size > 10_000
    assert outcome.record.timing.compute_s > 0 and outcome.record.timing.data_pca_s > 0
    best = outcome.record.best()
    out = tmp_path / "r.json"
    argv = [
        "run",
        "--dataset",
        "digits",
        "--method",
        "dbscan",
        "--backend",
        "cpu",
        "--from-grid",
        str(config.out),
        "--json",
        str(out),
    ]
    assert main(argv) == 0
    record = load_record(out)
    assert record.params["eps"] == best["eps"]
    assert record.params["min_samples"] == best["min_samples"]
    assert record.params["n_components"] == 20
    assert record.metrics["ari"] == pytest.approx(best["ari"], abs=1e-12)
    assert (
        main(["run", "--dataset", "digits", "--method", "kmeans", "--from-grid", str(config.out)])
        == 1
    )
    assert "--from-grid needs --method dbscan" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--seed", "1"], "--seed 1 differs from the grid's 137"),
        (["--pca", "30"], "--pca 30 differs from the grid's 20"),
        (["--protocol", "canonical"], "--protocol canonical differs from the grid's seed"),
        (["--subsample", "500"], "--subsample 500 differs from the grid's None"),
        (["--pca=100"], "--pca 100 differs from the grid's 20"),  # the default, typed
    ],
)
def test_from_grid_refuses_settings_other_than_the_grids(tmp_path, capsys, option, message):
    config = digits_grid(tmp_path, spec=GridSpec.parse("1:2:2", "2:12:5"))
    run_grid(config, _silent)
    capsys.readouterr()  # the grid's progress bar
    argv = ["run", "--dataset", "digits", "--method", "dbscan", "--from-grid", str(config.out)]
    assert main([*argv, *option]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("clusterbench: error:") and message in err and "\n" not in err


def test_from_grid_takes_the_grids_seed(tmp_path):
    config = replace(digits_grid(tmp_path, spec=GridSpec.parse("1:2:2", "2:12:5")), seed=5)
    run_grid(config, _silent)
    out = tmp_path / "r.json"
    argv = ["run", "--dataset", "digits", "--method", "dbscan", "--from-grid", str(config.out)]
    assert main([*argv, "--json", str(out)]) == 0
    record = load_record(out)
    assert record.data.seed == 5 and record.params["seed"] == 5
    assert record.data.fingerprint == read_grid(config.out)[0]["dataset_fingerprint"]


def test_a_schema_1_grid_file_is_read_by_its_converter(tmp_path):
    config = digits_grid(tmp_path, spec=GridSpec.parse("1:2:2", "2:12:5"))
    run_grid(config, _silent)
    header, *rows = config.out.read_text().splitlines()
    old = {k: v for k, v in json.loads(header).items() if k not in ("engine", "dataset_source")}
    config.out.write_text("\n".join([json.dumps({**old, "schema_version": 1}), *rows]) + "\n")
    header, rows = read_grid(config.out)
    assert header["schema_version"] == 2 and header["converted_from_schema"] == 1
    assert header["engine"] == "loop" and len(rows) == 4


def test_features_move_to_a_workers_device_once():
    moved = []

    class Counting(Backend):
        def to_device(self, array):
            moved.append(array)
            return array.copy()

    backend, X = Counting(), np.zeros((5, 3), dtype=np.float32)
    first = tasks.on_device(backend, X)
    assert tasks.on_device(backend, X) is first and len(moved) == 1
    tasks.on_device(backend, np.ones((5, 3), dtype=np.float32))  # the next grid's features
    assert len(moved) == 2


@pytest.mark.parametrize("engine", ["sweep", "loop"])
def test_the_sweeps_host_share_is_a_stage_of_its_own(tmp_path, engine):
    """The sweep's seconds come apart: the neighbour graph (built on the backend) and the
    labelling and scoring on host CPU workers, in the record, its JSON and the report's grid
    table; each row says where its fit seconds were spent (the host, for both engines here)."""
    from clusterbench.records import GridRecord, SuiteCase, SuiteRecord
    from clusterbench.report import grid_table

    record = run_grid(digits_grid(tmp_path, engine=engine), _silent).record
    timing = record.timing
    assert {r["fit_on"] for r in record.rows} == {"host"}
    if engine == "sweep":
        assert timing.graph_s > 0 and timing.host_sweep_s > 0
        assert timing.graph_s + timing.host_sweep_s <= timing.compute_s
    else:  # each configuration is a fit on the backend: no host stage to report apart
        assert timing.graph_s is None and timing.host_sweep_s is None
    assert GridRecord.from_json(json.loads(json.dumps(record.to_json()))).timing == timing
    suite = SuiteRecord("s", "cpu", 1, [SuiteCase("grid", record)], record.environment)
    header, _, row = grid_table([suite])
    columns = [c.strip() for c in header.strip("|").split("|")]
    cells = dict(zip(columns, [c.strip() for c in row.strip("|").split("|")], strict=True))
    assert cells["graph s"] == (f"{timing.graph_s:.2f}" if engine == "sweep" else "")
    assert cells["host sweep s"] == (f"{timing.host_sweep_s:.2f}" if engine == "sweep" else "")
