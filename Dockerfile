# syntax=docker/dockerfile:1
# dcm-poll-bridge: build with the dev toolchain, run with production dependencies only.
#
#   docker build \
#     --build-arg VERSION="$(node -p 'require("./package.json").version')" \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
#     -t dcm-poll-bridge .

# Node.js 24 LTS, the line CI tests (.ci/with-node24); every stage uses it.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY adapters ./adapters
# The commit built (the build context has no .git): `npm run build` records it in dist/build-info.json, which
# --version, the logs and dcm_bridge_build_info report. Empty records none; anything but a hex commit id fails the build.
ARG REVISION=""
ENV DCM_BRIDGE_BUILD_COMMIT=${REVISION}
# Only the shipped code is compiled: test/, bench/ and demo/ are not in the build context (.dockerignore).
RUN npm run build

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ARG NODE_IMAGE
# OCI image annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md). VERSION defaults to
# package.json's version (a test keeps them equal); REVISION and CREATED come from the build command above.
ARG VERSION=0.1.0
ARG REVISION=""
ARG CREATED=""
LABEL org.opencontainers.image.title="dcm-poll-bridge" \
      org.opencontainers.image.description="Polls vSphere, OpenStack Nova and AWS EC2 for the VMs DCM manages and publishes their state changes as CloudEvents on NATS JetStream." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="DCM project" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production \
    DCM_BRIDGE_CONFIG=/etc/dcm-poll-bridge/config.yaml
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
# The compiled bridge with its source maps (stack traces name the TypeScript lines) and the build record.
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/adapters ./dist/adapters
COPY --from=build /app/dist/build-info.json ./dist/build-info.json
COPY package.json ./
COPY config/default.yaml /etc/dcm-poll-bridge/config.yaml
COPY config ./config
# The OpenAPI document: the API derives its routes and validation from it at start-up.
COPY api ./api
# V8's compiled code of the bridge's modules, made once here so every container starts from it (#12: about a
# fifth less start-up CPU). `once` with no endpoint, an in-memory cache and the stdout publisher loads the bridge's
# modules and touches nothing outside; the directory stays the node user's so modules first loaded later join it
# (on a read-only root file system, as the Helm chart runs it, the cache is only read).
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir -p /app/.compile-cache && chown node:node /app/.compile-cache
# Runs unprivileged as the image's node user, by number so Kubernetes' runAsNonRoot can verify it; mount secrets as
# files and reference them with ${file:...}.
USER 1000:1000
RUN DCM_BRIDGE_CACHE_URL= DCM_BRIDGE_PUBLISHER_KIND=stdout node --enable-source-maps dist/src/cli.js once
# The HTTP API (api.listen, default 0.0.0.0:8080): /healthz (liveness), /readyz (readiness), /metrics.
EXPOSE 8080
# Liveness of the API on the configured port: DCM_BRIDGE_API_LISTEN when the environment sets api.listen (it wins over
# the file, as for the bridge), else DCM_BRIDGE_HEALTHCHECK_PORT (set it when the config file moves api.listen off
# 8080). Node's fetch, so the slim image needs no curl; the start period covers Redis and NATS connecting.
ENV DCM_BRIDGE_HEALTHCHECK_PORT=8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const listen = process.env.DCM_BRIDGE_API_LISTEN || ':' + (process.env.DCM_BRIDGE_HEALTHCHECK_PORT || '8080'); const at = listen.lastIndexOf(':'); const host = listen.slice(0, at).replace(/^\\[|\\]$/g, ''); const target = ['', '0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host.includes(':') ? '[' + host + ']' : host; fetch('http://' + target + ':' + listen.slice(at + 1) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1));"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/cli.js"]
CMD ["run"]
