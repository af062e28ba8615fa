# A Vigil node. Runs the TypeScript sources through tsx (no build step), like `npm start`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
ENV VIGIL_HTTP_HOST=0.0.0.0 VIGIL_HTTP_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=2s --retries=12 CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "bin/vigil.js"]
CMD ["start"]
