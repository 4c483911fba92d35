/** Request bodies of /v3/roles (Keystone's assignment/schema.py). */
const roleProps = {
  name: { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' },
  description: { type: ['string', 'null'] },
  domain_id: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
  options: {
    type: 'object', additionalProperties: false,
    properties: { immutable: { type: ['boolean', 'null'] } },
  },
}

export const createRoleBody = {
  type: 'object', required: ['role'], additionalProperties: false,
  properties: { role: { type: 'object', required: ['name'], properties: roleProps } },
} as const

export const updateRoleBody = {
  type: 'object', required: ['role'], additionalProperties: false,
  properties: { role: { type: 'object', minProperties: 1, properties: roleProps } },
} as const
