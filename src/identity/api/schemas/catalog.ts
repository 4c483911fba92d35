/** Request bodies of /v3/regions, /v3/services and /v3/endpoints (keystone/catalog/schema.py). */
const regionId = { type: ['string', 'null'], minLength: 1, maxLength: 255 }
const regionProps = { description: { type: ['string', 'null'], maxLength: 255 }, id: regionId, parent_region_id: regionId }

/** POST /v3/regions and PUT /v3/regions/{id}; nothing is required, an empty id means "generate one". */
export const createRegionBody = {
  type: 'object', required: ['region'], additionalProperties: false,
  properties: { region: { type: 'object', properties: { ...regionProps, id: { ...regionId, minLength: 0 } } } },
} as const

export const updateRegionBody = {
  type: 'object', required: ['region'], additionalProperties: false,
  properties: { region: { type: 'object', minProperties: 1, properties: regionProps } },
} as const

const serviceProps = {
  enabled: { type: 'boolean' },
  type: { type: 'string', minLength: 1, maxLength: 255 },
  name: { type: 'string', minLength: 1, maxLength: 255 },
}

// Keystone does not forbid other top-level keys on service bodies.
export const createServiceBody = {
  type: 'object', required: ['service'],
  properties: { service: { type: 'object', required: ['type'], properties: serviceProps } },
} as const

export const updateServiceBody = {
  type: 'object', required: ['service'],
  properties: { service: { type: 'object', minProperties: 1, properties: serviceProps } },
} as const

export const INTERFACES = ['admin', 'internal', 'public']

const endpointProps = {
  enabled: { type: 'boolean' },
  interface: { type: 'string', enum: INTERFACES },
  region_id: { type: ['string', 'null'] },
  region: { type: ['string', 'null'] },
  service_id: { type: 'string' },
  url: { type: 'string', maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' },
  name: { type: 'string' },
  description: { type: ['string', 'null'] },
}

export const createEndpointBody = {
  type: 'object', required: ['endpoint'], additionalProperties: false,
  properties: {
    endpoint: {
      type: 'object', required: ['interface', 'service_id', 'url'],
      properties: { id: { type: 'string' }, ...endpointProps },
    },
  },
} as const

export const updateEndpointBody = {
  type: 'object', required: ['endpoint'], additionalProperties: false,
  properties: { endpoint: { type: 'object', minProperties: 1, properties: endpointProps } },
} as const
