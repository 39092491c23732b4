"""The strict build: zero warnings, and a failing cell fails the build naming the notebook."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from conftest import ROOT, run_build, site_pages

WARNING = re.compile(r"(WARNING|ERROR|CRITICAL):")
# Lines logged by the kernel process and its ZMQ/tornado client, not by Sphinx: ipykernel 7 warns that
# it runs over TCP, and now and then tornado logs a ZMQStream callback error while a kernel shuts down
# after its notebook finished. -W already turns every Sphinx warning into a failed build.
KERNEL_NOISE = re.compile(r"\[IPKernelApp\]|^(ERROR|WARNING):(tornado|asyncio)[.:]")


def test_strict_build_has_no_warnings(built_book):
    out = built_book.stdout + built_book.stderr
    assert built_book.returncode == 0, out[-6000:]
    warnings = [line for line in out.splitlines() if WARNING.search(line) and not KERNEL_NOISE.search(line)]
    assert warnings == [], "\n".join(warnings)
    assert "build succeeded" in out


def test_every_toc_page_was_built(site):
    from conftest import site_pages

    for page in site_pages(site):
        assert (site / page).is_file(), f"{page} missing from the built site"


def test_failing_cell_fails_the_build_and_names_the_notebook(tmp_path: Path):
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/broken_chapter\n")
    (book / "intro.md").write_text("# Intro\n\nA page.\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, book / "chapters" / "broken_chapter.ipynb")
    proc = run_build(book)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, "a notebook with a failing cell must fail the build"
    assert "broken_chapter" in out, out[-3000:]
    assert "ZeroDivisionError" in out, out[-3000:]


def test_every_page_shows_data_as_of_and_no_build_date(site):
    """Readers see the date the facts are checked to, from data/, on every page; the build date is gone."""
    from conftest import site_pages

    from standoff import data
    from standoff.fmt import day

    as_of = day(data.data_as_of())
    for page in site_pages(site):
        html = (site / page).read_text(encoding="utf-8")
        assert f"Data as of <strong>{as_of}</strong>" in html, f"{page}: no 'Data as of {as_of}' banner"
        assert "Last updated on" not in html and "docbuild:last-update" not in html, f"{page}: shows a build date"


def test_sphinx_design_loads_only_where_a_page_uses_it(site):
    """Jupyter Book adds sphinx-design's CSS and JS to every page; standoff.sphinxext keeps them only on pages
    with one of its components, so the chapters stay light."""
    import re

    for rel in site_pages(site):
        html = (site / rel).read_text()
        uses = re.search(r'class="[^"]*\bsd-', html) is not None
        assert ("sphinx-design.min.css" in html) == uses and ("design-tabs.js" in html) == uses, rel


def test_every_page_names_its_favicon(site):
    """Without a favicon link each page makes the browser ask the server for /favicon.ico (a 404 here)."""
    import re

    for rel in site_pages(site):
        m = re.search(r'<link rel="icon" href="([^"]+)"', (site / rel).read_text())
        assert m and (site / rel).parent.joinpath(m.group(1)).resolve().is_file(), rel
