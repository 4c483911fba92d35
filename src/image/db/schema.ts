/** Table shapes of the image database. Booleans are 0/1, times ISO-8601 text, JSON as text. */

/** Deleted images keep their row (deleted=1) so an id is never reused, as in Glance. */
export type ImageRow = {
  id: string
  name: string | null
  owner: string | null
  status: string
  visibility: string
  protected: number
  os_hidden: number
  disk_format: string | null
  container_format: string | null
  size: number | null
  virtual_size: number | null
  checksum: string | null
  os_hash_algo: string | null
  os_hash_value: string | null
  min_disk: number
  min_ram: number
  created_at: string
  updated_at: string
  deleted: number
  deleted_at: string | null
  /** Where staged import data is (status uploading/importing), in the staging store. */
  staging_location: string | null
}

export type ImagePropertyRow = { image_id: string; name: string; value: string }
export type ImageTagRow = { image_id: string; value: string }
export type ImageMemberRow = { image_id: string; member: string; status: string; created_at: string; updated_at: string }
/** metadata is a JSON object; status 'active' (Glance also knows pending_delete, unused here). */
export type ImageLocationRow = { id?: number; image_id: string; url: string; metadata: string; status: string; position: number }
/** An import task (Glance's tasks table): input/result are JSON. */
export type ImageTaskRow = {
  id: string
  type: string
  status: string
  owner: string
  image_id: string
  request_id: string
  user_id: string
  input: string
  result: string | null
  message: string
  created_at: string
  updated_at: string
  expires_at: string | null
}

export type ImageDb = {
  images: ImageRow
  image_properties: ImagePropertyRow
  image_tags: ImageTagRow
  image_members: ImageMemberRow
  image_locations: ImageLocationRow
  image_tasks: ImageTaskRow
}
