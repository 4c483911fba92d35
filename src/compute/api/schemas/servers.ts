/** Request bodies of /servers, after nova/api/openstack/compute/schemas/servers.py (2.1 base; later fields checked by microversion in the handler). */
const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?! )[\\s\\S]*[^ ]$|^[^ ]$' }
// Keys as Nova's parameter_types.metadata allows them: 1 to 255 of letters, digits, '-', '_', ':', '.' and space.
const metadata = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
}
const uuidish = { type: 'string' }
const ipv4 = { type: 'string' }
const ipv6 = { type: 'string' }

const bdmV2 = {
  type: 'object',
  properties: {
    source_type: { enum: ['volume', 'image', 'snapshot', 'blank'] },
    destination_type: { enum: ['local', 'volume'] },
    uuid: { type: 'string' },
    boot_index: { type: ['integer', 'string', 'null'] },
    volume_size: { type: ['integer', 'string', 'null'] },
    delete_on_termination: { type: ['boolean', 'string'] },
    device_name: { type: ['string', 'null'] },
    device_type: { type: ['string', 'null'] },
    disk_bus: { type: ['string', 'null'] },
    guest_format: { type: ['string', 'null'] },
    tag: { type: 'string', maxLength: 60 },
    volume_type: { type: ['string', 'null'] },
    no_device: {},
  },
  additionalProperties: false,
}

export const createServerSchema = {
  type: 'object',
  properties: {
    server: {
      type: 'object',
      properties: {
        name,
        imageRef: { type: 'string' },
        flavorRef: { type: ['string', 'integer'], minLength: 1 },
        adminPass: { type: 'string' },
        metadata,
        networks: {
          oneOf: [
            {
              type: 'array',
              items: {
                type: 'object',
                properties: { fixed_ip: { type: 'string' }, port: { type: ['string', 'null'] }, uuid: uuidish, tag: { type: 'string', maxLength: 60 } },
                additionalProperties: false,
              },
            },
            { enum: ['none', 'auto'] },
          ],
        },
        'OS-DCF:diskConfig': { enum: ['AUTO', 'MANUAL'] },
        accessIPv4: ipv4,
        accessIPv6: ipv6,
        personality: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, contents: { type: 'string' } } } },
        key_name: { type: ['string', 'null'], minLength: 1, maxLength: 255 },
        user_data: { type: ['string', 'null'], maxLength: 65535 },
        availability_zone: { type: 'string', minLength: 1, maxLength: 255 },
        block_device_mapping_v2: { type: 'array', items: bdmV2 },
        block_device_mapping: { type: 'array' },
        security_groups: { type: 'array', items: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] } },
        config_drive: { type: ['boolean', 'string'] },
        min_count: { type: ['integer', 'string'], minimum: 1 },
        max_count: { type: ['integer', 'string'], minimum: 1 },
        return_reservation_id: { type: ['boolean', 'string'] },
        description: { type: ['string', 'null'], maxLength: 255 },
        tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,/]*$' }, maxItems: 50 },
        trusted_image_certificates: { type: ['array', 'null'], items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 50 },
        host: { type: 'string', minLength: 1, maxLength: 255 },
        hypervisor_hostname: { type: 'string', minLength: 1, maxLength: 255 },
        hostname: { type: 'string', minLength: 1, maxLength: 63 },
      },
      required: ['name', 'flavorRef'],
      additionalProperties: false,
    },
    'os:scheduler_hints': { type: 'object' },
    'OS-SCH-HNT:scheduler_hints': { type: 'object' },
  },
  required: ['server'],
  additionalProperties: false,
}

export const updateServerSchema = {
  type: 'object',
  properties: {
    server: {
      type: 'object',
      properties: {
        name,
        accessIPv4: ipv4,
        accessIPv6: ipv6,
        'OS-DCF:diskConfig': { enum: ['AUTO', 'MANUAL'] },
        description: { type: ['string', 'null'], maxLength: 255 },
        hostname: { type: 'string', minLength: 1, maxLength: 63 },
      },
      additionalProperties: false,
    },
  },
  required: ['server'],
  additionalProperties: false,
}

export const metadataSchema = { type: 'object', properties: { metadata }, required: ['metadata'], additionalProperties: false }
export const metaItemSchema = {
  type: 'object',
  properties: { meta: { ...metadata, minProperties: 1, maxProperties: 1 } },
  required: ['meta'],
  additionalProperties: false,
}
