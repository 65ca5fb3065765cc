"""Checks made before a crawl sends its first request: arguments, settings, output, state.

Each check takes plain values and returns a list of problems, one line each, in
the form ``<setting or argument>: <what is wrong>; <what to do>``. ``scrapy crawl``
(``crawler/commands/crawl.py``) logs them and exits with status 2 before crawling.
Mistyped ``-s`` names are only warned about (``unknown_settings``): a setting no
component reads does nothing, but may be meant for a component not installed here.
"""

from __future__ import annotations

import difflib
import glob
import importlib.util
import ipaddress
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

EXAMPLE_START = "https://www.example.com/"
_TRUE_FALSE = ("True", "true", "False", "false")
#: A host name label (letters of any script, digits, inner hyphens).
_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")
#: A top-level domain: letters (any script) or an IDNA ``xn--`` label.
_TLD = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$")
#: How code reads a setting: ``settings.getint("NAME"``, ``settings["NAME"]``, or a
#: constant-like string with an underscore (``"REDIS_HOST"`` in a parameter map).
_SETTING_READ = re.compile(
    r"""settings(?:\.get\w*\(\s*|\[\s*)["']([A-Z][A-Z0-9_]*)["']|["']([A-Z][A-Z0-9]*_[A-Z0-9_]+)["']"""
)
#: Setting names of well-known components besides Scrapy's own (scanned when installed).
COMPONENT_PACKAGES = ("scrapy", "scrapy_redis")
STATE_SCHEMES = ("sqlite:///", "redis://", "rediss://", "unix://")


# ------------------------------------------------------------------ spider arguments


def plausible_host(host: str) -> bool:
    """True for a host a crawl can reach: a domain name with a TLD, an IP, ``localhost``."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return True
    labels = host.split(".")
    return (
        len(labels) >= 2
        and all(len(label) <= 63 and _LABEL.match(label) for label in labels)
        and bool(_TLD.match(labels[-1]))
    )


def check_start_urls(value: str, name: str = "start") -> list[str]:
    """Problems with a comma-separated list of start URLs (``-a start=...``).

    A value without a scheme is taken as ``https://`` (as the spider does), so
    ``example.com`` is fine, but ``notaurl`` has no plausible host.
    """
    problems = []
    for url in (u.strip() for u in value.split(",")):
        if not url:
            continue
        given = url
        if "://" not in url:
            url = "https://" + url
        parts = urlsplit(url)
        fix = f"give a site's address, e.g. -a {name}={EXAMPLE_START}"
        if parts.scheme.lower() not in ("http", "https"):
            problems.append(f"-a {name}={given}: not an http(s) URL; {fix}")
            continue
        try:
            parts.port  # noqa: B018 (raises ValueError for a bad port)
        except ValueError:
            problems.append(f"-a {name}={given}: the port is not a number from 0 to 65535; {fix}")
            continue
        if not plausible_host(parts.hostname or ""):
            host = parts.hostname or ""
            what = f"{host!r} is not a host name" if host else "there is no host name"
            problems.append(f"-a {name}={given}: {what}; {fix}")
    return problems


def check_positive_int(name: str, value: Any, example: int = 200) -> list[str]:
    """Problems with a numeric spider argument (``-a max_pages=...``)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return [f"-a {name}={value}: not a whole number; give one, e.g. -a {name}={example}"]
    if number <= 0:
        return [f"-a {name}={value}: must be above 0; give e.g. -a {name}={example}"]
    return []


def check_archive_paths(spec: str, name: str = "path") -> list[str]:
    """Problems with ``-a path=FILE_OR_GLOB[,...]``: every file must exist, every glob match."""
    problems = []
    fix = "give existing WARC/ARC files or a glob that matches some"
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        return [f"-a {name}: no archive given; {fix}, e.g. -a {name}=crawl.warc.gz"]
    for part in parts:
        path = unquote(urlsplit(part).path) if part.startswith("file:") else part
        if glob.has_magic(path):
            if not glob.glob(path):
                problems.append(f"-a {name}={part}: no file matches; {fix}")
        elif not Path(path).is_file():
            what = "is a folder" if Path(path).is_dir() else "does not exist"
            problems.append(f"-a {name}={part}: {path} {what}; {fix}")
    return problems


