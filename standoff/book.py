"""How a chapter's facts reach its prose: plain names in the kernel, cited with MyST's ``{eval}`` role.

A chapter's hidden setup cell calls ``book.bind(globals(), facts, formats={...})``. Every fact
becomes a name in the notebook's namespace whose value is a :class:`Prose`: text already formatted
for a sentence. The prose cites it as ``{eval}`name```:

- the site (myst-nb, ``nb_execution_mode: inline``) evaluates the name while it executes the page;
- JupyterLab (the ``jupyterlab-myst`` extension) evaluates it in the kernel and keeps the result in
  the markdown cell's ``user_expressions`` metadata, so a saved notebook shows it before it runs.

Both front ends show the value's ``text/plain`` repr, so ``Prose.__repr__`` is the text itself
(a plain ``str`` would show its quotes in JupyterLab).
"""

from __future__ import annotations

import keyword
import numbers
from ast import literal_eval


class Prose(str):
    """Text formatted for prose. Its repr is the text itself, so both front ends show it without quotes."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str.__str__(self)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain
        p.text(str.__str__(self))


def _plain(value):
    """Python scalars only (numpy scalars format like Python's)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def fmt(value, spec: str = "") -> Prose:
    """``value`` as prose text, formatted with ``spec`` (a format spec such as ``.1f``; default ``str``).

    Same rules as myst-nb's former ``{glue:text}`name:spec``` role, so the migration from glue
    changed no rendered number: the spec's type character picks int or float before formatting.
    """
    value = _plain(value)
    if isinstance(value, Prose):
        value = str(value)
    if not spec:
        text = value if isinstance(value, str) else repr(value)
        try:
            text = str(literal_eval(text)) if not isinstance(value, str) else text
        except (SyntaxError, ValueError):
            pass
        return Prose(text)
    kind = spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return Prose(format(value, spec))


def prose(facts: dict, prefix: str = "", formats: dict | None = None) -> dict[str, Prose]:
    """``{prefix + key: fmt(value, formats[prefix + key])}`` for every fact."""
    formats = formats or {}
    out = {}
    for key, value in facts.items():
        name = prefix + key
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"fact {name!r} is not a valid name for the {{eval}} role")
        out[name] = fmt(value, formats.get(name, ""))
    unknown = set(formats) - set(out)
    if unknown:
        raise KeyError(f"formats for facts that do not exist: {sorted(unknown)}")
    return out


def bind(namespace: dict, facts: dict, prefix: str = "", formats: dict | None = None) -> None:
    """Bind every fact as a name in ``namespace`` (a notebook's ``globals()``) for ``{eval}`name```.

    A fact may not replace a name the notebook already uses for something else (a table, a module):
    that would change what the notebook's code sees. Prints nothing.
    """
    values = prose(facts, prefix, formats)
    clash = sorted(k for k in values if k in namespace and not isinstance(namespace[k], Prose))
    if clash:
        raise NameError(f"facts would replace names the notebook already uses: {clash}")
    namespace.update(values)
