"""Load and validate the book's curated dataset (``data/datapackage.json``).

This is the only way chapters read data::

    from standoff import data
    actions = data.load("tariff_actions")

The whole package is validated the first time any table is loaded (and again if a file changes):
every cell against its field's type and constraints, every primary key, every foreign key. A bad
cell raises :class:`DataError`, whose message names the file, the row (the CSV line number, the
header being line 1) and the field, so the build stops where the data is wrong. Nothing is
coerced or dropped silently.

The checks follow the Frictionless Table Schema for the subset the book uses (string, integer,
number, boolean and date fields; required, unique, enum, minimum, maximum and pattern
constraints; primaryKey; foreignKeys). ``tests/test_data.py`` also runs frictionless itself over
the package, so the descriptor stays standard.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import checks

PACKAGED = "_data"  # the dataset's folder inside an installed copy of the package (the student kit's wheel)


def default_data_dir() -> Path:
    """Where :func:`load` reads the dataset when no ``data_dir`` is given.

    In the repository (and its editable install) that is the book's ``data/`` folder. A copy of the
    package installed from a wheel (the student kit, see ``standoff/kit.py``) carries the dataset as
    package data in ``standoff/_data/`` and reads it from there. The same loader and validator run
    on either folder.
    """
    from importlib.resources import files

    packaged = Path(str(files(__package__ or "standoff") / PACKAGED))
    if (packaged / "datapackage.json").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


DATA_DIR = default_data_dir()
TYPES = {"string", "integer", "number", "boolean", "date"}
CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum", "pattern"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class DataError(ValueError):
    """A problem in data/: the message names the file, the row and the field."""

    def __init__(self, file: str, row: int | None, field: str | None, message: str):
        self.file, self.row, self.field = file, row, field
        where = [f"data/{file}"]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    title: str
    description: str
    fields: list[dict]
    primary_key: list[str]
    foreign_keys: list[dict]
    rows: list[dict]  # parsed Python values, one dict per CSV row

    def field(self, name: str) -> dict:
        return next(f for f in self.fields if f["name"] == name)


def _parse(value: str, field: dict, file: str, row: int):
    """Parse one CSV cell to a Python value, or raise DataError."""
    name, type_ = field["name"], field.get("type", "string")
    if value == "":
        return None
    bad = lambda what: DataError(file, row, name, f"{value!r} is not {what}")  # noqa: E731
    if type_ == "string":
        return value
    if type_ == "integer":
        if not _INT.match(value):
            raise bad("an integer")
        return int(value)
    if type_ == "number":
        if not _NUM.match(value):
            raise bad("a number (write plain decimals: no %, $, commas or units)")
        return float(value)
    if type_ == "boolean":
        if value not in ("true", "false"):
            raise bad("a boolean (true or false)")
        return value == "true"
    if type_ == "date":
        if not _DATE.match(value):
            raise bad("a date in YYYY-MM-DD form")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise bad("a real calendar date") from None
    raise DataError(file, None, name, f"unknown field type {type_!r}")


def _bound(field: dict, key: str, file: str):
    raw = field["constraints"][key]
    if field.get("type") == "date":
        return date.fromisoformat(raw)
    return raw


def _check_cell(value, field: dict, file: str, row: int, raw: str) -> None:
    c = field.get("constraints", {})
    name = field["name"]
    if value is None:
        if c.get("required"):
            raise DataError(file, row, name, "is empty but required")
        return
    if "enum" in c and value not in c["enum"]:
        raise DataError(file, row, name, f"{raw!r} is not one of {c['enum']}")
    if "pattern" in c and not re.fullmatch(c["pattern"], raw):
        raise DataError(file, row, name, f"{raw!r} does not match the pattern {c['pattern']}")
    if "minimum" in c and value < _bound(field, "minimum", file):
        raise DataError(file, row, name, f"{raw} is below the minimum {c['minimum']}")
    if "maximum" in c and value > _bound(field, "maximum", file):
        raise DataError(file, row, name, f"{raw} is above the maximum {c['maximum']}")
    if isinstance(value, float) and not math.isfinite(value):
        raise DataError(file, row, name, f"{raw!r} is not a finite number")


def _read_table(res: dict, data_dir: Path) -> Table:
    file = res.get("path", "?")
    schema = res.get("schema")
    if not schema or not schema.get("fields"):
        raise DataError("datapackage.json", None, None, f"resource {res.get('name')!r} has no schema fields")
    fields = schema["fields"]
    for f in fields:
        if f.get("type", "string") not in TYPES:
            raise DataError("datapackage.json", None, f.get("name"), f"type {f.get('type')!r} is not supported")
        unknown = set(f.get("constraints", {})) - CONSTRAINTS
        if unknown:
            raise DataError("datapackage.json", None, f.get("name"), f"unsupported constraints {sorted(unknown)}")
    names = [f["name"] for f in fields]
    path = data_dir / file
    if not path.is_file():
        raise DataError(file, None, None, "file is missing (named in datapackage.json)")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(file, 1, None, "file is empty (no header row)") from None
        missing = [n for n in names if n not in header]
        if missing:
            raise DataError(file, 1, missing[0], "column is missing from the header")
        extra = [h for h in header if h not in names]
        if extra:
            raise DataError(file, 1, extra[0], "column is not described in datapackage.json")
        if len(set(header)) != len(header):
            dup = next(h for h in header if header.count(h) > 1)
            raise DataError(file, 1, dup, "column appears twice in the header")
        rows = []
        for line, cells in enumerate(reader, start=2):
            if not cells:
                raise DataError(file, line, None, "blank line")
            if len(cells) != len(header):
                raise DataError(file, line, None, f"has {len(cells)} cells; the header has {len(header)}")
            record = dict(zip(header, cells, strict=True))
            parsed = {}
            for f in fields:
                raw = record[f["name"]]
                if raw != raw.strip():
                    raise DataError(file, line, f["name"], f"{raw!r} has leading or trailing spaces")
                value = _parse(raw, f, file, line)
                _check_cell(value, f, file, line, raw)
                parsed[f["name"]] = value
            rows.append(parsed)
    pk = schema.get("primaryKey", [])
    if isinstance(pk, str):
        pk = [pk]
    if not pk:
        raise DataError("datapackage.json", None, None, f"resource {res['name']!r} has no primaryKey")
    seen: dict[tuple, int] = {}
    for line, r in enumerate(rows, start=2):
        key = tuple(r[k] for k in pk)
        if any(v is None for v in key):
            raise DataError(file, line, next(k for k in pk if r[k] is None), "primary key cell is empty")
        if key in seen:
            raise DataError(file, line, ",".join(pk),
                            f"duplicate primary key {key if len(key) > 1 else key[0]!r} (first on row {seen[key]})")
        seen[key] = line
    for f in fields:
        if f.get("constraints", {}).get("unique"):
            first: dict = {}
            for line, r in enumerate(rows, start=2):
                v = r[f["name"]]
                if v is not None and v in first:
                    raise DataError(file, line, f["name"], f"{v!r} is not unique (first on row {first[v]})")
                first.setdefault(v, line)
    return Table(res["name"], file, res.get("title", res["name"]), res.get("description", ""),
                 fields, pk, schema.get("foreignKeys", []), rows)


def _check_foreign_keys(tables: dict[str, Table]) -> None:
    for t in tables.values():
        for fk in t.foreign_keys:
            ref = fk["reference"]
            target = tables.get(ref["resource"])
            if target is None:
                raise DataError("datapackage.json", None, None,
                                f"{t.name}: foreign key to unknown resource {ref['resource']!r}")
            keys = {tuple(r[k] for k in ref["fields"]) for r in target.rows}
            for line, r in enumerate(t.rows, start=2):
                value = tuple(r[k] for k in fk["fields"])
                if all(v is None for v in value):
                    continue
                if value not in keys:
                    shown = value[0] if len(value) == 1 else value
                    raise DataError(t.path, line, ",".join(fk["fields"]),
                                    f"{shown!r} is not a {'/'.join(ref['fields'])} in {target.path}")


def _fingerprint(data_dir: Path) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(data_dir.glob("*.*")))


@lru_cache(maxsize=8)
def _validated(data_dir: Path, _fp: tuple) -> tuple[dict, dict[str, Table]]:
    desc_path = data_dir / "datapackage.json"
    try:
        desc = json.loads(desc_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("datapackage.json", None, None, "file is missing") from None
    except json.JSONDecodeError as e:
        raise DataError("datapackage.json", e.lineno, None, f"invalid JSON: {e.msg}") from None
    tables: dict[str, Table] = {}
    for res in desc.get("resources", []):
        if res.get("name") in tables:
            raise DataError("datapackage.json", None, None, f"resource {res['name']!r} appears twice")
        tables[res["name"]] = _read_table(res, data_dir)
    _check_foreign_keys(tables)
    checks.check(desc, tables)
    return desc, tables


def package(data_dir: Path | str | None = None) -> tuple[dict, dict[str, Table]]:
    """Validate the whole package and return (descriptor, {name: Table})."""
    d = Path(data_dir) if data_dir else DATA_DIR
    return _validated(d.resolve(), _fingerprint(d))


def validate(data_dir: Path | str | None = None) -> None:
    """Raise DataError on the first problem anywhere in the package."""
    package(data_dir)


def table_names(data_dir: Path | str | None = None) -> list[str]:
    return list(package(data_dir)[1])


def schema(name: str, data_dir: Path | str | None = None) -> Table:
    """The validated Table (fields, description, keys) for ``name``."""
    tables = package(data_dir)[1]
    if name not in tables:
        raise KeyError(f"no table {name!r} in data/datapackage.json; tables: {', '.join(tables)}")
    return tables[name]


_DTYPES = {"string": "string", "integer": "Int64", "number": "float64", "boolean": "boolean"}


def load(name: str, data_dir: Path | str | None = None) -> pd.DataFrame:
    """Validate the package and return table ``name`` as a typed DataFrame.

    Dates become ``datetime64[ns]``, integers nullable ``Int64``, numbers ``float64``, booleans
    nullable ``boolean`` and strings pandas ``string``. Row order is the file's order.
    """
    t = schema(name, data_dir)
    cols = {}
    for f in t.fields:
        values = [r[f["name"]] for r in t.rows]
        type_ = f.get("type", "string")
        if type_ == "date":
            cols[f["name"]] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            cols[f["name"]] = pd.Series(values, dtype=_DTYPES[type_])
    df = pd.DataFrame(cols)
    df.attrs["table"] = name
    df.attrs["title"] = t.title
    return df


def data_as_of(data_dir: Path | str | None = None) -> date:
    """The date up to which the dataset has been checked (``data_as_of`` in datapackage.json)."""
    desc = package(data_dir)[0]
    raw = desc.get("data_as_of")
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise DataError("datapackage.json", None, "data_as_of", f"{raw!r} is not a date in YYYY-MM-DD form") from None


def sources() -> pd.DataFrame:
    """The sources table, indexed by source_id."""
    return load("sources").set_index("source_id", drop=False)


def with_sources(df: pd.DataFrame, column: str = "source_id", prefix: str = "source_") -> pd.DataFrame:
    """Join publisher, title, date and url of each row's source onto ``df``.

    Adds ``source_publisher``, ``source_title``, ``source_date``, ``source_url`` and a one-line
    ``source_label`` ("Publisher, Title (date)") for tooltips and captions.
    """
    src = sources()
    out = df.copy()
    ids = out[column].astype("string")
    for col in ("publisher", "title", "date", "url"):
        out[prefix + col] = ids.map(src[col]).astype("string")
    date_part = out[prefix + "date"].fillna("undated")
    out[prefix + "label"] = out[prefix + "publisher"] + ", " + out[prefix + "title"] + " (" + date_part + ")"
    return out


def sourced(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`with_sources`, with rows that have no source labelled as computed."""
    out = with_sources(df)
    out["source_label"] = out["source_label"].fillna("No source (computed)")
    return out
