"""CITATION.cff is valid Citation File Format 1.2.0 and agrees with the package.

The schema is the Citation File Format project's own (https://citation-file-format.github.io/1.2.0/schema.json,
CC-BY-4.0), copied from the cffconvert 2.0.0 wheel into tests/fixtures/ so the test runs offline.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "citation-file-format-1.2.0.schema.json").read_text())


def _errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(doc)]


def _citation() -> dict:
    # CFF is YAML; dates must stay strings for the schema (YAML would read 2026-12-01 as a date)
    return yaml.load((ROOT / "CITATION.cff").read_text(), Loader=yaml.BaseLoader)


def test_citation_cff_is_valid_cff_1_2_0():
    errors = _errors(_citation())
    assert not errors, "CITATION.cff is not valid Citation File Format 1.2.0:\n" + "\n".join(errors)


@pytest.mark.parametrize("breakage", ["no message", "bad date", "unknown key"])
def test_the_validator_finds_a_broken_citation(breakage):
    doc = copy.deepcopy(_citation())
    if breakage == "no message":
        del doc["message"]
    elif breakage == "bad date":
        doc["date-released"] = "1 December 2026"
    else:
        doc["autors"] = doc["authors"]
    assert _errors(doc)


def test_citation_version_and_license_match_the_repository():
    doc = _citation()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert doc["version"] == project["version"], "CITATION.cff's version differs from pyproject.toml's"
    assert doc["cff-version"] == "1.2.0"
    assert doc["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
