/**
 * @module The API extensions Nubis implements, as `GET /v2.0/extensions` lists them. Add an entry
 * only when its behaviour works end to end: clients (tempest, openstacksdk) decide what to use
 * from this list.
 */
export type Extension = { alias: string; name: string; description: string }

export const extensions: Extension[] = []
