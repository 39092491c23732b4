"""Re-execute notebooks in place so their committed outputs match a fresh run (nbval compares them).

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook in _toc.yml)
Run by `make outputs` after changing data/, standoff/ or a chapter.

Besides the code cells' outputs it stores, in each markdown cell's ``user_expressions`` metadata,
the value of every {eval}`name` in the cell, evaluated in the kernel when the cell is reached
(as JupyterLab's jupyterlab-myst does on Run All). A saved notebook therefore shows its numbers
on opening, before anything runs; tests/test_notebooks.py fails when a stored value is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def toc_notebooks() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def eval_names(markdown: str) -> list[str]:
    """The {eval} expressions of a markdown cell, in order (repeats kept, as jupyterlab-myst stores them)."""
    return EVAL_ROLE.findall(markdown)


def _user_expressions(client: NotebookClient, names: list[str]) -> list[dict]:
    msg_id = client.kc.execute("", silent=True, store_history=False,
                               user_expressions={str(i): n for i, n in enumerate(names)})
    reply = client.wait_for_reply(msg_id)
    results = reply["content"]["user_expressions"]
    out = []
    for i, name in enumerate(names):
        result = results[str(i)]
        if result.get("status") != "ok":
            raise RuntimeError(f"{{eval}}`{name}` failed: {result.get('ename')}: {result.get('evalue')}")
        out.append({"expression": name, "result": result})
    return out


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
            elif cell.cell_type == "markdown":
                names = eval_names(cell.source)
                if names:
                    cell.metadata["user_expressions"] = _user_expressions(client, names)
                else:
                    cell.metadata.pop("user_expressions", None)
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
