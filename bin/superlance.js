#!/bin/sh
":" /*
# Launcher for every command name the package installs (superlance, httpok, memmon, …), read
# both by sh and by node. As a shell script it starts node from the startup snapshot that
# `npm run build` made (dist/snapshot), when that very node binary made it and no NODE_OPTIONS
# could change the V8 flags the snapshot was built with; else it runs this file with node. As
# JavaScript it loads the plain bundle. Either way node is given the name this was started
# under as its script path, and that name picks the subcommand.
self=$0
[ -L "$self" ] && self=$(readlink -f -- "$self")
snapshot=${self%/*}/../dist/snapshot
node=$(command -v node) || node=node
if [ -z "${NODE_OPTIONS-}" ] && [ -f "$snapshot/superlance.blob" ] && [ "$snapshot/node" -ef "$node" ] &&
  ! [ "$node" -nt "$snapshot/superlance.blob" ]; then
  exec "$node" --snapshot-blob "$snapshot/superlance.blob" "$0" "$@"
fi
exec "$node" "$0" "$@"
*/
import "../dist/superlance.js"
