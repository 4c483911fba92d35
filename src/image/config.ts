import type { JsonSchema } from '../common/config/load-config.ts'

/** Per-project limits (Glance's unified-limit names); -1 means unlimited. Sizes are MiB as in Glance. */
export type ImageQuotas = {
  imageCountTotal: number
  imageSizeTotalMib: number
  imageStageTotalMib: number
  imageCountUploading: number
}

/** The `image:` section of the configuration file. */
export type ImageConfig = {
  port: number
  storeDir: string
  stagingDir: string
  imageSizeCapBytes: number
  maxRequestBodyBytes: number
  showImageDirectUrl: boolean
  showMultipleLocations: boolean
  limitParamDefault: number
  apiLimitMax: number
  diskFormats: string[]
  containerFormats: string[]
  enabledImportMethods: string[]
  imageMemberQuota: number
  imagePropertyQuota: number
  imageTagQuota: number
  requireImageFormatMatch: boolean
  /** `nubis up` builds and registers the public nubis-tiny test image on first start. */
  registerTinyGuest: boolean
  quotas: ImageQuotas
}

const int = (d: number, description: string, minimum = 0): JsonSchema => ({ type: 'integer', default: d, minimum, description })
const list = (d: string[], description: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, default: d, description })
const limit = (description: string): JsonSchema => int(-1, `${description}; -1 is unlimited.`, -1)

export const imageConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: int(9292, 'Port of the Image API (Glance uses 9292).'),
    registerTinyGuest: {
      type: 'boolean', default: true,
      description: 'On first start, `nubis up` builds the nubis-tiny test guest and registers it as a public image.',
    },
    storeDir: { type: 'string', default: '', description: 'Directory of the file store (empty: <dataDir>/images).' },
    stagingDir: {
      type: 'string', default: '',
      description: 'Staging area of interoperable import (empty: <dataDir>/images/staging).',
    },
    imageSizeCapBytes: int(1099511627776, 'Largest image accepted, in bytes (Glance image_size_cap, 1 TiB).', 1),
    maxRequestBodyBytes: int(114688, 'Largest JSON request body accepted.', 1024),
    showImageDirectUrl: { type: 'boolean', default: false, description: 'Show direct_url (the store location) on images.' },
    showMultipleLocations: { type: 'boolean', default: false, description: 'Show the locations list on images.' },
    limitParamDefault: int(25, 'Images per page when the request sets no limit.', 1),
    apiLimitMax: int(1000, 'Most images one list request returns.', 1),
    diskFormats: list(['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'],
      'Accepted disk_format values (Glance defaults).'),
    containerFormats: list(['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'],
      'Accepted container_format values (Glance defaults).'),
    enabledImportMethods: {
      type: 'array', items: { enum: ['glance-direct', 'copy-image'] }, default: ['glance-direct', 'copy-image'],
      description: 'Interoperable import methods offered.',
    },
    imageMemberQuota: int(128, 'Members one image may have; -1 is unlimited.', -1),
    imagePropertyQuota: int(128, 'Custom properties one image may have; -1 is unlimited.', -1),
    imageTagQuota: int(128, 'Tags one image may have; -1 is unlimited.', -1),
    requireImageFormatMatch: {
      type: 'boolean', default: true,
      description: 'Refuse uploads whose content is not the image\'s disk_format (Glance require_image_format_match).',
    },
    quotas: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        imageCountTotal: limit('Images a project may own'),
        imageSizeTotalMib: limit('MiB of image data a project may store'),
        imageStageTotalMib: limit('MiB a project may hold in the import staging area'),
        imageCountUploading: limit('Uploads and imports a project may run at once'),
      },
    },
  },
}
