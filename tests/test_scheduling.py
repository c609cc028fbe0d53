"""The test groups pytest-xdist shares among its workers (tests/scheduling.py) name modules
that exist, so that a renamed module is not silently left to run beside its group's others."""

from __future__ import annotations

from pathlib import Path

from tests import scheduling

TESTS = Path(__file__).parent


def test_every_module_a_group_names_exists():
    modules = {p.stem for p in TESTS.glob("test_*.py")}
    named = {m for group in scheduling.GROUPS.values() for m in group}
    assert named <= modules, sorted(named - modules)
    long_first = set(scheduling.LONG_FIRST) - set(scheduling.GROUPS)
    assert long_first <= modules, sorted(long_first - modules)


def test_a_module_is_its_own_group_unless_named():
    assert scheduling.group_of("tests/test_umap.py::test_x[a::b]") == "umap"
    assert scheduling.group_of("tests/test_provenance.py::test_y") == "builds-in-the-checkout"
    assert scheduling.group_of("tests/test_idx.py::test_z") == "test_idx"
