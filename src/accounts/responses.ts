/** What the accounts API answers, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'
import { Instant } from '../catalog/responses'
import { USER_ROLES } from '../db/schema'

/** A shipping address as stored (validated on the way in by `ShippingAddress` in schemas.ts). */
export const ShippingAddressView = z
  .object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().nullable().optional(),
    city: z.string(),
    region: z.string().nullable().optional(),
    postal_code: z.string(),
    country: z.string().describe('ISO 3166-1 alpha-2'),
    phone: z.string().nullable().optional().describe('E.164'),
  })
  .meta({ id: 'ShippingAddress' })

export const AddressView = z
  .object({
    id: z.int(),
    name: z.string().describe('The recipient'),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable().describe('ISO 3166-2 subdivision code without the country for US, CA and AU; free text elsewhere'),
    postal_code: z.string(),
    country: z.string().describe('ISO 3166-1 alpha-2'),
    phone: z.string().nullable().describe('E.164'),
    is_default: z.boolean(),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'Address' })
export type AddressView = z.infer<typeof AddressView>

export const AddressList = z.object({ items: z.array(AddressView), max: z.int().describe('How many addresses an account may keep') }).meta({ id: 'AddressList' })

export const ProfileView = z
  .object({
    id: z.int(),
    email: z.string(),
    name: z.string(),
    role: z.enum(USER_ROLES),
    created_at: Instant,
    last_login_at: Instant.nullable(),
    phone: z.string().nullable().describe('E.164'),
    avatar_url: z.string().nullable(),
    default_shipping_address: ShippingAddressView.nullable(),
  })
  .meta({ id: 'Profile' })
export type ProfileView = z.infer<typeof ProfileView>

export const TokenPair = z
  .object({
    token_type: z.literal('Bearer'),
    access_token: z.string().describe('A JWT for `Authorization: Bearer …`'),
    expires_in: z.int().describe('Seconds until the access token expires'),
    refresh_token: z.string().describe('Single use: POST it to /api/auth/refresh for a new pair'),
  })
  .meta({ id: 'TokenPair' })

export const Registration = TokenPair.extend({ user: ProfileView }).meta({ id: 'Registration' })

export const CsrfToken = z
  .object({
    csrf_token: z.string().describe('Send it as the X-CSRF-Token header of every POST, PUT, PATCH or DELETE that carries the session or cart cookie'),
    header: z.literal('X-CSRF-Token'),
  })
  .meta({ id: 'CsrfToken' })
