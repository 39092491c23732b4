"""Lighter chart pages (#15): a chart's inline data holds only the columns the chart reads.

``standoff.specs.used_fields`` finds the columns a spec reads, ``prune`` drops the others, and the
renderer prunes every chart. The notebook test below reads every stored chart output of the book
(no build needed) and fails on a column that nothing in its chart reads.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from standoff.specs import prune, reads_whole_rows, split_field, used_fields

ROOT = Path(__file__).resolve().parent.parent
T = {"type": "nominal"}


def _spec(**view) -> dict:
    """A one-view spec on dataset "d" whose rows hold c, c2, c3, a and an unused column."""
    rows = [{"c": 1, "c2": 2, "c3": 3, "a": 4, "unused": "x" * 20} for _ in range(3)] + [{"c": 1, "unused": "y"}]
    return {"data": {"name": "d"}, "mark": "point", **view, "datasets": {"d": rows}}


# each construct, and the columns it reads
CONSTRUCTS = {
    "encoding field": ({"encoding": {"x": {"field": "c", **T}}}, {"c"}),
    "tooltip list": ({"encoding": {"tooltip": [{"field": "a", **T}, {"field": "c", **T}]}}, {"a", "c"}),
    "href": ({"encoding": {"href": {"field": "c", **T}}}, {"c"}),
    "detail list": ({"encoding": {"detail": [{"field": "c", **T}]}}, {"c"}),
    "order": ({"encoding": {"order": {"field": "c", "type": "quantitative"}}}, {"c"}),
    "conditional field": ({"encoding": {"color": {"condition": {"param": "p", "field": "c", **T}, "value": "grey"}}},
                          {"c"}),
    "condition test": ({"encoding": {"opacity": {"condition": {"test": "datum.c > 1", "value": 1}, "value": 0}}},
                       {"c"}),
    "sort object": ({"encoding": {"x": {"field": "a", **T, "sort": {"field": "c", "op": "sum"}}}}, {"a", "c"}),
    "argmax": ({"encoding": {"y": {"aggregate": {"argmax": "c"}, "field": "a", **T}}}, {"a", "c"}),
    "filter expression": ({"transform": [{"filter": "datum.c > 1 && datum['c2'] < 3 || datum[\"c3\"]"}]},
                          {"c", "c2", "c3"}),
    "filter predicate": ({"transform": [{"filter": {"and": ["datum.c", {"field": "c2", "oneOf": [1]}]}}]},
                         {"c", "c2"}),
    "calculate": ({"transform": [{"calculate": "datum.c * 2", "as": "twice"}]}, {"c"}),
    "expr ref": ({"mark": {"type": "text", "text": {"expr": "datum.c + ''"}}}, {"c"}),
    "param expr": ({"params": [{"name": "p", "expr": "indata('d', 'c', 1)"}]}, {"c"}),
    "labelExpr": ({"encoding": {"x": {"field": "a", **T, "axis": {"labelExpr": "datum.c"}}}}, {"a", "c"}),
    "fold": ({"transform": [{"fold": ["c", "c2"], "as": ["k", "v"]}]}, {"c", "c2"}),
    "flatten": ({"transform": [{"flatten": ["c"]}]}, {"c"}),
    "pivot and value": ({"transform": [{"pivot": "c", "value": "c2", "groupby": ["c3"]}]}, {"c", "c2", "c3"}),
    "aggregate and groupby": ({"transform": [{"aggregate": [{"op": "sum", "field": "c", "as": "s"}],
                                              "groupby": ["c2"]}]}, {"c", "c2"}),
    "window": ({"transform": [{"window": [{"op": "rank", "as": "r"}, {"op": "sum", "field": "c", "as": "s"}],
                               "sort": [{"field": "c2"}], "groupby": ["c3"]}]}, {"c", "c2", "c3"}),
    "joinaggregate": ({"transform": [{"joinaggregate": [{"op": "max", "field": "c", "as": "m"}],
                                      "groupby": ["c2"]}]}, {"c", "c2"}),
    "lookup": ({"transform": [{"lookup": "c", "from": {"data": {"name": "d"}, "key": "c2", "fields": ["c3"]}}]},
               {"c", "c2", "c3"}),
    "impute": ({"transform": [{"impute": "c", "key": "c2", "groupby": ["c3"]}]}, {"c", "c2", "c3"}),
    "density": ({"transform": [{"density": "c", "groupby": ["c2"]}]}, {"c", "c2"}),
    "regression": ({"transform": [{"regression": "c", "on": "c2"}]}, {"c", "c2"}),
    "loess": ({"transform": [{"loess": "c", "on": "c2", "groupby": ["c3"]}]}, {"c", "c2", "c3"}),
    "quantile": ({"transform": [{"quantile": "c"}]}, {"c"}),
    "stack": ({"transform": [{"stack": "c", "groupby": ["c2"], "as": ["y0", "y1"]}]}, {"c", "c2"}),
    "bin": ({"transform": [{"bin": True, "field": "c", "as": "b"}]}, {"c"}),
    "timeUnit": ({"transform": [{"timeUnit": "year", "field": "c", "as": "y"}]}, {"c"}),
    "selection fields": ({"params": [{"name": "p", "select": {"type": "point", "fields": ["c"]}}]}, {"c"}),
    "selection encodings": ({"params": [{"name": "p", "select": {"type": "point", "encodings": ["color"]}}],
                             "layer": [{"mark": "bar", "encoding": {"color": {"field": "c", **T}}}]}, {"c"}),
    "repeat list": ({"repeat": ["c", "c2"], "spec": {"mark": "bar", "encoding": {"x": {"field": {"repeat": "repeat"}}}}},
                    {"c", "c2"}),
    "repeat rows and columns": ({"repeat": {"row": ["c"], "column": ["c2"]}}, {"c", "c2"}),
    "field path": ({"encoding": {"x": {"field": "c.inner", **T}, "y": {"field": "a[0]", **T}}}, {"c", "a"}),
    "datum path": ({"transform": [{"filter": "datum.c.inner > 0"}]}, {"c"}),
}


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_each_construct_keeps_the_columns_it_reads(name):
    view, reads = CONSTRUCTS[name]
    spec = _spec(**view)
    assert reads <= used_fields(spec, fallback=False), f"{name}: not found by structure"
    out = prune(spec)
    rows = out["datasets"]["d"]
    assert len(rows) == len(spec["datasets"]["d"]) == 4  # no row dropped or merged
    assert [r.get("c") for r in rows] == [1, 1, 1, 1]
    kept = set().union(*(r.keys() for r in rows))
    assert reads <= kept and "unused" not in kept, f"{name}: kept {sorted(kept)}"
    assert {k: v for k, v in out.items() if k != "datasets"} == {k: v for k, v in spec.items() if k != "datasets"}


def test_rows_keep_their_order_and_duplicates_and_the_input_is_not_changed():
    rows = [{"c": 2, "unused": 1}, {"c": 1, "unused": 2}, {"c": 2, "unused": 3}, {"c": 2, "unused": 4}]
    spec = {"data": {"name": "d"}, "mark": "bar", "encoding": {"y": {"aggregate": "count"}, "x": {"field": "c"}},
            "datasets": {"d": rows}}
    before = json.dumps(spec)
    assert prune(spec)["datasets"]["d"] == [{"c": 2}, {"c": 1}, {"c": 2}, {"c": 2}]
    assert json.dumps(spec) == before


def test_escaped_dots_read_the_dotted_column():
    assert split_field("a\\.b") == ["a.b"] and split_field("a.b") == ["a", "b"]
    assert split_field("a['b.c'][0]") == ["a", "b.c", "0"]
    spec = _spec(encoding={"x": {"field": "c\\.d", **T}, "y": {"field": "e.f", **T}})
    for r in spec["datasets"]["d"]:
        r.update({"c.d": 1, "c": 2, "e": {"f": 3}, "e.f": 4})
    kept = set(prune(spec)["datasets"]["d"][0])
    assert {"c.d", "e"} <= kept and "c" not in kept  # e.f reads e; e.f itself is kept to be safe
    assert "c.d" in used_fields(_spec(transform=[{"filter": "datum['c.d'] > 0"}]), fallback=False)


def test_inline_values_are_pruned_in_nested_views():
    values = [{"c": 1, "unused": 2}, {"c": 3, "unused": 4}]
    spec = {"layer": [{"data": {"values": values}, "mark": "point", "encoding": {"x": {"field": "c"}}},
                      {"data": {"values": values}, "mark": "rule", "encoding": {"x": {"datum": 2}}}]}
    out = prune(spec)
    assert [v["data"]["values"] for v in out["layer"]] == [[{"c": 1}, {"c": 3}]] * 2


def test_values_outside_data_are_not_rows_and_their_strings_are_names():
    spec = _spec(encoding={"x": {"field": "a", **T, "axis": {"values": ["c"]}}})
    assert "c" in prune(spec)["datasets"]["d"][0]  # fallback: "c" appears as a value in the spec


def test_fallback_keeps_a_column_named_by_an_unknown_construct():
    spec = _spec(encoding={"x": {"field": "a", **T}}, futureTransform={"reads": "c"})
    assert "c" not in used_fields(spec, fallback=False)
    assert "c" in used_fields(spec)
    assert "c" in prune(spec)["datasets"]["d"][0]


@pytest.mark.parametrize("view", [
    {"mark": {"type": "point", "tooltip": {"content": "data"}}},
    {"config": {"mark": {"tooltip": {"content": "data"}}}},
    {"transform": [{"filter": "datum[pick] > 0"}]},
    {"transform": [{"calculate": "toString(datum)", "as": "s"}]},
    {"transform": [{"lookup": "c", "from": {"data": {"name": "d"}, "key": "c"}, "as": "row"}]},
], ids=["tooltip of the row", "config tooltip", "datum[param]", "whole datum", "lookup of every column"])
def test_charts_that_read_whole_rows_keep_every_column(view):
    spec = _spec(**view)
    assert reads_whole_rows(spec)
    assert prune(spec) == spec


def test_the_renderer_prunes():
    from standoff.theme import StableHTMLRenderer

    spec = _spec(encoding={"x": {"field": "c", **T}})
    html = StableHTMLRenderer()(spec)["text/html"]
    assert '"c":1' in html and '"unused"' not in html
    assert len(_specs_in_html(html)) == 1


# --- every stored chart of the book -------------------------------------------------------------

# the renderer's output: the chart's div, then its spec as JSON in a script element of its own
CHART = re.compile(r'<div id="(altair-viz-[0-9a-f]{32})"></div>\n'
                   r'<script type="application/json" data-standoff-chart="vega-lite">(.*?)</script>', re.S)


def _specs_in_html(text: str) -> list[tuple[str, dict]]:
    """(div id, Vega-Lite spec) of every chart in one output of ``theme.StableHTMLRenderer``."""
    return [(m.group(1), json.loads(m.group(2))) for m in CHART.finditer(text)]


def _inline_rows(spec: dict):
    """(name, rows) of every inline data source: ``datasets`` and any ``data.values``."""
    yield from (spec.get("datasets") or {}).items()
    stack = [(spec, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                yield f"{where or 'top'} data.values", data["values"]
            stack += [(v, f"{where}.{k}") for k, v in node.items() if k not in ("datasets", "data")]
        elif isinstance(node, list):
            stack += [(v, f"{where}[{i}]") for i, v in enumerate(node)]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def unread_columns(path: Path) -> tuple[list[str], int]:
    """Problems (notebook, chart div, dataset, column) for columns no part of their chart reads; and the chart count."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems, charts = [], 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            text = "".join(html) if isinstance(html, list) else (html or "")
            found = _specs_in_html(text)
            assert len(found) == text.count('<div id="altair-viz-'), f"{path.name}: a chart output was not parsed"
            for div, spec in found:
                charts += 1
                if reads_whole_rows(spec):
                    continue
                used = used_fields(spec)
                for name, rows in _inline_rows(spec):
                    cols = sorted({k for r in rows if isinstance(r, dict) for k in r} - used)
                    problems += [f"{_name(path)}: chart {div}, {name}: column {c!r} is read by nothing"
                                 for c in cols]
    return problems, charts


