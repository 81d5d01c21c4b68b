"""The proxy a Slack client should use for its base URL, honouring NO_PROXY.

slack_sdk reads HTTPS_PROXY/HTTP_PROXY itself but ignores NO_PROXY, so a machine with a proxy
for the outside world would send even a local Slack endpoint (a test fake, an internal gateway)
through it. The standard library's rules (urllib.request) decide instead.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


def proxy_for(url: str) -> str | None:
    """The proxy URL for requests to `url`, or None: no proxy set, or the host is in NO_PROXY."""
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    chosen = proxies.get(parts.scheme or "https") or proxies.get("https") or proxies.get("http")
    if not chosen:
        return None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    bypass = urllib.request.proxy_bypass_environment(host, proxies)  # type: ignore[attr-defined]
    return None if bypass else chosen
