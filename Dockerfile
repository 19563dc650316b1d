# Medic agent image: build the workspace, then ship only the agent with its production dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/* \
 && npm install -g pnpm@10
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json .npmrc ./
COPY packages/domain/package.json packages/domain/
COPY packages/redis/package.json packages/redis/
COPY packages/docker/package.json packages/docker/
COPY packages/sqlite/package.json packages/sqlite/
COPY packages/elasticsearch/package.json packages/elasticsearch/
COPY apps/agent/package.json apps/agent/
RUN pnpm install --frozen-lockfile
COPY packages packages
COPY apps apps
# --filter-prod: the agent and what it needs at run time, not its test-only workspace packages.
RUN pnpm --filter-prod "@medic/agent..." build && pnpm --filter @medic/agent deploy --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
COPY config ./config
# The database lives in /app/data (a volume); the image runs as the unprivileged "node" user.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV NODE_ENV=production MEDIC_CONFIG_PATH=/app/config/medic.yaml
EXPOSE 8000
STOPSIGNAL SIGTERM
# Healthy while /health says "ok", asked at the address the agent's own configuration gives (no curl in a slim image).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const {api}=require('/app/dist/config.js').loadConfig();const h=['0.0.0.0','::'].includes(api.host)?'127.0.0.1':api.host;fetch(`http://${h.includes(':')?`[${h}]`:h}:${api.port}/health`).then(r=>r.json()).then(b=>process.exit(b.status==='ok'?0:1),()=>process.exit(1))"]
CMD ["bin/medic-agent"]
