# syntax=docker/dockerfile:1
# One image with every Blend binary (blend-orchestrator, blend-sms-worker, blend-dialer-worker,
# blend-email-worker, blend-genesys-sim, blendctl in /usr/local/bin); each container picks its
# binary as the command (docker-compose.yml, deploy/k8s).
#
# The build stage runs exactly what CI runs: scripts/setup (the same Debian packages, Kafka jars
# and test venv) and the configure + build of scripts/test (Ninja, RelWithDebInfo, every
# component), so what ./scripts/test proves is what ships. The runtime stage holds only the
# shared libraries the binaries link (found with ldd + dpkg, so the list cannot drift from the
# build), tzdata (quiet hours per time zone), CA certificates (Genesys Cloud over TLS) and a
# non-root user 10001.
#   docker build -t blend:local .
#   docker compose up --build

FROM debian:bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# scripts/ alone first: the slow set-up layer is rebuilt only when a script changes.
COPY scripts/ scripts/
# Package versions are those of Debian 12 at build time, as on the CI machine (scripts/setup
# does not pin them either).
# hadolint ignore=DL3008
RUN apt-get update -q && apt-get install -y -q --no-install-recommends ca-certificates \
 && scripts/setup \
 && rm -rf /var/lib/apt/lists/*
COPY . .
ENV CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1 CCACHE_DIR=/root/.cache/ccache
# Same configure as scripts/test's `configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo`.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S /src -B /src/build -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && ninja -C /src/build -j"$(nproc)"
# The Debian packages that own the shared libraries the binaries load (pipefail: a library
# no package owns fails the build).
RUN set -eu; \
    for b in build/bin/*; do ldd "$b"; done | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u \
    | while read -r lib; do \
        dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null \
          || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "/usr$(realpath "$lib")"; \
      done | cut -d: -f1 | sort -u > /runtime-packages.txt; \
    cat /runtime-packages.txt; \
    mkdir -p /out && cp build/bin/* /out/ && strip --strip-debug /out/*

FROM debian:bookworm-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /runtime-packages.txt /tmp/runtime-packages.txt
# hadolint ignore=DL3008
RUN apt-get update -q \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y -q --no-install-recommends \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 blend \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin blend
COPY --from=build /out/ /usr/local/bin/
USER 10001:10001
# Every service takes --flags with BLEND_<FLAG> environment fallbacks; `<binary> --help`.
CMD ["blend-orchestrator", "--help"]
