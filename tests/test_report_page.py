"""The HTML report in a real browser (headless Chromium): every image loads from the page
itself, no script fails, nothing needs the network, every section is there; and the check
fails when one of those breaks. Skipped where no Chromium is installed (CI installs Debian's)."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from clusterbench.cli import main
from clusterbench.data import DataOptions
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.run import run
from clusterbench.records import SuiteCase, write_record
from tests import page_check
from tests.records import suite

RESULTS = Path(__file__).parent.parent / "results"
NOT_IN_TEST_PAGE = ("dbscan-grid", "how-cost-grows", "runs-on-dask-workers")  # no such records
SECTIONS = (
    *(s for s in page_check.PUBLISHED_SECTIONS if s not in NOT_IN_TEST_PAGE),
    "machine-box",
    "run-box-quick-suite-case-kmeans",
)


@pytest.fixture(scope="module", autouse=True)
def chromium():
    pytest.importorskip("playwright", reason="playwright is in the dev extra")
    if page_check.browser() is None:
        message = "no Chromium installed (Debian: apt-get install chromium)"
        if os.environ.get("CLUSTERBENCH_STRICT"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """A report page of two backends' suites, whose kmeans cases are a real run with a gallery."""
    directory = tmp_path_factory.mktemp("page")
    real = run(RunConfig("digits", DataOptions(), method="kmeans", backend="cpu"), lambda m: None)
    paths = []
    for backend, factor in (("cpu", 1.0), ("cpu-intelex", 2.0)):
        s = suite(backend, factor)
        kmeans = SuiteCase("kmeans", replace(real, backend=backend, environment=None))
        path = directory / f"{backend}.json"
        write_record(replace(s, cases=[kmeans, *s.cases[1:]]), path)
        paths.append(str(path))
    html = directory / "report.html"
    assert main(["report", *paths, "--out", str(directory), "--html", str(html)]) == 0
    return html


def test_the_page_opens_whole_in_a_browser(page, tmp_path):
    shot = tmp_path / "shot.png"
    assert page_check.problems(page, SECTIONS, shot) == []
    assert shot.read_bytes()[:4] == b"\x89PNG"
    assert "report.html" in (page.parent / "README.md").read_text()  # the Markdown links it


def _broken(page: Path, tmp_path: Path, change) -> Path:  # noqa: ANN001
    path = tmp_path / "broken.html"
    path.write_text(change(page.read_text()))
    return path


def test_the_check_fails_when_an_image_is_removed(page, tmp_path):
    first_image = re.compile(r'src="data:image/png;base64,[^"]+"')
    gone = _broken(page, tmp_path, lambda t: first_image.sub('src=""', t, count=1))
    assert [p for p in page_check.problems(gone, SECTIONS) if p.startswith("broken image")]


def test_the_check_fails_on_a_script_error(page, tmp_path):
    script = "<script>nope();</script></main>"
    failing = _broken(page, tmp_path, lambda t: t.replace("</main>", script))
    assert any(p.startswith("script error") for p in page_check.problems(failing, SECTIONS))


def test_the_check_fails_on_a_missing_section_or_the_network(page, tmp_path):
    remote = '<img alt="remote" src="https://example.invalid/a.png"></main>'
    online = _broken(
        page,
        tmp_path,
        lambda t: t.replace('id="parity-between-backends', 'id="x').replace("</main>", remote),
    )
    found = page_check.problems(online, SECTIONS)
    assert "missing section: parity-between-backends" in found
    assert any(p.startswith("needs the network") for p in found)
    assert any(p.startswith("image not inline") for p in found)


def test_the_published_page_opens_whole(tmp_path):
    """results/report.html, as committed: every section of this machine's records."""
    published = RESULTS / "report.html"
    assert page_check.problems(published, page_check.PUBLISHED_SECTIONS, tmp_path / "s.png") == []
