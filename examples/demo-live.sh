#!/usr/bin/env bash
# The live half of `make demo`: serve examples/authmd.yaml as a sandbox on a free loopback port, probe it
# as an agent would, then run both flows against it as a test agent (the user is played by the
# sandbox's test hooks; the ID-JAG is minted with the sandbox's test-provider key). Stops the sandbox.
set -euo pipefail
bin=${1:-.venv/bin}
work=$(mktemp -d)
"$bin/authmd" serve --config examples/authmd.yaml --port 0 --test-hooks --provider-key "$work/provider.pem" \
  > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
origin=
for _ in $(seq 100); do
  origin=$(sed -n 's/^authmd sandbox (.*) at //p' "$work/serve.log")
  [ -n "$origin" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 2; }
  sleep 0.1
done
[ -n "$origin" ] || { echo "authmd serve did not start" >&2; exit 2; }
echo "== authmd serve: examples/authmd.yaml as a live sandbox at $origin"
echo "== authmd probe: discovery walk, lint of what it fetched, transport checks"
"$bin/authmd" probe "$origin" --allow-private
echo "== authmd simulate user-claimed: register anonymously, then claim (the test hooks confirm)"
"$bin/authmd" simulate user-claimed "$origin" --allow-private --yes --claim ada@tallyworks.example --auto-confirm
echo "== authmd simulate agent-verified: an ID-JAG from the sandbox's test provider"
"$bin/authmd" simulate agent-verified "$origin" --allow-private --yes --provider-key "$work/provider.pem"
