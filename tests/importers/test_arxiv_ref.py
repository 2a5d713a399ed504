"""arXiv references as contributors paste them, normalised to the bare id."""
import pytest

from catalog.importers.arxiv import ArxivRefError, month_of, parse_ref


@pytest.mark.parametrize("ref, bare, version, kind", [
    ("2407.01392", "2407.01392", "", "id"),
    ("2407.01392v3", "2407.01392", "v3", "id"),
    ("arXiv:2407.01392v2", "2407.01392", "v2", "id"),
    ("https://arxiv.org/abs/2407.01392", "2407.01392", "", "abs"),
    ("https://arxiv.org/abs/2407.01392v4", "2407.01392", "v4", "abs"),
    ("http://arxiv.org/pdf/2407.01392v1.pdf", "2407.01392", "v1", "pdf"),
    ("https://www.arxiv.org/pdf/2603.12513", "2603.12513", "", "pdf"),
    ("arxiv.org/html/2506.08009v2", "2506.08009", "v2", "html"),
    (" https://export.arxiv.org/abs/2412.07772/ ", "2412.07772", "", "abs"),
])
def test_normalised(ref, bare, version, kind):
    parsed = parse_ref(ref)
    assert (parsed.id, parsed.version, parsed.kind) == (bare, version, kind)


@pytest.mark.parametrize("ref", [
    "", "2407.013", "hep-th/9901001", "https://arxiv.org/list/cs.CV/recent",
    "https://evil.example/abs/2407.01392", "javascript:alert(2407.01392)",
    "https://arxiv.org.evil.example/abs/2407.01392",
])
def test_refused(ref):
    with pytest.raises(ArxivRefError, match="is not an arXiv id or URL"):
        parse_ref(ref)


def test_month_of_id():
    assert month_of("2407.01392") == "2024-07"
    assert month_of("2512.04040") == "2025-12"
