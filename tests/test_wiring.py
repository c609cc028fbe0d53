"""Every implementation the registry names is wired to something that exists: each CPU-side path
(scikit-learn, scikit-learn-intelex, dask-ml, the project's own estimators) imports here to a
class or function, and each GPU-side path is one the GPU contract tests check against the
installed cuML (tests/test_gpu_contract.py, tests/test_gpu_contract_dask.py)."""

from __future__ import annotations

import inspect
import typing
from dataclasses import fields, replace

import pytest

from clusterbench.registry import CLUSTERS, METHODS, STEPS, Impl, Pair
from tests.test_gpu_contract import ALL_PAIRS, ON_GPU
from tests.test_gpu_contract_dask import ON_DASK_GPU

TABLES = {"STEPS": STEPS, "METHODS": METHODS, "CLUSTERS": CLUSTERS}
CPU_COLUMNS = ("cpu", "intelex", "dask")
GPU_COLUMNS = ("gpu", "dask_gpu")


def impl_columns() -> set[str]:
    """The fields of a registry row that name an implementation."""
    hints = typing.get_type_hints(Pair)
    return {
        f.name for f in fields(Pair) if Impl in (hints[f.name], *typing.get_args(hints[f.name]))
    }


def entries(columns: tuple[str, ...]) -> list[tuple[str, str, Impl]]:
    """(where, column, implementation) of every row's entry in `columns`."""
    return [
        (f"{table}[{name!r}].{column}", column, impl)
        for table, rows in TABLES.items()
        for name, pair in rows.items()
        for column in columns
        if (impl := getattr(pair, column)) is not None
    ]


def unchecked_gpu_entries() -> list[str]:
    """The GPU-side entries the contract tests do not reach: they walk ALL_PAIRS' `gpu` column
    (one process) and ON_DASK_GPU's `dask_gpu` column (dask-cuda workers)."""
    checked = [("gpu", ALL_PAIRS[name].gpu) for name in ON_GPU]
    checked += [("dask_gpu", pair.dask_gpu) for pair in ON_DASK_GPU.values()]
    return [
        f"{where}: {impl.path}"
        for where, column, impl in entries(GPU_COLUMNS)
        if (column, impl) not in checked
    ]


def test_every_implementation_column_is_cpu_or_gpu_side():
    """A new column must join one side, so that one of the tests below checks it."""
    assert impl_columns() == {*CPU_COLUMNS, *GPU_COLUMNS}


CPU_ENTRIES = entries(CPU_COLUMNS)


@pytest.mark.parametrize(("where", "column", "impl"), CPU_ENTRIES, ids=[e[0] for e in CPU_ENTRIES])
def test_every_cpu_path_imports_to_a_class_or_function(where, column, impl):
    try:
        target = impl.resolve()
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{where}: {impl.path} does not import ({type(exc).__name__}: {exc})")
    assert inspect.isclass(target) or inspect.isfunction(target), (
        f"{where}: {impl.path} is a {type(target).__name__}, not a class or function"
    )


def test_every_gpu_path_is_checked_by_the_contract_tests():
    assert unchecked_gpu_entries() == []


def test_a_gpu_path_the_contract_tests_miss_is_caught(monkeypatch):
    """A dask-cuda twin of the local cluster: the dask contract walks STEPS and METHODS only."""
    local = CLUSTERS["local"]
    monkeypatch.setitem(CLUSTERS, "local", replace(local, dask_gpu=local.gpu))
    assert unchecked_gpu_entries() == ["CLUSTERS['local'].dask_gpu: dask_cuda.LocalCUDACluster"]
