# syntax=docker/dockerfile:1
# recording-api container image: build with the Swift toolchain, run on a slim
# Debian with only the shared libraries the binaries load.
#
#   docker build -t recording-api .
#   docker run --env-file my.env -p 3000:3000 recording-api
#
# Our build machines have no container engine, so this file is not built in CI;
# tests/deploy/test_manifests.py checks that it agrees with the Kubernetes
# manifests (port, health path, user). The runtime package list below was
# derived from `readelf -d` / `ldd` of a `-static-stdlib` build on Debian 12.

# ---- build ---------------------------------------------------------------
# The swift:*-bookworm image already carries libcurl4-openssl-dev and
# libxml2-dev, which FoundationNetworking and FoundationXML need at link time
# when the Swift stdlib is static.
FROM swift:6.3-bookworm AS build

RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get -q update \
 && apt-get -q install -y --no-install-recommends \
      libevent-dev libssl-dev libsqlite3-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Tests/ too: SwiftPM loads every target of Package.swift, even for one product.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests

# --static-swift-stdlib folds the Swift runtime and Foundation into the binary,
# so the runtime stage needs no toolchain; only libc, libstdc++ and the C
# libraries below stay dynamic.
RUN swift build -c release --static-swift-stdlib --product recording-api \
 && swift build -c release --static-swift-stdlib --product room-recording \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/recording-api" /out/recording-api \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/room-recording" /out/room-recording

# ---- run -----------------------------------------------------------------
FROM debian:bookworm-slim

# Exactly what the binaries load (NEEDED entries of a static-stdlib build):
#   libcurl4                       FoundationNetworking (URLSession: LiveKit, S3)
#   libxml2                        FoundationXML (XMLParser: S3's error and listing bodies)
#   libevent-2.1-7, libevent-pthreads-2.1-7   the HTTP server (evhttp)
#   libssl3                        libcrypto: SHA-256, HMAC, random
#   libsqlite3-0                   the default embedded database
#   libpq5                         PostgreSQL, for several replicas
#   libstdc++6                     the Swift runtime's C++ parts
#   ca-certificates                https to LiveKit / S3
#   curl                           the HEALTHCHECK; costs ~0.5 MB because libcurl4 is here anyway
# libcurl4 and libxml2 stay dynamic even with --static-swift-stdlib (the
# toolchain links the system's copies). Anything missing from this list makes
# the `ldd` check below fail the build, not the container at start.
# tests/deploy checks this list against Package.swift's C libraries.
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get -q update \
 && apt-get -q install -y --no-install-recommends \
      libcurl4 libxml2 libevent-2.1-7 libevent-pthreads-2.1-7 libssl3 libsqlite3-0 libpq5 libstdc++6 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /out/recording-api /out/room-recording /usr/local/bin/

# Fail the image build, not the pod, when a shared library is missing.
RUN ! ldd /usr/local/bin/recording-api /usr/local/bin/room-recording | grep -F "not found"

# uid 10001: outside the range of system and typical host users; the
# Kubernetes manifests pin the same number (runAsUser).
RUN groupadd --system --gid 10001 recording \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/recording-api --shell /usr/sbin/nologin recording \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/recording-api /var/lib/recording-api/data

# The default DATABASE_URL (sqlite://data/recordings.db) is relative to the
# working directory: /var/lib/recording-api/data/recordings.db. Mount a volume
# there for a single SQLite instance; several replicas need PostgreSQL.
WORKDIR /var/lib/recording-api
USER 10001:10001

# Log collectors read JSON lines; PORT 3000 is the service's default.
ENV LOG_FORMAT=json \
    PORT=3000
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT:-3000}/health" >/dev/null || exit 1

ENTRYPOINT ["/usr/local/bin/recording-api"]
