# One image for the four services; SERVICE picks the entry point (gateway, movies, ratings,
# notifications). ECS overrides the command per service.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gateway gateway
COPY subgraphs subgraphs
COPY platform platform
COPY local local
COPY scripts scripts
COPY schema schema
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
COPY --from=build /app/local/tmdb/catalog.json ./dist/local/tmdb/catalog.json
# The node image's unprivileged user (uid 1000).
USER node
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
EXPOSE 4000 4001 4002 4003 4004
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "const p={gateway:4000,movies:4001,ratings:4002,notifications:4003,availability:4004,'feed-processor':4005}[process.env.SERVICE];fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "case \"$SERVICE\" in gateway) exec node --max-old-space-size=160 --max-semi-space-size=16 dist/gateway/main.js;; feed-processor) exec node dist/subgraphs/availability/processor/main.js;; *) exec node dist/subgraphs/$SERVICE/main.js;; esac"]
