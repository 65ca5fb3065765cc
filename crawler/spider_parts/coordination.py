"""What the workers of a distributed crawl tell each other about a site's discovery.

The worker that reads a site's start page is often not the one that reads its
sitemaps: the news spider falls back to following links only when no worker's
sitemaps or feeds listed an article of the site and the shared frontier is quiet.
The counts live in Redis, behind the distributed scheduler
(``crawler/scheduler/redis_scheduler.py``); outside distributed mode there is no
such scheduler, and this component neither tells nor asks anything.
"""

from __future__ import annotations

from typing import Any


class DistributedDiscovery:
    """Shares the article counts of sites' sitemaps and feeds between workers."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    def scheduler(self) -> Any:
        """The distributed scheduler, or None."""
        scheduler = self.crawler.engine.scheduler
        return scheduler if hasattr(scheduler, "shared_found") else None

    def share_found(self, host: str, n: int) -> None:
        """Tell the other workers that sitemaps or feeds of ``host`` list ``n`` articles."""
        scheduler = self.scheduler() if n else None
        if scheduler is not None:
            scheduler.shared_found(host, n)

    def defers_link_following(self, host: str) -> bool:
        """True while another worker may be reading (or has read) the sitemaps of
        ``host``: work is queued or in flight somewhere, or they listed articles."""
        scheduler = self.scheduler()
        return scheduler is not None and (
            not scheduler.frontier_quiet() or bool(scheduler.shared_found(host))
        )
