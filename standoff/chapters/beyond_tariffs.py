"""Leverage II: beyond tariffs. Tidy tables, charts and facts for the chapter on the levers other than trade:
rare earths, Treasuries, US companies' China sales, blacklists and probes, and the scorecard of every lever.

Each ``*_data`` function returns the tidy table behind one chart (sources joined, so the page's
data table and the chart show the same rows); each ``*_chart`` takes that table and returns an
Altair chart with a text alternative, tooltips naming the source and ``href`` to it.
``beyond_tariffs_facts`` computes every number the chapter's prose uses.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from .. import checks, data, tariffs
from ..charts import (
    PLOT_NARROW,
    ROW_DROP,
    ROW_STEP,
    SOURCE_TIP,
    mapped_color,
    month_axis,
    row_labels,
    row_y,
    top_legend,
)
from ..fmt import day as _day
from ..theme import SIDE_COLORS, WIDTH
from . import leverage

HOLDER_COLORS = {"China": SIDE_COLORS["China"], "Japan": "#8a62b8", "United Kingdom": "#2e8a57"}
# the scorecard's status categories (the status text itself says which applies)
STATUS_CATEGORIES = ("used", "used, later suspended or eased", "threatened", "not established")
NTM_STATUS_COLORS = {"in force / announced": "#2e8a57", "suspended, lifted or closed": "#b8860b",
                     "reported or preliminary": "#7a7a7a"}


# --------------------------------------------------------------------------------------------
# 3b. Rare earths
# --------------------------------------------------------------------------------------------
RE_SHORT = {
    "US net import reliance, rare-earth compounds and metals": "US net import reliance",
    "China share of US imports of rare-earth compounds and metals": "China's share of US imports",
    "China share of US rare-earth imports (single year)": "China's share of US imports, trade data",
    "China share of US yttrium imports": "China's share of US yttrium imports",
    "China share of world mine production (USGS)": "China's share of world mining, USGS",
    "China share of world mine production (IEA)": "China's share of world mining, IEA",
    "China share of world processing (IEA)": "China's share of world processing, IEA",
}


def rare_earth_share_data(ind: pd.DataFrame) -> pd.DataFrame:
    df = data.with_sources(ind[ind["unit"] == "percent"].copy())
    df["period_text"] = df["period"].str.replace("reported-", "reported ", regex=False)
    df["label"] = df["indicator"].map(lambda i: RE_SHORT.get(i, i)) + " (" + df["period_text"] + ")"
    df["group"] = df["indicator"].map(
        lambda s: "US dependence" if s.startswith("US net import") else
        ("China's share of US imports" if "of US" in s else "China's share of world supply"))
    df["value_text"] = df.apply(lambda r: (">" if r["comparator"] == ">" else "") + f"{r['value']:g} %", axis=1)
    return df.reset_index(drop=True)


def rare_earth_share_chart(df: pd.DataFrame) -> alt.LayerChart:
    colors = {"US dependence": SIDE_COLORS["US"], "China's share of US imports": "#8a62b8",
              "China's share of world supply": SIDE_COLORS["China"]}
    y = row_y("label:N", list(df["label"]))
    x = alt.X("value:Q", title="Percent", scale=alt.Scale(domain=[0, 115]))
    tip = [alt.Tooltip("label:N", title="Indicator"), alt.Tooltip("value_text:N", title="Value"),
           alt.Tooltip("note:N", title="Note"), SOURCE_TIP]
    bars = alt.Chart(df).mark_bar(height=14, yOffset=ROW_DROP).encode(
        x=x, y=y, color=mapped_color("group:N", colors, stack=True), tooltip=tip, href="source_url:N")
    text = alt.Chart(df).mark_text(align="left", dx=4, dy=ROW_DROP).encode(x=x, y=y, text="value_text:N")
    names = row_labels(df, y, "label:N", tooltip=tip, href="source_url:N")
    return alt.layer(bars, text, names).properties(
        width=WIDTH, height=alt.Step(ROW_STEP),
        description=("Horizontal bar chart of rare-earth indicators in percent, each named above its bar: US net "
                     "import reliance by year (USGS), China's share of US rare-earth imports, and China's share of "
                     "world mining and processing (USGS, IEA). '>' marks a value the source states as 'exceeded'."))


def rare_earth_controls_data(controls: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """One bar per measure: from announcement to the end of what the data shows (or the suspension)."""
    as_of = pd.Timestamp(as_of or data.data_as_of())
    susp = controls[controls["category"] == "suspension"]
    susp_date = susp["announced_date"].min() if not susp.empty else pd.NaT
    df = data.with_sources(controls.sort_values("announced_date"))
    df["short"] = (df["measure_number"].fillna("critical minerals")
                   .str.replace("MOFCOM/GAC ", "", regex=False).str.replace("MOFCOM ", "", regex=False)
                   .str.replace(" (2025)", "", regex=False))
    df["label"] = df["announced_date"].dt.strftime("%-d %b %Y") + ": " + df["short"]
    df["end"] = as_of
    susp_rows = df["status"] == "suspended"
    df.loc[susp_rows, "end"] = susp_date
    df["elements_text"] = df["elements"].fillna("").str.replace(";", ", ")
    df["count_text"] = df["element_count"].map(lambda v: "" if pd.isna(v) else f"{int(v)} elements")
    df["effective_text"] = df["effective_date"].dt.strftime("%-d %b %Y").fillna("not stated")
    df["until_text"] = df["suspended_until"].dt.strftime("%-d %b %Y").fillna("")
    df["outcome_text"] = df["outcome"].fillna("")
    df["status_label"] = df["status"].map({"in force": "in force", "suspended": "suspended",
                                           "not stated": "status not stated"})
    return df.reset_index(drop=True)


def rare_earth_controls_chart(df: pd.DataFrame) -> alt.LayerChart:
    colors = {"in force": "#2e8a57", "suspended": "#b8860b", "status not stated": "#7a7a7a"}
    df = df.assign(name=df["label"] + df["count_text"].map(lambda v: f" ({v})" if v else ""))
    y = row_y("label:N", list(df["label"]))
    x = alt.X("announced_date:T", title=None, axis=month_axis(pd.concat([df["announced_date"], df["end"]])))
    tip = [alt.Tooltip("label:N", title="Measure"), alt.Tooltip("category:N", title="Kind"),
           alt.Tooltip("count_text:N", title="Count"), alt.Tooltip("elements_text:N", title="Elements"),
           alt.Tooltip("effective_text:N", title="Effective"), alt.Tooltip("status_label:N", title="Status"),
           alt.Tooltip("until_text:N", title="Suspended until"), alt.Tooltip("outcome_text:N", title="After that date"),
           SOURCE_TIP]
    color = mapped_color("status_label:N", colors, title="Status (latest source)")
    bar = alt.Chart(df).mark_bar(height=10, opacity=0.55, yOffset=ROW_DROP).encode(
        x=x, x2="end:T", y=y, color=color, tooltip=tip, href="source_url:N")
    pts = alt.Chart(df).mark_point(filled=True, size=110, shape="diamond", yOffset=ROW_DROP).encode(
        x=x, y=y, color=color, tooltip=tip, href="source_url:N")
    names = row_labels(df, y, "name:N", tooltip=tip, href="source_url:N")
    return alt.layer(bar, pts, names).properties(
        width=WIDTH, height=alt.Step(ROW_STEP),
        description=("Timeline of China's export controls on rare earths and other critical minerals since 2025: "
                     "each measure starts at its announcement (diamond) and runs to its suspension or to the end of "
                     "the data; colour gives its status, and the tooltip says what is known of each suspension's "
                     "end. Each measure is named above its bar, with the number of elements it covers where "
                     "stated."))


# --------------------------------------------------------------------------------------------
# 3c. Treasuries
# --------------------------------------------------------------------------------------------
def treasury_data(holdings: pd.DataFrame) -> pd.DataFrame:
    df = data.with_sources(holdings.sort_values(["holder", "date"]))
    df["month"] = df["date"].dt.strftime("%b %Y")
    return df.reset_index(drop=True)


def treasury_chart(df: pd.DataFrame) -> alt.LayerChart:
    pick = alt.selection_point(name="holder_pick", fields=["holder"], bind="legend")
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0))
    y = alt.Y("holdings_bn:Q", title="US Treasuries held, end of month (USD bn)")
    color = mapped_color("holder:N", HOLDER_COLORS)
    fade = alt.condition(pick, alt.value(1), alt.value(0.15))
    tip = [alt.Tooltip("holder:N", title="Holder (as attributed by TIC)"), alt.Tooltip("month:N", title="Month"),
           alt.Tooltip("holdings_bn:Q", title="USD bn", format=",.1f"), alt.Tooltip("note:N", title="Note"), SOURCE_TIP]
    line = alt.Chart(df).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, opacity=fade)
    pts = alt.Chart(df).mark_point(filled=True, size=40).encode(x=x, y=y, color=color, opacity=fade,
                                                                 tooltip=tip, href="source_url:N")
    return alt.layer(line, pts).add_params(pick).properties(
        width=WIDTH, height=300,
        description=(f"Line chart of US Treasury securities attributed to mainland China, Japan and the United "
                     f"Kingdom by the Treasury's TIC data, {df['date'].min():%B %Y} to {df['date'].max():%B %Y}, "
                     "at the months sourced; lines join dated points and show nothing between them."))


# --------------------------------------------------------------------------------------------
# 3d. Company exposure
# --------------------------------------------------------------------------------------------
def company_data(exposure: pd.DataFrame) -> pd.DataFrame:
    """One row per company (full fiscal year 2024); undisclosed shares stay empty, never zero."""
    df = exposure[exposure["fiscal_year"] == "FY2024"].copy()
    df = data.with_sources(df)

    def text(r):
        if pd.isna(r["share_pct"]):
            return "not disclosed" if r["disclosed"] is False else "not established"
        t = ("≈" if r["approximate"] else "") + f"{r['share_pct']:g} %"
        return t + (" (weak source)" if r["company"] == "Starbucks" else "")
    df["share_text"] = df.apply(text, axis=1)
    df["china_text"] = df["china_revenue_m"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    df["x0"] = 0.0
    return df.reset_index(drop=True)


def company_chart(df: pd.DataFrame) -> alt.LayerChart:
    y = alt.Y("company:N", title=None, sort=list(df["company"]))
    x = alt.X("share_pct:Q", title=["China revenue as % of company revenue", "(company's own definition)"],
              scale=alt.Scale(domain=[0, 30]))
    tip = [alt.Tooltip("company:N", title="Company"), alt.Tooltip("fiscal_year:N", title="Period"),
           alt.Tooltip("share_text:N", title="China share"), alt.Tooltip("china_text:N", title="China revenue (USD m)"),
           alt.Tooltip("segment_definition:N", title="Definition"), SOURCE_TIP]
    bars = alt.Chart(df).mark_bar(color=SIDE_COLORS["China"], height=22).encode(
        x=x, y=y, opacity=alt.condition("datum.approximate", alt.value(0.45), alt.value(1)),
        tooltip=tip, href="source_url:N")
    text = alt.Chart(df).transform_calculate(xpos="isValid(datum.share_pct) ? datum.share_pct : 0").mark_text(
        align="left", dx=5).encode(x=alt.X("xpos:Q"), y=y, text="share_text:N", tooltip=tip, href="source_url:N")
    return alt.layer(bars, text).properties(
        width=WIDTH, height=alt.Step(36),
        description=("Bar chart of the share of revenue from China (each company's definition) in fiscal 2024: "
                     "Apple, Tesla, Starbucks (approximate, weak source, pale bar) and Caterpillar, which does not "
                     "disclose it (no bar, labelled 'not disclosed')."))


# --------------------------------------------------------------------------------------------
# 3e. Blacklists and other measures against firms
# --------------------------------------------------------------------------------------------
INSTRUMENT_LABELS = {
    "unreliable_entity_list": "Unreliable entity list", "export_control_list": "Export control list",
    "antitrust_probe": "Antitrust probe", "anti_dumping_probe": "Anti-dumping probe", "import_ban": "Import ban",
    "export_ban": "Export ban", "port_fees": "Port fees", "entity_list": "US Entity List",
    "sanctions": "Sanctions", "export_control_rule": "Export control rule",
    "military_company_list": "Pentagon 1260H list", "procurement_ban": "Government procurement ban",
}


def blacklist_data(ntm: pd.DataFrame) -> pd.DataFrame:
    df = data.with_sources(ntm.sort_values("date"))
    missing = sorted(set(df["instrument"]) - set(INSTRUMENT_LABELS))
    if missing:
        raise ValueError(f"non_tariff_measures: no label for instrument(s) {missing} in standoff.chapters.beyond_tariffs.INSTRUMENT_LABELS")
    df["instrument_label"] = df["instrument"].map(INSTRUMENT_LABELS)
    df["row"] = df["actor"] + ": " + df["instrument_label"]
    df["status_group"] = df["status"].map(lambda s: "suspended, lifted or closed" if s in ("suspended", "lifted", "closed") else
                                          ("reported or preliminary" if s in ("reported", "preliminary finding")
                                           else "in force / announced"))
    df["count_text"] = df["count"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    df["size"] = df["count"].fillna(1).astype(float)
    df["date_label"] = df["date"].dt.strftime("%-d %b %Y") + " (" + df["date_type"] + ")"
    df["until_text"] = (df["scheduled_end"].dt.strftime("%-d %b %Y") + ": " + df["outcome"]).fillna("")
    return df.reset_index(drop=True)


def blacklist_chart(df: pd.DataFrame) -> alt.LayerChart:
    rows = sorted(df["row"].unique(), key=lambda r: (not r.startswith("China"), r))
    y = row_y("row:N", rows)
    x = alt.X("date:T", title=None, axis=month_axis(df["date"], offset=6))
    tip = [alt.Tooltip("row:N", title="Measure"), alt.Tooltip("date_label:N", title="Date"),
           alt.Tooltip("targets:N", title="Targets"), alt.Tooltip("count_text:N", title="Count (as stated)"),
           alt.Tooltip("status:N", title="Status"), alt.Tooltip("until_text:N", title="Suspended until"),
           alt.Tooltip("note:N", title="Note"), SOURCE_TIP]
    # the largest circle is 28 px across: rows 6 px higher than ROW_STEP, circles 3 px lower (clear of the names),
    # the x-axis 6 px lower (clear of the last row's circles)
    pts = alt.Chart(df).mark_circle(opacity=0.8, stroke="#ffffff", strokeWidth=0.5, yOffset=ROW_DROP + 3).encode(
        x=x, y=y, color=mapped_color("status_group:N", NTM_STATUS_COLORS, title="Status", stack=True),
        size=alt.Size("size:Q", title="Entities or items", scale=alt.Scale(range=[40, 600]),
                      legend=top_legend(stack=True, values=[5, 20, 80])),
        tooltip=tip, href="source_url:N")
    names = row_labels(df.drop_duplicates("row"), y, "row:N")
    return alt.layer(pts, names).properties(
        width=WIDTH, height=alt.Step(ROW_STEP + 6),
        description=(f"Timeline of measures against the other side's firms, {df['date'].min():%B %Y} to "
                     f"{df['date'].max():%B %Y}: China's unreliable-entity and export-control list additions, "
                     "probes, bans, port fees, sanctions and procurement ban, and US Entity List, 1260H and other "
                     "actions, each kind of measure on a row named above it. Circle size is the number of entities "
                     "or items where stated; colour is the status "
                     "(suspended, lifted or closed measures together)."))


# --------------------------------------------------------------------------------------------
# 4. Scorecard
# --------------------------------------------------------------------------------------------
SCORE_COLUMNS = ("Lever", "Held by", "How big (units the data supports)", "Used, threatened or suspended?")


def _wrap(s: str, width: int = 30) -> str:
    return "\n".join(textwrap.wrap(s, width)) or s


def _until(end, outcome) -> str:
    """"until <end>" and, where the data says what followed is unknown, that our sources stop before that date (it
    may be past when the page is read)."""
    text = f"until {_day(end)}"
    if isinstance(outcome, str) and checks.UNKNOWN.match(outcome):
        text += " (our sources stop before that date)"
    return text


def _month(value: str) -> str:
    """A status date as the data gives it ("2025-11" or "2025-11-10") in words."""
    return f"{pd.Timestamp(value):%B %Y}" if len(value) == 7 else _day(value)


def _months(dates: pd.Series) -> str:
    """The span of ``dates`` in months: "January–October 2025" (or "March 2025" for one month)."""
    lo, hi = dates.min(), dates.max()
    if (lo.year, lo.month) == (hi.year, hi.month):
        return f"{lo:%B %Y}"
    return f"{lo:%B}–{hi:%B %Y}" if lo.year == hi.year else f"{lo:%B %Y}–{hi:%B %Y}"


def scorecard_data(tables: dict) -> pd.DataFrame:
    """Long table: one row per lever and column, each cell with its own source."""
    f = {**leverage.leverage_facts(tables), **beyond_tariffs_facts(tables)}
    act = tables["tariff_actions"].set_index("action_id")
    flows = tables["trade_flows"]
    src_2024 = flows[flows["year"] == f["base_year"]]["source_id"].iloc[0]
    us_peak, cn_peak = tariffs.peak(tables["tariff_actions"], "US"), tariffs.peak(tables["tariff_actions"], "China")
    soy24 = tables["soybean_exports"].query("preferred and year == 2024 and basis == 'calendar_year'").iloc[0]
    ev = tables["soybean_events"].set_index("event_id")
    ind = tables["rare_earth_indicators"].set_index(["indicator", "period"])
    rec = tables["rare_earth_controls"].set_index("measure_id")
    ntm = tables["non_tariff_measures"].set_index("measure_id")
    comp = tables["company_exposure"].set_index(["company", "fiscal_year"])
    tre = tables["treasury_holdings"]
    latest_cn = tre[tre["holder"] == "China"].sort_values("date").iloc[-1]
    threat = act.loc["us-2025-11-01-100pct-threat"]
    halt = ev.loc["purchase-halt-2025-05"]
    cn_lists = ntm[(ntm["actor"] == "China") & ntm["instrument"].isin(["unreliable_entity_list", "export_control_list"])
                   & (ntm["date"].dt.year == 2025)]
    probes = ntm[(ntm["actor"] == "China") & ntm["instrument"].isin(["antitrust_probe", "anti_dumping_probe"])]
    n_antitrust = int((probes["instrument"] == "antitrust_probe").sum())
    fees, hanwha = ntm.loc["cn-2025-10-14-port-fees"], ntm.loc["cn-2025-10-14-hanwha"]
    affiliates = ntm.loc["us-2025-09-29-affiliates-rule"]
    entity = ntm.loc["us-2025-03-25-entity-list"]
    illumina = ntm.loc["cn-2025-03-04-illumina-ban"]
    levers = [
        ("Tariff on all goods from China", "US",
         (f"{f['imports_2024']:.1f} bn of US imports from China ({f['base_year']})", src_2024),
         ("used", f"used: up to {f['us_peak_rate']} % from {f['us_peak_date']}", us_peak["source_id"])),
        ("Tariff on all goods from the US", "China",
         (f"{f['exports_2024']:.1f} bn of US exports to China ({f['base_year']})", src_2024),
         ("used", f"used: up to {f['cn_peak_rate']} % from {f['cn_peak_date']}", cn_peak["source_id"])),
        (f"Further US tariff (threatened {_day(threat['announced_date'])})", "US",
         (f"{int(threat['resulting_rate_pct'])} % more on the same {f['imports_2024']:.0f} bn", src_2024),
         ("threatened", "threatened, never applied", threat["source_id"])),
        ("Soybean purchases", "China",
         (f"{soy24['value_bn']:g} bn of US soybeans (2024); {f['soy_us_share_2024']:g} % of China's imports",
          soy24["source_id"]),
         ("used, later suspended or eased",
          f"used: no purchases after {halt['date']:%B %Y}; resumption announced by Trump "
          f"{_day(ev.loc['resumption-2025-10-30', 'date'])}",
          ev.loc["resumption-2025-10-30", "source_id"])),
        ("Rare-earth export licensing", "China",
         (f"China {f['re_processing_share']:g} % of world processing (IEA); US reliance {f['re_reliance_2024']:g} % (2024)",
          ind.loc[("China share of world processing (IEA)", "reported-2025-06"), "source_id"]),
         ("used", f"used: {f['re_april_elements']} elements licensed since {f['re_april_date']}, still in force",
          rec.loc["cn-2025-04-04-ann18", "source_id_2"])),
        (f"Rare-earth expansion ({rec.loc['cn-2025-10-09-ann57', 'announced_date']:%B %Y})", "China",
         (f"{f['re_october_elements']} more elements, a rule reaching foreign-made goods, technology controls",
          rec.loc["cn-2025-10-09-ann57", "source_id"]),
         ("used, later suspended or eased",
          "announced, then suspended " + _until(rec.loc["cn-2025-10-09-ann57", "suspended_until"],
                                                rec.loc["cn-2025-10-09-ann57", "outcome"]),
          rec.loc["cn-2025-11-07-ann70", "source_id"])),
        ("Entity blacklists (UEL, export-control list)", "China",
         (f"{f['cn_listed_entities']} entities listed in {f['cn_list_actions']} actions (2025)",
          ntm.loc["cn-2025-03-04-uel", "source_id"]),
         ("used", f"used, {_months(cn_lists['date'])}", ntm.loc["cn-2025-10-09-uel", "source_id"])),
        ("Probes and bans on US firms", "China",
         (f"{f['cn_probes']} probes ({n_antitrust} antitrust, {f['cn_probes'] - n_antitrust} anti-dumping); "
          f"{f['cn_probes_dropped']} later suspended or closed", ntm.loc["cn-2024-12-09-nvidia-probe", "source_id"]),
         ("used", f"used; Illumina ban reported {illumina['status']} ({_month(illumina['status_date'])})",
          ntm.loc["cn-2025-03-04-illumina-ban", "source_id_2"])),
        ("Port fees and Hanwha sanctions", "China",
         (f"fees on US-linked ships; {int(hanwha['count'])} Hanwha units", fees["source_id"]),
         ("used, later suspended or eased",
          f"used, suspended from {_day(fees['status_date'])} " + _until(fees["scheduled_end"], fees["outcome"]),
          fees["source_id_2"])),
        ("US firms' China revenue", "China",
         (f"Apple {f['apple_share']:g} %, Tesla {f['tesla_share']:g} % of revenue (FY2024)",
          comp.loc[("Apple", "FY2024"), "source_id"]),
         ("not established", "no measure against these firms in the data",
          comp.loc[("Tesla", "FY2024"), "source_id"])),
        ("Entity List and affiliates rule", "US",
         (f"{f['us_entity_list_count']} entities added {_day(entity['date'])}", entity["source_id"]),
         ("used, later suspended or eased",
          f"used; affiliates rule suspended from {_day(affiliates['status_date'])} "
          + _until(affiliates["scheduled_end"], affiliates["outcome"]), affiliates["source_id"])),
        ("Selling US Treasuries", "China",
         (f"{latest_cn['holdings_bn']:.1f} bn attributed to China ({latest_cn['date']:%b %Y})", latest_cn["source_id"]),
         ("not established", "holdings fell, but custody data cannot show a deliberate sale",
          latest_cn["source_id"])),
    ]
    rows = []
    for i, (lever, holder, (size, size_src), (cat, status, status_src)) in enumerate(levers):
        cells = [(SCORE_COLUMNS[0], lever, size_src, "lever"), (SCORE_COLUMNS[1], holder, size_src, holder),
                 (SCORE_COLUMNS[2], size, size_src, "size"), (SCORE_COLUMNS[3], status, status_src, cat)]
        for col, text, sid, kind in cells:
            rows.append({"order": i, "lever": lever, "column": col, "text": text, "wrapped": _wrap(text),
                         "kind": kind, "holder": holder, "status_category": cat, "source_id": sid})
    return data.with_sources(pd.DataFrame(rows))


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as a wide table (one row per lever) for the page's data table."""
    wide = card.pivot(index=["order", "lever"], columns="column", values="text").reset_index()
    src = card[card["column"] == SCORE_COLUMNS[3]].set_index("order")["source_label"]
    size_src = card[card["column"] == SCORE_COLUMNS[2]].set_index("order")["source_label"]
    wide["Size source"] = wide["order"].map(size_src)
    wide["Status source"] = wide["order"].map(src)
    return wide.sort_values("order")


