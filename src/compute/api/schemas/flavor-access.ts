/** Bodies of POST /flavors/{id}/action: addTenantAccess and removeTenantAccess (schemas/flavor_access.py). */
const tenant = (action: string) => ({
  type: 'object',
  properties: {
    [action]: {
      type: 'object',
      properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } },
      required: ['tenant'],
      additionalProperties: false,
    },
  },
  required: [action],
  additionalProperties: false,
})

export const addTenantAccessSchema = tenant('addTenantAccess')
export const removeTenantAccessSchema = tenant('removeTenantAccess')
