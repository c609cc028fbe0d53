"""API contract of the GPU backend, checked without a GPU against the installed cuML/CuPy.

Nothing here lists the GPU calls by hand. They come from the code itself, three ways:
- the registry's GPU column: each class or function and the keywords the run's Params give it;
- a recording run: the shared pipeline runs on the CPU through a backend that records every
  method called on what the registry built, with its keywords; the GPU classes must have them;
- a scan of the package source: every call through `cp.`/`cupy.`/`cuml.`/`dask_cuda.` names, and
  through the array module `xp` (NumPy on the CPU, CuPy on the GPU), with its keywords.
A misspelled or removed keyword, class, function or method makes one of these tests fail.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import clusterbench
from clusterbench.backends import Backend
from clusterbench.grid import runner as grid_runner
from clusterbench.grid.spec import GridSpec
from clusterbench.pipeline import run as runner
from clusterbench.pipeline.config import RunConfig
from clusterbench.registry import CLUSTERS, METHODS, STEPS, DaskOptions, Impl, Pair, Params
from tests.conftest import require_gpu_packages
from tests.contract_keywords import accepted_keywords

PACKAGE_DIR = Path(clusterbench.__file__).parent
GPU_MODULES = ("cupy", "cuml", "dask_cuda")

pytestmark = pytest.mark.usefixtures("gpu_packages")


@pytest.fixture(scope="module")
def gpu_packages() -> None:
    require_gpu_packages()


def resolve(path: str) -> Any:
    """Import the longest module prefix of `path`, then walk the remaining attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError: the name does not exist
        return obj
    raise ImportError(path)


def assert_accepts(obj: Any, keywords: set[str], where: str) -> None:
    """`obj` can be called with these keyword names: its named parameters, and behind a
    **kwargs those its source hands them on to (tests/contract_keywords.py)."""
    if not keywords:
        return
    try:
        accepted = accepted_keywords(obj)
    except (TypeError, ValueError):
        pytest.fail(f"{where}: keywords {sorted(keywords)} passed to an uninspectable callable")
    unknown = keywords - accepted
    assert not unknown, f"{where}: unknown keyword(s) {sorted(unknown)}; accepts {sorted(accepted)}"


def _doc_required(doc: str | None) -> list[str] | None:
    """The arguments without a default in a builtin's docstring signature (`f(int device)`,
    `C.m(self, size_t size) -> T`), self left out; None where its first line is none."""
    match = re.match(r"\s*[\w.]+\((.*?)\)", doc or "")
    if match is None:
        return None
    arguments = [a.strip() for a in match[1].split(",") if a.strip()]
    names = [a.split()[-1].lstrip("*") for a in arguments if "=" not in a]
    return [n for n in names if n != "self"]


def assert_callable_without_arguments(obj: Any, where: str) -> None:
    """`obj()` needs no argument (a builtin without a signature: by its docstring's)."""
    try:
        params = inspect.signature(obj).parameters.values()
    except ValueError:
        required = _doc_required(obj.__doc__)
        assert required is not None, f"{where}: no signature, and none in its docstring"
    else:
        kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        required = [p.name for p in params if p.default is p.empty and p.kind not in kinds]
    assert not required, f"{where}: needs argument(s) {required}"


# --- 1. the registry's GPU column -------------------------------------------------------------

ALL_PAIRS = {**STEPS, **METHODS, **CLUSTERS}
ON_GPU = [name for name, pair in ALL_PAIRS.items() if pair.gpu is not None]


@pytest.mark.parametrize("name", ON_GPU)
def test_registry_gpu_column_exists_with_its_keywords(name):
    pair = ALL_PAIRS[name]
    options = DaskOptions() if name in CLUSTERS else Params()
    target = pair.gpu.resolve()
    assert_accepts(target, set(pair.gpu.kwargs(options)), pair.gpu.path)


# --- 2. what the shared pipeline calls on the estimators -------------------------------------


