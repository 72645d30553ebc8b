# One image for every camwatch role; docker-compose.yml picks the subcommand.
FROM golang:1.26-bookworm AS build
# decode/ binds libavcodec through cgo for the edge's pixel motion tier.
RUN apt-get update && apt-get install -y --no-install-recommends libavcodec-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/camwatch ./cmd/camwatch

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata libavcodec59 libavutil57 \
    && rm -rf /var/lib/apt/lists/* && useradd -r -u 10001 camwatch \
    && mkdir -p /var/lib/camwatch/auth && chown -R camwatch /var/lib/camwatch
COPY --from=build /out/camwatch /usr/local/bin/camwatch
COPY configs /etc/camwatch
USER camwatch
ENTRYPOINT ["/usr/local/bin/camwatch"]
