# The image the dump and verify tasks run: PostgreSQL client and server binaries (pg_dump, pg_restore,
# initdb for verify's throwaway cluster), zstd, Node and the bundled pg-backup CLI, as a non-root user.
#
# pg_dump must not be older than any server it dumps: PG_MAJOR is the newest PostgreSQL major we
# support. Build: docker build -t pg-backup . (--build-arg PG_MAJOR=17); see docs/cli.md.
ARG PG_MAJOR=17
ARG NODE_MAJOR=22

FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle-cli.ts ./scripts/
RUN npx tsx scripts/bundle-cli.ts /build/dist/pg-backup.mjs

FROM node:${NODE_MAJOR}-bookworm-slim AS node

FROM postgres:${PG_MAJOR}-bookworm
# An ARG declared before the first FROM is empty inside a stage unless declared again (PG_BIN_DIR below).
ARG PG_MAJOR
RUN apt-get update \
 && apt-get install -y --no-install-recommends zstd ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=build /build/dist/pg-backup.mjs /opt/pg-backup/pg-backup.mjs
RUN printf '#!/bin/sh\nexec /usr/local/bin/node /opt/pg-backup/pg-backup.mjs "$@"\n' > /usr/local/bin/pg-backup \
 && chmod 755 /usr/local/bin/pg-backup
ENV PG_BIN_DIR=/usr/lib/postgresql/${PG_MAJOR}/bin \
    PG_BACKUP_WORK_DIR=/tmp \
    PG_BACKUP_LOG_FORMAT=json \
    NODE_ENV=production
# The official image's unprivileged `postgres` user; verify's throwaway cluster runs as it too.
USER postgres
WORKDIR /tmp
ENTRYPOINT ["pg-backup"]
CMD ["--help"]
