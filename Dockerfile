# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build

# Runtime stage: production dependencies only, compiled code, a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY kibana ./kibana
RUN mkdir -p /state && chown node:node /state
USER node
ENV XDG_STATE_HOME=/state
ENTRYPOINT ["node", "/app/bin/memtrail.js"]
CMD ["--help"]
