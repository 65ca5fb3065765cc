"""A scripted DNS for crawls on loopback: ``GuardedResolver`` with made-up answers.

``CLEANWIRE_TEST_DNS`` holds JSON, name -> addresses: each lookup of a name takes
the next address, the last one repeats (a name can answer differently on its second
lookup, as a DNS-rebinding host does). Other names are looked up for real. Use it
with ``-s TWISTED_DNS_RESOLVER=tests.dns.ScriptedResolver``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from twisted.internet import defer
from twisted.internet.defer import Deferred

from crawler.resolver import GuardedResolver

ENV = "CLEANWIRE_TEST_DNS"


class ScriptedResolver(GuardedResolver):
    answers: dict[str, list[str]] | None = None

    def lookup(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        if self.answers is None:
            self.answers = json.loads(os.environ.get(ENV) or "{}")
        script = self.answers.get(name.lower())
        if not script:
            return super().lookup(name, timeout)
        return defer.succeed(script.pop(0) if len(script) > 1 else script[0])
