"""One router per domain, each carrying its full prefix (`/v1/offers`).

Routers are included without an extra prefix: the access log and metrics label requests by
the matched route's own path, which is only the full template when the prefix lives here.
"""
