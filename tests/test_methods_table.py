"""`clusterbench methods` against docs/methods.md and against the backends: the file is what the
command prints, and its refusals are the ones a run meets."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterbench.backends import Backend, IntelexBackend
from clusterbench.cli import main, methods
from clusterbench.errors import ClusterbenchError
from clusterbench.pipeline.checks import check_distributable
from clusterbench.registry import METHODS, STEPS

DOC = Path(__file__).resolve().parents[1] / "docs" / "methods.md"


def test_docs_methods_is_what_the_command_prints(capsys):
    assert main(["methods"]) == 0
    assert DOC.read_text() == capsys.readouterr().out, (
        "docs/methods.md differs from the registry; run clusterbench methods > docs/methods.md"
    )


class DaskGpuColumns(Backend):
    """The GPU backend's registry columns, without its device (CuPy)."""

    name = "gpu"
    column = "gpu"
    dask_column = "dask_gpu"


@pytest.mark.parametrize("name", list(STEPS) + list(METHODS))
def test_each_in_process_cell_is_what_the_backend_builds(name):
    pair = STEPS.get(name) or METHODS[name]
    cpu, intelex, gpu, *_ = methods.cells(pair, name in METHODS)
    assert cpu == f"`{pair.on(Backend.column).path}`"
    built = pair.on(IntelexBackend.column).path
    assert intelex == (methods.STOCK if built == pair.cpu.path else f"`{built}`")
    try:
        assert gpu == f"`{pair.on(DaskGpuColumns.column).path}`"
    except ClusterbenchError:
        assert gpu == methods.REFUSED


@pytest.mark.parametrize("name", list(METHODS))
def test_a_method_is_refused_on_workers_where_its_cell_says(name):
    *_, on_cpu_workers, on_gpu_workers = methods.cells(METHODS[name], is_method=True)
    for backend, cell in ((Backend(), on_cpu_workers), (DaskGpuColumns(), on_gpu_workers)):
        try:
            check_distributable(name, backend)
        except ClusterbenchError:
            assert cell == methods.REFUSED, f"{name} on {backend.name} workers"
        else:
            assert cell == f"`{backend.on_workers(METHODS[name]).path}`"
