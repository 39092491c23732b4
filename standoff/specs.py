"""Lighter chart pages (#15): a chart's inline data keeps only the columns the chart reads.

Altair puts every column of a DataFrame into the spec's ``datasets``, although a chart reads only a
few: source ids, publishers, notes and the like then travel to every reader for nothing.
``used_fields(spec)`` lists the column names a Vega-Lite spec can read outside its data, and
``prune(spec)`` drops every other column from the inline rows (``datasets`` and ``data.values``),
keeping every row in its order (aggregations count rows). The renderer (``theme.StableHTMLRenderer``)
prunes every chart. When in doubt a column is kept: a missing column silently breaks a tooltip or a
filter, an extra one only costs bytes.
"""

from __future__ import annotations

import re

# keys whose value is a field name or a list of field names, wherever they appear
_FIELD_KEYS = {"field", "fields", "groupby", "fold", "flatten", "lookup", "key", "pivot", "impute", "density",
               "regression", "loess", "on", "quantile", "extent", "stack"}
# keys whose string value (or list of strings) is a Vega expression
_EXPR_KEYS = {"filter", "calculate", "expr", "test", "labelExpr", "signal", "and", "or", "not"}
# datum.name, datum['name'], datum["name"]; a bare `datum` (no group) is any other use of the row
_DATUM = re.compile(r"""\bdatum\b(?:\s*\.\s*([A-Za-z_$][\w$]*)|\s*\[\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\])?""")
_LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")
_JS_ESCAPE = re.compile(r"\\(.)")


def split_field(path: str) -> list[str]:
    """A Vega-Lite field path in steps, as vega-util's ``splitAccessPath``: "a.b" -> [a, b],
    "a\\\\.b" (escaped dot) -> ["a.b"], "a['b.c'][0]" -> [a, b.c, 0]. Raises ValueError when malformed."""
    steps, quote, b, s, i, j, n = [], None, 0, "", 0, 0, len(path)
    while j < n:
        c = path[j]
        if c == "\\":
            s += path[i:j]
            j += 1
            i = j
        elif quote is not None and c == quote:
            steps.append(s + path[i:j])
            s, i, quote, b = "", j + 1, None, -1
        elif quote is not None:
            pass
        elif i == b and c in "\"'":
            i, quote = j + 1, c
        elif c == "." and not b:
            if j > i:
                steps.append(s + path[i:j])
                s = ""
            i = j + 1
        elif c == "[":
            if j > i:
                steps.append(s + path[i:j])
                s = ""
            b = i = j + 1
        elif c == "]":
            if not b:
                raise ValueError(f"unmatched ] in field {path!r}")
            if b > 0:
                steps.append(s + path[i:j])
                s = ""
            b, i = 0, j + 1
        j += 1
    if b or quote is not None:
        raise ValueError(f"unclosed [ or quote in field {path!r}")
    if j > i or s:
        steps.append(s + path[i:])
    return steps