# -------------------------------------------------------------------------- settings


def _not_a_folder(path: Path) -> Path | None:
    """``path`` or its nearest existing ancestor, when that is not a folder."""
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


def _writable_dir(name: str, path: Path, what: str, fix: str) -> list[str]:
    """``path`` exists (created if need be) as a folder a file can be written in."""
    blocker = _not_a_folder(path)
    if blocker is not None:
        return [f"{name}={what}: {path} cannot be a folder: {blocker} is a file; {fix}"]
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [f"{name}={what}: {path} cannot be created: {exc.strerror or exc}; {fix}"]
    try:
        fd, probe = tempfile.mkstemp(dir=path, prefix=".cleanwire-write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return [f"{name}={what}: cannot write in {path}: {exc.strerror or exc}; {fix}"]
    return []


def check_output_dir(value: str, name: str = "OUTPUT_DIR") -> list[str]:
    """``OUTPUT_DIR`` can be created and written to."""
    if not str(value).strip():
        return [f"{name} is empty; set it to a folder, e.g. -s {name}=output"]
    fix = f"set {name} to a folder this user may write to"
    return _writable_dir(name, Path(value), str(value), fix)


def check_state_url(url: str, name: str = "STATE_URL", retry_seconds: float = 30.0) -> list[str]:
    """``STATE_URL`` names a supported store that can be opened for writing.

    A SQLite file's folder must be writable (the store and its WAL live there) and
    an existing file must be a SQLite database; a Redis must answer, within
    ``retry_seconds`` (``DISTRIBUTED_REDIS_RETRY``, as the store retries an outage).
    """
    url = str(url or "").strip()
    fix = "use sqlite:///path/to/state.sqlite3 or redis://host:port/db"
    if not url.startswith(STATE_SCHEMES):
        scheme = url.split(":", 1)[0] if ":" in url else ""
        what = f"scheme {scheme!r} is not supported" if scheme else "is not a store URL"
        if url.startswith("sqlite:") and scheme == "sqlite":
            what = "a SQLite URL needs three slashes (sqlite:///relative or sqlite:////absolute)"
        return [f"{name}={url}: {what}; {fix}"]
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if not str(path).strip():
            return [f"{name}={url}: no file named; {fix}"]
        fix = f"point {name} at a file in a folder this user may write to"
        problems = _writable_dir(name, path.parent, url, fix)
        if problems:
            return problems
        if path.exists():
            return _sqlite_file(name, url, path)
        return []
    return _redis_answers(name, url, retry_seconds)


def _redis_answers(name: str, url: str, retry_seconds: float) -> list[str]:
    import redis

    from crawler.runtime.state.redis import ping

    try:
        ping(url, retry_seconds)
    except ValueError as exc:
        return [f"{name}={url}: {exc}; use redis://host:port/db"]
    except redis.exceptions.RedisError as exc:
        return [
            f"{name}={url}: Redis does not answer ({exc}); start it, or point {name} "
            "at a Redis that runs (DISTRIBUTED_REDIS_RETRY: how long to wait for one)"
        ]
    return []


def _sqlite_file(name: str, url: str, path: Path) -> list[str]:
    fix = f"point {name} at a SQLite file this user may write to, or at a new one"
    if not path.is_file():
        return [f"{name}={url}: {path} is not a file; {fix}"]
    if not os.access(path, os.R_OK | os.W_OK):
        return [f"{name}={url}: {path} is not writable; {fix}"]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return [f"{name}={url}: {path} is not a SQLite database; {fix}"]
        return [f"{name}={url}: {path} cannot be opened ({exc}); {fix}"]
    return []


def _is_number(value: str, kind: type) -> bool:
    try:
        kind(value)
    except (TypeError, ValueError):
        return False
    return True


def check_setting_values(given: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    """``-s`` values that the setting's type cannot read (``-s EXTRACT_WORKERS=abc``).

    The type is the default's: a number must parse as one (a whole-number default
    also takes ``2.5``, which Scrapy reads with ``getfloat`` for some settings), a
    flag must be one of ``0``, ``1``, ``True``, ``False``.
    """
    problems = []
    for name, value in given.items():
        default = defaults.get(name)
        if not isinstance(value, str) or default is None:
            continue
        text = value.strip()
        if isinstance(default, bool):
            if not (_is_number(text, int) or text in _TRUE_FALSE):
                problems.append(
                    f"-s {name}={value}: not a flag (default {default}); use 1 or 0, True or False"
                )
        elif isinstance(default, (int, float)) and not _is_number(text, float):
            kind = "whole number" if isinstance(default, int) else "number"
            problems.append(f"-s {name}={value}: not a {kind}; give one, e.g. -s {name}={default}")
    return problems


def module_settings(module: ModuleType) -> dict[str, Any]:
    """The upper-case names a settings module defines, with their values."""
    return {k: getattr(module, k) for k in dir(module) if k.isupper() and not k.startswith("_")}


def setting_names_read(packages: Iterable[str]) -> set[str]:
    """Setting names the source files of ``packages`` read (those installed), by a scan."""
    names: set[str] = set()
    for package in packages:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        roots = list(spec.submodule_search_locations or [])
        files = [Path(spec.origin)] if not roots and spec.origin else []
        for root in roots:
            files.extend(Path(root).rglob("*.py"))
        for path in files:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for match in _SETTING_READ.finditer(text):
                names.add(match.group(1) or match.group(2))
    return names


def component_packages(settings: Mapping[str, Any]) -> set[str]:
    """Top-level packages of the components and add-ons the settings enable."""
    packages = set(COMPONENT_PACKAGES)
    for key in (
        "ADDONS",
        "ITEM_PIPELINES",
        "EXTENSIONS",
        "DOWNLOADER_MIDDLEWARES",
        "SPIDER_MIDDLEWARES",
        "DOWNLOAD_HANDLERS",
    ):
        value = settings.get(key) or {}
        paths = value.keys() if hasattr(value, "keys") else value
        packages.update(p.split(".", 1)[0] for p in paths if isinstance(p, str) and p)
    for key in ("SCHEDULER", "DUPEFILTER_CLASS", "STATS_CLASS", "SCHEDULER_MEMORY_QUEUE"):
        value = settings.get(key)
        if isinstance(value, str) and value:
            packages.add(value.split(".", 1)[0])
    return packages


def closest_setting(name: str, known: Iterable[str]) -> str | None:
    """The known setting ``name`` is most likely a typo of, or None."""
    candidates = sorted(set(known))
    upper = name.upper()
    if upper in candidates:
        return upper
    matches = difflib.get_close_matches(upper, candidates, n=1, cutoff=0.75)
    return matches[0] if matches else None


def unknown_settings(
    given: Iterable[str], known: set[str], scan: Iterable[str] = ()
) -> list[tuple[str, str | None]]:
    """``(name, closest known name)`` for every name in ``given`` nothing reads.

    ``known`` are the declared names (Scrapy's defaults, the project's settings);
    only when some name is not among them are the ``scan`` packages' sources read
    for the settings their code reads.
    """
    unknown = [n for n in given if n not in known]
    if not unknown:
        return []
    everything = known | setting_names_read(scan)
    return [(n, closest_setting(n, known)) for n in unknown if n not in everything]


def describe_unknown_setting(name: str, closest: str | None) -> str:
    hint = f"did you mean {closest}?" if closest else "see the settings table in README.md"
    return (
        f"-s {name}: no Scrapy component, add-on or Cleanwire setting reads {name}, "
        f"so it changes nothing; {hint}"
    )


# ---------------------------------------------------------------- spiders and arguments


def unknown_spider(name: str, spiders: Iterable[str]) -> str:
    """The one line for ``scrapy crawl <name>`` when no spider has that name."""
    available = sorted(spiders)
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    return (
        f"scrapy crawl {name}: no spider named {name!r}; {hint}"
        f"the spiders are: {', '.join(available) or 'none'}"
    )


def unknown_arguments(spider: str, given: Iterable[str], accepted: Iterable[str]) -> list[str]:
    """Warnings for ``-a`` names the spider does not take (``-a max_page=5``)."""
    accepted = sorted(accepted)
    warnings = []
    for name in given:
        if name in accepted:
            continue
        close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        warnings.append(
            f"-a {name}: the {spider} spider takes no such argument, so it changes nothing; "
            f"{hint}it takes {', '.join(accepted)}"
        )
    return warnings
