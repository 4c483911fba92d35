/** Bodies of PUT /allocations/{consumer} and POST /allocations per microversion (placement/schemas/allocation.py). */
const UUID_PATTERN = '^[0-9a-fA-F-]{36}$'
const RC_PATTERN = '^[A-Z0-9_]+$'
const GROUP_PATTERN = '^_[a-zA-Z0-9_-]{1,64}$|^$'
const resources = {
  type: 'object', minProperties: 1, additionalProperties: false,
  patternProperties: { [RC_PATTERN]: { type: 'integer', minimum: 1 } },
}
const idField = { type: 'string', minLength: 1, maxLength: 255 }

const listForm = (minor: number) => ({
  type: 'object', additionalProperties: false, required: ['allocations', ...(minor >= 8 ? ['project_id', 'user_id'] : [])],
  properties: {
    allocations: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', additionalProperties: false, required: ['resource_provider', 'resources'],
        properties: {
          resource_provider: { type: 'object', additionalProperties: false, required: ['uuid'], properties: { uuid: { type: 'string', format: 'uuid' } } },
          resources,
        },
      },
    },
    ...(minor >= 8 ? { project_id: idField, user_id: idField } : {}),
  },
})

/** The dict form (1.12+); `deletable`: empty allocations free the consumer (POST from 1.13, PUT from 1.28). */
function dictForm(minor: number, deletable: boolean): object {
  const required = ['allocations', 'project_id', 'user_id']
  const properties: Record<string, unknown> = {
    allocations: {
      type: 'object', minProperties: deletable ? 0 : 1, additionalProperties: false,
      patternProperties: {
        [UUID_PATTERN]: {
          type: 'object', additionalProperties: false, required: ['resources'],
          properties: { generation: { type: 'integer' }, resources },
        },
      },
    },
    project_id: idField, user_id: idField,
  }
  if (minor >= 28) {
    properties.consumer_generation = { type: ['integer', 'null'] }
    required.push('consumer_generation')
  }
  if (minor >= 34) {
    properties.mappings = {
      type: 'object', minProperties: 1,
      patternProperties: { [GROUP_PATTERN]: { type: 'array', minItems: 1, items: { type: 'string', format: 'uuid' } } },
    }
  }
  if (minor >= 38) {
    properties.consumer_type = { type: 'string', pattern: RC_PATTERN, minLength: 1, maxLength: 255 }
    required.push('consumer_type')
  }
  return { type: 'object', additionalProperties: false, required, properties }
}

const cache = new Map<string, object>()
const memo = (k: string, build: () => object) => cache.get(k) ?? (cache.set(k, build()), cache.get(k)!)

/** The version bands where placement's schema changes, so each schema is compiled once. */
const band = (minor: number) => (minor >= 38 ? 38 : minor >= 34 ? 34 : minor >= 28 ? 28 : minor >= 12 ? 12 : minor >= 8 ? 8 : 0)

export const putAllocationsSchema = (minor: number): object =>
  memo(`put${band(minor)}`, () => (minor < 12 ? listForm(minor) : dictForm(minor, minor >= 28)))

export const postAllocationsSchema = (minor: number): object =>
  memo(`post${band(minor)}`, () => ({
    type: 'object', minProperties: 1, additionalProperties: false, patternProperties: { [UUID_PATTERN]: dictForm(minor, true) },
  }))

/** POST /reshaper (1.30): every provider's complete new inventory plus POST /allocations' body (which may be empty). */
export const reshaperSchema = (minor: number): object => memo(`reshape${band(minor)}`, () => {
  const record = {
    type: 'object', additionalProperties: false, required: ['total'],
    properties: {
      total: { type: 'integer', maximum: 0x7fffffff, minimum: 1 }, reserved: { type: 'integer', maximum: 0x7fffffff, minimum: 0 },
      min_unit: { type: 'integer', maximum: 0x7fffffff, minimum: 1 }, max_unit: { type: 'integer', maximum: 0x7fffffff, minimum: 1 },
      step_size: { type: 'integer', maximum: 0x7fffffff, minimum: 1 }, allocation_ratio: { type: 'number', maximum: 3.40282e+38 },
    },
  }
  return {
    type: 'object', additionalProperties: false, required: ['inventories', 'allocations'],
    properties: {
      inventories: {
        type: 'object', minProperties: 1, additionalProperties: false,
        patternProperties: {
          [UUID_PATTERN]: {
            type: 'object', additionalProperties: false, required: ['resource_provider_generation', 'inventories'],
            properties: {
              resource_provider_generation: { type: 'integer' },
              inventories: { type: 'object', additionalProperties: false, patternProperties: { [RC_PATTERN]: record } },
            },
          },
        },
      },
      allocations: { ...(postAllocationsSchema(Math.max(minor, 28)) as object), minProperties: 0 },
    },
  }
})
