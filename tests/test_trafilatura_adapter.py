"""The one module that reaches trafilatura's internals (``crawler/extract/trafilatura_adapter.py``).

On the tested release the fast path runs and gives trafilatura's own body
(``tests/test_extraction.py`` compares them page for page); on any other release,
or with a private name missing, the public ``bare_extraction`` runs, with one
warning. The newest release on the package index is checked in its own venv: the
fast path, forced on, must give what its public path gives there too, or the
adapter needs work before the pin moves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trafilatura

from crawler.extract import trafilatura_adapter
from crawler.extract.record import parse_html
from tests.articles import article_html

ROOT = Path(__file__).resolve().parent.parent
URL = "https://news.example/2024/05/03/a-story"


@pytest.fixture
def fresh_gate(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The adapter's gate, to be decided again in this test (restored after)."""
    monkeypatch.setattr(trafilatura_adapter, "_PRIVATE", {})
    return monkeypatch


def test_the_pinned_release_runs_the_fast_path() -> None:
    assert trafilatura.__version__ == trafilatura_adapter.TESTED_VERSION
    assert trafilatura_adapter.fast_path()
    from trafilatura.baseline import _BLOCK_ELEMS

    assert set(_BLOCK_ELEMS) == trafilatura_adapter.BLOCK_ELEMENTS


def test_another_release_uses_the_public_path_with_one_warning(
    fresh_gate: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fresh_gate.setattr(trafilatura, "__version__", "9.9.9")
    assert not trafilatura_adapter.fast_path()
    assert not trafilatura_adapter.fast_path()  # decided once
    warnings = [r for r in caplog.records if "public bare_extraction" in r.getMessage()]
    assert len(warnings) == 1 and "9.9.9" in warnings[0].getMessage()
    html = article_html(URL, 3)
    doc = trafilatura_adapter.body(parse_html(html), URL, True)
    assert doc is not None and doc.body is not None
    text = " ".join(doc.body.itertext())
    assert "vote" in text


def test_a_missing_private_name_uses_the_public_path(fresh_gate: pytest.MonkeyPatch) -> None:
    import trafilatura.core

    fresh_gate.delattr(trafilatura.core, "_recall_retry")
    assert not trafilatura_adapter.fast_path()


#: Compares the fast path (forced on) with trafilatura's public fast-mode path on the
#: generated pages, inside a venv holding another trafilatura release.
COMPARE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import trafilatura
from trafilatura.xml import xmltotxt
from crawler.extract import trafilatura_adapter
from crawler.extract.record import parse_html
from tests.articles import article_html
trafilatura_adapter.TESTED_VERSION = trafilatura.__version__
assert trafilatura_adapter.fast_path(), "private names missing"
url = "https://news.example/2024/05/03/a-story"
differ = []
for seed in range(40):
    html = article_html(url, seed)
    theirs = trafilatura.bare_extraction(parse_html(html), url=url, fast=True,
        with_metadata=False, include_comments=False, include_links=False, include_tables=True)
    ours = trafilatura_adapter.body(parse_html(html), url, True)
    a = xmltotxt(ours.body, False) if ours is not None else None
    b = xmltotxt(theirs.body, False) if theirs is not None else None
    if a != b:
        differ.append(seed)
print(json.dumps({"version": trafilatura.__version__, "differ": differ}))
"""


def _newest_release() -> str | None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "trafilatura"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    first = proc.stdout.splitlines()[0] if proc.returncode == 0 and proc.stdout else ""
    return first.split("(", 1)[1].split(")", 1)[0] if "(" in first else None


@pytest.mark.slow
def test_fast_path_agrees_with_the_public_path_on_the_newest_release(tmp_path: Path) -> None:
    newest = _newest_release()
    if newest is None:
        pytest.skip("the package index cannot be asked for trafilatura's releases")
    if newest == trafilatura.__version__:
        # the pinned release is the newest: tests/test_extraction.py compares the paths
        assert trafilatura_adapter.fast_path()
        return
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = [
        line.split("#")[0].strip()
        for line in requirements.splitlines()
        if line.split("==")[0].strip().lower() in {"lxml", "lxml_html_clean", "htmldate"}
    ]
    subprocess.run(
        [python, "-m", "pip", "install", "-q", f"trafilatura=={newest}", *pins],
        check=True,
        timeout=600,
    )
    proc = subprocess.run(
        [python, "-c", COMPARE, str(ROOT)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"version": newest, "differ": []}, (
        f"trafilatura {newest}: the fast path differs from bare_extraction on pages "
        f"{result['differ']}; update crawler/extract/trafilatura_adapter.py before moving the pin"
    )