SCORE_X = {SCORE_COLUMNS[0]: 0.0, SCORE_COLUMNS[1]: 0.31, SCORE_COLUMNS[2]: 0.41, SCORE_COLUMNS[3]: 0.71}
SCORE_WRAP = {SCORE_COLUMNS[0]: 28, SCORE_COLUMNS[1]: 8, SCORE_COLUMNS[2]: 27, SCORE_COLUMNS[3]: 27}
SCORE_HEAD = {SCORE_COLUMNS[0]: "Lever", SCORE_COLUMNS[1]: "Held by", SCORE_COLUMNS[2]: "How big",
              SCORE_COLUMNS[3]: "Used, threatened or suspended?"}
# Narrower than PLOT_NARROW px (a phone), each lever is a card: its name with the holder at the right, then how
# big and the status under it, indented SCORE_INDENT px, wrapped at SCORE_CARD_WRAP characters (fits a 320 px
# phone). Wider, the grid above.
SCORE_INDENT = 10
SCORE_CARD_WRAP = {SCORE_COLUMNS[0]: 34, SCORE_COLUMNS[1]: 8, SCORE_COLUMNS[2]: 44, SCORE_COLUMNS[3]: 38}
SCORE_LINE, SCORE_GAP = 14, 14  # px: one line of text, space between rows (grid) or cards


