"""The documentation site: pages generated from the loaded catalog, built with MkDocs.

``pages.render_pages(catalog, ...)`` returns {relative path: Markdown text} (pure);
``build.build_site`` writes them into the docs dir and runs MkDocs (or Zensical);
``commands.main`` is what ``awm site build|serve`` calls.
"""
