# syntax=docker/dockerfile:1
#
# Hector server image. Multi-stage: production dependencies are installed in a build stage, the runtime image
# gets them plus the sources (Node 24 runs the TypeScript sources directly; there is no compile step).
#
#   docker build -t hector .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp \
#     -v "$PWD/hector.yaml:/app/hector.yaml:ro" -v hector-state:/app/.hector \
#     -e HECTOR_AUTH_SECRET -e OPENAI_API_KEY hector
#
# Layout (see docs/deployment.md):
#   /opt/hector   the program, owned by root, read-only for the server
#   /app          the working directory: hector.yaml, the tools' workspace and the state dir /app/.hector
#                 (SQLite database, app workspaces). Mount a volume here; it is the only place written to.
# The image works with a read-only root filesystem: nothing outside /app and /tmp is written.
# No secret is baked in: HECTOR_AUTH_SECRET, API keys and the like come from the environment at run time.
#
# Pin NODE_IMAGE by digest in production (node:24-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build stage: production dependencies only, no install scripts (no native builds are needed) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /opt/hector
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -f .npmrc
# (.npmrc is removed so that a registry token ever added to it cannot ship; for a private registry, pass the
#  token as a build secret instead: RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci ...)
COPY bin ./bin
COPY src ./src
COPY schema ./schema
# Test fakes never ship: the server does not import them (the offline --demo needs them; it is for laptops).
RUN rm -rf src/testing && find src -name '*.test.ts' -delete

# ---- runtime stage ----
FROM ${NODE_IMAGE} AS runtime
# bubblewrap: the command tool's OS sandbox (see docs/deployment.md for what the container runtime must allow).
# tini: PID 1 that forwards SIGTERM to Node and reaps orphaned processes. util-linux (prlimit) is in the base.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends bubblewrap tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hector \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin hector \
 && mkdir -p /app/.hector \
 && chown -R 10001:10001 /app \
 && chmod 0700 /app/.hector
COPY --from=build --chown=root:root /opt/hector /opt/hector
ENV NODE_ENV=production
# The port the health check probes: keep it equal to the port the server listens on (server.port / --port).
ENV HECTOR_HEALTH_PORT=8080
WORKDIR /app
VOLUME ["/app/.hector"]
USER 10001:10001
EXPOSE 8080
# Plain HTTP on 8080: terminate TLS in front (deploy/nginx/hector.conf, or an ingress controller).
# /health needs no credentials; node's own fetch, because the image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HECTOR_HEALTH_PORT || '8080') + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: the server stops accepting, finishes in-flight requests within server.shutdown_timeout, flushes the
# audit sink and exits 0 (docs/deployment.md). Give it at least shutdown_timeout + 5 s before a SIGKILL.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/hector/bin/hector.js"]
CMD ["serve", "--config", "/app/hector.yaml", "--host", "0.0.0.0"]