def _toc_notebooks() -> list[Path]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from execute_notebooks import toc_notebooks

    return toc_notebooks()


@pytest.mark.parametrize("path", _toc_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_stored_charts_carry_only_columns_they_read(path: Path):
    problems, _ = unread_columns(path)
    assert not problems, "chart data carries unread columns (run make outputs):\n" + "\n".join(problems)


def test_the_book_check_sees_every_chart():
    total = sum(unread_columns(p)[1] for p in _toc_notebooks())
    assert total >= 20, f"only {total} charts found in the notebooks' outputs: has the renderer's HTML changed?"


def test_the_book_check_fails_on_an_unread_column(tmp_path: Path):
    from standoff import theme

    spec = _spec(encoding={"x": {"field": "c", **T}})  # not pruned: as a chart before #15
    html = theme._CHART_HTML.format(div="altair-viz-" + "0" * 32, spec=json.dumps(spec), opts="{}")
    nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": None,
                     "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    crafted = tmp_path / "crafted.ipynb"
    crafted.write_text(json.dumps(nb))
    problems, charts = unread_columns(crafted)
    assert charts == 1
    assert problems == [f"crafted.ipynb: chart altair-viz-{'0' * 32}, d: column {c!r} is read by nothing"
                        for c in ("a", "c2", "c3", "unused")]


# --- the site build compiles every chart to Vega (standoff.sphinxext) -----------------------------

def test_compile_charts_turns_each_spec_into_vega_and_keeps_its_text_alternative():
    import altair as alt

    from standoff import theme

    chart = alt.Chart(alt.Data(values=[{"a": 1, "b": "</script><b>"}])).mark_point().encode(
        x="a:Q", tooltip="b:N").properties(width="container", description="A chart of a, for a screen reader")
    html = theme.StableHTMLRenderer()(chart.to_dict())["text/html"] * 2
    out, n = theme.compile_charts(html, where="page")
    assert n == 2 and out.count('data-standoff-chart="vega"') == 2 and 'data-standoff-chart="vega-lite"' not in out
    spec = json.loads(re.search(r'data-standoff-chart="vega">(.*?)</script>', out, re.S).group(1))
    assert spec["$schema"].endswith("/vega/v6.json")  # a Vega spec, for the vendored Vega 6
    assert spec["description"] == "A chart of a, for a screen reader"
    assert {"a": 1, "b": "</script><b>"} in next(d["values"] for d in spec["data"] if "values" in d)
    assert "<b>" not in out and out.count("</script>") == 4  # the label cannot end its script element
    assert theme.compile_charts(out, where="page") == (out, 0)  # compiled specs are left alone


def test_a_chart_that_does_not_compile_stops_the_build_with_its_page():
    from standoff import theme

    html = theme._CHART_HTML.format(div="altair-viz-" + "0" * 32, spec='{"mark": "no-such-mark"}', opts="{}")
    with pytest.raises(ValueError, match=r"chapters/x: chart 1 does not compile to Vega"):
        theme.compile_charts(html, where="chapters/x")
