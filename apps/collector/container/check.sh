#!/usr/bin/env bash
# Builds the collector's image from apps/collector/Dockerfile with podman and checks it end to
# end. The server must start as a non-root user, store events, decide an offer, report healthy,
# and keep its data on the /data volume across a restart, an online backup and a restore.
#
# Needs root on Linux with Debian's apt, and installs podman, runc, debootstrap and curl when
# they are missing. No registry is used: the base image is a Debian bookworm made with
# debootstrap, plus the host's node, npm and Node headers, imported as localhost/debian-node:ci.
# That image and the layers of the latest build stage stay in PATRON_CONTAINER_WORKDIR (default
# /var/tmp/patron-container), so later runs are faster. The built image, its container and its
# volume are removed at exit. Runs that share a work directory wait for each other.
#
# Environment:
#   PATRON_CONTAINER_WORKDIR  podman storage, configuration and base image (default above)
#   PATRON_DEBIAN_MIRROR      Debian mirror for debootstrap (default http://deb.debian.org/debian)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
WORK=${PATRON_CONTAINER_WORKDIR:-/var/tmp/patron-container}
MIRROR=${PATRON_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGE=localhost/debian-node:ci
BUILD_STAGE_IMAGE=localhost/patron-collector-build:cache
IMAGE=localhost/patron-collector:check-$$
CONTAINER=patron-check-$$
VOLUME=patron-check-data-$$
SITE=check-shop
VISITOR=visitor-check-1
SESSION=session-check-1

started_at=$SECONDS
log() { printf 'container-check: %s\n' "$*" >&2; }
elapsed() { printf '%ds' $((SECONDS - $1)); }

if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
  log "needs root on Linux (podman runs rootful here); uid is $(id -u) on $(uname -s)"
  exit 1
fi

# --- Tools -------------------------------------------------------------------------------------

missing=()
for tool in podman runc debootstrap curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian"
  # The package lists are refreshed only when the install fails with the ones already present.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# --- Podman's configuration --------------------------------------------------------------------

# runc instead of crun, because crun rejects hosts that mix cgroup v1 and v2, and ulimits no
# higher than the host's hard limits, which runc cannot raise here even as root.
mkdir -p "$WORK"/{storage,runroot,tmp}
hard_nofile=$(ulimit -Hn)
hard_nproc=$(ulimit -Hu)
if [ "$hard_nproc" = unlimited ] || [ "$hard_nproc" -gt 32768 ]; then hard_nproc=32768; fi
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/runroot"\n' "$WORK" "$WORK" >"$WORK/storage.conf"
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
  "$hard_nofile" "$hard_nofile" "$hard_nproc" "$hard_nproc" >"$WORK/containers.conf"
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf TMPDIR=$WORK/tmp

# The clean-up below prunes images that no tag keeps, which would break another run's build.
exec 9>"$WORK/lock"
if ! flock -n 9; then
  log "waiting for another run that uses $WORK"
  flock -w 3600 9 || { log "another run held $WORK for an hour; giving up"; exit 1; }
fi

# --- Clean-up and failure reports --------------------------------------------------------------

scratch=$(mktemp -d "$WORK/tmp/check.XXXXXX")

# Podman's own messages (such as its complaint that it cannot add healthcheck timers without
# systemd) go to this file, which is shown only when the check fails.
podman_log=$scratch/podman.log

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    if podman container exists "$CONTAINER" 2>/dev/null; then
      log "failed; the container's log follows"
      podman logs --tail 200 "$CONTAINER" >&2 || true
    fi
    if [ -s "$podman_log" ]; then
      log "podman's messages follow"
      tail -50 "$podman_log" >&2
    fi
  fi
  podman rm -f -t 5 "$CONTAINER" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
  # Layers of earlier builds that no tag keeps any more.
  podman image prune -f >/dev/null 2>&1 || true
  rm -rf "$scratch"
  if [ "$status" -eq 0 ]; then log "passed in $(elapsed "$started_at")"; else log "FAILED after $(elapsed "$started_at")"; fi
}
trap cleanup EXIT

fail() {
  log "FAILED: $*"
  exit 1
}

# --- Base image --------------------------------------------------------------------------------

