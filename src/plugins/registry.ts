/**
 * Every plugin, in the order `superlance --help` lists them. The command tree (src/Cli.ts) and
 * the tests walk this one registry, so what the tests decode is what the binary runs.
 */
import { crashmailbatchPlugin, crashsmsPlugin, fatalmailbatchPlugin } from "./batch/plugin.js"
import type { Plugin } from "./common/Plugin.js"
import { plugin as crashmail } from "./crashmail/plugin.js"
import { plugin as httpok } from "./httpok/plugin.js"
import { plugin as memmon } from "./memmon/plugin.js"

export const plugins = {
  httpok,
  crashmail,
  memmon,
  crashmailbatch: crashmailbatchPlugin,
  fatalmailbatch: fatalmailbatchPlugin,
  crashsms: crashsmsPlugin
} as const

export type PluginName = keyof typeof plugins

export const isPluginName = (name: string | undefined): name is PluginName =>
  name !== undefined && Object.hasOwn(plugins, name)

/** The registry as a list, for walking it. */
export const all: ReadonlyArray<Plugin> = Object.values(plugins)
