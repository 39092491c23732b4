"""`make check`: the contributor's inner loop, about a minute, with no browser and no site build.

Runs, and stops at the first step that fails:
  1. lint: ``ruff check`` over the repository (rules in pyproject.toml);
  2. the data invariants and the package's unit tests (the test groups "data" and "package" of tests/conftest.py,
     and tests/test_notebooks.py: the chart renderer and the stored prose values);
  3. nbval on the notebooks that changed since the last green run: a notebook is re-run when its own file, a
     `standoff` module it imports (directly or through other `standoff` modules) or, if it reads the data
     through `standoff.data`, a file in data/ (or requirements.txt, for every notebook) differs from what the
     last green run saw.
Steps 2 and 3 run in one pytest call with two workers (pytest-xdist).

A green `make check` or `make test` records the fingerprints in _build/check-state.json.

Usage: python scripts/check.py [--all]      (--all: every notebook, as if nothing had run green before)
       python scripts/check.py --record     (record the current fingerprints; `make test` calls it when green)
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "_build" / "check-state.json"
NOTEBOOK_PATHS = ["intro.ipynb", "chapters", "appendix", "classroom"]   # what `make test` gives nbval
sys.path.insert(0, str(ROOT / "tests"))


def notebooks() -> list[Path]:
    out = []
    for rel in NOTEBOOK_PATHS:
        p = ROOT / rel
        found = [p] if p.is_file() else sorted(p.rglob("*.ipynb"))
        out += [f for f in found if ".ipynb_checkpoints" not in f.parts]
    return out


def _digest(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _standoff_imports(tree: ast.AST, package: str = "standoff") -> set[str]:
    """Names of the `standoff` modules that a piece of code imports (``from standoff import data`` -> standoff.data)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "standoff"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:   # relative import inside the package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "standoff":
                continue
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}   # `from standoff import data` names a module
    return found


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return p
    return None


def dependencies(nb: Path) -> set[Path]:
    """The `standoff` source files a notebook imports, followed through the package's own imports."""
    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]  # magics are not Python
    try:
        todo = _standoff_imports(ast.parse("\n".join(lines)))
    except SyntaxError:
        return set((ROOT / "standoff").rglob("*.py"))   # cannot tell: depend on the whole package
    todo |= {"standoff"}
    files: set[Path] = set()
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        f = _module_file(name)
        if f is None or f in files:
            continue
        files.add(f)
        package = name if f.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo |= _standoff_imports(ast.parse(f.read_text()), package)
    return files


def fingerprints() -> dict[str, str]:
    data_files = [p for p in (ROOT / "data").rglob("*") if p.is_file()]
    out = {}
    for nb in notebooks():
        deps = dependencies(nb)
        if ROOT / "standoff" / "data.py" in deps:
            deps |= set(data_files)
        out[str(nb.relative_to(ROOT))] = _digest({nb, ROOT / "requirements.txt"} | deps)
    return out


def changed(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    return [nb for nb, fp in current.items() if previous.get(nb) != fp]


def record(current: dict[str, str] | None = None) -> None:
    STATE.parent.mkdir(exist_ok=True)
    STATE.write_text(json.dumps(current or fingerprints(), indent=1, sort_keys=True) + "\n")


def _step(title: str, cmd: list[str]) -> None:
    print(f"\n== {title}\n$ {' '.join(cmd)}", flush=True)
    t = time.perf_counter()
    rc = subprocess.run(cmd, cwd=ROOT).returncode
    print(f"-- {title}: {'ok' if rc == 0 else 'FAILED'} in {time.perf_counter() - t:.1f} s", flush=True)
    if rc != 0:
        raise SystemExit(rc)


def main(argv: list[str]) -> None:
    if "--record" in argv:
        record()
        return
    from conftest import GROUPS

    start = time.perf_counter()
    current = fingerprints()
    previous = {} if "--all" in argv or not STATE.exists() else json.loads(STATE.read_text())
    todo = changed(previous, current)
    bin_dir = Path(sys.executable).parent
    _step("lint", [str(bin_dir / "ruff"), "check", "--quiet", "."])
    unit = sorted(f"tests/{f}" for f, g in GROUPS.items() if g in ("data", "package") and (ROOT / "tests" / f).exists())
    unit.append("tests/test_notebooks.py")   # the renderer, stored prose values, nbval's own failure (no kernel per chapter)
    print(f"\nnotebooks changed since the last green run: {', '.join(todo) if todo else 'none'}"
          + ("" if previous else " (no green run recorded: every notebook)"))
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", *unit]
    if todo:
        cmd += ["--nbval", "--nbval-current-env", *todo]
    _step("data invariants, unit tests" + (", nbval" if todo else ""), cmd)
    record(current)
    print(f"\nmake check: green in {time.perf_counter() - start:.0f} s (recorded in {STATE.relative_to(ROOT)})")


if __name__ == "__main__":
    main(sys.argv[1:])
