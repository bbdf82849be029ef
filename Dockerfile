# triagebot: one replica per container (with WEB_CONCURRENCY worker processes, default one per core
# the container sees); run as many replicas as you like against one PostgreSQL. See compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

WORKDIR /app

# Dependencies first, so a code-only change reuses this layer.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
COPY commands/__init__.py commands/__init__.py
COPY storage/__init__.py storage/__init__.py
RUN pip install . && pip uninstall -y triagebot

COPY bot bot
COPY commands commands
COPY storage storage
# `triagebot check` compares the token's scopes with the manifest; it looks in the working directory.
COPY app.yaml ./
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin triagebot \
    && chown -R triagebot /app

USER triagebot

EXPOSE 3000

# /healthz answers 200 when the database answers (503 otherwise); the body says whether a model is live.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# `serve` applies migrations (additive, under a PostgreSQL advisory lock) and then listens on PORT with
# WEB_CONCURRENCY workers (set it to the container's CPU limit; unset: one per core the container sees).
# On SIGTERM every worker finishes in-flight requests and acknowledged triages before exiting (bot/server.py).
CMD ["triagebot", "serve"]
