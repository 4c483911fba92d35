/**
 * @module Personality files (below microversion 2.57): files a user asks to have written into
 * the guest at create or rebuild, each a path and base64 contents. Checked as Nova checks them:
 * the body's shape (400), then the project's injected_files, injected_file_path_bytes and
 * injected_file_content_bytes quotas (403), before anything is changed.
 */
import { badRequest, forbidden } from '../errors.ts'
import { quotaLimits } from '../db/quotas.ts'
import type { InjectedFile } from '../model/instance.ts'
import type { ComputeApiDeps } from './context.ts'

/** Base64 text as Nova's validator takes it (user_data, personality contents): whitespace aside, the alphabet with its padding. */
export function isBase64(text: string): boolean {
  const compact = text.replace(/\s/g, '')
  return /^[A-Za-z0-9+/]*={0,2}$/.test(compact) && compact.length % 4 === 0
}

/** The files of a `personality` list; [] when there is none. */
export async function injectedFilesOf(deps: ComputeApiDeps, projectId: string, userId: string, personality: unknown): Promise<InjectedFile[]> {
  if (personality === undefined || personality === null) return []
  if (!Array.isArray(personality)) throw badRequest(`Invalid input for field/attribute personality. Value: ${JSON.stringify(personality)}. ${JSON.stringify(personality)} is not of type 'array'`)
  const files: InjectedFile[] = []
  for (const item of personality as unknown[]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw badRequest(`Invalid input for field/attribute personality. Value: ${JSON.stringify(item)}. ${JSON.stringify(item)} is not of type 'object'`)
    }
    const extra = Object.keys(item).filter((k) => k !== 'path' && k !== 'contents')
    if (extra.length) throw badRequest(`Invalid input for field/attribute personality. Additional properties are not allowed ('${extra[0]}' was unexpected)`)
    const { path, contents } = item as { path?: unknown; contents?: unknown }
    for (const [field, value] of [['path', path], ['contents', contents]] as const) {
      if (typeof value !== 'string') throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${JSON.stringify(value)} is not of type 'string'`)
    }
    if (!isBase64(contents as string)) throw badRequest(`Invalid input for field/attribute contents. Value: ${contents}. '${contents}' is not a 'base64'`)
    files.push({ path: path as string, contents: contents as string })
  }
  if (!files.length) return files
  const limits = await quotaLimits(deps.db, deps.config, projectId, userId)
  if (limits.injected_files >= 0 && files.length > limits.injected_files) throw forbidden('Personality file limit exceeded')
  // Nova compares the longest path and the longest contents (as sent, base64) with the limits, the path first.
  const longestPath = Math.max(...files.map((f) => f.path.length))
  const longestContents = Math.max(...files.map((f) => f.contents.length))
  if (limits.injected_file_path_bytes >= 0 && longestPath > limits.injected_file_path_bytes) {
    throw forbidden(`Personality file path exceeds maximum ${limits.injected_file_path_bytes}`)
  }
  if (limits.injected_file_content_bytes >= 0 && longestContents > limits.injected_file_content_bytes) {
    throw forbidden(`Personality file content exceeds maximum ${limits.injected_file_content_bytes}`)
  }
  return files
}
