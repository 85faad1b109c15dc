# Multi-stage build on Debian 12. Both stages use .ci/install, the same script
# the README and CI use, so the path CI tests is the path this image takes.
FROM debian:12 AS build
WORKDIR /src
COPY .ci/install .ci/install
RUN .ci/install --build-only
COPY . .
RUN .ci/build

FROM debian:12-slim
WORKDIR /opt/icans-cds
COPY .ci/install .ci/install
RUN .ci/install --runtime-only && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/icans-cds /usr/local/bin/icans-cds
COPY examples examples
COPY docs docs
ENTRYPOINT ["icans-cds"]
EXPOSE 8080
# Inside a container the service must listen beyond loopback; the database
# lives in a volume so the audit trail outlives the container. Authentication
# is on: give the trusted EHRs and the public URL, e.g.
#   -e ICANS_AUTH_ISSUERS=/etc/icans-cds/issuers.json
#   -e ICANS_PUBLIC_BASE_URL=https://cds.example.org
# (docs/cds-hooks.md, Security); without them serve refuses to start.
VOLUME /var/lib/icans-cds
CMD ["serve", "--host", "0.0.0.0", "--db", "/var/lib/icans-cds/icans-cds.db"]