def _column_names(name: str) -> set[str]:
    """The column(s) a field name may read: its first path step, and (to be safe) the name unescaped."""
    out = {name, _JS_ESCAPE.sub(r"\1", name)}
    try:
        steps = split_field(name)
    except ValueError:
        return out
    return out | set(steps[:1])


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _walk(node, under: str | None = None):
    """Yield (key, value, parent) for every entry outside the inline rows (``datasets``, ``data.values``)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (under is None and key == "datasets") or (under == "data" and key == "values"):
                continue
            yield key, value, node
            yield from _walk(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, "")


def _datum_fields(text: str) -> tuple[set[str], bool]:
    """Columns read as ``datum.x``/``datum['x']`` in an expression, and whether ``datum`` is used otherwise."""
    found, opaque = set(), False
    for m in _DATUM.finditer(text):
        dotted, dq, sq = m.groups()
        if dotted is not None:
            found.add(dotted)
        elif dq is not None or sq is not None:
            found.add(_JS_ESCAPE.sub(r"\1", dq if dq is not None else sq))
        else:
            opaque = True  # datum[some_param] or the whole row: no telling which columns
    return found, opaque


def _encoding_fields(spec: dict) -> dict[str, set[str]]:
    """channel -> the fields encoded on it anywhere in the spec (selections may name channels, not fields)."""
    out: dict[str, set[str]] = {}
    for key, value, _ in _walk(spec):
        if key == "encoding" and isinstance(value, dict):
            for channel, defs in value.items():
                for d in defs if isinstance(defs, list) else [defs]:
                    if isinstance(d, dict) and isinstance(d.get("field"), str):
                        out.setdefault(channel, set()).add(d["field"])
    return out


def used_fields(spec: dict, fallback: bool = True) -> set[str]:
    """Every column name the spec may read outside its inline rows.

    Found by structure: ``field`` anywhere (encodings with tooltip lists, ``href``, ``detail``, ``order``,
    conditions and ``sort`` objects; filter predicates; aggregate, window, joinaggregate, bin and
    timeUnit transforms); ``fields``, ``groupby``, ``fold``, ``flatten``, ``pivot`` and its ``value``,
    ``lookup``, ``key`` (lookup ``from``), ``impute``, ``density``, ``regression``/``loess`` and ``on``,
    ``quantile``, ``extent``, ``stack``; an encoding ``aggregate`` such as ``{"argmax": field}``;
    ``repeat`` lists; a selection's ``encodings`` (the fields on those channels); and in every string,
    ``datum.x``, ``datum['x']`` and ``datum["x"]`` (filter, calculate, expr, test, labelExpr), plus the
    quoted literals of expressions (``indata('d', 'x', ...)``). A field path counts by its first step
    ("a.b" reads column "a"; "a\\\\.b" reads "a.b"), and the whole name counts too.
    With ``fallback`` (the default), every string value outside the rows counts as well, so a column
    named by a construct not listed here is kept all the same.
    """
    names: set[str] = set()
    channels = None
    for key, value, parent in _walk(spec):
        if key in _FIELD_KEYS or (key == "value" and "pivot" in parent):
            names.update(_strings(value))
        elif key == "repeat":
            for v in value.values() if isinstance(value, dict) else [value]:
                names.update(_strings(v))
        elif key == "aggregate" and isinstance(value, dict):
            names.update(v for v in value.values() if isinstance(v, str))
        elif key == "encodings" and isinstance(value, list):
            channels = _encoding_fields(spec) if channels is None else channels
            for channel in _strings(value):
                names.update(channels.get(channel, ()))
        for text in _strings(value):
            names.update(_datum_fields(text)[0])
            if key in _EXPR_KEYS:
                names.update(_JS_ESCAPE.sub(r"\1", a or b) for a, b in _LITERAL.findall(text))
            if fallback:
                names.add(text)
    return set().union(*(_column_names(n) for n in names)) if names else set()


def reads_whole_rows(spec: dict) -> bool:
    """True when the chart may read columns that no name points to; then ``prune`` drops nothing.

    That is a tooltip of the whole row (``{"content": "data"}``), a lookup that copies every column of
    another data source (no ``from.fields``), or ``datum`` used other than as ``datum.x``/``datum['x']``.
    """
    for key, value, parent in _walk(spec):
        if key == "tooltip" and isinstance(value, dict) and value.get("content") == "data":
            return True
        if key == "from" and "lookup" in parent and isinstance(value, dict) and "data" in value \
                and not value.get("fields"):
            return True
        if any(_datum_fields(text)[1] for text in _strings(value)):
            return True
    return False


def _rows(rows, keep: set[str]):
    if not isinstance(rows, list):
        return rows
    return [{k: v for k, v in r.items() if k in keep} if isinstance(r, dict) else r for r in rows]


def _prune_inline(node, keep: set[str], top: bool = False):
    """A copy of ``node`` whose inline ``data.values`` rows keep only the ``keep`` columns."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if top and key == "datasets":
                out[key] = value
            elif key == "data" and isinstance(value, dict) and isinstance(value.get("values"), list):
                out[key] = {**value, "values": _rows(value["values"], keep)}
            else:
                out[key] = _prune_inline(value, keep)
        return out
    if isinstance(node, list):
        return [_prune_inline(v, keep) for v in node]
    return node


def prune(spec: dict) -> dict:
    """A copy of the spec whose inline rows keep only the columns ``used_fields`` finds (every row kept, in order)."""
    if not isinstance(spec, dict) or reads_whole_rows(spec):
        return spec
    keep = used_fields(spec)
    out = _prune_inline(spec, keep, top=True)
    if isinstance(spec.get("datasets"), dict):
        out["datasets"] = {name: _rows(rows, keep) for name, rows in spec["datasets"].items()}
    return out
