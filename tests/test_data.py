"""The data package: good data passes, every kind of bad input fails naming file, row and field,
and the cross-checks that tie the tables together hold."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from standoff import data, tariffs
from standoff.data import DataError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DESC = json.loads((DATA / "datapackage.json").read_text())
RESOURCES = {r["name"]: r for r in DESC["resources"]}


def test_good_data_validates_and_loads():
    data.validate()
    for name in data.table_names():
        df = data.load(name)
        assert len(df) > 0, f"{name} is empty"


def test_frictionless_agrees_the_package_is_valid():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(DATA / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:10]


def test_loaded_types():
    a = data.load("tariff_actions")
    assert str(a["effective_date"].dtype).startswith("datetime64")
    assert a["resulting_rate_pct"].dtype == "float64"
    assert a["actor"].dtype == "string"
    assert data.load("trade_flows")["year"].dtype == "Int64"


def test_every_table_is_described():
    for name, res in RESOURCES.items():
        assert res.get("description"), f"{name}: no description"
        fields = res["schema"]["fields"]
        assert res["schema"].get("primaryKey"), f"{name}: no primary key"
        for f in fields:
            assert f.get("description"), f"{name}.{f['name']}: no description"
            if f["type"] in ("number", "integer") and f["name"] not in ("year", "count", "element_count"):
                assert f.get("unit"), f"{name}.{f['name']}: numeric field without a unit"
            if f["type"] == "date":
                c = f.get("constraints", {})
                assert "minimum" in c and "maximum" in c, f"{name}.{f['name']}: date without a range"
        if name != "sources":
            names = [f["name"] for f in fields]
            assert "source_id" in names, f"{name}: no source_id"
            fk = [k for k in res["schema"].get("foreignKeys", []) if k["fields"] == ["source_id"]]
            assert fk and fk[0]["reference"]["resource"] == "sources", f"{name}: source_id is not a foreign key"


def test_every_source_is_cited_and_has_a_url():
    from standoff import catalog

    cited = catalog.citing_tables()
    src = data.load("sources")
    unused = [s for s in src["source_id"] if s not in cited]
    assert unused == [], f"sources cited by no row: {unused}"
    assert src["url"].str.match(r"https?://").all()


def test_nine_in_ten_tariff_steps_cite_a_primary_document():
    """Issue 17: the key rows cite the order, notice or announcement itself (document_id or a primary source)."""
    a = data.load("tariff_actions")
    kind = data.sources()["kind"]
    primary = (a["document_id"].notna() | a["source_id"].map(kind).eq("primary")
               | a["source_id_2"].map(kind).eq("primary"))
    assert primary.mean() >= 0.9, a.loc[~primary, "action_id"].tolist()


# trade_flows years with no primary source, and why. The primary document would be the Census Bureau/BEA release
# "U.S. International Trade in Goods and Services, December <year>", whose paragraph on China gives the year's
# exports, imports and deficit. The search store holds only the opening pages of the few copies of these releases
# it has (bea.gov, FRASER), and the paragraph on China is further down; so these rows cite news reports of the
# release (data/notes/leverage.md, "Primary releases for trade_flows").
TRADE_YEARS_WITHOUT_PRIMARY = {
    2018: "no stored copy of the December 2018 release (6 Mar 2019) found; AFP and American Ag Network report it",
    2020: "row combines vintages (USTR text via euobiz, Reuters); no primary copy of any of them was read",
    2021: "no stored copy of the December 2021 release (8 Feb 2022) found; Reuters and CNSNews report it",
    2022: "December 2022 release (7 Feb 2023): only its opening is readable (FRASER), not the China paragraph; "
          "ChinaFile and VOA report it",
    2023: "no stored copy of the December 2023 release (7 Feb 2024) found; CPA and China Pulse report it",
    2024: "December 2024 release (5 Feb 2025, bea.gov): only its opening is readable, not the China paragraph; "
          "El País and Estadão report it",
}


def _trade_years_stated_by_chapters() -> set[int]:
    """Years of trade_flows the chapters state: in leverage's prose (base year, first year, year of the largest
    deficit) and chart (every year drawn), and strategy's trade year."""
    from standoff.chapters import leverage, strategy

    facts = leverage.leverage_facts(leverage.load_tables())
    prose = {facts["base_year"], facts["first_year"], facts["worst_deficit_year"], strategy.TRADE_YEAR}
    chart = set(leverage.trade_data(data.load("trade_flows"))["year"])
    return {int(y) for y in prose | chart}


