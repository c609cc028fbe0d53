"""--umap-mode: the seeded (deterministic) UMAP or the unseeded (fast) one, on both backends,
recorded, reported, set by suite files and covered by the tolerance policy."""

from __future__ import annotations

import json
import tomllib

import pytest

from clusterbench.cli import main
from clusterbench.errors import ConfigError
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.run import run
from clusterbench.records import load_record, write_record
from clusterbench.registry import METHODS, STEPS
from clusterbench.registry.params import Params
from clusterbench.report.text import format_run
from clusterbench.suites.file import parse_suite, shipped
from tests import fake_device
from tests.records import run_case, suite

UMAP_METHODS = [name for name, row in METHODS.items() if row.embedding == "umap"]


def test_the_mode_is_one_param_with_its_choices():
    option = Params.options()["umap_mode"]
    assert (option.flag, option.choices) == ("--umap-mode", ("fast", "deterministic"))
    assert Params().umap_mode == "deterministic"  # today's seeded UMAP stays the default
    with pytest.raises(ConfigError, match="--umap-mode slow: choose from fast, deterministic"):
        Params(umap_mode="slow").check()
    for name in UMAP_METHODS:  # a UMAP method's record and --help name it
        assert "umap_mode" in METHODS[name].params


@pytest.mark.parametrize("column", ["cpu", "gpu"], ids=["cpu-column", "gpu-column"])
def test_fast_passes_no_seed_and_deterministic_the_run_seed(column):
    impl = getattr(STEPS["umap"], column)
    fast = impl.kwargs(Params(seed=7, umap_mode="fast"))
    seeded = impl.kwargs(Params(seed=7, umap_mode="deterministic"))
    assert "random_state" not in fast and seeded["random_state"] == 7
    if column == "cpu":  # umap-learn: serial when seeded, every core when not
        assert (seeded["n_jobs"], fast["n_jobs"]) == (1, Params().n_jobs)


def _umap_kmeans(mode: str, backend: str):
    params = Params(n_components=20, umap_mode=mode)
    return run(
        RunConfig(dataset="digits", method="umap-kmeans", params=params, backend=backend),
        log=lambda _: None,
    )


def test_a_cpu_run_records_and_prints_its_mode(monkeypatch):
    built = []
    import umap

    init = umap.UMAP.__init__
    monkeypatch.setattr(
        umap.UMAP, "__init__", lambda self, **kw: built.append(kw) or init(self, **kw)
    )
    record = _umap_kmeans("fast", "cpu")
    assert [kw.get("random_state") for kw in built] == [None] and built[0]["n_jobs"] == -1
    assert record.params["umap_mode"] == "fast" and record.solvers["umap"] == "fast"
    assert "umap_mode=fast" in format_run(record) and "UMAP fast" in format_run(record)


def test_a_fake_gpu_run_records_its_mode(monkeypatch):
    fake_device.install(monkeypatch)
    record = _umap_kmeans("fast", "gpu")
    assert record.backend == "gpu" and record.params["umap_mode"] == "fast"
    assert record.solvers["umap"] == "fast"
    assert _umap_kmeans("deterministic", "gpu").solvers["umap"] == "deterministic"


def test_the_option_is_refused_where_no_umap_runs(capsys):
    assert main(["run", "--dataset", "digits", "--method", "kmeans", "--umap-mode", "fast"]) == 1
    assert "kmeans does not use --umap-mode" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["run", "--umap-mode", "slow"])
    assert info.value.code == 2 and "invalid choice: 'slow'" in capsys.readouterr().err


def test_a_suite_file_sets_it_and_refuses_a_bad_one():
    case = {"kind": "pipeline", "name": "u", "method": "umap-kmeans"}
    good = parse_suite({"case": [{**case, "params": {"umap_mode": "fast"}}]}, "s", "s.toml")
    assert good.cases[0].params.umap_mode == "fast"
    with pytest.raises(ConfigError, match=r"params.umap_mode 'slow': choose from fast"):
        parse_suite({"case": [{**case, "params": {"umap_mode": "slow"}}]}, "s", "s.toml")


