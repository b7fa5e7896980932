#!/bin/sh
":" /*
# Launcher for every command name the package installs (superlance, httpok, memmon, …), read
# both by sh and by node. As a shell script it starts node from the startup snapshot that
# `npm run build` or the install made (dist/snapshot), when that very node binary made it and no
# NODE_OPTIONS could change the V8 flags the snapshot was built with; else it runs this file with
# node. As JavaScript it loads the plain bundle. Either way node is given the name this was
# started under as its script path, and that name picks the subcommand.
#
# The V8 flags of every command; scripts/snapshot-blob.js reads this line, since V8 only loads a
# snapshot built with the same flags. A 1 MiB young generation keeps a listener that has decoded
# 10,000 events 20 MiB smaller (90 instead of 110 MiB), at no measured cost in events per second.
# A high interrupt budget keeps TurboFan out of the start (about 5 MiB of RSS); a listener puts
# V8's default back once it is up (src/plugins/common/tiering.ts).
v8_flags='--max-semi-space-size=1 --interrupt-budget=1000000'
self=$0
[ -L "$self" ] && self=$(readlink -f -- "$self")
snapshot=${self%/*}/../dist/snapshot
node=$(command -v node) || node=node
if [ -z "${NODE_OPTIONS-}" ] && [ -f "$snapshot/superlance.blob" ] && [ "$snapshot/node" -ef "$node" ] &&
  ! [ "$node" -nt "$snapshot/superlance.blob" ]; then
  exec "$node" $v8_flags --snapshot-blob "$snapshot/superlance.blob" "$0" "$@"
fi
exec "$node" $v8_flags "$0" "$@"
*/
import "../dist/superlance.js"
