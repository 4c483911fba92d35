/** Python's repr() of a request dict of strings, which some Neutron messages embed verbatim. */
export function pythonDictRepr(dict: object): string {
  const item = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : v === null ? 'None' : String(v))
  return `{${Object.entries(dict).map(([k, v]) => `'${k}': ${item(v)}`).join(', ')}}`
}