class _Recorder:
    """Wraps an estimator or function; records each method (or call) and its keyword names."""

    def __init__(self, target: Any, log: dict[str, set[str]]) -> None:
        self._target, self._log = target, log

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._log["__call__"] |= set(kwargs)
        return self._target(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def method(*args: Any, **kwargs: Any) -> Any:
            self._log[name] |= set(kwargs)
            result = value(*args, **kwargs)
            return self if result is self._target else result

        return method


class RecordingBackend(Backend):
    """The CPU backend, recording how the shared code uses each registry pair."""

    def __init__(self) -> None:
        super().__init__("recording")
        self.calls: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def build(self, pair: Pair, params: Params) -> Any:
        return _Recorder(super().build(pair, params), self.calls[pair.name])

    def function(self, pair: Pair) -> Any:
        return _Recorder(super().function(pair), self.calls[pair.name])


RECORDING_PARAMS = {
    "kmeans": Params(n_components=20, knn_space="pca"),  # PCA.transform of the test digits
    "spectral": Params(n_components=20),
    "spectral-nystrom": Params(n_components=20, nystrom_samples=50),
    "dbscan": Params(n_components=20, eps=1.0, min_samples=5),
    "umap-kmeans": Params(n_components=20),
    "umap-spectral": Params(n_components=20),
    "umap-hdbscan": Params(n_components=20, min_cluster_size=20),
}


@pytest.fixture(scope="module")
def recorded_calls() -> dict[str, dict[str, set[str]]]:
    assert set(RECORDING_PARAMS) == set(METHODS), "add the new method to RECORDING_PARAMS"
    backend = RecordingBackend()
    mp = pytest.MonkeyPatch()
    mp.setattr(runner, "select_backend", lambda _: backend)
    mp.setattr(grid_runner, "select_backend", lambda _: backend)
    try:
        for method, params in RECORDING_PARAMS.items():
            runner.run(
                RunConfig(dataset="digits", method=method, params=params), log=lambda _: None
            )
        for engine in ("sweep", "loop"):  # the grid's client side: the graph; the loop's cluster
            with tempfile.TemporaryDirectory() as tmp:
                grid_runner.run_grid(
                    grid_runner.GridConfig(
                        dataset="digits",
                        n_components=20,
                        spec=GridSpec.parse("1:2:2", "2:12:5"),
                        dask=DaskOptions(workers=1, processes=False),
                        out=Path(tmp) / "grid.jsonl",
                        engine=engine,
                    ),
                    log=lambda _: None,
                )
    finally:
        mp.undo()
    return backend.calls


def test_the_recording_run_saw_every_pair(recorded_calls):
    assert set(recorded_calls) == set(ALL_PAIRS)
    assert "fit_predict" in recorded_calls["kmeans"] and "predict" in recorded_calls["knn"]
    assert "transform" in recorded_calls["pca"]  # --knn-space pca projects the test digits


@pytest.mark.parametrize("name", ON_GPU)
def test_gpu_twin_has_every_method_the_pipeline_calls(recorded_calls, name):
    target = ALL_PAIRS[name].gpu.resolve()
    for method, keywords in recorded_calls[name].items():
        member = target if method == "__call__" else getattr(target, method, None)
        assert member is not None, f"{ALL_PAIRS[name].gpu.path} has no method {method}"
        assert_accepts(member, keywords, f"{ALL_PAIRS[name].gpu.path}.{method}")


# --- 3. direct calls into the GPU libraries, and through the array module ---------------------


def _chain(node: ast.expr) -> list[str] | None:
    """['a', 'b', 'c'] for the expression a.b.c; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Names bound to GPU modules: imports, importlib.import_module("..."), and `xp`."""
    aliases = {"xp": "cupy"}  # the array module: CuPy on the GPU backend
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                root = a.name.split(".")[0]
                if root in GPU_MODULES:  # `import cupy as cp` binds cp; `import cuml.x` binds cuml
                    aliases[a.asname or root] = a.name if a.asname else root
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in GPU_MODULES:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _chain(node.value.func) == ["importlib", "import_module"]
            and isinstance(node.value.args[0], ast.Constant)
            and str(node.value.args[0].value).split(".")[0] in GPU_MODULES
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = node.value.args[0].value
    return aliases


def _instances(tree: ast.Module, aliases: dict[str, str]) -> dict[str, str]:
    """Names bound to instances of GPU classes (`index = NearestNeighbors(...)`): their methods
    are checked on the class."""
    instances = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            chain = _chain(node.value.func)
            if chain and chain[0] in aliases and chain[0] != "xp":
                path = ".".join([aliases[chain[0]], *chain[1:]])
                try:
                    is_class = inspect.isclass(resolve(path))
                except (ImportError, AttributeError):
                    is_class = False  # the call itself is checked, and fails, elsewhere
                for target in node.targets:
                    if is_class and isinstance(target, ast.Name):
                        instances[target.id] = path
    return instances


def gpu_library_calls() -> list[tuple[str, str, set[str]]]:
    """(where, dotted GPU path, keyword names) for every such call in the package source."""
    calls = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text())
        aliases = _aliases(tree)
        aliases.update(_instances(tree, aliases))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            chain = _chain(node.func)
            if not chain:
                continue
            # `xp` may be reached as self.backend.xp or backend.xp as well as a local name.
            root = chain.index("xp") if "xp" in chain else 0
            head, rest = chain[root], chain[root + 1 :]
            if head not in aliases:
                continue
            keywords = {k.arg for k in node.keywords if k.arg is not None}
            where = f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}"
            calls.append((where, ".".join([aliases[head], *rest]), keywords))
    return calls


