/**
 * @module Glance's JSON schemas (glance/api/v2/images.py get_base_properties, etc/schema-image.json,
 * image_members.py): served at /v2/schemas/* for clients, and used to validate image bodies the
 * way Glance does (jsonschema: custom properties must be strings).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { BadRequest } from '../../common/errors.ts'
import type { ImageConfig } from '../config.ts'

const uuidPattern = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'

function baseProperties(config: ImageConfig): Record<string, object> {
  const nullable = (type: string) => ['null', type]
  return {
    id: { type: 'string', description: 'An identifier for the image', pattern: uuidPattern },
    name: { type: nullable('string'), description: 'Descriptive name for the image', maxLength: 255 },
    status: {
      type: 'string', readOnly: true, description: 'Status of the image',
      enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'],
    },
    visibility: { type: 'string', description: 'Scope of image accessibility', enum: ['community', 'public', 'private', 'shared'] },
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: { type: nullable('string'), readOnly: true, description: 'md5 hash of image contents.', maxLength: 32 },
    os_hash_algo: { type: nullable('string'), readOnly: true, description: 'Algorithm to calculate the os_hash_value', maxLength: 64 },
    os_hash_value: {
      type: nullable('string'), readOnly: true,
      description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', maxLength: 128,
    },
    owner: { type: nullable('string'), description: 'Owner of the image', maxLength: 255 },
    size: { type: nullable('integer'), readOnly: true, description: 'Size of image file in bytes' },
    virtual_size: { type: nullable('integer'), readOnly: true, description: 'Virtual size of image in bytes' },
    container_format: { type: nullable('string'), description: 'Format of the container', enum: [null, ...config.containerFormats] },
    disk_format: { type: nullable('string'), description: 'Format of the disk', enum: [null, ...config.diskFormats] },
    created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
    updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
    tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
    direct_url: { type: 'string', readOnly: true, description: 'URL to access the image file kept in external store' },
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: { type: 'string', readOnly: true, description: 'An image self url' },
    file: { type: 'string', readOnly: true, description: 'An image file url' },
    stores: {
      type: 'string', readOnly: true,
      description: 'Store in which image data resides.  Only present when the operator has enabled multiple stores.  '
        + 'May be a comma-separated list of store identifiers.',
    },
    schema: { type: 'string', readOnly: true, description: 'An image schema url' },
    locations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          url: { type: 'string', maxLength: 255 },
          metadata: { type: 'object' },
          validation_data: {
            description: "Values to be used to populate the corresponding image properties. If the image status is not 'queued', "
              + 'values must exactly match those already contained in the image properties.',
            type: 'object', writeOnly: true, additionalProperties: false,
            properties: {
              checksum: { type: 'string', minLength: 32, maxLength: 32 },
              os_hash_algo: { type: 'string', maxLength: 64 },
              os_hash_value: { type: 'string', maxLength: 128 },
            },
            required: ['os_hash_algo', 'os_hash_value'],
          },
        },
        required: ['url', 'metadata'],
      },
      description: 'A set of URLs to access the image file kept in external store',
    },
  }
}

/** Glance's shipped etc/schema-image.json, marked is_base=false as get_schema() does. */
const customProperties: Record<string, object> = {
  kernel_id: {
    type: ['null', 'string'], pattern: uuidPattern,
    description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.',
  },
  ramdisk_id: {
    type: ['null', 'string'], pattern: uuidPattern,
    description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.',
  },
  instance_uuid: {
    type: 'string',
    description: 'Metadata which can be used to record which instance this image is associated with. '
      + '(Informational only, does not create an instance snapshot.)',
  },
  architecture: {
    description: 'Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',
    type: 'string',
  },
  os_distro: {
    description: 'Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',
    type: 'string',
  },
  os_version: { description: 'Operating system version as specified by the distributor.', type: 'string' },
  description: { description: 'A human-readable string describing this image.', type: 'string' },
  cinder_encryption_key_id: {
    description: 'Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage Service '
      + 'to use when mounting a volume created from this image',
    type: 'string',
  },
  cinder_encryption_key_deletion_policy: {
    description: "States the condition under which the Image Service will delete the object associated with the "
      + "'cinder_encryption_key_id' image property.  If this property is missing, the Image Service will take no action",
    type: 'string', enum: ['on_image_deletion', 'do_not_delete'],
  },
}

