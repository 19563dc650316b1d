#!/usr/bin/env bash
# pnpm compose-check: builds the real Dockerfile, runs the real docker-compose.yaml with docker-compose 1.29 and checks,
# against the containerised agent, what a user checks: non-root user with the Docker socket through group_add,
# HEALTHCHECK and /health, approvals guarded by the token from the environment, an unsigned report dead-lettered
# (config/compose.yaml requires signed reports), the plan's demo report, signed with MEDIC_SMITH_KEY, resurrecting a
# container labelled medic.enable=true once the agent runs live, and the database kept in its volume across
# `down` and `up`.
#
# For a machine with no container registry and no bridge network (this one): the images the files name are built from
# local stand-ins (scripts/standin-images.sh), and scripts/compose-check.override.yaml puts the services on the host
# network and leaves Elasticsearch out. docker-compose 1.29 refuses published ports on the host network (Docker
# itself ignores them there), so the `ports` of the merged configuration are dropped; nothing else is changed.
# Redis and the API get free ports on 127.0.0.1 (MEDIC_REDIS_PORT, and api.port in a copy of config/compose.yaml
# given as MEDIC_CONFIG_DIR). The target is a medic-test-* busybox container with no network.
# Removes its containers, the compose project and its volume at the end, pass or fail; keeps the images as a cache.
# Prints each check with the time since the start; exits 0 only if every check holds.
set -uo pipefail
# Settings that would change what docker-compose builds or starts (BuildKit, Elasticsearch's profile).
unset COMPOSE_PROFILES COMPOSE_DOCKER_CLI_BUILD DOCKER_BUILDKIT

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="medic-compose-check"
AGENT="medic-agent"                      # container_name in docker-compose.yaml
IMAGE="${PROJECT}_medic-agent"           # the image docker-compose 1.29 builds for the service
BUILD_CACHE="$PROJECT/build-stage"       # the Dockerfile's build stage, tagged so the next run reuses its layers
VOLUME="${PROJECT}_medic-data"
STREAM="smith.events.kill_notifications"
SOCKET="/var/run/docker.sock"
WORK="$(mktemp -d /tmp/medic-compose-check.XXXXXX)"
RAND="$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
TARGET="medic-test-$RAND-web"
START="$(date +%s%N)"
PASSED=0
FAILED=()
CREATED_TARGET=0
COMPOSE_READY=0

clock() { printf '[%6.1f s]' "$(( ($(date +%s%N) - START) / 1000000 ))e-3"; }
note() { printf '....  %s  %s\n' "$(clock)" "$*"; }
detail() { sed 's/^/                     /'; }
pass() { printf 'PASS  %s  %s\n' "$(clock)" "$*"; PASSED=$((PASSED + 1)); }
fail() { printf 'FAIL  %s  %s\n' "$(clock)" "$*"; FAILED+=("$*"); }
check() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }

summary() { # exit status so far
  local seconds=$(( ($(date +%s%N) - START) / 1000000000 ))
  if [ "$1" -ne 0 ] && [ ${#FAILED[@]} -eq 0 ]; then
    echo "compose-check: FAIL, stopped with exit status $1 after $PASSED checks held, in $seconds s"
    return 1
  fi
  if [ ${#FAILED[@]} -eq 0 ] && [ "$PASSED" -gt 0 ]; then
    echo "compose-check: PASS, $PASSED of $PASSED checks hold in $seconds s"
    return 0
  fi
  echo "compose-check: FAIL, $PASSED of $((PASSED + ${#FAILED[@]})) checks hold in $seconds s; failed: ${FAILED[*]}"
  return 1
}

cleanup() {
  local status=$?
  exec 1>&3 2>&4 # a signal can land inside a command whose output goes to a log
  [ "$CREATED_TARGET" -eq 1 ] && docker rm -f "$TARGET" >/dev/null 2>&1
  if [ "$COMPOSE_READY" -eq 1 ]; then
    compose down --volumes --remove-orphans --timeout 10 >"$WORK/down.log" 2>&1 \
      || { echo "compose-check: docker-compose down failed:"; tail -n 5 "$WORK/down.log"; }
  fi
  # Belt and braces: nothing of the project may outlive the check.
  docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null 2>&1
  docker volume rm "$VOLUME" >/dev/null 2>&1
  docker network ls -q --filter "name=^${PROJECT}_" | xargs -r docker network rm >/dev/null 2>&1
  rm -rf "$WORK"
  note "cleaned up: the target container, the compose project's containers and its volume"
  summary "$status" || [ "$status" -ne 0 ] || status=1
  exit "$status"
}
exec 3>&1 4>&2
# One run at a time: the project, its volume and the container name medic-agent are fixed.
exec 9>/tmp/medic-compose-check.lock
if ! flock -n 9; then
  echo "compose-check: another pnpm compose-check is running on this machine (lock /tmp/medic-compose-check.lock)" >&2
  rm -rf "$WORK"
  exit 1
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  fail "$*"
  if docker container inspect "$AGENT" >/dev/null 2>&1; then
    echo "      last lines of the agent's log:"; docker logs --tail 30 "$AGENT" 2>&1 | detail
  fi
  exit 1
}

# docker-compose with the real file and the override, minus the published ports (see the header).
compose() {
  docker-compose -p "$PROJECT" -f "$REPO/docker-compose.yaml" -f "$REPO/scripts/compose-check.override.yaml" config \
    >"$WORK/merged.yaml" || return 1
  /usr/bin/python3 -c '
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
for name, service in config["services"].items():
    if service.get("network_mode") != "host":
        sys.exit(f"compose-check: service {name} is not on the host network; refusing to let compose create a network")
    service.pop("ports", None)
yaml.safe_dump(config, open(sys.argv[2], "w"), sort_keys=False)
' "$WORK/merged.yaml" "$WORK/effective.yaml" || return 1
  docker-compose -p "$PROJECT" -f "$WORK/effective.yaml" "$@"
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
api() { curl -s -m 10 "$@"; }
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const v=JSON.parse(s);const r=(new Function("j",`return (${process.argv[1]})`))(v);console.log(typeof r==="string"?r:JSON.stringify(r))}catch(e){console.log("(not JSON: "+s.slice(0,200)+")")}})' "$1"; }

wait_healthy() { # container, seconds
  local state=""
  for _ in $(seq 1 "$2"); do
    state="$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null)"
    [ "$state" = running/healthy ] && return 0
    sleep 1
  done
  echo "$1 is $state after $2 s" >&2
  return 1
}

# Replaces the image behind a tag of this check's and removes the one it replaced, so reruns leave no untagged images.
retag() { # tag, new image id
  local old
  old="$(docker image inspect -f '{{.Id}}' "$1" 2>/dev/null)"
  docker tag "$2" "$1"
  [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$1")" ] && docker rmi "$old" >/dev/null 2>&1
  return 0
}

compose_up() { # phase description
  compose up -d >"$WORK/up.log" 2>&1 || { detail <"$WORK/up.log"; die "docker-compose up ($1)"; }
  [ -z "$(docker network ls -q --filter "name=^${PROJECT}_")" ] || die "docker-compose created a network; this machine allows none"
  wait_healthy "$AGENT" 120 || die "the agent's HEALTHCHECK did not report healthy ($1)"
  pass "docker-compose up ($1): redis healthy, then the agent; its HEALTHCHECK says healthy"
}

# Tools and images.
note "pnpm compose-check in $REPO (project $PROJECT, work dir $WORK)"
bash "$REPO/scripts/services.sh" image tools compose-tools 2>&1 | detail
[ "${PIPESTATUS[0]}" -eq 0 ] || die "scripts/services.sh could not bring up Docker, the test image, curl, docker-compose and debootstrap"
note "$(docker-compose version --short | sed 's/^/docker-compose /'), Docker engine $(docker version -f '{{.Server.Version}}')"

if docker container inspect "$AGENT" >/dev/null 2>&1 \
  && [ "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$AGENT")" != "$PROJECT" ]; then
  die "a container named $AGENT that this check did not create exists; remove it first"
fi
if [ -n "$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ] || docker volume inspect "$VOLUME" >/dev/null 2>&1 \
  || [ -n "$(docker network ls -q --filter "name=^${PROJECT}_")" ]; then
  note "removing what an interrupted earlier run of this check left behind"
  docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null
  docker volume rm "$VOLUME" >/dev/null 2>&1
  docker network ls -q --filter "name=^${PROJECT}_" | xargs -r docker network rm >/dev/null 2>&1
fi

bash "$REPO/scripts/standin-images.sh" 2>&1 | detail
[ "${PIPESTATUS[0]}" -eq 0 ] || die "could not provide node:20-bookworm-slim and redis:7-alpine"
pass "images the files name are present: node:20-bookworm-slim, redis:7-alpine"

# Configuration for this run.
API_PORT="$(free_port)"
REDIS_PORT="$(free_port)"
TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# config/compose.yaml requires kill reports signed with this secret (docker-compose.yaml refuses to start without it).
SMITH_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
API="http://127.0.0.1:$API_PORT"
mkdir -p "$WORK/config"
/usr/bin/python3 -c '
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
config.setdefault("api", {})["port"] = int(sys.argv[3])
yaml.safe_dump(config, open(sys.argv[2], "w"), sort_keys=False)
' "$REPO/config/compose.yaml" "$WORK/config/compose.yaml" "$API_PORT" || die "could not copy config/compose.yaml"
export DOCKER_GID="$(stat -c %g "$SOCKET")" MEDIC_API_PORT="$API_PORT" MEDIC_REDIS_PORT="$REDIS_PORT" \
  MEDIC_CONFIG_DIR="$WORK/config" MEDIC_SMITH_KEY="$SMITH_KEY"
unset MEDIC_MODE MEDIC_API_TOKEN
note "Redis on 127.0.0.1:$REDIS_PORT; the API on 127.0.0.1:$API_PORT (config/compose.yaml with api.port: $API_PORT)"
COMPOSE_READY=1

# Build the real Dockerfile.
OLD_IMAGE="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)"
note "docker-compose build medic-agent (the real Dockerfile; log in $WORK/build.log while it runs)"
compose build --force-rm medic-agent >"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" | detail; die "docker-compose build of the Dockerfile"; }
[ -n "$OLD_IMAGE" ] && [ "$OLD_IMAGE" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ] && docker rmi "$OLD_IMAGE" >/dev/null 2>&1
# The build stage's last layer: the last " ---> <id>" before the final stage's FROM in the builder's output.
STAGE="$(awk '/^ ---> [0-9a-f]+$/ { id = $2 } /^Step [0-9]+\/[0-9]+ : FROM / { stage = id } END { print stage }' "$WORK/build.log")"
[ -n "$STAGE" ] && retag "$BUILD_CACHE" "$STAGE"
note "built: $(grep -c '^ ---> Using cache' "$WORK/build.log") of $(grep '^Step ' "$WORK/build.log" | grep -vc ' : FROM ') steps from the build cache"
USER_OF_IMAGE="$(docker image inspect -f '{{.Config.User}}' "$IMAGE")"
HEALTH_OF_IMAGE="$(docker image inspect -f '{{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 0}}{{end}}' "$IMAGE")"
[ "$USER_OF_IMAGE" = node ] && [ -n "$HEALTH_OF_IMAGE" ]
check $? "the Dockerfile builds $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')): USER $USER_OF_IMAGE, with a HEALTHCHECK"
# The image ships what runs: the agent's dist and bin, no TypeScript sources or tests of it or its workspace packages.
SHIPPED="$(docker run --rm --network none --name "medic-test-$RAND-files" --entrypoint sh "$IMAGE" -c \
  'test -f /app/dist/main.js && test -x /app/bin/medic-agent && echo runnable;
   find -L /app /app/node_modules/@medic -mindepth 1 -maxdepth 2 \( -name src -o -name test -o -name "*.test.js" -o \( -name "*.ts" ! -name "*.d.ts" \) \) -print' 2>&1)"
[ "$SHIPPED" = runnable ]
check $? "the image ships the agent's dist and bin, without sources or tests$( [ "$SHIPPED" = runnable ] || printf ': %s' "$(echo "$SHIPPED" | grep -v '^runnable$' | head -n 5 | tr '\n' ' ')")"

# Phase 1: live, token set.
export MEDIC_MODE=live MEDIC_API_TOKEN="$TOKEN"
compose_up "MEDIC_MODE=live, MEDIC_API_TOKEN set"

UID_LINE="$(docker exec "$AGENT" sh -c 'grep ^Uid: /proc/1/status; id')"
echo "$UID_LINE" | detail
echo "$UID_LINE" | grep -Eq '^Uid:\s+1000\s' && echo "$UID_LINE" | grep -q 'uid=1000(node)'
check $? "the agent's process runs as the image's user node (uid 1000), not root"

GROUPS_OF_AGENT="$(docker exec "$AGENT" id -G)"
HEALTH="$(api "$API/health")"
DOCKER_CHECK="$(echo "$HEALTH" | json 'j.checks.docker.status')"
NO_GROUP="$(docker run --rm --network none --name "medic-test-$RAND-nogroup" -v "$SOCKET:$SOCKET" --entrypoint node "$IMAGE" \
  -e 'require("net").connect(process.argv[1]).on("connect",()=>{console.log("connected");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(0)})' "$SOCKET")"
echo "socket $SOCKET: group $DOCKER_GID, mode $(stat -c %a "$SOCKET"); agent's groups: $GROUPS_OF_AGENT; /health docker: $DOCKER_CHECK; same image without group_add: $NO_GROUP" | detail
[[ " $GROUPS_OF_AGENT " == *" $DOCKER_GID "* ]] && [ "$DOCKER_CHECK" = up ] && [ "$NO_GROUP" = EACCES ]
check $? "it reaches the Docker socket through group_add (gid $DOCKER_GID), and only through it"

echo "$HEALTH" | detail
[ "$(echo "$HEALTH" | json 'j.status + " " + j.mode')" = "ok live" ]
check $? "GET /health: status ok, mode live"

# The plan's demo report, aimed at this check's container instead of the demo's nginx-test.
docker run -d --name "$TARGET" --network none --label medic.enable=true --label "medic.module=$TARGET" \
  --health-cmd 'busybox wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1' \
  --health-interval 1s --health-timeout 1s --health-retries 3 \
  medic-test/busybox sh -c 'echo ok > /tmp/index.html; exec busybox httpd -f -p 8080 -h /tmp' >/dev/null \
  || die "could not create the target container $TARGET"
CREATED_TARGET=1
wait_healthy "$TARGET" 60 || die "$TARGET never became healthy"
docker kill "$TARGET" >/dev/null
BEFORE="$(docker inspect -f '{{.State.StartedAt}}' "$TARGET")"
# The plan's report with the current time: a signed report's timestamp is signed too, and an old one is stale.
report() { # kill_id
  echo "{\"kill_id\":\"$1\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"target_module\":\"$TARGET\",\"target_instance_id\":\"$TARGET\",\"kill_reason\":\"anomaly_behavior\",\"severity\":\"low\",\"confidence_score\":0.4,\"evidence\":[\"unusual_traffic\"],\"dependencies\":[],\"source_agent\":\"smith\"}"
}
UNSIGNED_ID="$(compose exec -T redis redis-cli -p "$REDIS_PORT" XADD "$STREAM" '*' payload "$(report demo-unsigned)" | tr -d '\r')" \
  || die "XADD to the compose Redis"
REPORT="$(report demo-1)"
# Signed as Smith would, with the helper the image ships and the secret the agent was given.
SIGNATURE="$(docker exec "$AGENT" node dist/sign-report.js "$REPORT")" || die "sign-report in the agent's image"
# shellcheck disable=SC2086 # SIGNATURE is "kid <id> sig <hex>", four words on purpose
compose exec -T redis redis-cli -p "$REDIS_PORT" XADD "$STREAM" '*' payload "$REPORT" $SIGNATURE >/dev/null || die "XADD to the compose Redis"
DECISION=""
for _ in $(seq 1 100); do
  DECISION="$(api "$API/decisions/demo-1" | json 'j.decision')"
  [ "$DECISION" = pending_review ] && break
  sleep 0.2
done
echo "$TARGET killed (StartedAt $BEFORE); the plan's report published" | detail
api "$API/decisions/demo-1" | json '`decision ${j.decision}, risk ${j.risk_score} (${j.risk_level}), confidence ${j.confidence}. ${[].concat(j.reasoning).join(" ")}`' | fold -s -w 100 | detail
[ "$DECISION" = pending_review ]
check $? "the plan's demo-1 report, signed, is decided: pending_review (config/compose.yaml leaves auto-approve off)"

# The dead-letter stream's newest entry: its id, then its fields and values, one per line.
DEAD="$(compose exec -T redis redis-cli -p "$REDIS_PORT" --raw XREVRANGE "$STREAM.dead" + - COUNT 1 | tr -d '\r' \
  | awk 'NR > 1 { if (NR % 2 == 0) name = $0; else value[name] = $0 } END { print value["original_id"] " " value["reason"] }')"
DEAD_ID="${DEAD%% *}"
DEAD_REASON="${DEAD#* }"
UNSIGNED_STATUS="$(api -o /dev/null -w '%{http_code}' "$API/decisions/demo-unsigned")"
echo "unsigned report $UNSIGNED_ID: dead-lettered with \"$DEAD_REASON\"; GET /decisions/demo-unsigned: $UNSIGNED_STATUS" | detail
[ "$DEAD_ID" = "$UNSIGNED_ID" ] && [[ "$DEAD_REASON" == "sig: bad_signature: "* ]] && [ "$UNSIGNED_STATUS" = 404 ]
check $? "an unsigned report is dead-lettered as bad_signature and never decided (config/compose.yaml requires signed reports)"

NO_AUTH="$(api -o /dev/null -w '%{http_code}' -X POST "$API/approve/demo-1")"
WRONG="$(api -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer wrong-$TOKEN" "$API/approve/demo-1")"
RIGHT="$(api -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$API/approve/demo-1")"
echo "POST /approve/demo-1: no token $NO_AUTH, wrong token $WRONG, the token from the environment $RIGHT" | detail
[ "$NO_AUTH" = 401 ] && [ "$WRONG" = 401 ] && [ "$RIGHT" = 202 ]
check $? "approvals need MEDIC_API_TOKEN: 401 without it or with a wrong one, 202 with it"

