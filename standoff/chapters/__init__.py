"""One module per chapter, named after its notebook in chapters/: the chapter's facts and charts.

Each module holds what one chapter shows: the tidy tables behind its charts, the charts, and a
``*_facts`` function whose dict the chapter's hidden setup cell binds as names for the prose
(``book.bind(globals(), ...)``, cited as {eval}`name`). Building blocks shared by several
chapters stay in the core modules: ``standoff.data``, ``tariffs``, ``games``, ``calculator``,
``charts``, ``theme``, ``fmt``, ``widgets``.
"""
