/** Whether `s` is a UUID with or without its dashes, the forms Nova's uuidutils.is_uuid_like takes in ids. */
export const isUuidLike = (s: string): boolean => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s)
