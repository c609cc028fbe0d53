"""Suites are files: the shipped ones parse into their cases, and every mistake in a user's
file is one line naming the key, before any work."""

from __future__ import annotations

import pytest

from clusterbench.cli import main
from clusterbench.errors import ClusterbenchError, ConfigError
from clusterbench.registry.params import Params
from clusterbench.suites.cases import GridCase, PipelineCase, ScaleCase
from clusterbench.suites.file import load_suite, parse_suite, shipped

KMEANS = '[[case]]\nkind = "pipeline"\nname = "kmeans"\nmethod = "kmeans"\n'


def test_the_shipped_suites_are_files_with_their_cases():
    assert set(shipped()) == {"quick", "full", "scale", "workers"}
    quick, full, scale = (load_suite(n) for n in ("quick", "full", "scale"))
    assert quick.repeat == full.repeat == 3 and scale.repeat == 1
    assert [c.name for c in quick.cases] == [c.name for c in full.cases]
    dbscan = quick.cases[2]
    assert dbscan == PipelineCase(
        "dbscan", "dbscan", Params(n_components=50, eps=4.2, min_samples=20), subsample=10_000
    )
    assert full.cases[3] == GridCase("grid-sweep", "0.1:5.0:50", "2:202:10")
    assert [c.name for c in scale.cases] == ["kmeans", "spectral", "dbscan", "umap-kmeans"]
    assert all(isinstance(c, ScaleCase) for c in scale.cases)
    assert scale.cases[0].sizes == (15_000, 30_000, 60_000, 120_000, 250_000, 500_000, 1_000_000)
    (workers,) = load_suite("workers").cases
    assert workers.worker_points == [
        (1, 250_000, ("weak",)),
        (1, 500_000, ("strong",)),
        (2, 500_000, ("strong", "weak")),
    ]


def test_a_suite_file_of_ones_own(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(f'description = "mine"\nrepeat = 2\n{KMEANS}subsample = 500\n')
    suite = load_suite(str(path))
    assert (suite.name, suite.repeat) == ("mine", 2)
    assert suite.cases == (PipelineCase("kmeans", "kmeans", subsample=500),)
    assert suite.definition["case"][0]["subsample"] == 500


MISTAKES = {
    "top-level-typo": ("repaet = 2\n" + KMEANS, "unknown key 'repaet'"),
    "case-key-typo": (KMEANS + "subsampel = 5\n", "case 1 (kmeans): unknown key 'subsampel'"),
    "missing-method": ('[[case]]\nkind = "pipeline"\nname = "x"\n', "missing key 'method'"),
    "string-for-a-number": (KMEANS + 'subsample = "10k"\n', "subsample: expected an integer"),
    "unknown-kind": ('[[case]]\nkind = "race"\nname = "x"\n', "kind 'race'"),
    "unknown-method": (KMEANS.replace('"kmeans"\n', '"kmeanz"\n'), "method 'kmeanz'"),
    "unknown-param": (KMEANS + "params = { epss = 1 }\n", "params: unknown key 'epss'"),
    "bad-param-value": (KMEANS + "params = { n_clusters = 0 }\n", "params.n_clusters 0:"),
    "kind-not-a-string": ('[[case]]\nkind = ["scale"]\nname = "x"\n', "kind ['scale']"),
    "name-with-a-slash": (KMEANS.replace('name = "kmeans"', 'name = "a/b"'), "name 'a/b'"),
    "infinite-budget": (
        '[[case]]\nkind = "scale"\nname = "s"\nmethod = "kmeans"\nsizes = [100]\nbudget_s = inf\n',
        "budget_s inf",
    ),
    "float-sizes": (
        '[[case]]\nkind = "scale"\nname = "s"\nmethod = "kmeans"\nsizes = [1.5]\nbudget_s = 1\n',
        "sizes: expected an integer, got 1.5",
    ),
    "params-as-a-list": (KMEANS + "params = [1]\n", "params: expected a table"),
    "param-the-method-ignores": (KMEANS + "params = { eps = 2.0 }\n", "does not use 'eps'"),
    "tiny-subsample": (KMEANS + "subsample = 5\n", "subsample 5: use at least"),
    "no-cases": ('description = "empty"\n', "no [[case]] tables"),
    "twice": (KMEANS + KMEANS, "case name 'kmeans' used twice"),
    "zero-repeat": ("repeat = 0\n" + KMEANS, "repeat 0"),
    "bad-grid": (
        '[[case]]\nkind = "grid"\nname = "g"\neps_range = "1:0:3"\nmin_samples_range = "2:5:1"\n',
        "--eps-range '1:0:3'",
    ),
    "sizes-not-increasing": (
        '[[case]]\nkind = "scale"\nname = "s"\nmethod = "kmeans"\nsizes = [200, 100]\n'
        "budget_s = 10\n",
        "expected increasing sizes",
    ),
    "no-budget": (
        '[[case]]\nkind = "scale"\nname = "s"\nmethod = "kmeans"\nsizes = [100]\nbudget_s = 0\n',
        "budget_s 0",
    ),
    "not-toml": ("repeat = \n", "not valid TOML"),
    "worker-points-of-a-one-process-method": (
        '[[case]]\nkind = "scale"\nname = "s"\nmethod = "spectral"\nsizes = [100]\n'
        "budget_s = 10\nstrong_n = 1000\n",
        "--method spectral has no distributed implementation",
    ),
    "worker-counts-not-increasing": (
        '[[case]]\nkind = "scale"\nname = "s"\nmethod = "kmeans"\nsizes = [100]\n'
        "budget_s = 10\nstrong_n = 1000\nworker_counts = [2, 1]\n",
        "worker_counts: expected increasing counts",
    ),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_mistake_in_a_suite_file_is_one_line_naming_the_key(name, tmp_path, capsys):
    text, message = MISTAKES[name]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code = main(["bench", "--suite", str(path), "--backend", "cpu", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith(f"clusterbench: error: {path}") and message in err[0], err[0]
    assert not (tmp_path / "o").exists()


def test_an_unknown_suite_name_or_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such suite; choose from full, quick, scale"):
        load_suite("quik")
    with pytest.raises(ClusterbenchError, match="absent.toml: file not found"):
        load_suite(str(tmp_path / "absent.toml"))


def test_a_user_file_may_not_take_a_shipped_suite_name(tmp_path):
    path = tmp_path / "quick.toml"
    path.write_text(KMEANS)
    with pytest.raises(ConfigError, match="name the file other than full, quick, scale"):
        load_suite(str(path))


def test_a_bool_is_not_a_number():
    with pytest.raises(ConfigError, match="repeat: expected an integer, got True"):
        parse_suite({"repeat": True, "case": []}, "x", "x.toml")


def test_with_a_scheduler_a_suite_refuses_cases_that_run_in_one_process(tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["bench", "--suite", "quick", "--scheduler", "local", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and "case kmeans: on Dask workers the pipeline runs the canonical" in err[-1]
    assert not out.exists() or not any(out.iterdir())
