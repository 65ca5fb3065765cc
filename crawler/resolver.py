"""Connect-time address guard: the Twisted resolver Scrapy connects through.

Scrapy's HTTP handler asks the reactor's resolver for a host's address right
before it connects. ``GuardedResolver`` (``TWISTED_DNS_RESOLVER``) is Scrapy's
caching resolver with one more step: every answer, cached or fresh, is checked
against the crawl's ``safety.AddressPolicy``, and a private, loopback,
link-local, CGNAT or reserved answer that the policy refuses fails the
connection before a byte is sent (``ConnectGuardMiddleware`` counts it as
``skip/private_address`` and fails the request with ``PrivateAddressError``). It is the one
check a DNS-rebinding host cannot slip past: the address checked is the
address connected to.

Scrapy builds the resolver from the process settings, before any spider
exists; ``AddressGuardMiddleware`` tells the policy the start hosts and
``ALLOW_LOOPBACK`` when its spider opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from crawler.net.safety import AddressPolicy


class PrivateAddressError(Exception):
    """A download refused because the host's address is not one the crawl may reach."""


class RefusedLookup(DNSLookupError):
    """What the resolver answers for a refused address. Twisted turns every failed
    lookup into "no results for hostname lookup" on its way to the connection, so
    the reason is kept in the policy (``AddressPolicy.take_refusal``) and
    ``ConnectGuardMiddleware`` turns the failure into ``PrivateAddressError``."""


@implementer(IResolverSimple)
class GuardedResolver(CachingThreadedResolver):
    """Scrapy's ``CachingThreadedResolver`` that refuses addresses its policy refuses."""

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = AddressPolicy()
        # an HTTP proxy the environment names (often on this machine) is connected to
        for url in getproxies().values():
            host = urlsplit(url if "//" in url else f"//{url}").hostname
            if host:
                self.policy.allow_names.add(host.lower())

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> GuardedResolver:
        resolver: GuardedResolver = super().from_crawler(crawler, reactor)
        resolver.policy.allow_private = crawler.settings.getbool("ALLOW_LOOPBACK")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        d = self.lookup(name, timeout)
        d.addCallback(self._checked, name)
        return d

    def lookup(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """The address of ``name``, unchecked: Scrapy's cached threaded lookup."""
        return super().getHostByName(name, timeout)

    def _checked(self, address: str, name: str) -> str:
        why = self.policy.refuse(name, address)
        if why is not None:
            raise RefusedLookup(f"{name}: {why}")
        return address


def installed_policy() -> AddressPolicy | None:
    """The policy of the reactor's resolver when it is a ``GuardedResolver``."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    return resolver.policy if isinstance(resolver, GuardedResolver) else None
