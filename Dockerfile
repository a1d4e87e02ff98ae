# The folio image: one static binary on an empty base, running as a numeric
# non-root user. The theme and the migrations are inside the binary.
#
# The image copies a binary built beforehand (it needs no Rust toolchain, and has no
# RUN step, so an arm64 image builds on an x86_64 machine without emulation), from
# target/image/linux-<arch>/folio. .ci/image builds the binaries (x86_64, and aarch64
# with a cross toolchain), the image of each architecture and their manifest, and
# checks them:
#   bash .ci/image
# or by hand, for one architecture:
#   RUSTFLAGS="-C target-feature=+crt-static" \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
#   mkdir -p target/image/linux-amd64
#   cp target/x86_64-unknown-linux-gnu/release/folio target/image/linux-amd64/
#   buildah bud --platform linux/amd64 --build-arg TARGETARCH=amd64 -t folio:dev .
FROM scratch

# Set by buildah and docker from --platform (amd64, arm64).
ARG TARGETARCH
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="folio" \
      org.opencontainers.image.description="Self-hosted Markdown publisher: SQLite store, static renderer, admin API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/example/folio"

COPY target/image/linux-${TARGETARCH}/folio /folio

# State lives in /data (a volume); the root file system can be read-only.
ENV FOLIO_LISTEN=0.0.0.0:8080 \
    FOLIO_DB=/data/folio.db \
    FOLIO_CONTENT=/data/content \
    FOLIO_OUT=/data/public \
    FOLIO_LOG_FORMAT=json
WORKDIR /data
USER 10001:10001
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=5s CMD ["/folio", "healthcheck"]
ENTRYPOINT ["/folio"]
CMD ["serve"]