# The base mirrors the official node images: node, npm and Node's headers under /usr/local. It
# also gets the host's CA bundle as NODE_EXTRA_CA_CERTS, so that npm inside the build trusts the
# same certificates as npm on the host, such as those of a TLS-inspecting proxy. Its label
# records the node binary and the bundle it was made from, so a change to either makes a new base.
node_bin=$(readlink -f "$(command -v node)")
node_prefix=$(dirname "$(dirname "$node_bin")")
ca_bundle=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
[ -d "$node_prefix/lib/node_modules/npm" ] || fail "npm not found in $node_prefix/lib/node_modules/npm, next to $node_bin"
[ -f "$node_prefix/include/node/node.h" ] || fail "Node's headers not found in $node_prefix/include/node, next to $node_bin"
[ -f "$ca_bundle" ] || fail "CA bundle $ca_bundle not found; set NODE_EXTRA_CA_CERTS to the host's bundle"
node_stamp="$("$node_bin" --version) $(sha256sum "$node_bin" | cut -c1-16) ca $(sha256sum "$ca_bundle" | cut -c1-16)"

base_stamp=$(podman image inspect --format '{{ index .Config.Labels "patron.base.node" }}' "$BASE_IMAGE" 2>/dev/null || true)
if [ "$base_stamp" != "$node_stamp" ]; then
  step=$SECONDS
  log "making $BASE_IMAGE with debootstrap from $MIRROR and node $node_stamp"
  rootfs="$WORK/rootfs"
  rm -rf "$rootfs"
  timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed or timed out; its log is $WORK/debootstrap.log"; }
  install -D -m755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$node_prefix/lib/node_modules/npm" "$rootfs/usr/local/lib/node_modules/"
  cp -a "$node_prefix/include/node" "$rootfs/usr/local/include/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  install -D -m644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import -q \
    --change "LABEL patron.base.node=\"$node_stamp\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "made $BASE_IMAGE in $(elapsed "$step")"
else
  log "reusing $BASE_IMAGE (node $node_stamp)"
fi

# --- Build -------------------------------------------------------------------------------------

# The build stage is built and tagged first, so that its layers (with the compiled
# better-sqlite3) stay cached for the next run while older ones are pruned. --format docker
# keeps the HEALTHCHECK, which the OCI image format has no field for.
build() {
  timeout 1800 podman build --pull=never --format docker --layers --build-arg BASE="$BASE_IMAGE" \
    -f "$REPO/apps/collector/Dockerfile" "$@" "$REPO" >>"$scratch/build.log" 2>&1 \
    || { tail -60 "$scratch/build.log" >&2; fail "podman build $* failed or timed out"; }
}
step=$SECONDS
log "building $IMAGE"
build --target build -t "$BUILD_STAGE_IMAGE"
build -t "$IMAGE"
log "built $IMAGE in $(elapsed "$step")"

# --- Helpers -----------------------------------------------------------------------------------

port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
base_url=http://127.0.0.1:$port
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
metrics_token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

# Prints the value of a JavaScript expression over the JSON document `body` read from stdin.
json() {
  node -e 'const body = JSON.parse(require("node:fs").readFileSync(0, "utf8")); const value = eval(process.argv[1]); console.log(typeof value === "string" ? value : JSON.stringify(value));' "$1"
}

# Sends a request, stores the response body in $scratch/body and prints the HTTP status.
request() {
  local method=$1 path=$2
  shift 2
  curl -sS --max-time 10 -o "$scratch/body" -w '%{http_code}' -X "$method" "$@" "$base_url$path"
}

expect_status() {
  local expected=$1 actual=$2 what=$3
  [ "$actual" = "$expected" ] || fail "$what returned HTTP $actual, expected $expected; body: $(head -c 500 "$scratch/body")"
}

# Polls a path until it returns 200, for at most $2 seconds.
wait_for() {
  local path=$1 limit=$2 deadline=$((SECONDS + $2))
  until [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$base_url$path" || true)" = 200 ]; do
    if [ "$(podman inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" != true ]; then
      fail "the container stopped while waiting for $path"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$path did not return 200 within ${limit}s"
    sleep 0.2
  done
}

start_container() {
  timeout 120 podman run -d --name "$CONTAINER" \
    -p "127.0.0.1:$port:8787" \
    -v "$VOLUME:/data" \
    -v "$scratch/patron.config.json:/config/patron.config.json:ro" \
    -e PATRON_SECRET_KEY="$secret" \
    -e PATRON_METRICS_TOKEN="$metrics_token" \
    "$IMAGE" >/dev/null 2>>"$podman_log" || fail "podman run failed or timed out"
  wait_for /healthz 30
  wait_for /readyz 10
}

