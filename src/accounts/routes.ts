import { Hono, type MiddlewareHandler } from 'hono'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { validate } from '../platform/validate'
import { docs } from '../openapi/describe'
import { CsrfToken, ProfileView, Registration, TokenPair } from './responses'
import { AVATAR_MAX_BYTES, imageTooLarge, readLimited, unsupportedImage } from './avatar'
import { CSRF_HEADER, csrfToken } from './csrf'
import { requireUser, userOf } from './guard'
import { RefreshBody, RegisterBody, TokenBody, UpdateProfileBody } from './schemas'
import { authenticate, findUser, profileOf, register, removeAvatar, setAvatar, updateProfile } from './service'
import { authSecret } from './secrets'
import { ACCESS_TOKEN_TTL_SECONDS, newRefreshToken, revokeRefreshToken, rotateRefreshToken, signAccessToken, type NewRefreshToken } from './tokens'
import type { CurrentUser } from '../platform/env'


/** The answer of register, token and refresh: an access token tied to the family of its refresh token. */
async function tokenPair(env: Env, user: CurrentUser, refreshToken: NewRefreshToken) {
  return {
    token_type: 'Bearer',
    access_token: await signAccessToken(env, user, refreshToken.familyId),
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken.token,
  }
}

/** The 503 of the routes behind `tokensConfigured`, as the document says it. */
const AUTH_NOT_CONFIGURED = 'Access tokens are not configured (`auth_not_configured`: no AUTH_SECRET outside development)'

/**
 * Routes that answer an access token check that tokens can be signed before they change anything (an
 * account made, a refresh token spent): outside development a missing AUTH_SECRET is a 503 up front.
 */
const tokensConfigured: MiddlewareHandler<AppEnv> = async (c, next) => {
  authSecret(c.env)
  await next()
}

const registerDocs = docs({
  id: 'register',
  tag: 'Accounts',
  summary: 'Create a customer account',
  access: 'public',
  responses: { 201: { description: 'The new profile and a token pair', schema: Registration } },
  errors: { 409: 'An account with this email already exists', 503: AUTH_NOT_CONFIGURED },
})

const createTokenDocs = docs({
  id: 'createToken',
  tag: 'Accounts',
  summary: 'Sign in: email and password for a token pair',
  access: 'public',
  responses: { 200: { description: 'An access token and a refresh token', schema: TokenPair } },
  errors: { 401: 'Wrong email or password', 429: 'Too many attempts for this email or client address (see Retry-After)', 503: AUTH_NOT_CONFIGURED },
})

const refreshTokenDocs = docs({
  id: 'refreshToken',
  tag: 'Accounts',
  summary: 'Trade a refresh token for a new pair',
  description: 'Refresh tokens are single use: the one sent is revoked, and reusing a revoked one revokes its whole family.',
  access: 'public',
  responses: { 200: { description: 'A new token pair', schema: TokenPair } },
  errors: { 401: 'Unknown, expired or revoked refresh token', 503: AUTH_NOT_CONFIGURED },
})

const getCsrfTokenDocs = docs({
  id: 'getCsrfToken',
  tag: 'Accounts',
  summary: 'The CSRF token for cookie-authenticated writes',
  description:
    'Browsers that call the API with the session or guest-cart cookie send this value as `X-CSRF-Token` on every POST, PUT, PATCH and DELETE (403 `csrf_failed` without it, or from another Origin). Bearer-token clients need nothing.',
  access: 'public',
  responses: { 200: { description: 'The token (its cookie is set if it was missing)', schema: CsrfToken } },
})

const logoutDocs = docs({
  id: 'logout',
  tag: 'Accounts',
  summary: 'Revoke a refresh token',
  description: 'Revokes the whole family of the refresh token, and the access tokens issued with it.',
  access: 'public',
  responses: { 204: { description: 'Revoked (or was not valid)' } },
})

