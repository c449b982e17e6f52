#!/usr/bin/env bash
# Scale-out check on loopback: N replicas of samples/Serving (each with its own copy of a model
# repository) behind HAProxy with health checks on their management ports, then a bounded load test
# directly against one replica and through the balancer while replica 1 is killed (SIGKILL) and
# replica 2 reloads a new model version (SIGHUP). Every failed request is printed by the load test.
#   benchmarks/LoadTest/balancer.sh [REPLICAS=3] [REQUESTS=3000] [CONCURRENCY=8]
# Installs the Debian package haproxy when missing. Loopback addresses only; everything it started
# is stopped on exit. Exit status: 0 when no request failed through the balancer.
set -euo pipefail
REPLICAS=${1:-3}
REQUESTS=${2:-3000}
CONCURRENCY=${3:-8}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/deepnet-balancer.XXXXXX)
BASE_PORT=${BASE_PORT:-18100}
BALANCER_PORT=$((BASE_PORT + 99))
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v haproxy >/dev/null; then
    echo "installing haproxy (Debian package)"
    apt-get update -qq && apt-get install -y -qq haproxy >/dev/null
fi

SERVER="$ROOT/samples/Serving/bin/Release/net10.0/DeepNet.Serving.dll"
LOADTEST="$ROOT/benchmarks/LoadTest/bin/Release/net10.0/LoadTest.dll"
[ -f "$SERVER" ] || dotnet build -c Release "$ROOT/samples/Serving" >/dev/null
[ -f "$LOADTEST" ] || dotnet build -c Release "$ROOT/benchmarks/LoadTest" >/dev/null

dotnet "$LOADTEST" models --out "$WORK/models" >/dev/null
wait_for() { for _ in $(seq 1 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "timeout waiting for $1" >&2; return 1; }

BACKENDS=""
for i in $(seq 1 "$REPLICAS"); do
    mkdir -p "$WORK/repo$i/mnist/1"
    cp "$WORK/models/mnist-cnn/model.safetensors" "$WORK/models/mnist-cnn/model.json" "$WORK/repo$i/mnist/1/"
    port=$((BASE_PORT + 2 * i)); mport=$((BASE_PORT + 2 * i + 1))
    dotnet "$SERVER" --model-repository "$WORK/repo$i" --management-port "$mport" \
        --urls "http://127.0.0.1:$port;http://127.0.0.1:$mport" >"$WORK/replica$i.log" 2>&1 &
    PIDS+=($!)
    eval "REPLICA_PID_$i=$!"
    BACKENDS+="    server r$i 127.0.0.1:$port check port $mport inter 300ms fall 2 rise 2"$'\n'
done
for i in $(seq 1 "$REPLICAS"); do wait_for "http://127.0.0.1:$((BASE_PORT + 2 * i + 1))/health"; done

cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
    # A request a dead replica never answered is sent to another one (the body is buffered for that).
    retry-on all-retryable-errors
    option http-buffer-request
frontend inference
    bind 127.0.0.1:$BALANCER_PORT
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /health
    http-check expect status 200
$BACKENDS
CFG
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$BALANCER_PORT/v2/health/ready"

echo "== direct: replica 1, $REQUESTS requests, concurrency $CONCURRENCY"
dotnet "$LOADTEST" run --url "http://127.0.0.1:$((BASE_PORT + 2))" --metrics-url "http://127.0.0.1:$((BASE_PORT + 3))/metrics" \
    --features 784 --requests "$REQUESTS" --concurrency "$CONCURRENCY" --duration-s 60 --v2-model mnist || true

echo "== balancer: $REPLICAS replicas, $REQUESTS requests; replica 1 killed and replica 2 reloaded during the run"
dotnet "$LOADTEST" run --url "http://127.0.0.1:$BALANCER_PORT" --features 784 --requests "$REQUESTS" \
    --concurrency "$CONCURRENCY" --duration-s 90 --v2-model mnist &
LOAD=$!
sleep 4
echo "-- $(date +%T) kill -9 replica 1 (pid $REPLICA_PID_1)"
kill -9 "$REPLICA_PID_1"
mkdir -p "$WORK/repo2/mnist/2"
cp "$WORK/models/mnist-cnn/model.safetensors" "$WORK/models/mnist-cnn/model.json" "$WORK/repo2/mnist/2/"
echo "-- $(date +%T) SIGHUP replica 2 (pid $REPLICA_PID_2): mnist version 2 appears"
kill -HUP "$REPLICA_PID_2"
set +e
wait "$LOAD"
STATUS=$?
set -e
grep -h "reload finished\|SIGHUP" "$WORK/replica2.log" | sed 's/^/replica 2: /' || true
curl -s "http://127.0.0.1:$((BASE_PORT + 5))/health" | sed 's/^/replica 2 health: /'; echo
exit $STATUS
