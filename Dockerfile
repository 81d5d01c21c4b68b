# paperbot: one image for every process (worker, web, migrations); see compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app
# Dependencies first (pinned; psycopg[binary] brings its own libpq), so a
# code change does not reinstall them.
COPY requirements.txt pyproject.toml README.md ./
RUN grep -v '^\.$' requirements.txt > /tmp/pinned.txt \
    && pip install -r /tmp/pinned.txt \
    && rm /tmp/pinned.txt
COPY bot ./bot
COPY core ./core
COPY storage ./storage
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 paperbot
USER paperbot
WORKDIR /home/paperbot

EXPOSE 8000
# Every role serves /healthz on PORT (the worker too, when it has routes; see bot/web.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)"
CMD ["paperbot", "run", "--role", "web"]