def _umap_cases(path):
    table = tomllib.loads(path.read_text())
    return [c for c in table["case"] if c.get("method") in UMAP_METHODS]


def test_the_shipped_suites_say_which_mode_each_umap_case_uses():
    """Speed rows (scale cases, and the pipeline cases named -fast) take the fast path;
    accuracy rows (the other pipeline cases, the labelling budget) the seeded one."""
    for name, path in shipped().items():
        for case in _umap_cases(path):
            mode = case.get("params", {}).get("umap_mode")
            speed = case["kind"] == "scale" or case["name"].endswith("-fast")
            assert mode == ("fast" if speed else "deterministic"), (name, case["name"], mode)
    for name in ("quick", "full"):  # both rows, so that speed and accuracy are both measured
        modes = {c.get("params", {}).get("umap_mode") for c in _umap_cases(shipped()[name])}
        assert modes == {"fast", "deterministic"}, name


def test_a_record_from_before_the_option_reads_as_deterministic(tmp_path):
    """Every UMAP before --umap-mode was seeded: an older record's UMAP params say so."""
    for method, expected in (("umap-kmeans", "deterministic"), ("kmeans", None)):
        record = run_case(method, 1.0, 0.9, 0.8)
        path = write_record(record, tmp_path / f"{method}.json")
        d = json.loads(path.read_text())
        d["params"] = {"n_components": 100, "knn": 5, "seed": 137}
        if method == "umap-kmeans":
            d["params"]["umap_components"] = 10
        d.pop("solvers", None)
        path.write_text(json.dumps(d))
        loaded = load_record(path)
        assert loaded.params.get("umap_mode") == expected
        assert loaded.solvers == ({"umap": expected} if expected else {})  # the report says so


def test_the_report_shows_each_umap_case_mode(tmp_path):
    from dataclasses import replace

    from clusterbench.records import SuiteCase

    base = suite("cpu", 1.0)
    fast = replace(run_case("umap-kmeans", 5.0, 0.9, 0.8), solvers={"umap": "fast"})
    record = replace(base, cases=[*base.cases, SuiteCase("umap-kmeans-fast", fast)])
    path = write_record(record, tmp_path / "cpu.json")
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 0
    readme = (tmp_path / "out" / "README.md").read_text()
    accuracy = readme[readme.index("### Accuracy") :]
    assert "| quick | umap-kmeans-fast | cpu | 0.9000 | 0.8000 | UMAP fast |" in accuracy


def test_the_fast_rows_cover_the_spread_measured_on_the_cpu():
    """The fast rows' figures are the study record's, and add its range to the seeded rows."""
    from pathlib import Path

    from clusterbench.parity import tolerances

    record = load_record(Path(__file__).parents[1] / tolerances.SPREAD_RECORD)
    spread = record.results["umap"]["spread"]
    assert record.results["umap"]["fast_runs"] == tolerances.FAST_RUNS
    assert set(tolerances.FAST_RANGE) == set(UMAP_METHODS)
    for method, (accuracy, ari) in tolerances.FAST_RANGE.items():
        measured = (
            spread[method]["test_accuracy"]["fast"]["range"],
            spread[method]["ari"]["fast"]["range"],
        )
        assert (accuracy, ari) == pytest.approx(measured, abs=5e-5), method
        fast, seeded = tolerances.for_method(method, "fast"), tolerances.for_method(method)
        assert fast.accuracy >= seeded.accuracy + measured[0] > seeded.accuracy, method
        assert fast.ari >= seeded.ari + measured[1] > seeded.ari, method
        assert tolerances.SPREAD_RECORD in fast.basis


