# kubevet in a container: a static binary (musl) on an empty image.
#
#   docker build -t kubevet .
#   docker run --rm -v "$PWD:/src:ro" kubevet                   # = kubevet check . in /src
#   docker run --rm -v "$PWD:/src:ro" kubevet check --format concise clusters apps
#
# The build uses Cargo.lock as committed (--locked). On Alpine the host target is
# <arch>-unknown-linux-musl, which links statically, so the same file builds amd64 and arm64
# images (docker buildx build --platform linux/amd64,linux/arm64 .).
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY rules rules
COPY schemas schemas
# Static, with the release profile of Cargo.toml; the result must run on its own.
ENV RUSTFLAGS="-C target-feature=+crt-static"
RUN cargo build --release --locked --bin kubevet \
 && cp target/release/kubevet /kubevet \
 && /kubevet --version

FROM scratch
COPY --from=build /kubevet /kubevet
# No shell, no libc, no passwd file: a numeric non-root user.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/kubevet"]
CMD ["check", "."]
