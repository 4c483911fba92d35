/**
 * @module Placement's query-string vocabulary, parsed with its messages (placement/util.py):
 * `resources=VCPU:2,MEMORY_MB:512`, `required=A,!B` and (1.39) repeated `required=in:A,B`,
 * `member_of=in:a,b` / `!a` (1.24 repeated, 1.32 forbidden), resolved to database ids.
 */
import { PlacementBadRequest } from '../errors.ts'
import type { Names } from '../db/names.ts'
import { isUuidLike } from './json-schema.ts'
import { atLeast, type PlacementQuery } from './context.ts'

export function parseResources(value: string): Map<string, number> {
  const form = 'Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024.'
  if (value.trim() === '') throw new PlacementBadRequest(`${form} Got: empty string.`)
  const out = new Map<string, number>()
  for (const part of value.split(',')) {
    const bits = part.split(':')
    if (bits.length !== 2) throw new PlacementBadRequest(`${form} Got: ${part}.`)
    const [rc, text] = bits
    if (!/^\s*[+-]?\d+\s*$/.test(text)) {
      throw new PlacementBadRequest(`Requested resource ${rc} expected positive integer amount. Got: ${text}.`)
    }
    const amount = Number(text)
    if (amount < 1) throw new PlacementBadRequest(`Requested resource ${rc} requires amount >= 1. Got: ${amount}.`)
    out.set(rc, amount)
  }
  return out
}

export type TraitTerms = { required: string[][]; forbidden: string[] }

/** One `required` value: AND'ed single-trait sets plus forbidden ones, or one `in:` any-of set. */
function parseTraitValue(val: string, allowForbidden: boolean, allowAny: boolean): TraitTerms {
  if (val.startsWith('in:')) {
    if (!allowAny) {
      throw new PlacementBadRequest(`Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion 1.39. Got: ${val}`)
    }
    const any = [...new Set(val.slice(3).split(',').map((s) => s.trim()))]
    if (any.some((t) => !t)) {
      throw new PlacementBadRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in: ${val}`)
    }
    if (any.some((t) => t.startsWith('!'))) {
      throw new PlacementBadRequest(`Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support forbidden traits. Got: ${val}`)
    }
    return { required: [any], forbidden: [] }
  }
  const all = val.split(',').map((s) => s.trim())
  const forbidden = [...new Set(all.filter((t) => t.startsWith('!')).map((t) => t.replace(/^!+/, '')))]
  if ([...all, ...forbidden].some((t) => !t)) {
    const form = allowForbidden ? 'HW_CPU_X86_VMX,!CUSTOM_MAGIC' : 'HW_CPU_X86_VMX,CUSTOM_MAGIC'
    throw new PlacementBadRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: ${form}. Got an empty trait in: ${val}`)
  }
  if (forbidden.length && !allowForbidden) {
    throw new PlacementBadRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${val}`)
  }
  return { required: [...new Set(all.filter((t) => !t.startsWith('!')))].map((t) => [t]), forbidden }
}

/** Every `required<suffix>` of the request (only the last one before 1.39). */
export function parseTraits(req: PlacementQuery, key: string): TraitTerms {
  let values = req.query.getAll(key)
  if (!atLeast(req, 39)) values = values.slice(-1)
  const out: TraitTerms = { required: [], forbidden: [] }
  for (const v of values) {
    const t = parseTraitValue(v, atLeast(req, 22), atLeast(req, 39))
    out.required.push(...t.required)
    out.forbidden.push(...t.forbidden.filter((f) => !out.forbidden.includes(f)))
  }
  return out
}

export type AggregateTerms = { required: string[][]; forbidden: string[] }

/** Every `member_of<suffix>`: each value is one any-of set (`in:a,b`), or forbidden (`!a`, `!in:a,b`, 1.32). */
export function parseMemberOf(req: PlacementQuery, key: string): AggregateTerms {
  const values = req.query.getAll(key)
  const suffix = key.slice('member_of'.length)
  if (!atLeast(req, 24) && values.length > 1) throw new PlacementBadRequest(`Multiple member_of${suffix} parameters are not supported`)
  const out: AggregateTerms = { required: [], forbidden: [] }
  for (const value of values) {
    let v = value
    const isForbidden = v.startsWith('!')
    if (isForbidden) {
      if (!atLeast(req, 32)) throw new PlacementBadRequest(`Forbidden member_of${suffix} parameters are not supported in the specified microversion`)
      v = v.slice(1)
      if (v.includes('!')) {
        throw new PlacementBadRequest(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${value}`)
      }
    }
    const any = v.startsWith('in:')
    const uuids = [...new Set((any ? v.slice(3) : v).split(',').map((s) => s.trim()))]
    if ((!any && uuids.length > 1) || !uuids.every(isUuidLike)) {
      if (v.startsWith('!') || value.includes(',!')) {
        throw new PlacementBadRequest(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${value}`)
      }
      throw new PlacementBadRequest(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${value}`)
    }
    if (isForbidden) {
      if (any) {
        throw new PlacementBadRequest(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${value}`)
      }
      out.forbidden.push(...uuids.filter((u) => !out.forbidden.includes(u)))
    } else {
      out.required.push(uuids)
    }
  }
  return out
}

/** Resource class names → ids; placement's "No such resource class" for an unknown one. */
export async function classIds(names: Names, wanted: Map<string, number>, prefix = 'Invalid resource class in resources parameter: '): Promise<Map<number, number>> {
  const ids = await names.classes.ids(wanted.keys())
  const missing = [...wanted.keys()].filter((n) => !ids.has(n))
  if (missing.length) throw new PlacementBadRequest(`${prefix}No such resource class ${missing[0]}.`)
  return new Map([...wanted].map(([n, amount]) => [ids.get(n)!, amount]))
}

/** Trait names → ids; placement's "No such trait(s)" for unknown ones. */
export async function traitIds(names: Names, terms: TraitTerms, prefix = 'Invalid trait(s) in "required" parameter: '): Promise<{ required: number[][]; forbidden: number[] }> {
  const all = [...new Set([...terms.required.flat(), ...terms.forbidden])]
  const ids = await names.traits.ids(all)
  const missing = all.filter((n) => !ids.has(n))
  if (missing.length) throw new PlacementBadRequest(`${prefix}No such trait(s): ${missing.join(', ')}.`)
  return { required: terms.required.map((any) => any.map((n) => ids.get(n)!)), forbidden: terms.forbidden.map((n) => ids.get(n)!) }
}
