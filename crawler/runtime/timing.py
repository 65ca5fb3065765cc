"""Per-stage time accounting: ``time/<stage>_ms`` stats that the benchmarks read."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def timed(stage: str) -> Callable[[F], F]:
    """Add the wall time of a synchronous pipeline method to the stat ``time/<stage>_ms``.

    The decorated method's object must have a ``stats`` attribute (Scrapy's collector).
    """
    key = f"time/{stage}_ms"

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                if self.stats is not None:
                    self.stats.inc_value(key, (time.perf_counter() - started) * 1000.0)

        return wrapper  # type: ignore[return-value]

    return decorate
