const ref = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 255 },
    name: { type: 'string', minLength: 1, maxLength: 255 },
    domain: {
      type: 'object',
      properties: { id: { type: 'string', maxLength: 255 }, name: { type: 'string', maxLength: 255 } },
    },
  },
}

/** POST /v3/auth/tokens */
export const authTokensBody = {
  type: 'object',
  required: ['auth'],
  properties: {
    auth: {
      type: 'object',
      required: ['identity'],
      properties: {
        identity: {
          type: 'object',
          required: ['methods'],
          properties: {
            methods: { type: 'array', items: { type: 'string' }, minItems: 1 },
            password: {
              type: 'object', required: ['user'],
              properties: {
                user: { ...ref, required: ['password'], properties: { ...ref.properties, password: { type: 'string', maxLength: 4096 } } },
              },
            },
            token: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 8192 } } },
            application_credential: {
              type: 'object', required: ['secret'],
              properties: {
                id: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: 255 },
                secret: { type: 'string', maxLength: 4096 }, user: ref,
              },
            },
          },
        },
        scope: {
          anyOf: [
            { type: 'string', enum: ['unscoped'] },
            {
              type: 'object',
              properties: {
                project: ref,
                domain: ref,
                system: { type: 'object', properties: { all: { type: 'boolean' } } },
              },
            },
          ],
        },
      },
    },
  },
} as const
