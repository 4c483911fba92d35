/** Request bodies of /v3/groups (keystone/identity/schema.py). */
const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' }
const description = { type: ['string', 'null'] }

export const createGroupBody = {
  type: 'object', required: ['group'], additionalProperties: false,
  properties: {
    group: {
      type: 'object', required: ['name'],
      properties: { name, description, domain_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' } },
    },
  },
} as const

export const updateGroupBody = {
  type: 'object', required: ['group'], additionalProperties: false,
  properties: { group: { type: 'object', minProperties: 1, properties: { name, description } } },
} as const
