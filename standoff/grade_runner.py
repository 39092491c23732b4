"""Grade one submission inside the sandbox: run its code cells, then otter's checks; print the results.

Run by :mod:`standoff.sandbox` as ``python -m standoff.grade_runner`` with the scratch folder as the working
directory (it holds ``submission.ipynb``, ``data/`` and ``tests/``). It reads one JSON object on stdin::

    {"token": "...", "notebook": "submission.ipynb", "tests": "./tests", "cell_timeout": 30,
     "limits": {"cpu": 60, "memory": 2147483648, "file_size": 52428800, "processes": 64}, "uid": 2000001}

and, when done, writes one line ``<token> <json>`` to the stdout it was started with. Everything the
submission prints goes to ``output.log`` in the scratch folder (capped by the file-size limit).

Why not ``otter run``: it imports otter twice (in the CLI and again in the kernel) and starts a Jupyter kernel
(each otter import cost ~1.5 s more while ``jsonschema`` built a grammar for ``rfc3987_syntax`` at import;
requirements.txt now pins a ``jsonschema`` that does not). This runner executes the cells in one in-process IPython shell, as otter's own grading preprocessor
does in a kernel (a ``grader.check`` cell grades its question at that point, with ``init_grading_mode`` so the
hidden checks run; questions never checked are checked at the end; cells that raise are recorded and the run
goes on), and scores with otter's ``Checker`` and ``GradingResults``.

After a cell's time is up the alarm repeats every second until the cell ends, so code that swallows the first
interruption (or hangs again in the next check) is stopped too. Resource limits are set here, after the sandbox has started (so the user namespace is not created with them),
and before any submission code runs; when started as root the runner first drops to an unprivileged uid so the
process-count limit holds. Each code cell also gets ``cell_timeout`` seconds of wall-clock time.
"""

from __future__ import annotations

import glob
import json
import os
import resource
import signal
import sys
import time


class CappedWriter:
    """``sys.stdout``/``sys.stderr`` for the submission: keeps the first ``cap`` bytes, counts and drops the rest
    (a print of 100 MB costs nothing and breaks nothing)."""

    def __init__(self, fd: int, cap: int, counter: list):
        self.fd, self.cap, self.counter = fd, cap, counter
        self.encoding, self.errors = "utf-8", "replace"

    def write(self, s) -> int:
        data = str(s).encode("utf-8", "replace")
        room = self.cap - self.counter[0]
        if room > 0:
            try:
                os.write(self.fd, data[:room])
            except OSError:
                pass
        self.counter[0] += len(data)
        return len(s)

    def writelines(self, lines) -> None:
        for ln in lines:
            self.write(ln)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.fd

    def writable(self) -> bool:
        return True


class CellTimeout(BaseException):
    """Raised inside a cell that ran longer than the cell timeout."""


def _limit(which: int, value) -> None:
    if value:
        resource.setrlimit(which, (int(value), int(value)))


