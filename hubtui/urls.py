"""Server URLs in one spelling (a module of its own: the fleet and the cleanup compare servers without loading
the cloud code)."""

from __future__ import annotations

from urllib.parse import urlsplit


def normalise_server(url: str) -> str:
    """A server URL in one spelling, so that a kubeconfig's server and a cloud endpoint compare equal:
    no https:// scheme, no default port 443, host in lower case, no trailing slash (other schemes and ports,
    and the path, are kept)."""
    text = (url or "").strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and not (scheme == "https" and port == 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    head = host if scheme == "https" else f"{scheme}://{host}"
    return f"{head}{path}"