# --- Without a configuration -------------------------------------------------------------------

log "checking that a start without a configuration fails with a clear message"
set +e
timeout 60 podman run --rm --name "$CONTAINER" "$IMAGE" >"$scratch/no-config.out" 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || fail "a start without a configuration exited with $status, expected 2: $(cat "$scratch/no-config.out")"
grep -q PATRON_CONFIG "$scratch/no-config.out" || fail "the error of a start without a configuration does not name PATRON_CONFIG: $(cat "$scratch/no-config.out")"

# --- Start with a configuration and a volume ---------------------------------------------------

# One offer without conditions and no holdout, so that every visitor gets the offer.
cat >"$scratch/patron.config.json" <<EOF
{
  "sites": [
    {
      "key": "$SITE",
      "secretKey": "env:PATRON_SECRET_KEY",
      "offerSettings": { "holdoutShare": 0 },
      "offers": [
        { "id": "welcome", "title": "Welcome", "message": "Ten percent off your first order.", "placements": ["banner"] }
      ]
    }
  ]
}
EOF
chmod 644 "$scratch/patron.config.json"
podman volume create "$VOLUME" >/dev/null

step=$SECONDS
log "starting $CONTAINER on $base_url"
start_container
log "ready in $(elapsed "$step")"

uid=$(podman exec "$CONTAINER" id -u)
[ "$uid" != 0 ] || fail "the server runs as root"
log "the server runs as uid $uid"

# --- Events, offer, tracker script and metrics -------------------------------------------------

now_ms=$(($(date +%s) * 1000))
cat >"$scratch/events.json" <<EOF
{
  "siteKey": "$SITE",
  "sentAt": $now_ms,
  "events": [
    { "id": "check-event-1", "type": "page_view", "visitorId": "$VISITOR", "sessionId": "$SESSION", "timestamp": $((now_ms - 3000)), "url": "https://shop.example/" },
    { "id": "check-event-2", "type": "page_view", "visitorId": "$VISITOR", "sessionId": "$SESSION", "timestamp": $((now_ms - 2000)), "url": "https://shop.example/teapots/" },
    { "id": "check-event-3", "type": "page_view", "visitorId": "$VISITOR", "sessionId": "$SESSION", "timestamp": $((now_ms - 1000)), "url": "https://shop.example/teapots/enamel/" }
  ]
}
EOF

send_events() {
  request POST /v1/events -H 'Content-Type: application/json' --data-binary "@$scratch/events.json"
}

expect_status 200 "$(send_events)" "POST /v1/events"
result=$(json '[body.accepted, body.duplicates, body.rejected.length].join(" ")' <"$scratch/body")
[ "$result" = "3 0 0" ] || fail "POST /v1/events accepted, duplicated and rejected $result events, expected 3 0 0"
log "stored 3 events"

offer_request="{\"siteKey\":\"$SITE\",\"visitorId\":\"$VISITOR\",\"placement\":\"banner\",\"context\":{\"sessionId\":\"$SESSION\"}}"
expect_status 200 "$(request POST /v1/offer -H 'Content-Type: application/json' --data-binary "$offer_request")" "POST /v1/offer"
decided=$(json '`${body.offer?.id} ${body.assignment?.group}`' <"$scratch/body")
[ "$decided" = "welcome treatment" ] || fail "POST /v1/offer decided \"$decided\", expected \"welcome treatment\"; body: $(cat "$scratch/body")"
log "decided the offer \"welcome\""

expect_status 200 "$(request GET /patron.js)" "GET /patron.js"
expect_status 401 "$(request GET /metrics)" "GET /metrics without the token"
expect_status 200 "$(request GET /metrics -H "Authorization: Bearer $metrics_token")" "GET /metrics with the token"
grep -q '^patron_events_total{.*outcome="accepted".*} 3$' "$scratch/body" \
  || fail "the metrics do not count 3 accepted events: $(grep patron_events_total "$scratch/body" || true)"

# --- Health check ------------------------------------------------------------------------------

