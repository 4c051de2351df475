/**
 * What a green `vitest run` must not print, dealt with where it starts (imported by vitest.config.mts):
 *
 * - Vite warns of every dependency file whose source map names sources its package does not ship (stripe's
 *   `esm/*.js.map` point to `../src/*.ts`, hundreds of lines). `dependencySourceMapsOff` loads
 *   `node_modules` files without their maps instead: a stack through a dependency shows its shipped JS.
 * - workerd logs the runner's WebSocket and stream pumps being cut when a test file ends, as "exceptions"
 *   the pool does not yet ignore (it ignores "disconnected: operation canceled" and
 *   "disconnected: WebSocket was aborted" itself). `dropRuntimeDisconnectNoise` drops exactly those
 *   messages from the output; every other line, the runtime's real errors included, is written as before.
 */
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'vite'
import { isRuntimeDisconnectNoise } from './runtime-noise.ts'

/**
 * Filters the known shutdown messages out of this process's output: the pool writes each runtime log
 * line to stdout or stderr by its level, and these come at either.
 */
export function dropRuntimeDisconnectNoise(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => (isRuntimeDisconnectNoise(chunk) ? true : write(chunk, ...rest))) as typeof stream.write
  }
}

const SOURCE_MAP_COMMENT = /^[ \t]*\/\/[#@] sourceMappingURL=\S+[ \t]*$/gm

/** Loads dependency modules without their source maps (see above). */
export const dependencySourceMapsOff = (): Plugin => ({
  name: 'cato:dependency-source-maps-off',
  enforce: 'pre',
  async load(id) {
    const file = id.split('?')[0] ?? id
    if (!file.includes('/node_modules/') || !/\.[cm]?js$/.test(file)) return null
    const code = await readFile(file, 'utf8').catch(() => null)
    if (code === null || !code.includes('sourceMappingURL=')) return null
    return { code: code.replace(SOURCE_MAP_COMMENT, ''), map: null }
  },
})
