# Stand-in for node:20-bookworm-slim on a machine that reaches no container registry: Debian bookworm from
# debootstrap, Node 20 from the npm registry's node-linux-<arch> package, npm from the npm package, and the image's
# unprivileged "node" user (uid and gid 1000). Built by scripts/standin-images.sh.
FROM medic-standin/debian:bookworm
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
# Native addons (better-sqlite3) build against the headers the package ships instead of downloading them.
ENV npm_config_nodedir=/usr/local
# The certificate authorities this machine adds for its registry traffic (NODE_EXTRA_CA_CERTS on the host), if any.
COPY ca/ /usr/local/share/ca-certificates/
ARG EXTRA_CA=
ENV NODE_EXTRA_CA_CERTS=${EXTRA_CA}
LABEL medic.standin="node:20-bookworm-slim"
CMD ["node"]