def test_the_device_memory_readings_exist():
    """gpu.py reads the pool through the object get_default_memory_pool returns: the scan sees
    the function, this checks the method."""
    for path in (
        "cupy.cuda.memory.MemoryPool.used_bytes",
        "cupy.cuda.runtime.memGetInfo",
        "cupy.get_default_memory_pool",
    ):
        assert_callable_without_arguments(resolve(path), path)  # each called with none


def test_the_source_scan_finds_the_gpu_backends_calls():
    paths = {path for _, path, _ in gpu_library_calls()}
    assert {"cupy.asarray", "cupy.cuda.runtime.deviceSynchronize", "cupy.bincount"} <= paths
    assert "cuml.neighbors.NearestNeighbors.radius_neighbors_graph" in paths  # via an instance


@pytest.mark.parametrize(
    ("where", "path", "keywords"),
    gpu_library_calls(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_gpu_library_call_exists_with_its_keywords(where, path, keywords):
    try:
        target = resolve(path)
    except (ImportError, AttributeError):
        pytest.fail(f"{where}: {path} does not exist in the installed GPU packages")
    assert_accepts(target, keywords, f"{where}: {path}")


# --- 4. every check above can fail ------------------------------------------------------------


def _misspelt(keywords: set[str]) -> str:
    """A near miss of one of `keywords` (its last letter dropped), which no callable takes."""
    return sorted(keywords)[0][:-1]


def _takes_var_keywords(obj: Any) -> bool:
    params = inspect.signature(obj).parameters.values()
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _kwargs_rows() -> list[str]:
    """The GPU rows whose callable takes **kwargs (resolving them needs the gpu extra, so this
    runs inside the tests, never at collection)."""
    require_gpu_packages()
    return [name for name in ON_GPU if _takes_var_keywords(ALL_PAIRS[name].gpu.resolve())]


def test_the_rows_taking_var_keywords_are_checked_by_the_planted_keyword_test():
    assert "local" in _kwargs_rows()  # dask_cuda.LocalCUDACluster(..., **kwargs)


def test_a_planted_wrong_keyword_fails_the_registry_check(monkeypatch):
    """The registry check of each **kwargs callable fails on a misspelt keyword in its row."""
    for name in _kwargs_rows():
        pair = ALL_PAIRS[name]
        options = DaskOptions() if name in CLUSTERS else Params()
        wrong = _misspelt(set(pair.gpu.kwargs(options)))
        planted = Impl(
            pair.gpu.path, lambda p, pair=pair, wrong=wrong: {**pair.gpu.kwargs(p), wrong: None}
        )
        with monkeypatch.context() as patch:
            patch.setitem(ALL_PAIRS, name, replace(pair, gpu=planted))
            with pytest.raises(AssertionError, match=f"unknown keyword.*{wrong}"):
                test_registry_gpu_column_exists_with_its_keywords(name)


def test_a_callable_needing_an_argument_fails_the_no_argument_check():
    def needs_a_size(size: int) -> None: ...

    with pytest.raises(AssertionError, match="size"):
        assert_callable_without_arguments(needs_a_size, "needs_a_size")
    import cupy

    # builtins without a signature, read from their docstrings as memGetInfo and used_bytes are
    with pytest.raises(AssertionError, match="device"):
        assert_callable_without_arguments(cupy.cuda.runtime.setDevice, "setDevice")
    with pytest.raises(AssertionError, match="size"):
        assert_callable_without_arguments(cupy.cuda.memory.MemoryPool.malloc, "malloc")


class _Base:
    def __init__(self, *, a: int = 1) -> None:
        self.a = a


class _Wrapper(_Base):
    def __init__(self, *, b: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.b = b


def test_var_keywords_accept_only_what_their_source_hands_on():
    assert accepted_keywords(_Wrapper) == {"a", "b"}  # b its own, a through super().__init__
    assert_accepts(_Wrapper, {"a", "b"}, "_Wrapper")
    with pytest.raises(AssertionError, match=r"\['c'\]"):
        assert_accepts(_Wrapper, {"a", "c"}, "_Wrapper")
    with pytest.raises(AssertionError, match=r"\['b'\]"):  # **kw going nowhere the source shows
        assert_accepts(lambda a, **kw: None, {"a", "b"}, "lambda")


# --- 5. values cuML refuses that its signature does not show ----------------------------------


def cuml_hdbscan_min_samples() -> tuple[int, int, int]:
    """cuML HDBSCAN's min_samples range, read from the check in its fit (the .pyx shipped beside
    the compiled module), and what to add to its min_samples to get scikit-learn's (its
    docstring: scikit-learn's min_samples=k is cuML's k - 1)."""
    import cuml

    module = sys.modules[cuml.cluster.HDBSCAN.__module__]
    source = (Path(module.__file__).parent / "hdbscan.pyx").read_text()
    check = re.search(r"if not \((\d+) <= min_samples <= (\d+)\):", source)
    assert check, "cuML's HDBSCAN.fit no longer checks `lo <= min_samples <= hi`: read it again"
    doc = " ".join(cuml.cluster.HDBSCAN.__doc__.split())
    shift = re.search(
        r"``sklearn\.cluster\.HDBSCAN\(min_samples=k\)``, use "
        r"``cuml\.cluster\.HDBSCAN\(min_samples=k - (\d+)\)``",
        doc,
    )
    assert shift, "cuML's HDBSCAN docstring no longer relates its min_samples to scikit-learn's"
    return int(check[1]), int(check[2]), int(shift[1])


def _min_samples(kwargs: dict[str, Any]) -> int:
    """What HDBSCAN makes of these keywords' min_samples (both libraries: None is
    min_cluster_size)."""
    given = kwargs.get("min_samples")
    return kwargs["min_cluster_size"] if given is None else given


@pytest.mark.parametrize("min_cluster_size", [2, 1000, 1024, 1025, 5000])
def test_hdbscan_min_samples_is_in_cumls_range_and_the_cpus_neighbourhood(min_cluster_size):
    """cuML's HDBSCAN.fit raises ValueError for min_samples outside its range (on the device
    only); and its min_samples leaves the point out, so the twins agree only one apart."""
    low, high, shift = cuml_hdbscan_min_samples()
    row, params = METHODS["umap-hdbscan"], Params(min_cluster_size=min_cluster_size)
    on_gpu = _min_samples(row.gpu.kwargs(params))
    on_cpu = _min_samples(row.cpu.kwargs(params))
    assert low <= on_gpu <= high, f"cuML refuses min_samples {on_gpu} (takes {low}..{high})"
    assert on_gpu + shift == on_cpu, f"cuML's min_samples {on_gpu} is not scikit-learn's {on_cpu}"


@pytest.mark.parametrize("min_cluster_size", [2, 1000, 1024, 1025, 5000])
def test_hdbscan_cpu_column_stays_on_the_gpu_under_cuml_accel(min_cluster_size):
    """gpu-accel runs the CPU column under cuml.accel, whose scikit-learn HDBSCAN adapter sends
    min_samples outside its range back to the CPU: the run would time the CPU under a GPU name."""
    from cuml.accel._overrides.sklearn import cluster

    source = inspect.getsource(cluster._SklearnHDBSCAN._params_from_cpu)
    check = re.search(r"if not (\d+) <= sklearn_min_samples <= (\d+):", source)
    assert check, "cuml.accel's HDBSCAN adapter no longer checks min_samples so: read it again"
    on_cpu = _min_samples(
        METHODS["umap-hdbscan"].cpu.kwargs(Params(min_cluster_size=min_cluster_size))
    )
    assert int(check[1]) <= on_cpu <= int(check[2]), (
        f"cuml.accel runs min_samples {on_cpu} on the CPU"
    )


def test_the_fake_devices_hdbscan_refuses_and_shifts_as_cuml_does():
    from tests import fake_device

    low, high, shift = cuml_hdbscan_min_samples()
    assert (low, high) == fake_device.CUML_HDBSCAN_MIN_SAMPLES
    assert shift == fake_device.CUML_HDBSCAN_SHIFT
