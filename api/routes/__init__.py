"""One router per domain; `api/app.py` mounts them under /v1."""
