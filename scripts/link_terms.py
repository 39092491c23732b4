"""Link each glossary term at its first use in every chapter and the landing page (idempotent).

Usage: python scripts/link_terms.py [NOTEBOOK ...]   (default: intro.ipynb and chapters/*.ipynb)
Rewrites the first plain use of each term in ``data/glossary.csv`` (its term or an alias) into a
``{term}`` role; a term already linked at its first use is left alone. Run `make outputs` afterwards.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from standoff import data, glossary

ROOT = Path(__file__).resolve().parent.parent


def targets() -> list[Path]:
    return [ROOT / "intro.ipynb"] + sorted((ROOT / "chapters").glob("*.ipynb"))


if __name__ == "__main__":
    g = data.load("glossary")
    for path in [Path(p).resolve() for p in sys.argv[1:]] or targets():
        nb = json.loads(path.read_text(encoding="utf-8"))
        n = glossary.link_first_uses(nb["cells"], g)
        if n:
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: linked {n} term(s)")
