"""The keyword names a callable accepts, read from its signature and, behind a `**kwargs`, from
its source: where the wrapper hands those keywords on.

A callable taking `**kwargs` does not accept every keyword: it passes them to something that
may refuse them, often on a worker, long after the call returned. Behind `**kwargs` this follows
the source, as the wrapper's own code does:
- `super().__init__(..., **kwargs)`: the next class in the MRO takes them;
- `Target(..., **kwargs)`, Target a class imported by the module: Target takes them;
- `self.kwargs = kwargs` (cuml.dask's BaseEstimator stores them): the classes the wrapper's
  modules build with `**` keywords (the single-GPU model made on each worker) take them.
Where they go to several places each must take them; a keyword set explicitly on the hand-on
call is not the caller's to give. A `**kwargs` whose destination the source does not show
accepts nothing beyond the named parameters, so an unknown keyword fails, never passes.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

# a callable, the keywords the hand-on call sets itself, and whether it is super().__init__
Target = tuple[Any, frozenset[str], bool]


def _function_source(function: Any) -> str | None:
    """The source of a Python function, or of a Cython one from the .pyx shipped beside it."""
    try:
        return textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        pass
    code = getattr(function, "__code__", None)
    module = sys.modules.get(getattr(function, "__module__", "") or "")
    if code is None or module is None or not getattr(module, "__file__", None):
        return None
    pyx = Path(module.__file__).parent / Path(code.co_filename).name
    if not pyx.is_file():
        return None
    lines = pyx.read_text().splitlines(keepends=True)[code.co_firstlineno - 1 :]
    return textwrap.dedent("".join(inspect.getblock(lines)))


@cache
def _module_tree(name: str) -> ast.Module | None:
    module = sys.modules.get(name)
    try:
        return ast.parse(inspect.getsource(module)) if module is not None else None
    except (OSError, TypeError, SyntaxError):
        return None


def _imports(tree: ast.AST, module: str) -> dict[str, str]:
    """Names bound by `from x import y [as z]` anywhere in `tree` (function bodies too)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: from the module's package
                base = ".".join([*module.split(".")[: -node.level], node.module])
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
    return names


def _resolve(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr, None)
    except ImportError:
        return None


def _explicit(call: ast.Call) -> frozenset[str]:
    return frozenset(k.arg for k in call.keywords if k.arg is not None)


def _hands_on(call: ast.Call, name: str | None) -> bool:
    """The call passes `**name` (`**self.name` too; any `**` where name is None)."""
    for k in call.keywords:
        if k.arg is None:
            value = k.value
            if name is None:
                return True
            if isinstance(value, ast.Name) and value.id == name:
                return True
            if isinstance(value, ast.Attribute) and value.attr == name:
                return True
    return False


def _classes_built_with_stars(owner: type) -> list[Target]:
    """The imported classes the modules of `owner` and its bases build with `**` keywords."""
    targets = []
    for klass in owner.__mro__:
        tree = _module_tree(klass.__module__)
        if tree is None:
            continue
        imports = _imports(tree, klass.__module__)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in imports
                and _hands_on(node, None)
            ):
                target = _resolve(imports[node.func.id])
                if inspect.isclass(target):
                    targets.append((target, _explicit(node), False))
    return targets


def _destinations(function: Any, varkw: str, owner: type | None) -> list[Target]:
    """Where `function` (owner's __init__, or a plain function) hands its `**varkw` on."""
    source = _function_source(function)
    if source is None:
        return []
    tree = ast.parse(source)
    imports = _imports(tree, function.__module__)
    module_tree = _module_tree(function.__module__)
    if module_tree is not None:
        imports = {**_imports(module_tree, function.__module__), **imports}
    targets: list[Target] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _hands_on(node, varkw):
            func = node.func
            if (
                owner is not None
                and isinstance(func, ast.Attribute)
                and func.attr == "__init__"
                and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name)
                and func.value.func.id == "super"
            ):
                targets.append((_next_init(owner, function), _explicit(node), True))
            elif isinstance(func, ast.Name) and func.id in imports:
                target = _resolve(imports[func.id])
                if target is not None:
                    targets.append((target, _explicit(node), False))
        elif (
            owner is not None
            and isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id == varkw
            and any(isinstance(t, ast.Attribute) for t in node.targets)
        ):  # stored on the instance, for the wrapper's methods to hand on
            targets.extend(_classes_built_with_stars(owner))
    return targets


def _next_init(owner: type, init: Any) -> type:
    """The class whose __init__ `super().__init__` reaches from `init`, in owner's MRO."""
    mro = owner.__mro__
    defining = next(k for k in mro if k.__dict__.get("__init__") is init)
    return next(k for k in mro[mro.index(defining) + 1 :] if "__init__" in k.__dict__)


def accepted_keywords(obj: Any, owner: type | None = None) -> set[str]:
    """The keyword names `obj` takes: its named parameters, and those its `**kwargs` reach.

    `owner`: the instance's class where `obj` is a base class reached by `super()` (the stored
    keywords are handed on by the owner's modules)."""
    signature = inspect.signature(obj)
    params = signature.parameters.values()
    named = {
        p.name for p in params if p.kind not in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    varkw = next((p.name for p in params if p.kind is p.VAR_KEYWORD), None)
    if varkw is None:
        return named
    if inspect.isclass(obj):
        owner = owner or obj
        defining = (
            obj if obj is not owner else next(k for k in obj.__mro__ if "__init__" in k.__dict__)
        )
        destinations = _destinations(defining.__dict__["__init__"], varkw, owner)
    else:
        destinations = _destinations(obj, varkw, None)
    reached = [
        accepted_keywords(target, owner if via_super else None) - explicit
        for target, explicit, via_super in destinations
    ]
    return named | (set.intersection(*reached) if reached else set())
