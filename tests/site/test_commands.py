"""`awm site build` and `awm site serve` build nothing from a catalog that fails its checks:
they print its findings, one line each, and exit 1 (serve: keeps the last pages), unless given
--allow-invalid. Runs the real commands on a copy of the checkout."""
from __future__ import annotations

from catalog.site import commands
from tools.awm import main as awm

KEY = "diffusion-forcing"
FINDING = (f"papers/{KEY}.yaml:3: field 'title' has an HTML tag: '<script>' "
           "(write plain text: pages show a field as text, never as HTML)")


def _refused(command: str) -> str:
    return (f"awm {command}: 1 finding(s) in the catalog; nothing written (fix them, or pass "
            "--allow-invalid to build from the records that loaded)\n")


def _break(root) -> None:
    record = root / "papers" / f"{KEY}.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("Diffusion Forcing: ", "Diffusion Forcing: <script>x</script> ",
                                   1), encoding="utf-8")


def test_site_build_refuses_a_catalog_that_fails_its_checks_unless_allowed(checkout, capsys):
    _break(checkout)
    assert awm(["--root", str(checkout), "site", "build"]) == 1
    out = capsys.readouterr()
    assert (out.out.splitlines(), out.err) == ([FINDING], _refused("site build"))
    assert not (checkout / "build").exists() and not (checkout / "site" / "generated").exists()
    assert awm(["--root", str(checkout), "site", "build", "--allow-invalid"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == FINDING
    assert "awm site build: building despite 1 finding(s) (--allow-invalid)" in out.err
    assert (checkout / "build" / "site" / "generated" / "papers" / f"{KEY}.html").is_file()


def test_site_serve_does_not_start_on_a_catalog_that_fails_its_checks(checkout, capsys,
                                                                     monkeypatch):
    def start(*args, **kwargs):  # a server that started would serve until stopped: fail at once
        raise AssertionError("the server started")
    monkeypatch.setattr(commands.subprocess, "Popen", start)
    _break(checkout)
    assert awm(["--root", str(checkout), "site", "serve", "--port", "1"]) == 1
    out = capsys.readouterr()
    assert (out.out.splitlines(), out.err) == ([FINDING], _refused("site serve"))
    assert not (checkout / "site" / "generated").exists()


def test_serve_keeps_the_last_pages_while_an_edit_fails_the_checks(checkout, capsys):
    commands.regenerate(checkout)
    page = checkout / "site" / "generated" / "papers" / f"{KEY}.md"
    before = page.read_text(encoding="utf-8")
    _break(checkout)
    capsys.readouterr()
    commands.regenerate(checkout)
    out = capsys.readouterr()
    assert (out.out.splitlines(), out.err) == ([FINDING], _refused("site serve"))
    assert page.read_text(encoding="utf-8") == before
    commands.regenerate(checkout, allow_invalid=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page.read_text(encoding="utf-8")
