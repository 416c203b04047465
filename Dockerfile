# One image for api, worker and simulator; the compose file picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/simulator/package.json packages/simulator/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
COPY test/package.json test/
COPY bench/package.json bench/
# tsx runs the TypeScript sources directly, so dev dependencies stay in the image.
RUN npm ci --include=dev --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps apps
USER node
EXPOSE 3000 9100
CMD ["npm", "run", "api"]
