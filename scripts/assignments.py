"""Build the classroom assignments (otter-grader) and copy the student notebooks into the built site.

Usage: python scripts/assignments.py [NAME ...] [--no-html]        (run by `make assignments` and `make book`)

For each assignment in assignments/<name>.ipynb: execute the master, run `otter assign` (offline; the
kernel needs only the loopback interface), check that the student notebook holds no solution and no
hidden test, and write _build/assignments/<name>/{student,autograder}/; then zip the student kit
_build/assignments/<name>/kit/<name>-kit.zip (notebook, data, standoff wheel, requirements-student.txt, README)
and check it leaks nothing either. Unless --no-html, the student notebook and the kit go to
_build/html/assignments/ for the site's links. The logic is in standoff/classroom.py and standoff/kit.py.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from standoff.classroom import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