def _lines(s: str) -> int:
    return s.count("\n") + 1


def _score_layout(cells: pd.DataFrame) -> pd.DataFrame:
    """Every cell twice, placed in the grid and in the card layout: x (0–1 of the width), y and dx (px), align."""
    out, gy, cy = [], 0, 0
    for _, lever in cells.groupby("order", sort=True):
        c = lever.set_index("column").loc[list(SCORE_COLUMNS)]
        grid = [_wrap(tx, SCORE_WRAP[k]) for k, tx in c["text"].items()]
        card = [_wrap(tx, SCORE_CARD_WRAP[k]) for k, tx in c["text"].items()]
        n = [_lines(s) for s in card]
        card_y = [cy, cy, cy + n[0] * SCORE_LINE, cy + (n[0] + n[2]) * SCORE_LINE]
        for i, k in enumerate(SCORE_COLUMNS):
            row = {**c.loc[k].to_dict(), "column": k}
            out.append({**row, "layout": "grid", "x": SCORE_X[k], "y": gy, "dx": 0, "align": "left",
                        "wrapped": grid[i]})
            out.append({**row, "layout": "card", "x": float(i == 1), "y": card_y[i], "dx": SCORE_INDENT * (i > 1),
                        "align": "right" if i == 1 else "left", "wrapped": card[i]})
        gy += max(_lines(s) for s in grid) * SCORE_LINE + SCORE_GAP
        cy += (n[0] + n[2] + n[3]) * SCORE_LINE + SCORE_GAP
    return pd.DataFrame(out)


