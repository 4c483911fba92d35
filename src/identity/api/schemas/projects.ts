/** Request bodies of /v3/projects and /v3/domains, with Keystone's limits (keystone/resource/schema.py). */

/** Keystone's lenient boolean: JSON booleans plus the strings oslo accepts. */
export const ksBoolean = {
  type: ['boolean', 'string', 'null'],
  enum: [true, 'True', 'TRUE', 'true', false, 'False', 'FALSE', 'false', '', '1', '0', 'y', 'Y', 'n', 'N', 'on', 'ON', 'off', 'OFF', 'yes', 'no'],
}
const TRUE_STRINGS = new Set(['true', '1', 'y', 'on', 'yes'])

/** Reads a value that passed {@link ksBoolean}. */
export function asBool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && TRUE_STRINGS.has(v.toLowerCase()))
}

const name = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S' }
const description = { type: ['string', 'null'], maxLength: 255 }
const nullableId = { type: ['string', 'null'], maxLength: 64 }

/** One tag: the API-WG rules (no '/' or ','). */
export const tagSchema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^,/]*$' }
/** A project's tag list: at most 80, no repeats. */
export const tagListSchema = { type: 'array', items: tagSchema, maxItems: 80, uniqueItems: true }

const projectProps = {
  name, description, enabled: ksBoolean, is_domain: ksBoolean, domain_id: nullableId, parent_id: nullableId,
  tags: tagListSchema, options: { type: 'object' },
}

export const createProjectBody = {
  type: 'object', required: ['project'], additionalProperties: false,
  properties: { project: { type: 'object', required: ['name'], properties: projectProps } },
} as const

export const updateProjectBody = {
  type: 'object', required: ['project'], additionalProperties: false,
  properties: {
    project: {
      type: 'object', minProperties: 1,
      properties: { name, description, enabled: ksBoolean, tags: tagListSchema, options: { type: 'object' } },
    },
  },
} as const

export const projectTagsBody = {
  type: 'object', required: ['tags'], additionalProperties: false, properties: { tags: tagListSchema },
} as const

const domainProps = { name, description, enabled: ksBoolean, tags: tagListSchema, options: { type: 'object' } }

export const createDomainBody = {
  type: 'object', required: ['domain'], additionalProperties: false,
  properties: {
    domain: {
      type: 'object', required: ['name'],
      properties: { ...domainProps, explicit_domain_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' } },
    },
  },
} as const

export const updateDomainBody = {
  type: 'object', required: ['domain'], additionalProperties: false,
  properties: { domain: { type: 'object', minProperties: 1, properties: domainProps } },
} as const
