# syntax=docker/dockerfile:1
# dcm-poll-bridge: build with the dev toolchain, run with production dependencies only.

# Node.js 24 LTS, the line CI tests (.ci/with-node24); every stage uses it.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY adapters ./adapters
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    DCM_BRIDGE_CONFIG=/etc/dcm-poll-bridge/config.yaml
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/adapters ./dist/adapters
COPY package.json ./
COPY config/default.yaml /etc/dcm-poll-bridge/config.yaml
COPY config ./config
# The OpenAPI document: the API derives its routes and validation from it at start-up.
COPY api ./api
# V8's compiled code of the bridge's modules, made once here so every container starts from it (#12: about a
# fifth less start-up CPU). `once` with no endpoint, an in-memory cache and the stdout publisher loads the bridge's
# modules and touches nothing outside; the directory stays the node user's so modules first loaded later join it.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir -p /app/.compile-cache && chown node:node /app/.compile-cache
# Runs unprivileged; mount secrets as files and reference them with ${file:...}.
USER node
RUN DCM_BRIDGE_CACHE_URL= DCM_BRIDGE_PUBLISHER_KIND=stdout node dist/src/cli.js once
# The HTTP API (api.listen); /healthz is the liveness probe.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["run"]
