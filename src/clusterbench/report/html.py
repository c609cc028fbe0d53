"""The report as one self-contained HTML page: the Markdown report's own tables and plots
(rendered from the same lines, so no table has a second implementation), every image inlined,
and per run its confusion matrix and cluster gallery, drawn from the records alone. It needs no
network and no script to view."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

from clusterbench.records import RunRecord

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
main { max-width: 1400px; margin: 0 auto; padding: 1em 2em 4em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.8em; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; white-space: nowrap; }
th { background: #eee; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
h2 { border-bottom: 2px solid #444; margin-top: 2em; overflow: hidden; }
h3 { margin-top: 1.5em; }
figure { margin: 0 0 2em; } figcaption { font-size: 0.85em; color: #555; }
.run { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.run img.confusion { max-width: 420px; }
.run img.gallery { max-width: 820px; }
code { background: #eee; padding: 0 0.2em; }
nav { float: right; width: 24em; margin: 1em 0 1em 2em; font-size: 0.8em; }
nav ul { padding-left: 1em; } nav li.h3 { margin-left: 1.2em; list-style: circle; }
td:nth-child(-n+3), th:nth-child(-n+3) { text-align: left; }
"""


@dataclass(frozen=True)
class RunPictures:
    """One run to draw: where it comes from (host, suite/case, backend) and its record."""

    host: str
    title: str
    record: RunRecord


FIXED_IDS = ("contents", "clusters")  # the page's own; a heading of that name gets a suffix


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def markdown_html(lines: list[str], image_dir: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """The Markdown report as HTML, headings given ids and each image inlined from image_dir;
    and its sections (id, h2 or h3, title) for the page's contents."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse("\n".join(lines))
    seen = dict.fromkeys(FIXED_IDS, 1)
    sections = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":  # ids unique: each machine has an "Accuracy"
            title = tokens[i + 1].content
            name = slug(title)
            seen[name] = seen.get(name, 0) + 1
            name = name if seen[name] == 1 else f"{name}-{seen[name]}"
            token.attrSet("id", name)
            if token.tag in ("h2", "h3"):
                sections.append((name, token.tag, title.replace("`", "")))
        for child in token.children or []:
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                path = image_dir / src
                if "/" not in src and path.suffix == ".png" and path.is_file():
                    child.attrSet("src", data_uri(path.read_bytes()))
                else:  # never a link out of the page: say what is missing instead
                    child.type, child.tag, child.children = "text", "", None
                    child.content = f"[image {src} is not beside the report in {image_dir}]"
    return md.renderer.render(tokens, md.options, {}), sections


def run_figures(runs: list[RunPictures]) -> str:
    """Per run: its confusion matrix as a heatmap and its cluster gallery."""
    from clusterbench.report.gallery import confusion_figure, gallery_figure, png_bytes

    parts = [
        '<h2 id="clusters">Clusters: confusion matrices and galleries</h2>',
        "<p>Per run of each suite (and each single run): the test digits' confusion matrix, "
        "and what each cluster holds: its size, the label its majority gave it, its purity, "
        "the digits nearest its centre and a few at random (kept in the record).</p>",
    ]
    host = None
    for index, run in enumerate(runs, 1):
        if run.host != host:
            host = run.host
            name = html.escape(host)
            parts.append(f'<h3 id="clusters-{index}">Machine <code>{name}</code></h3>')
        r = run.record
        parts.append(f'<figure id="run-{slug(run.host + " " + run.title)}-{index}">')
        parts.append(
            f"<figcaption><b>{html.escape(run.title)}</b>: {html.escape(r.method)} on "
            f"{html.escape(r.data.dataset)} ({r.data.n_train:,} training digits), "
            f"{html.escape(r.backend)}; test accuracy {r.metrics['test_accuracy']:.4f}, "
            f"ARI {r.metrics['ari']:.4f}</figcaption>"
        )
        parts.append('<div class="run">')
        if "confusion_matrix" in r.metrics:
            confusion = data_uri(png_bytes(confusion_figure(r)))
            parts.append(f'<img class="confusion" alt="confusion matrix" src="{confusion}">')
        else:
            parts.append("<p>No confusion matrix in the record.</p>")
        if r.gallery:
            picture = data_uri(png_bytes(gallery_figure(r), dpi=72))
            parts.append(f'<img class="gallery" alt="cluster gallery" src="{picture}">')
        else:
            parts.append(
                "<p>No gallery: the record has none (digits that are not square images, or a "
                "record from before galleries were kept).</p>"
            )
        parts.append("</div></figure>")
    return "\n".join(parts)


def write_page(lines: list[str], image_dir: Path, runs: list[RunPictures], path: Path) -> Path:
    report, sections = markdown_html(lines, image_dir)
    sections.append(("clusters", "h2", "Clusters: confusion matrices and galleries"))
    contents = "".join(
        f'<li class="{tag}"><a href="#{name}">{html.escape(title)}</a></li>'
        for name, tag, title in sections
    )
    body = f'<nav id="contents"><b>Contents</b><ul>{contents}</ul></nav>\n{report}'
    body += run_figures(runs)
    page = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>clusterbench results</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
