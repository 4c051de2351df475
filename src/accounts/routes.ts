import { Hono, type MiddlewareHandler } from 'hono'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { validate } from '../platform/validate'
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

/**
 * Routes that answer an access token check that tokens can be signed before they change anything (an
 * account made, a refresh token spent): outside development a missing AUTH_SECRET is a 503 up front.
 */
const tokensConfigured: MiddlewareHandler<AppEnv> = async (c, next) => {
  authSecret(c.env)
  await next()
}

export const authApi = new Hono<AppEnv>()
  .use(jsonLimit)
  .post('/register', tokensConfigured, validate('json', RegisterBody), async (c) => {
    const refreshToken = await newRefreshToken()
    const user = await register(c.env, c.req.valid('json'), { refreshToken })
    return c.json({ user: await profileOf(c.env, user.id), ...(await tokenPair(c.env, user, refreshToken)) }, 201)
  })
  .post('/token', tokensConfigured, validate('json', TokenBody), async (c) => {
    const { email, password } = c.req.valid('json')
    const refreshToken = await newRefreshToken()
    const user = await authenticate(c.env, email, password, c.req.raw.headers, { refreshToken })
    return c.json(await tokenPair(c.env, user, refreshToken))
  })
  .post('/refresh', tokensConfigured, validate('json', RefreshBody), async (c) => {
    const { userId, refreshToken } = await rotateRefreshToken(c.env, c.req.valid('json').refresh_token)
    const user = await findUser(c.env, userId)
    if (!user) throw new ApiError(401, 'unauthorized', 'Account no longer exists')
    return c.json(await tokenPair(c.env, user, refreshToken))
  })
  // For a script of this site that calls the API with the session or cart cookie: the X-CSRF-Token value.
  // No other site can read this answer (the API grants no CORS).
  .get('/csrf', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json({ csrf_token: csrfToken(c), header: CSRF_HEADER })
  })
  .post('/logout', validate('json', RefreshBody), async (c) => {
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

export const usersApi = new Hono<AppEnv>()
  .use(requireUser())
  .get('/profile', async (c) => c.json(await profileOf(c.env, userOf(c).id)))
  .put('/profile', jsonLimit, validate('json', UpdateProfileBody), async (c) => c.json(await updateProfile(c.env, userOf(c).id, c.req.valid('json'))))
  .put('/profile/avatar', async (c) => {
    const { bytes, type } = await uploadedImage(c.req.raw)
    return c.json(await setAvatar(c.env, userOf(c).id, bytes, type))
  })
  .delete('/profile/avatar', async (c) => c.json(await removeAvatar(c.env, userOf(c).id)))