def scorecard_chart(card: pd.DataFrame) -> alt.LayerChart:
    """Text grid: each lever against who holds it, how big it is and whether it was used; cells link.

    On a phone (narrower than PLOT_NARROW px; Vega param ``narrow``) each lever is a card instead. Text is
    placed in pixels from the top (y without a scale) and the chart grows to hold it, in either layout.
    """
    head = pd.DataFrame({"order": -1, "column": list(SCORE_COLUMNS), "text": list(SCORE_HEAD.values()), "kind": "head"})
    df = _score_layout(pd.concat([head, card], ignore_index=True))
    narrow = alt.param(name="narrow", expr=f"width < {PLOT_NARROW}")
    enc = dict(x=alt.X("x:Q", scale=alt.Scale(domain=[0, 1]), axis=None), y=alt.Y("y:Q", scale=None, axis=None),
               text="wrapped:N")
    tip = [alt.Tooltip("lever:N", title="Lever"), alt.Tooltip("column:N", title="Column"),
           alt.Tooltip("text:N", title="Cell"), SOURCE_TIP]
    common = dict(align=alt.ExprRef("datum.align"), dx=alt.ExprRef("datum.dx"), baseline="top", lineBreak="\n",
                  lineHeight=SCORE_LINE, fontSize=11)

    def layer(rows: pd.DataFrame, **mark) -> alt.Chart:
        return alt.Chart(rows).transform_filter("datum.layout == (narrow ? 'card' : 'grid')").mark_text(
            **common, **mark).encode(**enc)

    h = layer(df[df["kind"] == "head"], fontWeight="bold")
    # Lever names, holders and statuses in bold, sizes in normal weight. All text takes the page's text colour
    # (_static/standoff.css: coloured text would fall below 4.5:1 contrast in dark mode), so the status is in words.
    t0 = layer(df[df["kind"] == "size"]).encode(tooltip=tip, href="source_url:N")
    t1 = layer(df[~df["kind"].isin(["size", "head"])], fontWeight="bold").encode(tooltip=tip, href="source_url:N")
    return alt.layer(h, t0, t1).add_params(narrow).properties(
        width=WIDTH, height=SCORE_LINE,  # the view's height; the text below it makes the chart taller
        description=("Scorecard of the levers in the US–China standoff: for each lever, who holds it, how big it "
                     "is in the units the data supports and whether it was used, threatened, suspended or not "
                     "established as a lever; a grid with a column for each, or on a narrow screen one card per "
                     "lever. Every cell links to its source. No composite score is computed."))


