# The image the dump and verify tasks run: PostgreSQL client and server binaries (pg_dump, pg_restore,
# initdb for verify's throwaway cluster), zstd, Node and the bundled pg-backup CLI, the RDS CA bundle,
# as a non-root user.
#
# pg_dump must not be older than any server it dumps: PG_MAJOR is the newest PostgreSQL major we
# support. Build: docker build -t pg-backup . (--build-arg PG_MAJOR=17); see docs/cli.md.
#
# Reproducible builds: pin both base images by digest and the CA bundle by checksum, e.g.
#   --build-arg POSTGRES_IMAGE=postgres:17-bookworm@sha256:<digest> --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:<digest>
#   --build-arg RDS_CA_BUNDLE_SHA256=<sha256 of global-bundle.pem>
# (the stage's `jobs.imageBuildArgs` passes them on `cdk deploy`). Without them the tags float and the
# build prints the bundle's checksum to pin.
ARG PG_MAJOR=17
ARG NODE_MAJOR=22
ARG NODE_IMAGE=node:${NODE_MAJOR}-bookworm-slim
ARG POSTGRES_IMAGE=postgres:${PG_MAJOR}-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle-cli.ts ./scripts/
RUN npx tsx scripts/bundle-cli.ts /build/dist/pg-backup.mjs

FROM ${NODE_IMAGE} AS node

FROM ${POSTGRES_IMAGE}
# An ARG declared before the first FROM is empty inside a stage unless declared again (PG_BIN_DIR below).
ARG PG_MAJOR
# The CA bundle of every RDS region (the global one: RDS's current and next CAs), fetched at build time.
ARG RDS_CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
ARG RDS_CA_BUNDLE_SHA256=
RUN apt-get update \
 && apt-get install -y --no-install-recommends zstd ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ADD ${RDS_CA_BUNDLE_URL} /etc/ssl/certs/rds-ca-bundle.pem
RUN set -eu; \
    bundle=/etc/ssl/certs/rds-ca-bundle.pem; \
    actual="$(sha256sum "$bundle" | cut -d' ' -f1)"; \
    if [ -n "$RDS_CA_BUNDLE_SHA256" ] && [ "$actual" != "$RDS_CA_BUNDLE_SHA256" ]; then \
      echo "RDS CA bundle from $RDS_CA_BUNDLE_URL has sha256 $actual, not the pinned $RDS_CA_BUNDLE_SHA256" >&2; exit 1; \
    fi; \
    certificates="$(grep -c 'BEGIN CERTIFICATE' "$bundle" || true)"; \
    if [ "$certificates" -lt 1 ]; then echo "RDS CA bundle from $RDS_CA_BUNDLE_URL holds no certificate" >&2; exit 1; fi; \
    chmod 644 "$bundle"; \
    echo "RDS CA bundle: $certificates certificates, sha256 $actual (pin it: --build-arg RDS_CA_BUNDLE_SHA256=$actual)"
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=build /build/dist/pg-backup.mjs /opt/pg-backup/pg-backup.mjs
RUN printf '#!/bin/sh\nexec /usr/local/bin/node /opt/pg-backup/pg-backup.mjs "$@"\n' > /usr/local/bin/pg-backup \
 && chmod 755 /usr/local/bin/pg-backup
# PGSSLROOTCERT: what libpq (pg_dump) and the CLI's own connections check a server's certificate
# against with sslmode verify-ca / verify-full (the tasks' default).
ENV PG_BIN_DIR=/usr/lib/postgresql/${PG_MAJOR}/bin \
    PGSSLROOTCERT=/etc/ssl/certs/rds-ca-bundle.pem \
    PG_BACKUP_WORK_DIR=/tmp \
    PG_BACKUP_LOG_FORMAT=json \
    NODE_ENV=production
# The tasks run with a read-only root file system and a task-local volume on /tmp; ECS copies a
# declared volume's mode from the image (1777 here), so the unprivileged user can write to it.
VOLUME ["/tmp"]
# The official image's unprivileged `postgres` user; verify's throwaway cluster runs as it too.
USER postgres
WORKDIR /tmp
ENTRYPOINT ["pg-backup"]
CMD ["--help"]
