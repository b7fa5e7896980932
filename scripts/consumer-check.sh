#!/usr/bin/env bash
# An Effect project that uses superlance as a library, on the OLDEST Effect releases the peer range
# in package.json allows: the packed package (as `npm pack` makes it from the current build) is
# installed next to them, and the library example (the ```ts block of docs/library.md) must
# type-check with `tsc --strict`, declarations included (so every type superlance exports
# resolves against that effect), and compile to DIR/example.js. test/e2e/consumer.test.ts
# runs this and then runs the example as a listener.
#
#   npm run build && scripts/consumer-check.sh DIR
#
# Uses the npm registry (the Effect packages) and the clone's TypeScript.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: consumer-check.sh DIR}
mkdir -p "$dir"
cd "$dir"

# The lower bound of a peer range, `^3.22.0` -> 3.22.0.
oldest() { node -p "require('$root/package.json').peerDependencies['$1'].replace(/^[\^~>=]+/, '')"; }
effect=$(oldest effect)
platform=$(oldest @effect/platform)
platform_node=$(oldest @effect/platform-node)
# The first releases of what that @effect/platform-node requires beside it (npm does not pick
# older ones by itself: it takes the newest, which want a newer effect). Raise these with the
# peer range.
node_family=(@effect/platform-node-shared@0.61.0 @effect/cluster@0.60.0 @effect/rpc@0.76.0 @effect/sql@0.52.0
  @effect/workflow@0.19.0 @effect/experimental@0.61.0)
# @effect/platform-node's declarations import `ws` without depending on its types.
types=(@types/node@"$(node -p "require('$root/package.json').devDependencies['@types/node']")" @types/ws@8.18.2)

tarball=$(cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$dir")
echo '{ "name": "consumer", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error "./$tarball" "effect@$effect" "@effect/platform@$platform" \
  "@effect/platform-node@$platform_node" "${node_family[@]}" "${types[@]}"
# One copy of effect: superlance uses the project's, it brings none of its own.
copies=$(find . -type d -path '*/node_modules/effect' | wc -l)
[ "$copies" = 1 ] || { echo "expected one copy of effect, found $copies" >&2; exit 1; }
[ "$(node -p "require('./node_modules/effect/package.json').version")" = "$effect" ]

awk '/^```ts$/ { code = 1; next } code && /^```$/ { exit } code' "$root/docs/library.md" > example.ts
[ -s example.ts ] || { echo "no \`\`\`ts example in docs/library.md" >&2; exit 1; }
"$root/node_modules/.bin/tsc" --strict --module nodenext --target es2022 --outDir . example.ts
echo "effect@$effect @effect/platform@$platform @effect/platform-node@$platform_node: the library example type-checks; $dir/example.js"
