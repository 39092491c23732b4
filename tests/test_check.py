"""`make check` re-runs nbval only on the notebooks whose inputs changed since the last green run."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import check  # noqa: E402


def _rel(paths) -> set[str]:
    return {str(p.relative_to(ROOT)) for p in paths}


def test_every_notebook_make_test_validates_is_fingerprinted():
    assert {"intro.ipynb", "chapters/leverage.ipynb", "appendix/data.ipynb", "classroom/teacher_guide.ipynb"} \
        <= set(check.fingerprints())


def test_dependencies_follow_the_package_imports():
    deps = _rel(check.dependencies(ROOT / "chapters" / "leverage.ipynb"))
    # the chapter imports its module, which imports the core modules, which import the data checks
    assert {"standoff/chapters/leverage.py", "standoff/data.py", "standoff/checks.py", "standoff/charts.py"} <= deps
    assert "standoff/chapters/channels.py" not in deps and "standoff/classroom.py" not in deps
    assert "standoff/classroom.py" in _rel(check.dependencies(ROOT / "classroom" / "teacher_guide.ipynb"))


def test_a_changed_module_selects_only_the_notebooks_that_use_it(monkeypatch):
    before = check.fingerprints()
    real = Path.read_bytes

    def edited(self):
        data = real(self)
        return data + b"\n# edited\n" if self == ROOT / "standoff" / "games.py" else data
    monkeypatch.setattr(Path, "read_bytes", edited)
    after = check.fingerprints()
    assert check.changed(before, after) == ["chapters/strategy.ipynb"]


def test_a_changed_data_file_selects_every_notebook_that_reads_data(monkeypatch):
    before = check.fingerprints()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: real(self) + (b"x" if self.name == "trade_flows.csv" else b""))
    changed = check.changed(before, check.fingerprints())
    assert "chapters/leverage.ipynb" in changed and "appendix/sources.ipynb" in changed
    assert len(changed) == len(before)   # every notebook here reads the data through standoff.data


def test_nothing_recorded_means_every_notebook():
    now = check.fingerprints()
    assert check.changed({}, now) == list(now)
    assert check.changed(now, now) == []


def test_make_check_validates_the_notebooks_make_test_validates():
    """scripts/check.py names the notebook paths that the Makefile's TESTS gives nbval; the two must not drift."""
    import re

    tests = re.search(r"^TESTS := (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    paths = [t for t in tests if not t.startswith("-") and t != "tests"]
    assert paths == check.NOTEBOOK_PATHS, f"Makefile TESTS {paths} != scripts/check.py NOTEBOOK_PATHS"
