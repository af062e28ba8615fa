# A Vigil node (and, with `--entrypoint node bin/vigil-satellite.js`, a satellite agent).
# Node 24 (the LTS) on Debian 13: uWebSockets.js for Node 22/24 needs glibc 2.38 or newer (Debian
# 12 has 2.36). See docs/OPERATIONS.md, "Supported platforms".
# Build stage: install everything, compile TypeScript to dist/ (npm install runs `prepare`), then
# keep only the production dependencies.
FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && node scripts/prune-native-binaries.mjs

# Run stage: built JavaScript and production dependencies only, as the unprivileged `node` user.
FROM node:24-trixie-slim
WORKDIR /app
ENV NODE_ENV=production VIGIL_HTTP_HOST=0.0.0.0 VIGIL_HTTP_PORT=8080 VIGIL_DATA_DIR=/app/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The satellite agent's single-file bundle, which bin/vigil-satellite.js runs.
COPY --from=build /app/packages/satellite/package.json ./packages/satellite/
COPY --from=build /app/packages/satellite/dist ./packages/satellite/dist
COPY --from=build /app/deploy ./deploy
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=2s --retries=12 CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "bin/vigil.js"]
CMD ["start"]
