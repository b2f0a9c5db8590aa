# Production image: uvicorn serving Kith against the PostgreSQL that DATABASE_URL names.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KITH_ENVIRONMENT=production

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin kith
WORKDIR /app

COPY pyproject.toml README.md requirements.lock ./
COPY api ./api
COPY models ./models
COPY services ./services
COPY migrations ./migrations
RUN pip install --constraint requirements.lock . && rm -rf /app/api /app/models /app/services /app/migrations

USER kith
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# `kith serve` migrates (under a lock, so replicas may start together), then serves.
CMD ["kith", "serve", "--host", "0.0.0.0", "--port", "8000"]
