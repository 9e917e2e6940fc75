"""A tiny JSON client of the search server (the standard library's)."""
import json
import urllib.error
import urllib.request
from typing import Any, Optional, Tuple


def request(url: str, payload: Optional[dict] = None,
            method: Optional[str] = None,
            data: Optional[bytes] = None) -> Tuple[int, Any, bytes]:
    """Send a request (``payload`` as JSON, or raw ``data``); its status,
    decoded JSON (None if not JSON) and raw body."""
    if payload is not None:
        data = json.dumps(payload).encode()
    call = urllib.request.Request(
        url, data=data, method=method,
        headers={'Content-Type': 'application/json'} if data else {})
    try:
        with urllib.request.urlopen(call, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    return status, decoded, body
