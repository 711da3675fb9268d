# photogate image: a build stage compiles TypeScript, a deps stage installs production
# dependencies only, and the runtime stage holds those, dist/src and the example configuration,
# runs as the unprivileged `node` user and keeps the store in the /data volume.
#
# Every npm install uses --ignore-scripts: `prepare` would run tsc before the sources are copied,
# and the `node` dev dependency's preinstall would download a second Node. argon2 needs no install
# script either: its loader (node-gyp-build) uses build/Release when a compile left one, else the
# prebuilt binary shipped in the package (prebuilds/linux-x64/argon2.glibc.node, linux-arm64, ...).
#
#   docker build -t photogate .
#   docker run -p 8080:8080 -v photogate-data:/data -e PHOTOGATE_UPSTREAM=http://photoprism:2342 photogate
#   docker run --rm -v photogate-data:/data photogate auth add admin -n phone -s webdav
#   docker kill -s HUP <container>     reloads /app/photogate.yaml (or $PHOTOGATE_CONFIG)

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    PHOTOGATE_LISTEN=0.0.0.0:8080 \
    PHOTOGATE_STORE=/data/photogate.json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json config.example.yaml ./
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# Readiness (store loaded, upstream reachable) on the port PHOTOGATE_LISTEN names; slim images
# have no curl, so Node asks. Exec form: no shell, and nothing Docker would try to substitute.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PHOTOGATE_LISTEN.split(':').pop() + '/readyz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: Node is the container's process 1, with no shell in between, so `docker stop`
# (SIGTERM: graceful stop) and `docker kill -s HUP` (reload the configuration) reach photogate,
# which handles both itself. The V8 option is the one `npm start` passes (why: src/main.ts).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/src/main.js"]
CMD ["start"]
