/**
 * @module Compute API microversions: `OpenStack-API-Version: compute 2.53` (or the older
 * `X-OpenStack-Nova-API-Version: 2.53`) picks the behaviour; absent means 2.1, `latest` the
 * highest. Every response echoes the version it was served at.
 */
import { NovaError } from '../errors.ts'

export const MIN_VERSION = '2.1'
/** The highest microversion whose changes Nubis implements. */
export const MAX_VERSION = '2.95'

/** A parsed version, comparable as a number: 2.53 → 2053. */
export type Microversion = { major: number; minor: number; text: string }

const parse = (s: string): Microversion | undefined => {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim())
  return m ? { major: Number(m[1]), minor: Number(m[2]), text: `${Number(m[1])}.${Number(m[2])}` } : undefined
}
const rank = (v: Microversion) => v.major * 1000 + v.minor
const MIN = parse(MIN_VERSION)!
const MAX = parse(MAX_VERSION)!

/** The version a request asked for, validated against what the API serves. */
export function requestedVersion(headers: Record<string, string | string[] | undefined>): Microversion {
  let asked: string | undefined
  const generic = headers['openstack-api-version']
  if (generic) {
    for (const part of String(generic).split(',')) {
      const [service, version] = part.trim().split(/\s+/)
      if (service?.toLowerCase() === 'compute' && version) asked = version
    }
  }
  asked ??= headers['x-openstack-nova-api-version'] as string | undefined
  if (!asked) return MIN
  if (asked.trim().toLowerCase() === 'latest') return MAX
  const v = parse(asked)
  if (!v) throw new NovaError(400, `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`)
  if (rank(v) < rank(MIN) || rank(v) > rank(MAX)) {
    throw new NovaError(406, `Version ${v.text} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`)
  }
  return v
}

/** True when `v` is at least `min` ("2.47"). */
export function atLeast(v: Microversion, min: string): boolean {
  return rank(v) >= rank(parse(min)!)
}

export function versionHeaders(v: Microversion): Record<string, string> {
  return {
    'openstack-api-version': `compute ${v.text}`,
    'x-openstack-nova-api-version': v.text,
    vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  }
}
