"""Security headers every response carries."""

from __future__ import annotations

# What a browser needs told about a JSON API: nothing may be framed, sniffed, cached, referred or
# loaded. /docs sets its own Content-Security-Policy first (api/docs.py) and keeps the rest.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    # TLS ends at the ALB; browsers ignore this header over plain HTTP (local mode).
    "Strict-Transport-Security": "max-age=31536000",
}
