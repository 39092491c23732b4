"""Re-execute notebooks in place so their committed outputs match a fresh run (nbval compares them).

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook in _toc.yml)
Run by `make outputs` after changing data/, standoff/ or a chapter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def toc_notebooks() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)  # live widgets are for a running kernel; saved state only churns
    # no execution counts or timing metadata: keeps diffs small and outputs reproducible
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    targets = [Path(p).resolve() for p in sys.argv[1:]] or toc_notebooks()
    for p in targets:
        run(p)