# Podman runs the image's HEALTHCHECK from a systemd timer, which hosts without systemd lack. So
# the check is run once by hand here, and podman records its result as the health status.
health_status() {
  podman inspect --format '{{json .State}}' "$CONTAINER" | json '(body.Health ?? body.Healthcheck)?.Status ?? ""'
}
timeout 30 podman healthcheck run "$CONTAINER" >/dev/null 2>>"$podman_log" || fail "podman healthcheck run reported the container unhealthy"
health=$(health_status)
[ "$health" = healthy ] || fail "the health status is \"$health\", expected healthy"
log "health status: $health"

# --- Data across a restart, a backup and a restore ----------------------------------------------

check_data_kept() {
  local when=$1
  expect_status 200 "$(send_events)" "POST /v1/events $when"
  result=$(json '[body.accepted, body.duplicates].join(" ")' <"$scratch/body")
  [ "$result" = "0 3" ] || fail "resending the events $when accepted and duplicated $result, expected 0 3"
  expect_status 200 "$(request GET "/v1/admin/sites/$SITE/customers/v:$VISITOR" -H "Authorization: Bearer $secret")" \
    "GET the customer's profile $when"
  result=$(json '`${body.recentEvents.length} ${body.offersSeen.length}`' <"$scratch/body")
  [ "$result" = "3 1" ] || fail "the profile $when has \"$result\" events and decisions, expected \"3 1\""
  log "the events and the decision are still stored $when"
}

# Sends one event that is not in the backup and sets late_accepted to the number of events the
# collector accepted.
send_late_event() {
  local body="{\"siteKey\":\"$SITE\",\"sentAt\":$now_ms,\"events\":[{\"id\":\"check-event-late\",\"type\":\"page_view\",\"visitorId\":\"$VISITOR\",\"sessionId\":\"$SESSION\",\"timestamp\":$now_ms,\"url\":\"https://shop.example/basket/\"}]}"
  expect_status 200 "$(request POST /v1/events -H 'Content-Type: application/json' --data-binary "$body")" "POST /v1/events with the late event"
  late_accepted=$(json 'body.accepted' <"$scratch/body")
}

step=$SECONDS
timeout 60 podman restart -t 10 "$CONTAINER" >/dev/null 2>>"$podman_log" || fail "podman restart failed or timed out"
wait_for /healthz 30
wait_for /readyz 10
log "restarted in $(elapsed "$step")"
check_data_kept "after a restart"

# The online backup and the restore that docs/self-hosting.md describes.
timeout 60 podman exec "$CONTAINER" node -e \
  "new (require('better-sqlite3'))('/data/patron.db').backup('/data/patron-backup.db').then(() => console.log('backup written'))" \
  >/dev/null 2>>"$podman_log" || fail "the online backup inside the container failed"
timeout 60 podman cp "$CONTAINER:/data/patron-backup.db" "$scratch/patron-backup.db" 2>>"$podman_log" || fail "podman cp of the backup failed"
chmod 644 "$scratch/patron-backup.db"
log "backed up the database while the server runs"
send_late_event
[ "$late_accepted" = 1 ] || fail "the late event was not accepted before the restore"

# A graceful stop: SIGTERM reaches node, which closes the server and the database and logs it.
# The log keeps the first run's lines, so the restart's stop is the first of the two expected.
timeout 60 podman stop -t 10 "$CONTAINER" >/dev/null 2>>"$podman_log" || fail "podman stop failed or timed out"
podman logs "$CONTAINER" >"$scratch/container.log" 2>&1
stops=$(grep -c '"msg":"collector stopped"' "$scratch/container.log" || true)
[ "$stops" = 2 ] || fail "the collector logged \"collector stopped\" $stops times after a restart and a stop, expected 2"
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")
[ "$exit_code" = 0 ] || fail "the collector exited with $exit_code after SIGTERM, expected 0"
timeout 60 podman rm "$CONTAINER" >/dev/null 2>>"$podman_log" || fail "podman rm failed or timed out"

timeout 60 podman run --rm -v "$VOLUME:/data" -v "$scratch/patron-backup.db:/restore/patron.db:ro" --entrypoint sh "$IMAGE" \
  -c 'cp /restore/patron.db /data/patron.db && rm -f /data/patron.db-wal /data/patron.db-shm' >/dev/null 2>>"$podman_log" \
  || fail "restoring the backup onto the volume failed"

start_container
check_data_kept "in a new container on the restored volume"
send_late_event
[ "$late_accepted" = 1 ] || fail "the late event was already stored after the restore, so the backup was not restored"
log "the restore brought back the backed-up state"
