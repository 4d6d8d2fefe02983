#!/usr/bin/env bash
# Runs The Guild's federation-gateway-audit against stock @apollo/gateway and Marquee's gateway,
# outside this repository: nothing of the audit is installed by the project or committed to it.
# docs/conformance.md explains what it runs and records the last result.
#
#   scripts/conformance.sh                      # all three gateways, in $WORK (default /tmp/marquee-audit)
#   GATEWAYS=marquee-defaults scripts/conformance.sh
#
# Settings (environment):
#   WORK         where everything is written (audit checkout, adapters, results)   /tmp/marquee-audit
#   AUDIT_REPO   the audit's git URL (or a local mirror)          https://github.com/graphql-hive/federation-gateway-audit
#   AUDIT_REV    the audit's commit                               f59c05e3f48f4a4f8e8a731d67a1b71a9788a96f
#   MARQUEE_REV  the Marquee commit under test (a clean clone of it is run)   HEAD
#   GATEWAYS     which of stock, marquee-defaults, marquee-all     all three
#   AUDIT_PORT, PORT  the audit's server and the gateway under test          4283, 4587
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/marquee-audit}
AUDIT_REPO=${AUDIT_REPO:-https://github.com/graphql-hive/federation-gateway-audit}
AUDIT_REV=${AUDIT_REV:-f59c05e3f48f4a4f8e8a731d67a1b71a9788a96f}
MARQUEE_REV=${MARQUEE_REV:-HEAD}
GATEWAYS=${GATEWAYS:-stock marquee-defaults marquee-all}
AUDIT_PORT=${AUDIT_PORT:-4283}
PORT=${PORT:-4587}
AUDIT="$WORK/audit"
# Marquee needs Node 24 (the audit itself, Node 22 or newer: Promise.withResolvers).
node "$REPO/scripts/check-node.cjs"
mkdir -p "$WORK"

# 1. The audit, at a fixed commit. Its devDependencies name other vendors' gateways (wgc is not
#    even on the registry) and release tooling; only this checkout drops them.
if [ ! -d "$AUDIT/node_modules" ]; then
  rm -rf "$AUDIT"
  git clone -q "$AUDIT_REPO" "$AUDIT"
  git -C "$AUDIT" checkout -q "$AUDIT_REV"
  (cd "$AUDIT" && node -e '
    const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json"));
    for (const k of Object.keys(p.devDependencies))
      if (/^(wgc|@graphql-hive\/gateway|@graphql-hive\/router-runtime|@changesets\/|pkgroll|prettier)/.test(k)) delete p.devDependencies[k];
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2));' && npm install --no-audit --no-fund --loglevel=error)
fi

# 2. Marquee at MARQUEE_REV, a clean clone (no uncommitted change is measured), this checkout's
#    node_modules linked in. Stock runs the same @apollo/gateway and @apollo/server from there.
rev=$(git -C "$REPO" rev-parse "$MARQUEE_REV")
rm -rf "$WORK/marquee"
git clone -q --no-checkout "$REPO" "$WORK/marquee"
git -C "$WORK/marquee" checkout -q "$rev"
ln -sfn "$REPO/node_modules" "$WORK/marquee/node_modules"
[ -f "$WORK/signing.pem" ] || openssl genpkey -algorithm ed25519 -out "$WORK/signing.pem"

# 3. One adapter folder per gateway; the audit runs its run.sh (sh, in that folder) with the
#    suite's id for every suite: fetch the suite's supergraph, then exec the gateway on $PORT.
marquee_run() { # $1: extra variables for Marquee
  cat <<EOF
curl -fsS http://127.0.0.1:$AUDIT_PORT/\$1/supergraph -o supergraph.graphql
export SUPERGRAPH_PATH="\$PWD/supergraph.graphql" GATEWAY_PORT=$PORT METRICS_PORT=0 LOG_LEVEL=warn
export JWT_SECRET=conformance-run-secret-of-at-least-32-chars GATEWAY_SIGNING_KEY="\$(cat $WORK/signing.pem)"
# The audit is one anonymous client sending a few hundred operations a minute.
export RATE_LIMIT_ANONYMOUS=1000000 $1
cd $WORK/marquee && exec node --max-old-space-size=160 --max-semi-space-size=16 --import tsx gateway/main.ts
EOF
}
for g in $GATEWAYS; do
  dir="$WORK/$g"
  rm -rf "$dir" && mkdir -p "$dir"
  ln -sfn "$REPO/node_modules" "$dir/node_modules"
  case $g in
    stock)
      # The audit's own gateways/apollo-gateway/run.ts, on $PORT instead of 4000.
      sed "s/port: 4000/port: $PORT/; s/localhost:4000/localhost:$PORT/" "$AUDIT/gateways/apollo-gateway/run.ts" >"$dir/run.ts"
      echo '{ "type": "module" }' >"$dir/package.json" # run.ts awaits at the top level
      printf 'curl -fsS http://127.0.0.1:%s/$1/supergraph -o supergraph.graphql\nexec node --import tsx ./run.ts\n' "$AUDIT_PORT" >"$dir/run.sh"
      ;;
    marquee-defaults) marquee_run '' >"$dir/run.sh" ;;
    marquee-all)
      marquee_run 'SUBGRAPH_CACHE=on SUBGRAPH_DEDUPE=on SUBGRAPH_BATCHING=on SUBGRAPH_FREEZE_SHARED=on RESPONSE_CACHE=on APOLLO_PATCHES=on' >"$dir/run.sh"
      ;;
    *) echo "unknown gateway $g (stock, marquee-defaults, marquee-all)" >&2 && exit 2 ;;
  esac
done

# 4. Run them one after the other; each suite starts its gateway afresh. The audit waits only
#    5 s for a gateway to be healthy by default; tsx compiling Marquee on a busy machine needs more.
export GATEWAY_TIMEOUT=${GATEWAY_TIMEOUT:-60000}
for g in $GATEWAYS; do
  echo "== $g (Marquee $rev, audit $AUDIT_REV)"
  (cd "$AUDIT" && npx tsx src/cli.ts test --port "$AUDIT_PORT" --cwd "$WORK/$g" --run-script ./run.sh --reporter dot \
    --graphql "http://127.0.0.1:$PORT/graphql" --healthcheck "http://127.0.0.1:$PORT/health" 2>"$WORK/$g/audit.stderr") | tail -8
done

# 5. Per suite, side by side (the shape of docs/conformance.md's table).
node - "$WORK" $GATEWAYS <<'EOF'
const fs = require('fs');
const [work, ...gateways] = process.argv.slice(2);
const read = (g) => {
  const lines = fs.readFileSync(`${work}/${g}/results.txt`, 'utf8').trim().split('\n');
  const m = new Map();
  for (let i = 0; i + 1 < lines.length; i += 2) m.set(lines[i], lines[i + 1]);
  return m;
};
const results = gateways.map(read);
console.log(`| suite | ${gateways.join(' | ')} |\n| --- |${' --- |'.repeat(gateways.length)}`);
for (const suite of results[0].keys()) console.log(`| ${suite} | ${results.map((r) => '`' + (r.get(suite) ?? '?') + '`').join(' | ')} |`);
const count = (r) => [...r.values()].join('');
console.log(`| **passed** | ${results.map((r) => `**${(count(r).match(/\./g) ?? []).length}/${count(r).length}**`).join(' | ')} |`);
EOF
