# Stand-in for redis:7-alpine on a machine that reaches no container registry: Debian bookworm's redis-server
# (7.0, with redis-cli) on the debootstrap base, run as the unprivileged "redis" user. Built by scripts/standin-images.sh.
FROM medic-standin/debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
LABEL medic.standin="redis:7-alpine"
CMD ["redis-server"]
