# The forum API image (api:v1 in the reference system).
#
# Two ways to build it, both ending in an image FROM scratch that holds one
# static binary and runs as a non-root user:
#
#   make image                       the binary is built on the host, nothing is pulled:
#                                    docker build --target prebuilt -t api:v1 .
#   docker build -t api:v1 .         the binary is built in a golang build stage
#                                    (for CI or a workstation that can pull images)
#
# The classic builder runs stages in order and stops at --target, so the
# prebuilt target never needs the golang image.

# base: what every variant of the image shares.
FROM scratch AS base
# nobody:nogroup; scratch has no /etc/passwd, so numeric ids.
USER 65534:65534
ENV PORT=3000
EXPOSE 3000
# The image has no shell or curl: the binary probes itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/forum", "-healthcheck"]
ENTRYPOINT ["/forum"]

# prebuilt: the static binary that `make image` built on the host.
FROM base AS prebuilt
COPY bin/forum-static /forum

# build: compile the static binary inside Docker.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/forum ./cmd/forum

# The default target: the image built entirely in Docker.
FROM base
COPY --from=build /out/forum /forum
