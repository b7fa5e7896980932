/** The `superlance` executable as a plain bundle: what runs when there is no startup snapshot. */
import { invokedName, start } from "./start.js"

start(process.argv.slice(2), invokedName(process.argv[1]))
