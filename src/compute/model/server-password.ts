/**
 * @module The encrypted password a guest posts to the metadata service, kept as Nova keeps it:
 * in system_metadata, split into `password_0` … `password_3` of at most 255 characters each.
 */
const CHUNKS = 4
const CHUNK_LENGTH = 255

/** The stored password, or '' when none is stored (Nova's extract_password). */
export function extractPassword(systemMetadata: Record<string, string>): string {
  return Object.keys(systemMetadata).filter((k) => k.startsWith('password_')).sort()
    .map((k) => systemMetadata[k]).join('')
}

/** The system_metadata items that store `password`; null clears it (Nova's convert_password). */
export function passwordMetadata(password: string | null): Record<string, string> {
  let rest = password ?? ''
  const meta: Record<string, string> = {}
  for (let n = 0; n < CHUNKS; n++) {
    meta[`password_${n}`] = rest.slice(0, CHUNK_LENGTH)
    rest = rest.slice(CHUNK_LENGTH)
  }
  return meta
}
