#!/usr/bin/env node
// Launcher for every command name the package installs (superlance, httpok, memmon, …): the name
// it was started under picks the subcommand. Kept apart from the bundle so how the bundle starts
// can change without touching the bins.
import "../dist/superlance.js"
