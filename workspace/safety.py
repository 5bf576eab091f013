"""Small guards shared by several areas."""

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """A ?next= target only when it stays on our origin: a path, never another host."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
