# The folio image: one static binary on an empty base, running as a numeric
# non-root user. The theme and the migrations are inside the binary.
#
# Build the binary first (the image build copies it, and needs no Rust toolchain):
#   RUSTFLAGS="-C target-feature=+crt-static" \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
# then: buildah bud -t folio:dev .   (or: docker build -t folio:dev .)
# .ci/image does both and checks the result.
FROM scratch

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="folio" \
      org.opencontainers.image.description="Self-hosted Markdown publisher: SQLite store, static renderer, admin API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/example/folio"

COPY target/x86_64-unknown-linux-gnu/release/folio /folio

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