# --------------------------------------------------------------------------------------------
# Facts for the prose
# --------------------------------------------------------------------------------------------
TABLES = leverage.TABLES + ("rare_earth_indicators", "rare_earth_controls", "treasury_holdings",
                            "company_exposure", "non_tariff_measures")


def load_tables() -> dict:
    return {t: data.load(t) for t in TABLES}


# facts of the previous chapter that this one's conclusion recalls
RECALLED = ("ratio_2024_whole", "cn_peak_date")


def beyond_tariffs_facts(t: dict) -> dict:
    """Every number the chapter's prose uses, computed from the data (the trade facts it recalls come from
    ``leverage.leverage_facts``)."""
    recalled = {k: v for k, v in leverage.leverage_facts(t).items() if k in RECALLED}
    probes = t["non_tariff_measures"]
    probes = probes[(probes["actor"] == "China") & probes["instrument"].isin(["antitrust_probe", "anti_dumping_probe"])]
    ind = t["rare_earth_indicators"].set_index(["indicator", "period"])["value"]
    rec = t["rare_earth_controls"].set_index("measure_id")
    tre = t["treasury_holdings"]
    cn = tre[tre["holder"] == "China"].sort_values("date")
    jp = tre[tre["holder"] == "Japan"].sort_values("date")
    uk = tre[tre["holder"] == "United Kingdom"].sort_values("date")
    both = cn.merge(uk, on="date", suffixes=("_cn", "_uk"))
    uk_first = both[both["holdings_bn_uk"] > both["holdings_bn_cn"]]["date"].min()
    comp = t["company_exposure"].set_index(["company", "fiscal_year"])
    ntm = t["non_tariff_measures"]
    cn_lists = ntm[(ntm["actor"] == "China") & ntm["instrument"].isin(["unreliable_entity_list", "export_control_list"])
                   & (ntm["date"].dt.year == 2025)]
    by_month = cn_lists.groupby(cn_lists["date"].dt.to_period("M"))["count"].agg(["sum", "size"])
    peak_month = by_month["sum"].idxmax()
    return {
        **recalled,
        # rare earths
        "re_reliance_2024": float(ind[("US net import reliance, rare-earth compounds and metals", "2024")]),
        "re_reliance_2021_23": float(ind[("US net import reliance, rare-earth compounds and metals", "2021-2023")]),
        "re_processing_share": float(ind[("China share of world processing (IEA)", "reported-2025-06")]),
        "re_mining_share_iea": float(ind[("China share of world mine production (IEA)", "reported-2025-06")]),
        "re_mining_share_usgs": float(ind[("China share of world mine production (USGS)", "2024")]),
        "re_us_import_share": float(ind[("China share of US imports of rare-earth compounds and metals", "2020-2023")]),
        "re_april_elements": int(rec.loc["cn-2025-04-04-ann18", "element_count"]),
        "re_april_date": _day(rec.loc["cn-2025-04-04-ann18", "announced_date"]),
        "re_october_elements": int(rec.loc["cn-2025-10-09-ann57", "element_count"]),
        "re_october_total": int(rec.loc["cn-2025-04-04-ann18", "element_count"] + rec.loc["cn-2025-10-09-ann57", "element_count"]),
        "re_october_date": _day(rec.loc["cn-2025-10-09-ann57", "announced_date"]),
        "re_suspension_date": _day(rec.loc["cn-2025-11-07-ann70", "announced_date"]),
        "re_suspended_until": _day(rec.loc["cn-2025-10-09-ann57", "suspended_until"]),
        # what the data know of that date: unknown (our sources stop before it) or what happened
        "re_after_suspension": (f"Whether China renewed the suspension then is not in our sources, which stop on "
                                f"{_day(data.data_as_of())}." if checks.UNKNOWN.match(str(rec.loc["cn-2025-10-09-ann57", "outcome"]))
                                else str(rec.loc["cn-2025-10-09-ann57", "outcome"])),
        # treasuries
        "tsy_cn_first": float(cn.iloc[0]["holdings_bn"]), "tsy_first_month": cn.iloc[0]["date"].strftime("%B %Y"),
        "tsy_cn_last": float(cn.iloc[-1]["holdings_bn"]), "tsy_last_month": cn.iloc[-1]["date"].strftime("%B %Y"),
        "tsy_cn_fall_pct": float((1 - cn.iloc[-1]["holdings_bn"] / cn.iloc[0]["holdings_bn"]) * 100),
        "tsy_jp_last": float(jp.iloc[-1]["holdings_bn"]), "tsy_uk_last": float(uk.iloc[-1]["holdings_bn"]),
        "tsy_uk_passes_cn": uk_first.strftime("%B %Y"),
        "tsy_cn_dec2024": float(cn[cn["period"] == "2024-12"]["holdings_bn"].iloc[0]),
        # companies
        "apple_share": float(comp.loc[("Apple", "FY2024"), "share_pct"]),
        "apple_china_bn": float(comp.loc[("Apple", "FY2024"), "china_revenue_m"] / 1000),
        "tesla_share": float(comp.loc[("Tesla", "FY2024"), "share_pct"]),
        "starbucks_share": float(comp.loc[("Starbucks", "FY2024"), "share_pct"]),
        # blacklists
        "cn_list_actions": int(len(cn_lists)),
        "cn_listed_entities": int(cn_lists["count"].sum()),
        "cn_lists_peak_month": peak_month.strftime("%B %Y"),
        "cn_lists_peak_count": int(by_month.loc[peak_month, "sum"]),
        "cn_lists_peak_actions": int(by_month.loc[peak_month, "size"]),
        "cn_probes": int(len(probes)),
        "cn_probes_2025": int((probes["date"].dt.year == 2025).sum()),
        "cn_probe_earliest": _day(probes["date"].min()),
        "cn_probes_dropped": int(probes["status"].isin(["suspended", "closed", "lifted"]).sum()),
        "cn_measures": int((ntm["actor"] == "China").sum()),
        "us_measures": int((ntm["actor"] == "US").sum()),
        "us_entity_list_count": int(ntm.set_index("measure_id").loc["us-2025-03-25-entity-list", "count"]),
        "ntm_suspended": int(ntm["status"].isin(["suspended", "lifted"]).sum()),
    }