const imageLinks = [
  { rel: 'self', href: '{self}' },
  { rel: 'enclosure', href: '{file}' },
  { rel: 'describedby', href: '{schema}' },
]

const memberProperties = {
  member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
  image_id: { type: 'string', description: 'An identifier for the image', pattern: uuidPattern },
  created_at: { type: 'string', description: 'Date and time of image member creation' },
  updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
  status: { type: 'string', description: 'The status of this image member', enum: ['pending', 'accepted', 'rejected'] },
  schema: { readOnly: true, type: 'string' },
}

export type ImageSchemas = {
  image: Record<string, unknown>
  images: Record<string, unknown>
  member: Record<string, unknown>
  members: Record<string, unknown>
  /** Validates (part of) an image body; throws Glance's 400 "Provided object does not match schema 'image'". */
  validateImage(body: Record<string, unknown>): void
  /** Base property names (not custom ones), e.g. to know which PATCH paths are arrays. */
  baseProperties: Record<string, { type?: unknown }>
}

export function imageSchemas(config: ImageConfig): ImageSchemas {
  const base = baseProperties(config)
  const custom = Object.fromEntries(Object.entries(customProperties).map(([k, v]) => [k, { ...v, is_base: false }]))
  const image = {
    name: 'image',
    properties: { ...base, ...custom },
    additionalProperties: { type: 'string' },
    links: imageLinks,
  }
  const images = {
    name: 'images',
    properties: {
      images: { type: 'array', items: image },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }, { rel: 'describedby', href: '{schema}' }],
  }
  const member = { name: 'member', properties: memberProperties }
  const members = {
    name: 'members',
    properties: { members: { type: 'array', items: member }, schema: { type: 'string' } },
    links: [{ rel: 'describedby', href: '{schema}' }],
  }
  const ajv = new Ajv({ strict: false, allErrors: false, verbose: true })
  const validate: ValidateFunction = ajv.compile({ type: 'object', properties: image.properties, additionalProperties: image.additionalProperties })
  return {
    image, images, member, members, baseProperties: base as Record<string, { type?: unknown }>,
    validateImage(body) {
      if (!validate(body)) {
        throw new BadRequest(`Provided object does not match schema 'image': ${describe(validate.errors?.[0])}`)
      }
    },
  }
}

/** Python's repr of a JSON value, as jsonschema's messages show it. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`
  return String(v)
}

/** jsonschema's wording of the first failure, then where it failed. */
function describe(e: ErrorObject | undefined): string {
  if (!e) return 'Invalid input.'
  const data = e.data
  let what: string
  switch (e.keyword) {
    case 'enum': what = `${pyRepr(data)} is not one of ${pyRepr(e.params.allowedValues)}`; break
    case 'type': what = `${pyRepr(data)} is not of type ${String(e.params.type).split(',').map((t) => pyRepr(t)).join(', ')}`; break
    case 'maxLength': what = `${pyRepr(data)} is too long`; break
    case 'minLength': what = `${pyRepr(data)} is too short`; break
    case 'pattern': what = `${pyRepr(data)} does not match ${pyRepr(e.params.pattern)}`; break
    case 'required': what = `${pyRepr(e.params.missingProperty)} is a required property`; break
    case 'additionalProperties': what = `Additional properties are not allowed (${pyRepr(e.params.additionalProperty)} was unexpected)`; break
    default: what = `${pyRepr(data)} ${e.message ?? 'is invalid'}`
  }
  const path = e.instancePath.split('/').filter(Boolean).map((p) => `[${/^\d+$/.test(p) ? p : pyRepr(p)}]`).join('')
  return path ? `${what}\n\nFailed validating '${e.keyword}' on instance${path}` : what
}
