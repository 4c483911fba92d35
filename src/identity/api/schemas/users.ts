const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' }
const id = { type: ['string', 'null'], maxLength: 64 }
const password = { type: ['string', 'null'], maxLength: 4096 }
const userProps = {
  name,
  domain_id: { type: 'string', maxLength: 64 },
  default_project_id: id,
  description: { type: ['string', 'null'] },
  enabled: { type: 'boolean' },
  password,
  email: { type: ['string', 'null'] },
  options: { type: 'object' },
  federated: { type: 'array' },
}

export const createUserBody = {
  type: 'object', required: ['user'], additionalProperties: false,
  properties: { user: { type: 'object', required: ['name'], properties: userProps } },
} as const

export const updateUserBody = {
  type: 'object', required: ['user'], additionalProperties: false,
  properties: { user: { type: 'object', minProperties: 1, properties: { ...userProps, id: { type: 'string' } } } },
} as const

export const changePasswordBody = {
  type: 'object', required: ['user'], additionalProperties: false,
  properties: {
    user: {
      type: 'object', required: ['password', 'original_password'], additionalProperties: false,
      properties: { password: { type: 'string', minLength: 1, maxLength: 4096 }, original_password: { type: 'string', maxLength: 4096 } },
    },
  },
} as const
