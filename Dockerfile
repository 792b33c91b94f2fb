# pilegate container image: built in one stage (with the development dependencies that compile the
# TypeScript), run from another that holds only the production dependencies, the compiled code, the
# mappings and the examples. Runs as the unprivileged user `node`. Build and run: README, Deployment.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
# No install scripts: the compiler needs none, and `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY codecs ./codecs
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/pilegate
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/pilegate
COPY --from=deps /opt/pilegate/node_modules ./node_modules
COPY package.json ./
COPY --from=build /build/dist ./dist
COPY mappings ./mappings
COPY examples ./examples
# Captures and other state: a volume the unprivileged user can write.
RUN mkdir -p /var/lib/pilegate /etc/pilegate && chown node:node /var/lib/pilegate
USER node
# Charger listeners of the example configs (IEC 104 on 2404 and 2405, YKC on 8767) and /metrics.
EXPOSE 2404 2405 8767 9104
# `pilegate health` (its own entry, without the other commands) asks /healthz on
# 127.0.0.1:$PILEGATE_HTTP_PORT (default 9104) inside the container, with PILEGATE_HTTP_SECRET when
# the endpoints require it; no curl needed.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["node", "/opt/pilegate/dist/src/cli/health.js"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/pilegate/dist/src/cli/index.js"]
CMD ["serve", "--config", "/etc/pilegate/pilegate.yaml"]
