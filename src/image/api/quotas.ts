/**
 * @module Per-project image quotas, enforced where Glance enforces its unified limits
 * (glance/quota/keystone.py): over means usage + delta > limit, sizes in MiB, -1 unlimited.
 * The 413 carries oslo.limit's ProjectOverLimit text inside Glance's LimitExceeded message.
 */
import { PayloadTooLarge } from '../../common/errors.ts'
import type { ImageQuotas } from '../config.ts'
import { imageCount, stagingUsageBytes, storageUsageBytes, uploadingCount } from '../db/image-repo.ts'
import type { ImageDeps } from './context.ts'

export const MiB = 1024 * 1024

type QuotaName = 'image_size_total' | 'image_stage_total' | 'image_count_total' | 'image_count_uploading'
const configKey: Record<QuotaName, keyof ImageQuotas> = {
  image_size_total: 'imageSizeTotalMib',
  image_stage_total: 'imageStageTotalMib',
  image_count_total: 'imageCountTotal',
  image_count_uploading: 'imageCountUploading',
}

export class QuotaExceeded extends PayloadTooLarge {}

export function limitExceeded(body: string): QuotaExceeded {
  return new QuotaExceeded('The request returned a 413 Request Entity Too Large. This generally means that rate limiting '
    + `or a quota threshold was breached.\n\nThe response body:\n${body}`)
}

export async function quotaUsage(deps: ImageDeps, owner: string, name: QuotaName): Promise<number> {
  switch (name) {
    case 'image_size_total': return Math.floor(await storageUsageBytes(deps.db, owner) / MiB)
    case 'image_stage_total': return Math.floor(await stagingUsageBytes(deps.db, owner) / MiB)
    case 'image_count_total': return imageCount(deps.db, owner)
    case 'image_count_uploading': return uploadingCount(deps.db, owner)
  }
}

export const quotaNames = Object.keys(configKey) as QuotaName[]
export const quotaLimit = (deps: ImageDeps, name: QuotaName): number => deps.config.quotas[configKey[name]]

/** Throws 413 when the project's usage plus `delta` goes over the limit. */
export async function enforceQuota(deps: ImageDeps, owner: string | null | undefined, name: QuotaName, delta = 0): Promise<void> {
  const limit = quotaLimit(deps, name)
  if (limit < 0 || !owner) return
  const usage = await quotaUsage(deps, owner, name)
  if (usage + delta > limit) {
    throw limitExceeded(`Project ${owner} is over a limit for [Resource ${name} is over limit of ${limit} `
      + `due to current usage ${usage} and delta ${delta}]`)
  }
}

/** Bytes an upload may still add before image_size_total is reached (Infinity when unlimited). */
export async function remainingStorageBytes(deps: ImageDeps, owner: string | null, imageId: string): Promise<number> {
  const limit = quotaLimit(deps, 'image_size_total')
  if (limit < 0 || !owner) return Infinity
  return Math.max(0, limit * MiB - await storageUsageBytes(deps.db, owner, imageId))
}