export const authApi = new Hono<AppEnv>()
  .use(jsonLimit)
  .post('/register', registerDocs, tokensConfigured, validate('json', RegisterBody), async (c) => {
    const refreshToken = await newRefreshToken()
    const user = await register(c.env, c.req.valid('json'), { refreshToken })
    return c.json({ user: await profileOf(c.env, user.id), ...(await tokenPair(c.env, user, refreshToken)) }, 201)
  })
  .post('/token', createTokenDocs, tokensConfigured, validate('json', TokenBody), async (c) => {
    const { email, password } = c.req.valid('json')
    const refreshToken = await newRefreshToken()
    const user = await authenticate(c.env, email, password, c.req.raw.headers, { refreshToken })
    return c.json(await tokenPair(c.env, user, refreshToken))
  })
  .post('/refresh', refreshTokenDocs, tokensConfigured, validate('json', RefreshBody), async (c) => {
    const { userId, refreshToken } = await rotateRefreshToken(c.env, c.req.valid('json').refresh_token)
    const user = await findUser(c.env, userId)
    if (!user) throw new ApiError(401, 'unauthorized', 'Account no longer exists')
    return c.json(await tokenPair(c.env, user, refreshToken))
  })
  // For a script of this site that calls the API with the session or cart cookie: the X-CSRF-Token value.
  // No other site can read this answer (the API grants no CORS).
  .get('/csrf', getCsrfTokenDocs, (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json({ csrf_token: csrfToken(c), header: CSRF_HEADER })
  })
  .post('/logout', logoutDocs, validate('json', RefreshBody), async (c) => {
    await revokeRefreshToken(c.env, c.req.valid('json').refresh_token)
    return c.body(null, 204)
  })

/** The avatar: the raw image as the body (Content-Type image/png, image/jpeg or image/webp) or a multipart `avatar` field. */
async function uploadedImage(request: Request): Promise<{ bytes: Uint8Array<ArrayBuffer>; type: string | null }> {
  const declaredLength = Number(request.headers.get('Content-Length') ?? '0')
  // Multipart framing adds a little; the image itself is checked exactly below.
  if (declaredLength > AVATAR_MAX_BYTES + 64 * 1024) throw imageTooLarge()
  const contentType = request.headers.get('Content-Type') ?? ''
  if (contentType.startsWith('multipart/form-data')) {
    const bytes = await readLimited(request.body, AVATAR_MAX_BYTES + 64 * 1024)
    const form = await new Response(bytes, { headers: { 'Content-Type': contentType } }).formData().catch(() => null)
    const file = form?.get('avatar')
    if (!file || typeof file === 'string') throw unsupportedImage('Send the image in a form field named "avatar"')
    if (file.size > AVATAR_MAX_BYTES) throw imageTooLarge()
    return { bytes: new Uint8Array(await file.arrayBuffer()), type: file.type || null }
  }
  return { bytes: await readLimited(request.body, AVATAR_MAX_BYTES), type: contentType || null }
}

const getProfileDocs = docs({
  id: 'getProfile',
  tag: 'Accounts',
  summary: "The signed-in user's profile",
  access: 'user',
  responses: { 200: { description: 'The profile', schema: ProfileView } },
})

const updateProfileDocs = docs({
  id: 'updateProfile',
  tag: 'Accounts',
  summary: 'Change name, phone or default shipping address',
  description: 'A partial update: fields left out stay as they are; `null` clears phone and address.',
  access: 'user',
  responses: { 200: { description: 'The updated profile', schema: ProfileView } },
})

const image = (types: string[]) => Object.fromEntries(types.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]))

const setAvatarDocs = docs({
  id: 'setAvatar',
  tag: 'Accounts',
  summary: 'Upload an avatar',
  access: 'user',
  rawBody: {
    description: `The image itself (PNG, JPEG or WebP, at most ${AVATAR_MAX_BYTES / 1024 / 1024} MB), or a multipart form with the image in a field named \`avatar\``,
    content: {
      ...image(['image/png', 'image/jpeg', 'image/webp']),
      'multipart/form-data': { schema: { type: 'object', properties: { avatar: { type: 'string', contentMediaType: 'image/*' } }, required: ['avatar'] } },
    },
  },
  responses: { 200: { description: 'The profile with its new avatar_url', schema: ProfileView } },
  errors: { 413: 'The image is too large', 415: 'Not a PNG, JPEG or WebP image' },
})

const removeAvatarDocs = docs({
  id: 'removeAvatar',
  tag: 'Accounts',
  summary: 'Remove the avatar',
  access: 'user',
  responses: { 200: { description: 'The profile without avatar', schema: ProfileView } },
})

export const usersApi = new Hono<AppEnv>()
  .use(requireUser())
  .get('/profile', getProfileDocs, async (c) => c.json(await profileOf(c.env, userOf(c).id)))
  .put('/profile', updateProfileDocs, jsonLimit, validate('json', UpdateProfileBody), async (c) => c.json(await updateProfile(c.env, userOf(c).id, c.req.valid('json'))))
  .put('/profile/avatar', setAvatarDocs, async (c) => {
    const { bytes, type } = await uploadedImage(c.req.raw)
    return c.json(await setAvatar(c.env, userOf(c).id, bytes, type))
  })
  .delete('/profile/avatar', removeAvatarDocs, async (c) => c.json(await removeAvatar(c.env, userOf(c).id)))