def test_compare_gives_fast_runs_the_fast_rows(tmp_path, capsys):
    """A gap beyond the seeded row but within the fast one: two fast runs agree, two seeded
    runs do not."""
    from dataclasses import replace

    from clusterbench.parity import tolerances

    seeded, fast = (
        tolerances.for_method("umap-kmeans"),
        tolerances.for_method("umap-kmeans", "fast"),
    )
    gap = (seeded.accuracy + fast.accuracy) / 2
    status = {}
    for mode in ("deterministic", "fast"):
        a, b = (
            replace(
                run_case("umap-kmeans", 1.0, accuracy, 0.8),
                params={"umap_components": 10, "umap_mode": mode},
            )
            for accuracy in (0.9, 0.9 - gap)
        )
        paths = [write_record(r, tmp_path / f"{mode}-{i}.json") for i, r in enumerate((a, b))]
        status[mode] = main(["compare", *map(str, paths)])
    assert status == {"deterministic": 1, "fast": 0}


def test_the_report_says_a_scale_case_umap_mode(tmp_path):
    from dataclasses import replace

    from tests.test_report_scale import scale_suite

    base = scale_suite()
    (case,) = base.cases
    umap = replace(
        case.record, method="umap-kmeans", params={"umap_components": 10, "umap_mode": "fast"}
    )
    record = replace(base, cases=[replace(case, name="umap-kmeans", record=umap)])
    path = write_record(record, tmp_path / "scale.json")
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 0
    assert (
        "Budget 60 s per size; UMAP fast (--umap-mode)"
        in (tmp_path / "out" / "README.md").read_text()
    )


def test_the_report_shows_the_spread_study(tmp_path):
    from pathlib import Path

    from clusterbench.parity import tolerances

    path = Path(__file__).parents[1] / tolerances.SPREAD_RECORD
    assert main(["report", str(path), "--out", str(tmp_path)]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert "## Tolerance policy: measured spreads (mnist, 10,000 training digits" in readme
    accuracy, _ = tolerances.FAST_RANGE["umap-kmeans"]
    assert f"| umap-kmeans | test_accuracy | 0.8128 | 0.8188 | {accuracy:.4f} | 0.8146 |" in readme
    assert "| 137 | 0.7540 / 0.7540 |" in readme  # AMG / ARPACK at the tests' seed


def test_no_seed_is_what_selects_each_library_fast_path():
    """What the modes rest on, read from the installed libraries: umap-learn forces one thread
    when seeded; cuML's UMAP picks brute-force kNN and ordered optimisation when seeded."""
    import inspect
    import re
    from pathlib import Path

    import umap

    from tests.conftest import require_gpu_packages

    assert "overridden to 1 by setting random_state" in inspect.getsource(umap.UMAP)
    require_gpu_packages()
    import cuml.manifold.umap

    source = (Path(cuml.manifold.umap.__file__).parent / "umap.pyx").read_text()
    assert "params.deterministic = self.random_state is not None" in source
    seeded_knn = (
        r'if self\.random_state is not None:(?:\s*#[^\n]*)*\s*build_algo ?= ?"brute_force_knn"'
    )
    assert re.search(seeded_knn, source)


def test_a_seeded_umap_case_gets_no_speedup_and_a_fast_one_does(tmp_path):
    """The speedup table times the fast path only: a seeded UMAP case is an accuracy row."""
    from dataclasses import replace

    from clusterbench.records import SuiteCase

    paths = []
    for backend, factor in (("cpu", 1.0), ("gpu", 10.0)):
        base = suite(backend, factor)
        cases = [
            SuiteCase(
                name,
                replace(
                    run_case("umap-kmeans", 50.0 / factor, 0.9, 0.8),
                    backend=backend,
                    params={"umap_mode": mode},
                ),
            )
            for name, mode in (("umap-kmeans", "deterministic"), ("umap-kmeans-fast", "fast"))
        ]
        record = replace(base, cases=[*base.cases, *cases])
        paths.append(write_record(record, tmp_path / f"{backend}.json"))
    assert main(["report", *map(str, paths), "--out", str(tmp_path / "out")]) == 0
    readme = (tmp_path / "out" / "README.md").read_text()
    speedup = readme[readme.index("### Speedup of `gpu` over `cpu`") :].split("\n\n")[1]
    assert "| quick | umap-kmeans-fast |" in speedup
    assert "| quick | umap-kmeans |" not in speedup
