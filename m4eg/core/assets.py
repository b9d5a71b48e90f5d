"""Light pages on slow connections: gzip for text responses, and static files with
versioned URLs (``?v=<content hash>``) cached by browsers for a year.

Static files are compressed once per file version and kept in memory; pages are compressed
as they are sent (the page cache keeps the compressed copy of a cached page).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from pathlib import Path

from flask import Flask, current_app, request

COMPRESSIBLE = {"text/html", "text/css", "text/csv", "text/plain", "application/javascript",
                "text/javascript", "application/json", "image/svg+xml"}
MIN_SIZE = 512
YEAR = 365 * 24 * 3600
MONTH = 30 * 24 * 3600
_lock = threading.Lock()
_versions: dict[str, str] = {}
_static_gzip: dict[tuple[str, float], bytes] = {}


def accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _static_file(filename: str) -> Path | None:
    folder = Path(current_app.static_folder)
    path = (folder / filename).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        return None
    return path


def _version(filename: str) -> str | None:
    # Static files change only with a deployment (a restart) outside debug mode: their
    # version is computed once. In debug mode an edited file gets a new version at once.
    if not current_app.debug and (known := _versions.get(filename)) is not None:
        return known
    path = _static_file(filename)
    if path is None:
        return None
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    with _lock:
        _versions[filename] = version
    return version


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = _version(values["filename"])
        if version:
            values["v"] = version


def _compress_response(response):
    if response.status_code != 200 or "Content-Encoding" in response.headers:
        return response
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip():
        return response
    if request.endpoint == "static":
        path = _static_file(request.view_args.get("filename", ""))
        if path is None:
            return response
        key = (str(path), path.stat().st_mtime)
        with _lock:
            if key not in _static_gzip:
                _static_gzip[key] = compress(path.read_bytes())
            body = _static_gzip[key]
        if hasattr(response.response, "close"):
            response.response.close()  # the file send_file opened is not sent
        response.direct_passthrough = False
        response.set_data(body)
        if response.get_etag()[0]:
            response.set_etag(response.get_etag()[0] + "-gz")
    else:
        if response.direct_passthrough or response.is_streamed:
            return response
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        response.set_data(compress(data))
    response.headers["Content-Encoding"] = "gzip"
    return response


def _cache_static(response):
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    if request.args.get("v"):
        # send_file says "no-cache" (revalidate every time): a versioned file never changes.
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    elif request.view_args.get("filename", "").startswith("fonts/"):
        # The stylesheet names the fonts without a version (url() in site.css); a changed
        # font gets a new file name, and a month's cache spares a village connection.
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = MONTH
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_compress_response)
    app.after_request(_cache_static)
