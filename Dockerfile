# The CI image: payterm's binary and nothing else, run as a non-root user.
#   docker build -t payterm .
#   docker run --rm payterm --version
# Not built by this repository's CI: its machines have no Docker engine. The binary is the one
# `make dist` packages (the `dist` profile), which every other test runs.

FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
# The build script embeds the built-in scenarios and the book's pages, so both are copied.
COPY Cargo.toml Cargo.lock build.rs ./
COPY emulator emulator
COPY scenarios scenarios
COPY docs docs
COPY examples examples
COPY benches benches
COPY tests tests
RUN cargo build --locked --profile dist --bin payterm

# glibc and libgcc, no shell, no package manager; the `nonroot` user (uid 65532).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/dist/payterm /usr/local/bin/payterm
USER nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/payterm"]
CMD ["--help"]
