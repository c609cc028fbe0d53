"""How pytest-xdist shares the tests among its workers: by groups of modules, heaviest first.

A group's tests run on one worker, one after another, so a module's module-scoped fixtures run
once; the modules that fit UMAP in the test process are one group, so numba compiles UMAP's
functions (~25 s a process, not cached on disk) once; the two modules that build the project's
wheel (which writes build/ in the checkout) are one group, so no two builds meet. The groups
known to be long go first, so that no long one starts last while the other worker idles.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

GROUPS = {
    "umap": (
        "test_eigensolver",
        "test_fake_device",
        "test_gpu_contract",
        "test_intelex",
        "test_report",
        "test_umap",
        "test_umap_mode",
    ),
    "builds-in-the-checkout": ("test_device_transport", "test_provenance"),
}
GROUP_OF = {module: group for group, modules in GROUPS.items() for module in modules}
# Longest first (seconds on this project's 2-core machine, 2026-12-02: `pytest --durations`).
LONG_FIRST = ("umap", "test_distributed", "test_scale", "test_infimnist", "test_grid")


def group_of(nodeid: str) -> str:
    """`tests/test_umap.py::test_x[a]` -> "umap"; a module outside GROUPS is a group alone."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    return GROUP_OF.get(module, module)


class GroupScheduling(LoadScopeScheduling):
    """pytest-xdist's load-by-scope scheduling with the groups above as its scopes."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid)

    def __init__(self, config: object, log: object = None) -> None:
        super().__init__(config, log)
        self.ordered = False  # the work queue is put in LONG_FIRST order at the first assignment

    def _assign_work_unit(self, node: object) -> None:
        if not self.ordered:  # schedule() has filled the queue and assigns from it next
            rank = {group: i for i, group in enumerate(LONG_FIRST)}
            for group in sorted(self.workqueue, key=lambda g: rank.get(g, len(rank))):
                self.workqueue.move_to_end(group)  # sorted() is stable: others keep xdist's order
            self.ordered = True
        super()._assign_work_unit(node)
