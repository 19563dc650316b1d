#!/usr/bin/env bash
# The reboot plan's success demo, for real, on this machine (README, The demo):
# services up, build, a healthy container "nginx-test" that Smith kills, the agent started with
# config/demo.yaml, the plan's demo-1 report published, and the plan's four verifications.
# Exits 0 only if all four hold; removes the container, the agent and its scratch directory.
set -uo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
STREAM="smith.events.kill_notifications"
CONTAINER="nginx-test"
API="http://127.0.0.1:8000"
WORK="$(mktemp -d /tmp/medic-demo.XXXXXX)"
AGENT_PID=""
CREATED_CONTAINER=0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

cleanup() {
  if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
    kill -TERM "$AGENT_PID" 2>/dev/null
    wait "$AGENT_PID" 2>/dev/null
  fi
  [ "$CREATED_CONTAINER" -eq 1 ] && docker rm -f "$CONTAINER" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

say "Local services (Redis, Docker engine, test image, sqlite3 and curl)"
bash "$REPO/scripts/services.sh" redis docker image tools || die "could not bring up the local services"

say "Build"
cd "$REPO"
if [ ! -d node_modules ]; then
  command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10 >/dev/null || die "could not install pnpm"
  pnpm install --frozen-lockfile || die "pnpm install failed"
fi
pnpm -s build || die "build failed"

say "A healthy container '$CONTAINER' (busybox httpd with a health check)"
if docker container inspect "$CONTAINER" >/dev/null 2>&1; then
  die "a container named $CONTAINER already exists; remove it first (docker rm -f $CONTAINER)"
fi
if curl -s -o /dev/null "$API/health"; then
  die "something already answers on $API; stop it first (the demo agent needs port 8000)"
fi
docker run -d --name "$CONTAINER" --network none \
  --label medic.module="$CONTAINER" --label medic.enable=true \
  --health-cmd 'busybox wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1' \
  --health-interval 1s --health-timeout 1s --health-retries 3 \
  medic-test/busybox sh -c 'echo ok > /tmp/index.html; exec busybox httpd -f -p 8080 -h /tmp' >/dev/null \
  || die "could not create $CONTAINER"
CREATED_CONTAINER=1
for _ in $(seq 1 60); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$CONTAINER")" = healthy ] && break
  sleep 0.5
done
[ "$(docker inspect -f '{{.State.Health.Status}}' "$CONTAINER")" = healthy ] || die "$CONTAINER never became healthy"
echo "$CONTAINER is healthy"

say "Smith kills $CONTAINER"
docker kill "$CONTAINER" >/dev/null
BEFORE="$(docker inspect "$CONTAINER" --format '{{.State.StartedAt}}')"
echo "state: $(docker inspect "$CONTAINER" --format '{{.State.Status}}'), StartedAt before: $BEFORE"

say "Start the agent (config/demo.yaml: live, auto-approve on) in $WORK"
# Relative paths resolve against the directory the agent was started from: the database lands in $WORK/data.
(cd "$WORK" && exec "$REPO/apps/agent/bin/medic-agent" --config "$REPO/config/demo.yaml") >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 1 100); do
  curl -s "$API/health" >/dev/null && break
  kill -0 "$AGENT_PID" 2>/dev/null || { cat "$WORK/agent.log"; die "the agent exited during start-up"; }
  sleep 0.2
done
curl -s "$API/health" >/dev/null || { cat "$WORK/agent.log"; die "the agent's API never answered"; }
echo "agent running (pid $AGENT_PID): $(curl -s "$API/health")"

say "Simulate Smith's kill report (the plan's exact payload)"
redis-cli XADD "$STREAM" '*' \
  payload '{"kill_id":"demo-1","timestamp":"2026-02-11T12:00:00Z","target_module":"nginx-test","target_instance_id":"inst-001","kill_reason":"anomaly_behavior","severity":"low","confidence_score":0.4,"evidence":["unusual_traffic"],"dependencies":[],"source_agent":"smith"}'

# Wait until the outcome is durable.
for _ in $(seq 1 150); do
  state="$(curl -s "$API/decisions/demo-1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("state",""))' 2>/dev/null)"
  [ "$state" = done ] && break
  sleep 0.2
done

passed=0
check() { if [ "$1" -eq 0 ]; then echo "PASS: $2"; passed=$((passed + 1)); else echo "FAIL: $2"; fi; }

say "1. Container was restarted: docker inspect $CONTAINER --format '{{.State.StartedAt}}'"
AFTER="$(docker inspect "$CONTAINER" --format '{{.State.StartedAt}}')"
STATUS="$(docker inspect "$CONTAINER" --format '{{.State.Status}} {{.State.Health.Status}}')"
echo "before: $BEFORE"
echo "after:  $AFTER  ($STATUS)"
[ "$AFTER" != "$BEFORE" ] && [ "$STATUS" = "running healthy" ]
check $? "StartedAt changed and the container is running and healthy"

say "2. Outcome was recorded: sqlite3 data/outcomes.db \"SELECT outcome_type, original_risk_score, time_to_healthy FROM outcomes ORDER BY timestamp DESC LIMIT 1\""
ROW="$(cd "$WORK" && sqlite3 data/outcomes.db "SELECT outcome_type, original_risk_score, time_to_healthy FROM outcomes ORDER BY timestamp DESC LIMIT 1")"
echo "$ROW"
[[ "$ROW" == success\|* ]] && [ -n "$(echo "$ROW" | cut -d'|' -f3)" ]
check $? "outcome_type success with a real time_to_healthy"

say "3. Decision was logged: grep demo-1 <agent log>"
grep demo-1 "$WORK/agent.log"
grep -q 'kill_id=demo-1 decision approve_auto' "$WORK/agent.log" && grep -q 'kill_id=demo-1 resurrection succeeded' "$WORK/agent.log"
check $? "the agent logged the approve_auto decision and the successful resurrection of demo-1"

say "4. API shows the decision: curl $API/decisions/recent | python3 -m json.tool"
RECENT="$(curl -s "$API/decisions/recent")"
echo "$RECENT" | python3 -m json.tool
echo "$RECENT" | python3 -c 'import json,sys; d=json.load(sys.stdin)["decisions"][0]; sys.exit(0 if d["kill_id"]=="demo-1" and d["decision"]=="approve_auto" and d["outcome_type"]=="success" else 1)'
check $? "/decisions/recent shows demo-1 as approve_auto with outcome success"

say "Result: $passed of 4 verifications hold"
[ "$passed" -eq 4 ]
