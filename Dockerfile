# syntax=docker/dockerfile:1
# Not built in CI: no Docker engine runs on the project's machines. Written to be built with `docker build .`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# The workspace's manifests, so npm ci can lay out node_modules (the stand-in's code is not in the image).
COPY package.json package-lock.json ./
COPY packages/stripe-local/package.json ./packages/stripe-local/
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

FROM node:20-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/stripe-local/package.json ./packages/stripe-local/
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, so SIGTERM reaches node and the graceful shutdown runs.
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
