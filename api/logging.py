"""JSON log lines, each carrying the request id. Secrets and emails are kept out by design:
no log call in Kith is given a request body, a header or a query string."""

import logging
import logging.config
from typing import Any


def configure_logging(level: str = "INFO") -> None:
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {
                "()": "asgi_correlation_id.CorrelationIdFilter",
                "default_value": "-",
            }
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                "rename_fields": {
                    "asctime": "time",
                    "levelname": "level",
                    "name": "logger",
                    "correlation_id": "request_id",
                },
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "kith": {"level": level, "handlers": ["stdout"], "propagate": False},
            "uvicorn": {"level": level, "handlers": ["stdout"], "propagate": False},
            "uvicorn.error": {"level": level, "handlers": ["stdout"], "propagate": False},
            # Replaced by kith.access, which logs the route template instead of the raw path
            # and query string (a query string can carry a token).
            "uvicorn.access": {"level": "WARNING", "handlers": ["stdout"], "propagate": False},
            "alembic": {"level": "WARNING", "handlers": ["stdout"], "propagate": False},
        },
    }
    logging.config.dictConfig(config)
