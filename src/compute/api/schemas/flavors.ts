/** Request bodies of /flavors, after nova/api/openstack/compute/schemas/flavors.py (description from 2.55, checked in the handler). */

/** Printable characters, not starting or ending with whitespace (Nova's `name` format). */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?![\\s])[^\\p{C}]*(?<![\\s])$' }
/** Nova's flavor_param_positive / non_negative: an integer, or a string of digits; ranges are checked in the handler for strings. */
const count = (minimum: number) => ({ type: ['integer', 'string'], pattern: '^[0-9]+$', minimum, maximum: 0x7fffffff })
export const flavorDescriptionSchema = { type: ['string', 'null'], minLength: 0, maxLength: 65535, pattern: '^[^\\p{C}]*$' }
/** oslo's strict booleans as Nova's parameter_types.boolean lists them. */
export const booleanSchema = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
}

export const createFlavorSchema = {
  type: 'object',
  properties: {
    flavor: {
      type: 'object',
      properties: {
        name: nameSchema,
        id: { type: ['string', 'number', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' },
        ram: count(1),
        vcpus: count(1),
        disk: count(0),
        'OS-FLV-EXT-DATA:ephemeral': count(0),
        swap: count(0),
        rxtx_factor: { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', exclusiveMinimum: 0, maximum: 3.40282e38 },
        'os-flavor-access:is_public': booleanSchema,
        description: flavorDescriptionSchema,
      },
      required: ['name', 'ram', 'vcpus', 'disk'],
      additionalProperties: false,
    },
  },
  required: ['flavor'],
  additionalProperties: false,
}

export const updateFlavorSchema = {
  type: 'object',
  properties: {
    flavor: {
      type: 'object',
      properties: { description: flavorDescriptionSchema },
      required: ['description'],
      additionalProperties: false,
    },
  },
  required: ['flavor'],
  additionalProperties: false,
}