def apply_limits(limits: dict, uid: int | None) -> None:
    if uid is not None and os.geteuid() == 0:  # root in the sandbox: become nobody-like before any student code
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _limit(resource.RLIMIT_CPU, limits.get("cpu"))
    _limit(resource.RLIMIT_AS, limits.get("memory"))
    _limit(resource.RLIMIT_FSIZE, limits.get("file_size"))
    _limit(resource.RLIMIT_NPROC, limits.get("processes"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def code_cells(nb: dict) -> list[tuple[int, str]]:
    """The code to run, in order, as otter's GradingPreprocessor prepares it (ignored cells out, check cells in),
    each with the number of the notebook's code cell it comes from (1 for the first code cell)."""
    out, n = [], 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        n += 1
        meta = cell.get("metadata", {}) or {}
        otter_meta = meta.get("otter", {}) if isinstance(meta.get("otter"), dict) else {}
        if "otter_ignore" in (meta.get("tags") or []) or otter_meta.get("ignore", False):
            continue
        src = cell.get("source", "")
        out.append((n, "".join(src) if isinstance(src, list) else str(src)))
        for test in otter_meta.get("tests") or []:
            out.append((n, f'__otter_grader__.check("{test}")'))
    return out


def results_dict(results, cell_errors: list[dict], timed_out: list[int]) -> dict:
    tests = []
    for tf in results.results.values():
        cases = []
        for r in tf.test_case_results:
            tc = r.test_case
            cases.append({"name": tc.name, "hidden": bool(tc.hidden), "passed": bool(r.passed),
                          "points": float(tc.points or 0.0),
                          "message": "" if r.passed else (r.message or "")[:2000]})
        tests.append({"name": tf.name, "score": float(tf.score), "possible": float(tf.possible), "cases": cases})
    return {"tests": tests, "cell_errors": cell_errors, "timed_out_cells": timed_out}


def main() -> int:
    t_start = time.perf_counter()
    cfg = json.loads(sys.stdin.readline())
    token = cfg["token"]
    main_pid = os.getpid()
    # our own channel for the results; the submission's prints go to output.log
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    log = os.open("output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file-size limit fails instead of killing us
    apply_limits(cfg.get("limits", {}), cfg.get("uid"))
    written = [0]
    cap = int(cfg.get("output_cap") or 1024 * 1024)
    sys.stdout = sys.__stdout__ = CappedWriter(1, cap, written)
    sys.stderr = sys.__stderr__ = CappedWriter(2, cap, written)

    from IPython.core.interactiveshell import InteractiveShell
    from otter import Notebook
    from otter.execute import Checker
    from otter.test_files import GradingResults
    from traitlets.config import Config

    t_imported = time.perf_counter()

    with open(cfg["notebook"], encoding="utf-8") as f:
        nb = json.load(f)
    tests_dir = cfg.get("tests", "./tests")
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite history file: nothing to keep
    shell = InteractiveShell.instance(config=config)
    try:
        shell.colors = "nocolor"
    except Exception:  # older IPython spells it NoColor
        shell.colors = "NoColor"
    Notebook.init_grading_mode(tests_dir)
    shell.user_ns["__otter_grader__"] = Notebook()
    sys.path.append(os.getcwd())

    cell_timeout = float(cfg.get("cell_timeout") or 0)

    fired = [False]  # the alarm went off during this cell (even if the cell swallowed the exception)

    def on_alarm(signum, frame):
        fired[0] = True
        raise CellTimeout(f"cell ran longer than {cell_timeout:g} s")

    signal.signal(signal.SIGALRM, on_alarm)
    cell_errors, timed_out = [], []
    for i, src in code_cells(nb):
        fired[0] = False
        if cell_timeout:
            signal.setitimer(signal.ITIMER_REAL, cell_timeout, 1.0)
        try:
            res = shell.run_cell(src, store_history=True)
        except CellTimeout as e:  # raised outside the cell's own try (IPython's bookkeeping)
            res, err = None, e
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if os.getpid() != main_pid:  # a forked copy of this process: never report
            os._exit(0)
        # drop the last traceback (it would keep a failed cell's memory alive)
        sys.last_type = sys.last_value = sys.last_traceback = None
        if hasattr(sys, "last_exc"):
            sys.last_exc = None
        err = res.error_in_exec or res.error_before_exec if res is not None else err
        if fired[0] or isinstance(err, CellTimeout):
            timed_out.append(f"code cell {i}")
        if err is not None:
            cell_errors.append({"cell": i, "error": f"{type(err).__name__}: {str(err)[:300]}"})
    sys.stdout.flush()
    sys.stderr.flush()

    t0 = t_cells = time.perf_counter()
    for path in sorted(glob.glob(os.path.join(tests_dir, "*.py"))):
        fired[0] = False
        if cell_timeout:  # a check can hang too (an answer whose == never returns)
            signal.setitimer(signal.ITIMER_REAL, cell_timeout, 1.0)
        try:
            Checker.check_if_not_already_checked(path, global_env=shell.user_ns)
        except BaseException as e:  # a broken environment must not lose the other questions
            cell_errors.append({"cell": 0, "error": f"check {os.path.basename(path)}: {type(e).__name__}: {e}"[:300]})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if fired[0]:
            timed_out.append(f"the final checks of {os.path.basename(path)[:-3]}")
    if os.getpid() != main_pid:
        os._exit(0)
    results = GradingResults(Checker.get_results())
    payload = results_dict(results, cell_errors, timed_out)
    payload["timings"] = {"start_and_imports": round(t_imported - t_start, 3),
                          "cells": round(t_cells - t_imported, 3),
                          "final_checks": round(time.perf_counter() - t0, 3)}
    payload["output_bytes"] = written[0]
    out.write(token + " " + json.dumps(payload) + "\n")
    out.flush()
    os._exit(0)  # skip interpreter teardown (and anything the submission registered with atexit)


if __name__ == "__main__":
    sys.exit(main())
