"""Write appendix/glossary.md from data/glossary.csv (run by `make outputs`; a test checks it is current)."""

from pathlib import Path

from standoff import catalog

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    (ROOT / catalog.GLOSSARY_PAGE).write_text(catalog.glossary_markdown(), encoding="utf-8")
    print(f"wrote {catalog.GLOSSARY_PAGE}")
