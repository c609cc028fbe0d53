"""Open a report page in headless Chromium, as a reader would, and list what is broken: images
that do not load or are not inline, script errors, requests that need the network, sections
that are missing. Also a command that saves screenshots of the published page:

    python -m tests.page_check results/report.html --screenshot results/report
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# the published page's sections, as prefixes of heading and figure ids
PUBLISHED_SECTIONS = (
    "machine-",
    "cold-run-seconds-per-stage",
    "warm-runs-median-seconds-per-stage",
    "accuracy",
    "parity-between-backends",
    "speedup-of",
    "labelling-budget",
    "dbscan-grid",
    "how-cost-grows",
    "runs-on-dask-workers",
    "clusters",
    "run-",
)
VIEWPORT = {"width": 1400, "height": 900}


def browser() -> str | None:
    """The path of an installed Chromium, or None."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def problems(page: Path, sections: tuple[str, ...], screenshot: Path | None = None) -> list[str]:
    """What is wrong with `page` in the browser; [] when nothing is."""
    from playwright.sync_api import sync_playwright

    found: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser(), args=["--no-sandbox"])
        try:
            tab = chromium.new_page(viewport=VIEWPORT)
            tab.on("pageerror", lambda error: found.append(f"script error: {error}"))
            tab.on(
                "console",
                lambda m: found.append(f"console error: {m.text}") if m.type == "error" else None,
            )

            def offline(route) -> None:  # noqa: ANN001 - playwright's Route
                url = route.request.url
                if url.startswith(("http:", "https:", "ws:", "wss:")):
                    found.append(f"needs the network: {url[:100]}")
                    route.abort()
                else:
                    route.continue_()

            tab.route("**/*", offline)
            tab.goto(page.absolute().as_uri(), wait_until="load")
            broken = tab.evaluate(
                "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
                ".map(i => i.alt || (i.getAttribute('src') || '').slice(0, 80))"
            )
            found += [f"broken image: {name}" for name in broken]
            sources = tab.evaluate(
                "Array.from(document.images).map(i => i.getAttribute('src') || '')"
            )
            found += [f"image not inline: {s[:80]}" for s in sources if not s.startswith("data:")]
            if not sources:
                found.append("no image at all")
            ids = tab.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
            for section in sections:
                if not any(i.startswith(section) for i in ids):
                    found.append(f"missing section: {section}")
            if screenshot is not None:
                tab.screenshot(path=str(screenshot))
        finally:
            chromium.close()
    return found


def screenshots(page: Path, stem: Path, figure: str = "case-spectral") -> list[Path]:
    """The top of the page, and the first run whose id holds `figure` (else the first run) with
    its confusion matrix and gallery: `stem`-top.png and `stem`-clusters.png."""
    from playwright.sync_api import sync_playwright

    paths = [stem.with_name(f"{stem.name}-top.png"), stem.with_name(f"{stem.name}-clusters.png")]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser(), args=["--no-sandbox"])
        tab = chromium.new_page(viewport=VIEWPORT)
        tab.goto(page.absolute().as_uri(), wait_until="load")
        tab.screenshot(path=str(paths[0]))
        figures = tab.locator(f"figure[id^=run-][id*={figure}]")
        (
            figures if figures.count() else tab.locator("figure[id^=run-]")
        ).first.scroll_into_view_if_needed()
        tab.screenshot(path=str(paths[1]))
        chromium.close()
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path, metavar="STEM", help="STEM-top.png, ...")
    args = parser.parse_args()
    if browser() is None:
        print("page_check: no Chromium installed (apt-get install chromium)", file=sys.stderr)
        return 2
    found = problems(args.page, PUBLISHED_SECTIONS)
    for problem in found:
        print(problem)
    if args.screenshot is not None:
        for path in screenshots(args.page, args.screenshot):
            print(f"written {path}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
