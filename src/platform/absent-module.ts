/**
 * Stands in for the schema libraries hono-openapi's converters import on demand for vendors we do not use
 * (effect, valibot, sury, zod 3's converters): our schemas are zod 4, converted natively. Aliased in
 * wrangler.toml so that the bundle holds no import of a package that is not installed (Miniflare and
 * the Workers upload refuse such a bundle). Using one of them is a bug: it says so.
 */
const absent = (): never => {
  throw new Error('This schema library is not part of Cato-Store: use zod 4 schemas')
}

export const createSchema = absent
export const toJsonSchema = absent
export const zodToJsonSchema = absent
export const JSONSchema = { make: absent }
export const S = { toJSONSchema: absent }
export default absent