def test_trade_years_the_chapters_state_cite_a_primary_source():
    """Issue 17: each trade year a chapter states has a primary source (document_id, or a primary source_id or
    source_id_2), or is listed in TRADE_YEARS_WITHOUT_PRIMARY with the reason; a listed year that has since
    gained a primary source must leave the list."""
    t = data.load("trade_flows").set_index("year")
    kind = data.sources()["kind"]
    primary = (t["document_id"].notna() | t["source_id"].map(kind).eq("primary")
               | t["source_id_2"].map(kind).eq("primary")).fillna(False)
    stated = _trade_years_stated_by_chapters()
    assert {2016, 2018, 2024} <= stated, stated  # ratio in 2016, largest deficit in 2018, base year 2024
    missing = sorted(y for y in stated if not primary.get(y, False) and y not in TRADE_YEARS_WITHOUT_PRIMARY)
    assert missing == [], f"trade years stated without a primary source or a listed reason: {missing}"
    stale = sorted(y for y in TRADE_YEARS_WITHOUT_PRIMARY if primary.get(y, False))
    assert stale == [], f"these years now have a primary source; remove them from TRADE_YEARS_WITHOUT_PRIMARY: {stale}"
    assert all(len(why) > 20 for why in TRADE_YEARS_WITHOUT_PRIMARY.values())


def test_derived_values_say_how():
    for name in data.table_names():
        df = data.load(name)
        if "derived" in df.columns:
            assert "derived_method" in df.columns, name
            bad = df[df["derived"].fillna(False) & df["derived_method"].isna()]
            assert bad.empty, f"{name}: derived rows without derived_method: {bad.index.tolist()}"


def test_data_as_of_covers_the_events():
    """No event date lies after data_as_of (scheduled dates may, with an unknown outcome)."""
    from standoff import checks

    desc, tables = data.package()
    assert checks.violations(desc, tables) == []
    as_of = pd.Timestamp(data.data_as_of())
    for name in ("tariff_actions", "contacts", "statements"):
        df = data.load(name)
        for col in df.columns:
            if str(df[col].dtype).startswith("datetime") and col not in ("planned_date",):
                assert df[col].max() <= as_of, f"{name}.{col} has dates after data_as_of {as_of.date()}"


# ---- honesty rules (standoff/checks.py): each broken rule names file, row, field and rule ------------

def _copy_table(tmp_path: Path, table: str):
    """A copy of data/ under tmp_path; returns (folder, resource, CSV path, rows, header) of ``table``."""
    bad = tmp_path / "data"
    shutil.copytree(DATA, bad)
    res = RESOURCES[table]
    path = bad / res["path"]
    rows = _rows(path)
    return bad, res, path, rows, rows[0]


def _break(tmp_path: Path, table: str, key: str, changes: dict, as_of: str | None = None,
           first: bool = True, monkeypatch=None):
    """Change one row of a copy of data/; return the DataError raised (first=True) or, with first=False,
    (CSV line of the row, every violation of the honesty rules) found with the rules not raising."""
    from standoff import checks

    bad, res, path, rows, header = _copy_table(tmp_path, table)
    pk = res["schema"]["primaryKey"]
    pk = pk[0] if isinstance(pk, list) else pk
    line = next(i for i, r in enumerate(rows) if i and r[header.index(pk)] == key) + 1
    for field, value in changes.items():
        rows[line - 1][header.index(field)] = value
    _write(path, rows)
    if as_of:
        desc = json.loads((bad / "datapackage.json").read_text())
        desc["data_as_of"] = as_of
        (bad / "datapackage.json").write_text(json.dumps(desc))
    if not first:
        monkeypatch.setattr(checks, "check", lambda *a: None)
        desc, tables = data.package(bad)
        return line, checks.violations(desc, tables)
    with pytest.raises(DataError) as err:
        data.validate(bad)
    err.value.line = line
    return err.value


def _first_row(table: str, **where) -> dict:
    with (DATA / RESOURCES[table]["path"]).open(newline="", encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if all(r[k] == v for k, v in where.items()))


def test_rule_scheduled_date_needs_an_outcome(tmp_path: Path):
    row = _first_row("rare_earth_controls", status="suspended")
    e = _break(tmp_path, "rare_earth_controls", row["measure_id"], {"outcome": ""})
    assert e.file == "rare_earth_controls.csv" and e.row == e.line and e.field == "outcome", str(e)
    assert "scheduled-has-outcome" in str(e) and f"row {e.line}" in str(e)