OUTCOME=""
for _ in $(seq 1 150); do
  OUTCOME="$(api "$API/decisions/demo-1" | json 'j.outcome_type')"
  [ "$OUTCOME" = success ] && break
  sleep 0.2
done
AFTER="$(docker inspect -f '{{.State.StartedAt}}' "$TARGET")"
STATE="$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$TARGET")"
api "$API/decisions/demo-1" | json '`outcome ${j.outcome_type}, approved by ${j.approved_by}, time to healthy ${j.time_to_healthy} s. ${[].concat(j.reasoning).at(-1)}`' | fold -s -w 100 | detail
echo "$TARGET: $STATE, StartedAt $AFTER" | detail
[ "$OUTCOME" = success ] && [ "$AFTER" != "$BEFORE" ] && [ "$STATE" = "running healthy" ]
check $? "live: the approved kill resurrects $TARGET (labelled medic.enable=true): running, healthy, outcome success"

MOUNT="$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/app/data"}}{{.Type}} {{.Name}}{{end}}{{end}}' "$AGENT")"
IN_VOLUME="$(docker run --rm --network none --name "medic-test-$RAND-volume" -v "$VOLUME:/data:ro" medic-test/busybox ls /data | tr '\n' ' ')"
echo "/app/data is a $MOUNT; it holds: $IN_VOLUME" | detail
[ "$MOUNT" = "volume $VOLUME" ] && [[ " $IN_VOLUME " == *" outcomes.db "* ]]
check $? "the database lands in the volume $VOLUME"

# Phase 2: down, then up in observer mode with no token.
compose down --timeout 10 >"$WORK/down.log" 2>&1 || { detail <"$WORK/down.log"; die "docker-compose down"; }
docker container inspect "$AGENT" >/dev/null 2>&1 && die "docker-compose down left $AGENT behind"
note "docker-compose down: containers removed, volume kept"
unset MEDIC_MODE MEDIC_API_TOKEN
compose_up "defaults: observer, no MEDIC_API_TOKEN"

KEPT="$(api "$API/decisions/demo-1" | json 'j.decision + " " + j.outcome_type')"
echo "GET /decisions/demo-1 after down && up: $KEPT" | detail
[ "$KEPT" = "pending_review success" ]
check $? "the database survives docker-compose down && docker-compose up"

NO_TOKEN="$(api -w ' %{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$API/approve/demo-1")"
echo "POST /approve/demo-1 with no MEDIC_API_TOKEN configured: $NO_TOKEN" | detail
[ "${NO_TOKEN##* }" = 403 ]
check $? "approvals are refused with 403 while no MEDIC_API_TOKEN is configured"
