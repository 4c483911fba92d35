/** Request bodies of /flavors/{id}/os-extra_specs (nova/api/openstack/compute/schemas/flavors_extraspecs.py). */
const specs = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'number'], maxLength: 255 } },
  additionalProperties: false,
}

export const createExtraSpecsSchema = {
  type: 'object',
  properties: { extra_specs: specs },
  required: ['extra_specs'],
  additionalProperties: false,
}

export const updateExtraSpecSchema = { ...specs, minProperties: 1, maxProperties: 1 }