def test_rule_unknown_outcome_must_say_why(tmp_path: Path):
    row = _first_row("rare_earth_controls", status="suspended")
    e = _break(tmp_path, "rare_earth_controls", row["measure_id"], {"outcome": "Unknown as of data_as_of"})
    assert e.field == "outcome" and "must say why" in str(e)


def test_rule_a_past_scheduled_date_cannot_stay_scheduled(tmp_path: Path):
    row = _first_row("tariff_actions", status="threatened")
    e = _break(tmp_path, "tariff_actions", row["action_id"],
               {"status": "scheduled", "outcome": "Unknown as of data_as_of: not reported"})
    assert e.file == "tariff_actions.csv" and e.field == "status" and "scheduled-has-outcome" in str(e)


def test_rule_an_outcome_after_data_as_of_can_only_be_unknown(tmp_path: Path, monkeypatch):
    row = _first_row("rare_earth_controls", status="suspended")
    line, found = _break(tmp_path, "rare_earth_controls", row["measure_id"], {"outcome": "Renewed for a year."},
                         as_of="2025-12-31", first=False, monkeypatch=monkeypatch)
    assert any(f == "rare_earth_controls.csv" and n == line and fld == "outcome"
               and "can only be 'Unknown as of data_as_of" in m for f, n, fld, m in found), found


def test_rule_no_row_dated_after_its_sources(tmp_path: Path):
    row = _first_row("statements", statement_id="st-03")
    e = _break(tmp_path, "statements", "st-03", {"date": "2025-05-30"})
    assert e.file == "statements.csv" and e.field == "date" and "dated-after-source" in str(e), str(e)
    assert row["source_id"] in str(e)


def test_rule_no_event_after_data_as_of(tmp_path: Path, monkeypatch):
    line, found = _break(tmp_path, "statements", "st-03", {}, as_of="2025-04-01", first=False,
                         monkeypatch=monkeypatch)
    assert any(f == "statements.csv" and n == line and "event-not-after-as-of" in m for f, n, fld, m in found), found


def test_rule_coverage_count_catches_a_missing_contact(tmp_path: Path):
    bad = tmp_path / "data"
    shutil.copytree(DATA, bad)
    rows = _rows(bad / "contacts.csv")
    h = rows[0]
    rows = [r for r in rows if r[h.index("contact_id")] != "2017-10-25-trump-xi-call"]
    _write(bad / "contacts.csv", rows)
    with pytest.raises(DataError) as err:
        data.validate(bad)
    e = err.value
    assert e.file == "coverage_checks.csv" and e.field == "expected_count" and "coverage-count" in str(e), str(e)


def test_rule_initiator_needs_evidence(tmp_path: Path):
    row = _first_row("contacts", initiated_by="US")
    e = _break(tmp_path, "contacts", row["contact_id"], {"initiated_evidence": ""})
    assert e.file == "contacts.csv" and e.field == "initiated_evidence" and "initiator-has-evidence" in str(e)


# ---- cross-checks -----------------------------------------------------------------------------

def test_exports_minus_imports_equals_balance():
    t = data.load("trade_flows")
    diff = (t["us_exports_bn"] - t["us_imports_bn"] - t["balance_bn"]).abs()
    assert (diff <= 0.15).all(), t.loc[diff > 0.15, ["year", "us_exports_bn", "us_imports_bn", "balance_bn"]]


def test_phase_one_categories_sum_to_total_and_years_to_two_year_amount():
    p = data.load("phase_one")
    add = p[p["measure"] == "additional_commitment"].set_index(["category", "period"])["value"]
    cats = ["manufactured_goods", "agriculture", "energy", "services"]
    for period in ("2020", "2021", "2020-21"):
        assert sum(add[(c, period)] for c in cats) == pytest.approx(add[("total", period)], abs=0.05)
    for c in cats + ["total"]:
        assert add[(c, "2020")] + add[(c, "2021")] == pytest.approx(add[(c, "2020-21")], abs=0.05)
    tgt = p[p["measure"] == "total_target"].set_index("period")["value"]
    assert tgt["2020"] + tgt["2021"] == pytest.approx(tgt["2020-21"], abs=0.05)


def test_april_2025_us_layers_sum_to_145():
    a = data.load("tariff_actions").set_index("action_id")
    reciprocal = a.loc["us-2025-04-10-reciprocal-125", "resulting_rate_pct"]
    fentanyl = a.loc["us-2025-03-04-fentanyl-20", "resulting_rate_pct"]
    assert (reciprocal, fentanyl) == (125, 20)
    assert tariffs.rate_on(data.load("tariff_actions"), "US", "2025-04-10") == reciprocal + fentanyl == 145


