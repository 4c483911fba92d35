/** Request bodies of /v3/credentials and /v3/users/{user_id}/application_credentials. */
const credentialProps = {
  blob: { type: 'string' },
  project_id: { type: ['string', 'null'], maxLength: 64 },
  type: { type: 'string', minLength: 1, maxLength: 255 },
  user_id: { type: 'string', minLength: 1, maxLength: 64 },
}

export const createCredentialBody = {
  type: 'object', required: ['credential'],
  properties: {
    credential: {
      type: 'object', required: ['blob', 'type', 'user_id'], properties: { id: { type: 'string' }, ...credentialProps },
      // An EC2 credential belongs to a project.
      if: { properties: { type: { const: 'ec2' } } },
      then: { required: ['blob', 'type', 'user_id', 'project_id'], properties: { project_id: { type: 'string' } } },
    },
  },
} as const

export const updateCredentialBody = {
  type: 'object', required: ['credential'],
  properties: { credential: { type: 'object', minProperties: 1, properties: credentialProps } },
} as const

const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' }

export const createAppCredBody = {
  type: 'object', required: ['application_credential'], additionalProperties: false,
  properties: {
    application_credential: {
      type: 'object', required: ['name'], additionalProperties: false,
      properties: {
        id: { type: 'string' },
        name,
        description: { type: ['string', 'null'] },
        secret: { type: ['string', 'null'], maxLength: 4096 },
        expires_at: { type: ['string', 'null'], maxLength: 32 },
        project_id: { type: 'string' },
        unrestricted: { type: ['boolean', 'null'] },
        system: { type: ['string', 'null'] },
        access_rules: { type: 'array', items: { type: 'object' } },
        roles: {
          type: 'array',
          items: {
            type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: false,
            properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, name },
          },
        },
      },
    },
  },
} as const
