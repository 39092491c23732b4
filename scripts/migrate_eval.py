"""Convert notebooks from myst-nb glue to MyST's {eval} role (idempotent: safe to run again).

Usage: python scripts/migrate_eval.py [--check] [NOTEBOOK ...]
       (default: every notebook in _toc.yml and assignments/)
Then run `make outputs` to store the evaluated values (the tests compare them).

What it rewrites, and nothing else:

1. Prose: {glue:text}`name`, {glue:text}`name:spec`, {glue}`name` and {glue:}`name` become
   {eval}`name`. A format spec moves out of the prose into the setup cell's ``formats={...}``
   (one spec per name and notebook; two different specs for one name is an error).
2. Setup code: ``book.glue_facts(`` becomes ``book.bind(globals(), `` (same arguments), and the
   call's ``formats=`` keyword gets the specs from step 1, merged with any it already has.
3. Cell tags: a code cell tagged remove-cell that shows nothing (no stored output: setup code,
   not a live widget) gets remove-input + remove-output instead. myst-nb's inline execution,
   which evaluates {eval}, does not run remove-cell cells, and later cells need their names.
4. Exercises and solutions: the gated form ```{solution-start} label ... ```{solution-end}``` (and
   exercise-start/-end) becomes one ````{solution} label ... ```` directive with a longer fence,
   which both sphinx-exercise and jupyterlab-myst render.
5. Order: if prose above the setup cell cites a fact, the setup cell moves up to just below the
   page title (the title cell is split after its heading line): both front ends evaluate a cell's
   {eval} roles when they reach it. Setup cells get ``jupyter.source_hidden`` (shown collapsed in
   JupyterLab, as the site hides them).
6. Module split (one module per chapter): code and inline code that use the old modules are
   pointed at ``standoff.chapters.<chapter>``: ``history.X`` goes to first_trade_war, phase_one or
   after_april (wherever X now lives), ``channels``, ``leverage`` and ``strategy_charts`` (now
   ``strategy``) moved whole, ``tariffs.escalation_facts`` and ``charts.escalation_*`` went to
   ``escalation``; ``from standoff import ...`` lines and ``standoff/<old>.py`` mentions follow.

It stops with an error, leaving that notebook unchanged, if an {eval} name is assigned by a code
cell of the same notebook (the code would then change what the prose shows), or if something needs
a decision by hand. ``--check`` exits 1 if any notebook would change (for CI or after a merge).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLUE_ROLE = re.compile(r"\{glue(?::text|:)?\}`([^`]+)`")
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def toc_notebooks() -> list[Path]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def _src(cell) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _set_src(cell, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text


# --- 1. prose ---------------------------------------------------------------------------------

def convert_prose(text: str, specs: dict[str, str], where: str) -> str:
    def repl(m: re.Match) -> str:
        body = m.group(1).strip()
        if "::" in body:
            raise SystemExit(f"{where}: {{glue}}`{body}` pastes from another document; convert it by hand")
        name, _, spec = body.partition(":")
        if not NAME.match(name):
            raise SystemExit(f"{where}: {body!r} is not a plain name")
        if spec:
            if specs.get(name, spec) != spec:
                raise SystemExit(f"{where}: {name} is formatted both as {specs[name]!r} and {spec!r}")
            specs[name] = spec
        return f"{{eval}}`{name}`"

    return GLUE_ROLE.sub(repl, text)


# --- 4. gated exercises/solutions -> one directive ----------------------------------------------

GATE = re.compile(
    r"^(?P<fence>`{3,})\{(?P<kind>exercise|solution)-start\}(?P<arg>[^\n]*)\n"
    r"(?P<opts>(?::[^\n]*\n)*)"
    r"(?P=fence)[ \t]*\n"
    r"(?P<body>.*?)"
    r"^(?P=fence)\{(?P=kind)-end\}[ \t]*\n(?P=fence)[ \t]*$",
    re.M | re.S,
)


def convert_gates(text: str) -> str:
    def repl(m: re.Match) -> str:
        body = m.group("body").strip("\n")
        longest = max((len(f) for f in re.findall(r"^(`{3,})", body, re.M)), default=0)
        fence = "`" * max(4, longest + 1, len(m.group("fence")))
        return f"{fence}{{{m.group('kind')}}}{m.group('arg')}\n{m.group('opts')}\n{body}\n{fence}"

    return GATE.sub(repl, text)


# --- 2. setup code --------------------------------------------------------------------------------

def _bind_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("glue_facts", "bind")
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "book"):
            yield node


def convert_setup(code: str, specs: dict[str, str], where: str) -> tuple[str, bool]:
    """Returns (new code, whether the cell binds facts)."""
    if "book.glue_facts(" not in code and "book.bind(" not in code:
        return code, False
    code = code.replace("book.glue_facts(", "book.bind(globals(), ")
    tree = ast.parse(code)
    calls = list(_bind_calls(tree))
    if not specs:
        return code, bool(calls)
    if len(calls) != 1:
        raise SystemExit(f"{where}: {len(calls)} book.bind calls; put the formats on one by hand")
    call = calls[0]
    lines = code.splitlines(keepends=True)

    def _pos(lineno: int, col_bytes: int) -> int:  # ast columns count UTF-8 bytes
        return sum(len(x) for x in lines[: lineno - 1]) + len(lines[lineno - 1].encode()[:col_bytes].decode())

    start = lambda n: _pos(n.lineno, n.col_offset)  # noqa: E731
    end = lambda n: _pos(n.end_lineno, n.end_col_offset)  # noqa: E731
    existing = {}
    kw = next((k for k in call.keywords if k.arg == "formats"), None)
    if kw is not None:
        existing = ast.literal_eval(kw.value)
    merged = {**existing, **specs}
    for name, spec in specs.items():
        if existing.get(name, spec) != spec:
            raise SystemExit(f"{where}: {name} formatted as {existing[name]!r} in code and {spec!r} in prose")
    literal = _dict_literal(merged)
    if kw is not None:
        a, b = start(kw.value), end(kw.value)
        return code[:a] + literal + code[b:], True
    # append the keyword before the closing parenthesis
    b = end(call) - 1
    assert code[b] == ")"
    inner = code[:b].rstrip()
    sep = "" if inner.endswith(",") else ","
    return f"{inner}{sep} formats={literal}" + code[b:], True


def _is_glue_record(output: dict) -> bool:
    data = output.get("data", {})
    return bool(data) and all(k.startswith("application/papermill.record/") for k in data)


def _dict_literal(d: dict[str, str], width: int = 96) -> str:
    """``{"a": ".1f", ...}``, wrapped over several lines when long."""
    items = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(d.items())]
    one = "{" + ", ".join(items) + "}"
    if len(one) <= 60:
        return one
    lines, line = [], "   "
    for item in items:
        if len(line) + len(item) + 2 > width:
            lines.append(line)
            line = "   "
        line += f" {item},"
    lines.append(line)
    return "{\n" + "\n".join(lines) + "\n}"


def assigned_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.alias):
            out.add((node.asname or node.name).split(".")[0])
    return out


# --- 5. the setup cell runs before the first {eval} ----------------------------------------------

def _binds(cell) -> bool:
    return cell["cell_type"] == "code" and "book.bind(" in _src(cell)


def _bind_before_use(nb: dict, where: str) -> None:
    """Move the setup cell up to just below the page title when prose above it cites a fact.

    Both front ends evaluate a cell's {eval} roles when they reach the cell, so the names must be
    bound by then. The title cell is split after its heading line if it also holds prose.
    Setup cells also get ``jupyter.source_hidden``: JupyterLab shows them collapsed, as the site hides them.
    """
    cells = nb["cells"]
    for c in cells:
        if _binds(c):
            c["metadata"].setdefault("jupyter", {})["source_hidden"] = True
    first_use = next((i for i, c in enumerate(cells)
                      if c["cell_type"] == "markdown" and EVAL_ROLE.search(_src(c))), None)
    first_bind = next((i for i, c in enumerate(cells) if _binds(c)), None)
    if first_use is None or first_bind is None or first_bind < first_use:
        return
    if any(c["cell_type"] == "code" for c in cells[first_use:first_bind]):
        raise SystemExit(f"{where}: code runs between the first {{eval}} and the setup cell; move it by hand")
    setup = cells.pop(first_bind)
    text = _src(cells[first_use])
    head, nl, rest = text.partition("\n")
    if head.startswith("# ") and not EVAL_ROLE.search(head) and rest.strip():
        title = dict(cells[first_use])
        _set_src(title, head)
        body = {**cells[first_use], "metadata": dict(cells[first_use]["metadata"])}
        if "id" in body:  # nbformat 4.5 cell ids are unique: derive one from the title cell's
            body["id"] = hashlib.sha1(f"{body['id']}:prose".encode()).hexdigest()[:8]
        _set_src(body, rest.lstrip("\n"))
        cells[first_use:first_use + 1] = [title, setup, body]
    else:
        cells.insert(first_use, setup)


# --- 6. the module split -----------------------------------------------------------------------

WHOLE = {"channels": "channels", "leverage": "leverage", "strategy_charts": "strategy"}  # old -> new module
PICKED = {"history": ("first_trade_war", "phase_one", "after_april"),  # old module -> chapter modules
          "tariffs": ("escalation",), "charts": ("escalation",)}    # that took some of its names


def _defined(module: str) -> set[str]:
    """Top-level names a chapter module defines (functions, classes, constants)."""
    tree = ast.parse((ROOT / "standoff" / "chapters" / f"{module}.py").read_text())
    out = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Assign):
            out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return out


def _home(old: str, name: str) -> str | None:
    """The chapter module that now holds ``old.name``, or None if it stayed."""
    for module in PICKED.get(old, ()):
        if name in _defined(module):
            return module
    return None


IMPORT = re.compile(r"^(?P<indent>[ \t]*)from standoff import (?P<names>[^\n(]+)$", re.M)


def _paths(text: str, stem: str) -> str:
    """standoff.history.X / standoff.channels.X ... and standoff/<old>.py mentions, in prose and comments."""
    def dotted(m: re.Match) -> str:
        old, name = m.group(1), m.group(2)
        if old in WHOLE:
            return f"standoff.chapters.{WHOLE[old]}.{name}"
        home = _home(old, name)
        return f"standoff.chapters.{home}.{name}" if home else m.group(0)

    text = re.sub(r"\bstandoff\.(history|channels|leverage|strategy_charts|tariffs|charts)\.(\w+)", dotted, text)
    own = ROOT / "standoff" / "chapters" / f"{stem}.py"
    text = text.replace("standoff/history.py",
                        f"standoff/chapters/{stem}.py" if own.exists() else "standoff/chapters/")
    for old, new in WHOLE.items():
        text = text.replace(f"standoff/{old}.py", f"standoff/chapters/{new}.py")
    return text


PLACEHOLDER = "\x00CHAPTERS\x00"


def _split_imports(text: str) -> tuple[str, set[str], list[str]]:
    """Drop history/channels/leverage/strategy_charts from ``from standoff import`` lines.

    Returns (text with a placeholder line where chapter imports go, aliases of history, whole-module imports).
    """
    aliases: set[str] = set()
    whole: list[str] = []

    def imports(m: re.Match) -> str:
        kept, changed = [], False
        for item in (x.strip() for x in m.group("names").split(",")):
            name, _, alias = (p.strip() for p in item.partition(" as "))
            if name == "history":
                aliases.add(alias or name)
                changed = True
            elif name in WHOLE:
                new = WHOLE[name]
                whole.append(new if (alias or name) == new else f"{new} as {alias or name}")
                changed = True
            else:
                kept.append(item)
        lines = [f"{m.group('indent')}from standoff import {', '.join(kept)}"] if kept else []
        if changed:
            lines.append(f"{m.group('indent')}{PLACEHOLDER}")
        return "\n".join(lines) if lines else PLACEHOLDER

    return IMPORT.sub(imports, text), aliases, whole


def _attrs(text: str, aliases: set[str], code: bool, where: str, used: set[tuple[str, str, str]]) -> str:
    """history.X (under any alias), tariffs.escalation_facts, charts.escalation_* -> their chapter module."""
    def attr(m: re.Match) -> str:
        alias, name = m.group(1), m.group(2)
        old = "history" if alias in aliases else alias
        home = _home(old, name)
        if home is None:
            if old == "history" and code:
                raise SystemExit(f"{where}: {alias}.{name}: no chapter module defines {name}")
            return m.group(0)
        new_alias = home if alias in ("history", "tariffs", "charts") else f"_{home}"
        used.add((alias, home, new_alias))
        return f"{new_alias}.{name}"

    names = "|".join(re.escape(a) for a in {*aliases, "tariffs", "charts"})
    return re.sub(rf"(?<![\w.])({names})\.(\w+)", attr, text)


def convert_modules(nb: dict, where: str, stem: str) -> None:
    cells = nb["cells"]
    split = {}
    for i, c in enumerate(cells):
        if c["cell_type"] == "code":
            split[i] = _split_imports(_src(c))
    nb_aliases = {"history"}.union(*(a for _, a, _ in split.values())) if split else {"history"}
    used_in: dict[int, set] = {}
    for i, c in enumerate(cells):
        code = c["cell_type"] == "code"
        text = split[i][0] if code else _src(c)
        used_in[i] = set()
        # prose only ever says history.X; code uses whatever alias some cell imported
        text = _attrs(_paths(text, stem), nb_aliases if code else {"history"}, code, f"{where} cell {i}", used_in[i])
        _set_src(c, text)
    first_importer: dict[str, int] = {}
    for i, (_, aliases, _) in split.items():
        for a in aliases:
            first_importer.setdefault(a, i)
    setup = next((i for i in split if IMPORT.search(_src(cells[i])) or PLACEHOLDER in _src(cells[i])), None)
    for i, (_, aliases, whole) in split.items():
        # what this cell's own imports must now provide ...
        mods = {(home, new) for (alias, home, new) in used_in[i] if alias in aliases}
        for j in split:  # ... including for later cells that use an alias without importing it
            mods |= {(home, new) for (alias, home, new) in used_in[j]
                     if alias in aliases and first_importer.get(alias) == i and alias not in split[j][1]}
        if i == setup:  # names that left tariffs/charts: imported once, in the setup cell
            mods |= {(home, new) for j in split for (alias, home, new) in used_in[j] if alias in ("tariffs", "charts")}
        chapter = whole + [h if h == n else f"{h} as {n}" for h, n in sorted(mods)]
        text = _src(cells[i])
        line = f"from standoff.chapters import {', '.join(chapter)}"
        if chapter and PLACEHOLDER in text:
            text = text.replace(PLACEHOLDER, line, 1)
        elif chapter and line not in text:
            m = IMPORT.search(text)
            text = text[: m.end()] + "\n" + m.group("indent") + line + text[m.end():]
        text = re.sub(r"\n[ \t]*\x00CHAPTERS\x00(?=\n|$)", "", text)
        text = re.sub(r"^[ \t]*\x00CHAPTERS\x00\n?", "", text)
        _set_src(cells[i], text)


# --- the notebook -------------------------------------------------------------------------------

def migrate(path: Path) -> bool:
    """Rewrite ``path`` in place; returns whether it changed."""
    raw = path.read_text()
    nb = json.loads(raw)
    where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    specs: dict[str, str] = {}
    stem = path.stem
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            _set_src(cell, convert_gates(convert_prose(_src(cell), specs, f"{where} cell {i}")))
    convert_modules(nb, where, stem)
    binds = False
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        code, binds_here = convert_setup(_src(cell), specs if not binds else {}, f"{where} cell {i}")
        binds = binds or binds_here
        _set_src(cell, code)
        # glue's records (display=False) were the setup cell's only outputs: bind shows nothing
        cell["outputs"] = [o for o in cell.get("outputs", []) if not _is_glue_record(o)]
        tags = cell.setdefault("metadata", {}).get("tags", [])
        if "remove-cell" in tags and not cell["outputs"]:
            tags = [t for t in tags if t != "remove-cell"]
            tags += [t for t in ("remove-input", "remove-output") if t not in tags]
            cell["metadata"]["tags"] = tags
    if specs and not binds:
        raise SystemExit(f"{where}: formats {specs} but no book.bind call to hold them")
    _bind_before_use(nb, where)
    # an {eval} name must not be reassigned by the notebook's code
    used = {n for c in nb["cells"] if c["cell_type"] == "markdown" for n in EVAL_ROLE.findall(_src(c))}
    code_names = set()
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            code_names |= assigned_names(_src(c))
    clash = sorted(used & code_names)
    if clash:
        raise SystemExit(f"{where}: code cells assign names the prose evaluates: {clash}")
    out = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    if out != raw:
        path.write_text(out)
        return True
    return False


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    targets = [Path(a).resolve() for a in args] or toc_notebooks() + sorted((ROOT / "assignments").glob("*.ipynb"))
    changed = []
    for p in targets:
        before = p.read_text()
        if migrate(p):
            changed.append(p)
            if check:
                p.write_text(before)
    for p in changed:
        print(("would change " if check else "migrated ") + str(p.relative_to(ROOT)))
    return 1 if (check and changed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