def test_rate_changes_chain_within_each_layer():
    """Each applied step's resulting rate = the layer's previous rate + its change."""
    a = data.load("tariff_actions")
    a = a[(a["status"] == "applied") & a["effective_date"].notna() & a["rate_change_pp"].notna()]
    for _layer, g in a.sort_values("effective_date").groupby("layer"):
        prev = None
        for _, r in g.iterrows():
            if prev is not None:
                assert prev + r["rate_change_pp"] == pytest.approx(r["resulting_rate_pct"]), r["action_id"]
            prev = r["resulting_rate_pct"]


def test_applied_steps_have_effective_dates_and_others_do_not():
    a = data.load("tariff_actions")
    applied = a[a["status"] == "applied"]
    assert applied["effective_date"].notna().all()
    never = a[a["status"].isin(["threatened", "cancelled"])]
    assert never["effective_date"].isna().all(), never["action_id"].tolist()
    assert never["planned_date"].notna().all()


# ---- bad input ------------------------------------------------------------------------------

def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _first_field(res: dict, types: tuple[str, ...]) -> str | None:
    return next((f["name"] for f in res["schema"]["fields"] if f["type"] in types), None)


def _cases():
    for name, res in RESOURCES.items():
        names = [f["name"] for f in res["schema"]["fields"]]
        if _first_field(res, ("date",)):
            yield name, "bad date"
        if _first_field(res, ("number", "integer")):
            yield name, "non-numeric"
        if name != "sources":
            yield name, "unknown source_id"
        if "source_id_2" in names:
            yield name, "broken foreign key"
        yield name, "duplicate key"
        yield name, "missing column"


@pytest.mark.parametrize(("table", "case"), list(_cases()), ids=lambda x: str(x))
def test_bad_input_names_file_row_and_field(tmp_path: Path, table: str, case: str):
    bad, res, path, rows, header = _copy_table(tmp_path, table)
    row = 3  # CSV line number of the row we break (the header is line 1)
    if case == "bad date":
        field = _first_field(res, ("date",))
        rows[row - 1][header.index(field)] = "2025-13-40"
    elif case == "non-numeric":
        field = _first_field(res, ("number", "integer"))
        rows[row - 1][header.index(field)] = "12%"
    elif case in ("unknown source_id", "broken foreign key"):
        field = "source_id" if case == "unknown source_id" else "source_id_2"
        rows[row - 1][header.index(field)] = "no-such-source"
    elif case == "duplicate key":
        rows.insert(row - 1, list(rows[1]))  # a copy of the first data row becomes line `row`
        field = ",".join(res["schema"]["primaryKey"]) if isinstance(res["schema"]["primaryKey"], list) else res["schema"]["primaryKey"]
    elif case == "missing column":
        field = "source_id" if "source_id" in header else header[-1]
        i = header.index(field)
        rows = [r[:i] + r[i + 1:] for r in rows]
        row = 1
    _write(path, rows)
    with pytest.raises(DataError) as err:
        data.validate(bad)
    e = err.value
    msg = str(e)
    assert e.file == res["path"] and f"data/{res['path']}" in msg, msg
    assert e.row == row and f"row {row}" in msg, msg
    assert e.field == field and f"'{field}'" in msg, msg


def test_bad_descriptor_is_reported(tmp_path: Path):
    bad = tmp_path / "data"
    shutil.copytree(DATA, bad)
    (bad / "datapackage.json").write_text("{ not json")
    with pytest.raises(DataError, match="datapackage.json"):
        data.validate(bad)


def test_blank_required_cell_and_enum(tmp_path: Path):
    bad = tmp_path / "data"
    shutil.copytree(DATA, bad)
    rows = _rows(bad / "tariff_actions.csv")
    h = rows[0]
    rows[1][h.index("status")] = "rumoured"
    rows[2][h.index("actor")] = ""
    _write(bad / "tariff_actions.csv", rows)
    with pytest.raises(DataError, match=r"row 2, field 'status': 'rumoured' is not one of"):
        data.validate(bad)


def test_glossary_page_is_generated_from_the_data():
    from standoff import catalog

    page = ROOT / catalog.GLOSSARY_PAGE
    assert page.read_text(encoding="utf-8") == catalog.glossary_markdown(), \
        f"{catalog.GLOSSARY_PAGE} is stale: run `make outputs` (scripts/glossary.py)"
    g = data.load("glossary")
    assert len(g) >= 25 and g["definition"].str.split().str.len().max() <= 60
