"""What the crawl process loads at start-up: the extensions that are off are not imported.

Scrapy resolves every key of ``EXTENSIONS`` and ``EXTENSIONS_BASE`` by importing
it, even one whose value is None; the project's ``EXTENSIONS_BASE`` leaves out
the remote control (aiohttp) and the telnet console, which it never runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

from scrapy.settings import default_settings

from tests.conftest import ROOT

PROBE = """
import json, sys
from scrapy.extension import ExtensionManager
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler
from spiders.news import NewsSpider

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
crawler = get_crawler(NewsSpider, get_project_settings().copy_to_dict())
manager = ExtensionManager.from_crawler(crawler)
loaded = [m for m in ("aiohttp", "scrapy.extensions.remote_control",
                      "scrapy.extensions.telnet") if m in sys.modules]
print(json.dumps({"loaded": loaded,
                  "enabled": [type(e).__name__ for e in manager.middlewares]}))
"""


def test_off_extensions_are_not_imported_and_the_others_still_run() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["loaded"] == []
    assert {"CoreStats", "LogCount", "MemoryUsage", "RunReport", "CollectorTuning"} <= set(
        result["enabled"]
    )


def test_extensions_base_is_scrapys_less_the_two_consoles() -> None:
    from crawler import settings

    dropped = set(default_settings.EXTENSIONS_BASE) - set(settings.EXTENSIONS_BASE)
    assert dropped == {
        "scrapy.extensions.remote_control.RemoteControl",
        "scrapy.extensions.telnet.TelnetConsole",
    }
    base = default_settings.EXTENSIONS_BASE
    assert all(base[name] == order for name, order in settings.EXTENSIONS_BASE.items())
