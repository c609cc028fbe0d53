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
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import clusterbench
from clusterbench import runner
from clusterbench.backends import Backend
from clusterbench.grid import runner as grid_runner
from clusterbench.grid.spec import GridSpec
from clusterbench.registry import CLUSTERS, METHODS, STEPS, DaskOptions, Pair, Params
from clusterbench.runner import RunConfig
from tests.conftest import require_gpu_packages

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
    """`obj` can be called with these keyword names (or takes **kwargs)."""
    if not keywords:
        return
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        pytest.fail(f"{where}: keywords {sorted(keywords)} passed to an uninspectable callable")
    params = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    names = {p.name for p in params if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    unknown = keywords - names
    assert not unknown, f"{where}: unknown keyword(s) {sorted(unknown)}; accepts {sorted(names)}"


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
    import cupy

    assert callable(cupy.cuda.memory.MemoryPool.used_bytes)
    assert callable(cupy.cuda.runtime.memGetInfo)
    assert inspect.signature(cupy.get_default_memory_pool)  # no argument needed


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
