"""The catalog engine: load papers/*.yaml into typed records, check them, render outputs.

Flow: ``load_catalog`` (loader.py) -> ``run_checks`` (checks.py) -> ``render_*`` (render/).
A renderer receives the loaded catalog and returns text; a check receives it and returns
findings; neither reads files itself.
"""
