/**
 * @module Placement microversions (microversion_parse's rules): `OpenStack-API-Version: placement
 * 1.N` picks 1.N, `latest` the newest, no header 1.0. The chosen version is echoed back with
 * `Vary` on every answer. Every version from 1.0 to {@link MAX_MINOR} is served.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { BadVersion, UnacceptableVersion } from '../errors.ts'

/** 1.39: the `in:` any-of syntax in `required` (the newest Placement microversion). */
export const MAX_MINOR = 39
export const MIN_VERSION = '1.0'
export const MAX_VERSION = `1.${MAX_MINOR}`

/** The minor version the request asks for (placement's major is always 1). */
export function requestedMinor(headers: IncomingHttpHeaders): number {
  const wanted = placementVersion(headers['openstack-api-version']) ?? MIN_VERSION
  const text = wanted === 'latest' ? MAX_VERSION : wanted
  const parts = text.split('.')
  const [major, minor] = [parts[0], parts.slice(1).join('.')].map((p) => p.trim())
  if (parts.length < 2 || !/^[+-]?\d+$/.test(major) || !/^[+-]?\d+$/.test(minor)) {
    throw new BadVersion(`Invalid microversion: invalid version string: ${text}`)
  }
  const m = Number(minor)
  if (Number(major) !== 1 || m < 0 || m > MAX_MINOR) {
    throw new UnacceptableVersion(`Invalid microversion: Unacceptable version header: ${text}`, String(headers.accept ?? '${HTTP_ACCEPT}'),
      { max_version: MAX_VERSION, min_version: MIN_VERSION })
  }
  return m
}

/** The last `placement X` entry among the (possibly repeated, comma-folded) header values. */
function placementVersion(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  const entries = (Array.isArray(value) ? value.join(',') : value).split(',').reverse()
  for (const entry of entries) {
    const [service, ...rest] = entry.trim().split(/\s+/)
    if (rest.length && service.toLowerCase() === 'placement') return rest.join(' ').trim()
  }
  return undefined
}

export const versionHeader = (minor: number): string => `placement 1.${minor}`
