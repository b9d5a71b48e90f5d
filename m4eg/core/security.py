"""Security headers on every response, request hygiene, CSP reports and a guard for ``next=``.

- Every response carries the security headers; responses to signed-in people, exports and
  PDFs also say ``Cache-Control: no-store`` (no shared or browser cache keeps them).
- A NUL byte in the URL or a form field is refused with a translated 400 in one place
  (PostgreSQL refuses NUL in text, which otherwise became a 500 on many routes).
- ``POST /csp-report`` records Content-Security-Policy violations in the application log.
- Absolute links are built by :func:`public_url` on the configured public address.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import SecurityError

from ..extensions import csrf, limiter
from .errors import render_error
from .permissions import PUBLIC, allow

CSP_REPORT_PATH = "/csp-report"
# Hand-written rather than Flask-Talisman: a few fixed headers, and Talisman's HTTPS redirect
# belongs to the reverse proxy in front of gunicorn.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        # report-to for browsers with the Reporting API, report-uri for the others.
        f"report-uri {CSP_REPORT_PATH}",
        "report-to csp",
    )
)
REPORTING_ENDPOINTS = f'csp="{CSP_REPORT_PATH}"'
# Downloads that hold personal or unpublished data, whoever asks for them.
PRIVATE_MIMETYPES = {
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
}
NUL_MESSAGE = _l("The request contains a character that is not allowed (a NUL byte). Remove it "
                 "and try again.")
HOST_MESSAGE = _l("This site does not answer for this host name.")


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Reporting-Endpoints", REPORTING_ENDPOINTS)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["M4EG_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype in PRIVATE_MIMETYPES or (
            request.endpoint != "static" and current_user.is_authenticated):
        headers["Cache-Control"] = "no-store"
    return response


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values)


def _refuse_nul():
    """Answer 400 when the path, the query string or a form field holds a NUL byte."""
    if request.routing_exception is not None:  # 404, 405, unknown host: their handlers answer
        return None
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        return render_error(400, NUL_MESSAGE)
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"} \
            and _has_nul(request.form.items(multi=True)):
        return render_error(400, NUL_MESSAGE)
    return None


def _untrusted_host(error):
    # The request never got a URL adapter (its Host is not in TRUSTED_HOSTS), so the error
    # page, whose links need one, cannot be rendered: a short plain answer instead.
    return Response(str(HOST_MESSAGE), status=400, mimetype="text/plain")


def public_url(endpoint: str, *, default: str | None = None, **values) -> str:
    """An absolute URL for mails and other links that leave the site, built on
    ``PUBLIC_BASE_URL`` when it is configured (always in production), never on the Host
    header of the request, which the sender controls. Outside a request and without a
    configured address (a cron job on such a machine) it returns ``default`` when one is
    given, else raises RuntimeError."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    try:
        if base:
            return base.rstrip("/") + url_for(endpoint, _external=False, **values)
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        if default is None:
            raise
        return default


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site may be a redirect target (no scheme, host or ``//``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# --- CSP violation reports -----------------------------------------------------------------

CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_REPORT_TYPES = {"application/csp-report", "application/reports+json", "application/json"}
MAX_REPORTS_PER_REQUEST = 20
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _clean(value) -> str:
    """A report field fit for one log line: text only, no control characters, bounded."""
    return _UNPRINTABLE.sub("?", value)[:300] if isinstance(value, str) else ""


def _violations(payload, mimetype: str):
    """(directive, blocked URI, document URI) of each violation in a report body; raises
    ValueError when the body is not a CSP report."""
    if mimetype == "application/reports+json":
        if not isinstance(payload, list):
            raise ValueError("a Reporting API body is a list")
        found = []
        for report in payload[:MAX_REPORTS_PER_REQUEST]:
            if not isinstance(report, dict) or not isinstance(report.get("body"), dict):
                raise ValueError("a report without a body")
            if report.get("type") == "csp-violation":
                body = report["body"]
                found.append((body.get("effectiveDirective"), body.get("blockedURL"),
                              body.get("documentURL")))
        return found
    body = payload.get("csp-report") if isinstance(payload, dict) else None
    if not isinstance(body, dict):
        raise ValueError("a report-uri body is {\"csp-report\": {...}}")
    directive = body.get("effective-directive") or body.get("violated-directive")
    return [(directive, body.get("blocked-uri"), body.get("document-uri"))]


@allow(PUBLIC)
def csp_report():
    """Log the CSP violations a browser reports (no table: the log is where operators look)."""
    if request.mimetype not in CSP_REPORT_TYPES:
        abort(400)
    if (request.content_length or 0) > CSP_REPORT_MAX_BYTES:
        abort(413)
    raw = request.stream.read(CSP_REPORT_MAX_BYTES + 1)  # bounded even without a length
    if len(raw) > CSP_REPORT_MAX_BYTES:
        abort(413)
    try:
        violations = _violations(json.loads(raw), request.mimetype)
    except (ValueError, RecursionError):  # JSON and UnicodeDecodeError are ValueErrors
        abort(400)
    for directive, blocked, document in violations:
        current_app.logger.warning("CSP violation: directive %s blocked %s on %s",
                                   _clean(directive), _clean(blocked), _clean(document))
    return Response(status=204)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
    app.register_error_handler(SecurityError, _untrusted_host)
    view = limiter.limit("30 per minute")(csrf.exempt(csp_report))
    app.add_url_rule(CSP_REPORT_PATH, "csp_report", view, methods=["POST"])
