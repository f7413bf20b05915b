# One image for the order API and every worker: `orderflow api` (the default) or
# `orderflow worker <service>`; see docs/runtime-contract.md.
#
#   docker build -t orderflow:dev .
#   docker run --rm -p 8080:8080 orderflow:dev               # the API
#   docker run --rm orderflow:dev worker inventory           # a worker
#
# The base is pinned by tag. For byte-for-byte reproducible builds pin it by digest too,
# e.g. --build-arg PYTHON_IMAGE=python:3.12-slim@sha256:<digest> (from `docker buildx
# imagetools inspect python:3.12-slim`), and let Dependabot/Renovate bump it.
# No BuildKit-only syntax (RUN --mount, heredocs): testcontainers builds this file through
# the Docker SDK, which uses the classic builder.
# checkov:skip=CKV_DOCKER_7:false positive, FROM reads ARG PYTHON_IMAGE whose default python:3.12-slim is tag-pinned
ARG PYTHON_IMAGE=python:3.12-slim

# -- builder: turn the source tree into a wheel --------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# README* is optional (pyproject names it, setuptools only warns when it is missing);
# the wildcard keeps COPY from failing if it is absent.
COPY pyproject.toml README* ./
COPY orderflow ./orderflow
COPY api ./api
COPY workers ./workers
# --no-deps: only our own wheel is built here; its dependencies are installed from
# binary wheels in the runtime stage, so no compiler or sdist ever runs there.
RUN pip wheel --no-deps --wheel-dir /dist .

# -- runtime: the wheel and its runtime dependencies, nothing else ---------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="orderflow" \
      org.opencontainers.image.description="Event-driven order platform: order API and queue workers" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

# A fixed numeric uid/gid: ECS, Kubernetes' runAsNonRoot and file ownership on mounted
# volumes all need a number, not a name.
RUN groupadd --system --gid 10001 orderflow \
    && useradd --system --uid 10001 --gid orderflow --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin orderflow

# Only the built wheel is copied in; the `local` (moto) and `dev` extras are never
# installed. --only-binary makes a dependency without a wheel fail the build instead
# of silently needing build tools.
COPY --from=builder /dist/ /tmp/dist/
RUN pip install --only-binary=:all: /tmp/dist/orderflow-*.whl \
    && rm -rf /tmp/dist

WORKDIR /app
# Root-owned and read-only to the service user: the topology is configuration, not state.
COPY topology.yaml /app/topology.yaml

# PYTHONDONTWRITEBYTECODE: pip compiled the bytecode at install time, and ECS runs the
# task with a read-only root filesystem. PYTHONUNBUFFERED: logs reach CloudWatch at once.
# JSON logs: the workers' EMF metrics are parsed from them.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ORDERFLOW_TOPOLOGY_PATH=/app/topology.yaml \
    ORDERFLOW_API_HOST=0.0.0.0 \
    ORDERFLOW_API_PORT=8080 \
    ORDERFLOW_LOG_FORMAT=json

USER 10001:10001

EXPOSE 8080

# The API's liveness probe. Workers have no HTTP port: their ECS task definition overrides
# this with `orderflow health <service>` (the heartbeat file check).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('ORDERFLOW_API_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["orderflow"]
CMD ["api"]
