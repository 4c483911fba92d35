/**
 * Body of POST /os-keypairs (nova/api/openstack/compute/schemas/keypairs.py). The fields of later
 * microversions (type 2.2, user_id 2.10, '@' and '.' in names and a required public_key 2.92)
 * are checked by the handler.
 */
export const createKeypairSchema = {
  type: 'object',
  properties: {
    keypair: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?! )[_\\-@. a-zA-Z0-9]+(?<! )$' },
        type: { type: 'string', enum: ['ssh', 'x509'] },
        public_key: { type: 'string' },
        user_id: { type: 'string' },
      },
      required: ['name'],
      additionalProperties: false,
    },
  },
  required: ['keypair'],
  additionalProperties: false,
}
