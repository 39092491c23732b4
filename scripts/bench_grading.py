"""Grading benchmark (part of `make bench`; alone: `python scripts/bench.py --only-grading`).

Prints where the time of one grading run goes (interpreter start, imports, kernel start), the time of
`otter run` on one submission (the old way), the time of `make grade`'s command on one submission, and on a
folder of N generated submissions (default 60) of the `strategy` assignment, graded in the sandbox. The
generated submissions answer a random subset of the questions (from the reference solution) and write a
short answer to the hand-graded question; one in ten is blank.
Goals: one submission <= 8 s from the command line; 60 submissions <= 4 min on a 2-core machine.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
NAME = "strategy"


def timed(cmd, cwd=None, check=True) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return time.perf_counter() - t


def generate(student: dict, solution: dict, n: int, folder: Path, seed: int = 1) -> None:
    """Write ``n`` submissions into ``folder``: each question answered with probability 0.7 (one in ten blank)."""
    rng = random.Random(seed)
    checks = {i: c for i, c in enumerate(student["cells"]) if "".join(c["source"]).strip().startswith('grader.check("')}
    for k in range(n):
        nb = json.loads(json.dumps(student))
        blank = k % 10 == 9
        for i in checks:
            if not blank and rng.random() < 0.7:
                nb["cells"][i - 1]["source"] = solution["cells"][i - 1]["source"]
        for c in nb["cells"]:
            if "otter_answer_cell" in c.get("metadata", {}).get("tags", []) and c["cell_type"] == "markdown" \
                    and not blank:
                c["source"] = f"Student {k + 1}: the US is more likely to concede first, because China's weekly cost is larger."
        (folder / f"student-{k + 1:02d}.ipynb").write_text(json.dumps(nb))


def breakdown() -> None:
    steps = [
        ("python start", "pass"),
        ("import pandas", "import pandas"),
        ("import otter (what otter run pays twice)", "from otter import Notebook"),
        ("import nbformat (jsonschema formats)", "import nbformat"),
        ("import standoff + load trade_flows", "from standoff import data, games; data.load('trade_flows')"),
        ("start + stop a Jupyter kernel", ("from jupyter_client.manager import start_new_kernel\n"
                                           "km, kc = start_new_kernel(kernel_name='python3'); kc.stop_channels(); "
                                           "km.shutdown_kernel(now=True)")),
    ]
    print("grading    where the time of one run goes (fresh process each, best of 2):")
    for label, code in steps:
        t = min(timed([PY, "-c", code], cwd=ROOT) for _ in range(2))
        print(f"           {label:48} {t:5.2f} s")


def main(n: int = 60) -> None:
    from standoff import classroom as cl

    zip_ = cl.autograder_zip(NAME)
    if zip_ is None:
        cl.build(NAME)
        zip_ = cl.autograder_zip(NAME)
    student = json.loads((cl.BUILD / NAME / "student" / f"{NAME}.ipynb").read_text())
    solution = json.loads((zip_.parent / f"{NAME}.ipynb").read_text())
    breakdown()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        one = tmp / "one"
        one.mkdir()
        (one / "sub.ipynb").write_text(json.dumps(solution))
        t_otter = timed([str(Path(PY).parent / "otter"), "run", "--no-logo", "-a", str(zip_),
                         "-o", str(one), "sub.ipynb"], cwd=one)
        (one / "results.json").unlink(missing_ok=True)
        grade = [PY, "-m", "standoff.classroom", "grade", NAME]
        t_one = timed([*grade, str(one)])
        t_resume = timed([*grade, str(one)])
        print(f"grading    otter run, one submission:                       {t_otter:5.1f} s")
        print(f"           make grade, one submission (sandbox, feedback):  {t_one:5.1f} s   (goal <= 8 s)")
        print(f"           make grade again (resumes: nothing re-graded):    {t_resume:5.1f} s")
        many = tmp / "many"
        many.mkdir()
        generate(student, solution, n, many)
        t = time.perf_counter()
        proc = subprocess.run([*grade, str(many)], capture_output=True, text=True)
        t_many = time.perf_counter() - t
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            raise SystemExit("grading the generated folder failed")
        rows = list(cl.read_gradebook(many / "gradebook.csv")[1].values())
        results = [json.loads(p.read_text()) for p in (many / ".grading").glob("*.json")]
        per = [r["seconds"] for r in results]
        timings: dict[str, float] = {}
        for r in results:
            for k, v in (r.get("timings") or {}).items():
                timings[k] = timings.get(k, 0.0) + v / len(results)
        statuses = {s: sum(r["status"] == s for r in rows) for s in {r["status"] for r in rows}}
        print(f"           make grade, {n} generated submissions:          {t_many:5.1f} s   (goal <= 240 s)"
              f"  = {t_many / n:.2f} s per submission; each run {sum(per) / len(per):.2f} s on average"
              f" with {cl.default_jobs()} at once; statuses {statuses}")
        print("           inside one run, on average: " + ", ".join(f"{k.replace('_', ' ')} {v:.2f} s"
                                                              for k, v in timings.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
