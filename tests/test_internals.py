"""The private names ``crawler/internals.py`` reaches still exist and work.

They have no public equivalent in the pinned Scrapy, scrapy-redis and Python; this
test is what fails, loudly and by name, when an upgrade renames one. It also checks
that no other product module reaches them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from scrapy import Request, Spider

from crawler import internals

ROOT = Path(__file__).resolve().parent.parent
#: private names, reached as attributes or through getattr
PRIVATE = re.compile(
    r"[.'\"]_slot\b|_check_if_closing|[.'\"]_fingerprints\b|_encode_request|_decode_request"
    r"|[.'\"]_forkserver\b|_forkserver_pid"
)


def test_scrapy_redis_request_serialisation() -> None:
    from scrapy_redis.queue import PriorityQueue

    spider = Spider(name="s")
    queue = PriorityQueue(server=None, spider=spider, key="k")
    request = Request("https://news.example/a", priority=3, meta={"site": "news.example"})
    again = internals.decode_request(queue, internals.encode_request(queue, request))
    assert (again.url, again.priority, again.meta["site"]) == (
        request.url,
        3,
        "news.example",
    )


def test_fork_server_object() -> None:
    server = internals.forkserver()
    assert callable(server.ensure_running)
    assert isinstance(internals.forkserver_running(server), bool)


PROBE = """
import json
from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from crawler import internals

seen = {}

class Probe(Spider):
    name = "probe"

    async def start(self):
        seen["woken"] = internals.wake_engine(self.crawler.engine)
        seen["inprogress"] = type(internals.requests_in_progress(self.crawler.engine)).__name__
        return
        yield

process = CrawlerProcess({"LOG_LEVEL": "ERROR"})
process.crawl(Probe)
process.start()
print(json.dumps(seen))
"""


def test_engine_slot_of_a_running_crawl() -> None:
    """Inside a real crawl the engine's slot has ``nextcall`` and ``inprogress``."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "woken": True,
        "inprogress": "set",
    }
    assert internals.wake_engine(object()) is False


def test_no_other_product_module_reaches_private_names() -> None:
    reaching = sorted(
        str(path.relative_to(ROOT))
        for folder in ("crawler", "pipelines", "spiders")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "internals.py" and PRIVATE.search(path.read_text(encoding="utf-8"))
    )
    assert reaching == []


def test_only_the_adapter_reaches_trafilatura_internals() -> None:
    imports = re.compile(r"from trafilatura[\w.]* import (?:\(([^)]*)\)|([^\n]*))")

    def private(source: str) -> bool:
        for match in imports.finditer(source):
            names = (match.group(1) or match.group(2) or "").replace(",", " ").split()
            if any(name.startswith("_") for name in names):
                return True
        return False

    reaching = sorted(
        str(path.relative_to(ROOT))
        for folder in ("crawler", "pipelines", "spiders")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "trafilatura_adapter.py" and private(path.read_text(encoding="utf-8"))
    )
    assert reaching == []


def test_subclassed_scrapy_components_keep_their_private_names() -> None:
    """The crawl command, the meta-refresh and the robots.txt middlewares subclass
    Scrapy's; what they reach through ``crawler/internals.py`` still exists."""
    from scrapy.commands import BaseRunSpiderCommand
    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(
        settings_dict={
            "ROBOTSTXT_OBEY": True,
            "METAREFRESH_IGNORE_TAGS": ["script"],
            "METAREFRESH_MAXDELAY": 7,
        }
    )
    assert callable(BaseRunSpiderCommand._create_crawler)
    refresh = MetaRefreshMiddleware.from_crawler(crawler)
    assert internals.meta_refresh_settings(refresh) == (["script"], 7)
    assert callable(refresh._redirect_request_using_get) and callable(refresh._redirect)
    robots = RobotsTxtMiddleware.from_crawler(crawler)
    assert internals.robots_parsers(robots) == {}
    assert callable(internals.robots_parser_class(robots))
    hooked = internals.robots_txt_middleware()
    assert issubclass(hooked, RobotsTxtMiddleware)
    for hook in ("_parse_robots", "_robots_error"):
        # Scrapy calls the hook by its private name; the hooked class must override it
        assert getattr(RobotsTxtMiddleware, hook) is not getattr(hooked, hook)
