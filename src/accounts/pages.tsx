/** Account pages: register, sign in and out, profile (fields, avatar, password), forgotten password. Forms work without JavaScript. */
import { AddressFieldset, addressFromForm } from './address-fields'
import { shippableCountries, type Choice } from './address-options'
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { ApiError, type FieldErrors } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { Field, Form, Notice } from '../ui/forms'
import { formFailure, formText, parseForm, type FormBody } from '../ui/form-input'
import { pageRenderer, shopLayout, type PageLayout } from '../ui/renderer'
import { AVATAR_MAX_BYTES } from './avatar'
import { csrfProtection, csrfToken, FORM_MAX_BYTES, rotateCsrfToken } from './csrf'
import { signedInPage, userOf } from './guard'
import { RateLimited } from './rate-limit'
import { ChangePasswordBody, Email, NewPassword, RegisterBody, TokenBody, UpdateProfileBody } from './schemas'
import { authenticate, changePassword, profileOf, register, removeAvatar, requestPasswordReset, resetPassword, setAvatar, updateProfile, type ProfileView } from './service'
import { endSession, newSession, setSessionCookie } from './sessions'
import { getDb } from '../db/client'
import { isOptedOut, setMarketingOptOut } from '../notifications/marketing'

type Ctx = Context<AppEnv>

/** Only a path on this site may be a redirect target (no `//evil.example`). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/account')

/** Account pages: the shop's layout around one `section.account`. */
const accountLayout: PageLayout = (c, content, props) => shopLayout(c, <section class="account">{content}</section>, props)

const ACCOUNT_FAILURES = [400, 401, 409, 413, 415, 429] as const
const formFailureOf = (err: unknown) => formFailure(err, ACCOUNT_FAILURES)

function RegisterForm({ c, values = {}, errors, message }: { c: Ctx; values?: Record<string, string>; errors?: FieldErrors; message?: string }) {
  return (
    <>
      <h1>Create your account</h1>
      {message && <Notice kind="error">{message}</Notice>}
      <Form action={`/account/register?next=${encodeURIComponent(safeNext(c.req.query('next')))}`} csrf={csrfToken(c)}>
        <Field name="name" label="Your name" value={values.name} errors={errors} required autocomplete="name" maxLength={100} />
        <Field name="email" label="Email" type="email" value={values.email} errors={errors} required autocomplete="email" maxLength={254} />
        <Field name="password" label="Password" type="password" errors={errors} required autocomplete="new-password" hint="At least 10 characters." maxLength={256} />
        <button type="submit">Create account</button>
      </Form>
      <p>
        Already have an account? <a href={`/account/sign-in?next=${encodeURIComponent(safeNext(c.req.query('next')))}`}>Sign in</a>
      </p>
    </>
  )
}

function SignInForm({ c, email, errors, message, notice }: { c: Ctx; email?: string; errors?: FieldErrors; message?: string; notice?: string }) {
  return (
    <>
      <h1>Sign in</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      {message && <Notice kind="error">{message}</Notice>}
      <Form action={`/account/sign-in?next=${encodeURIComponent(safeNext(c.req.query('next')))}`} csrf={csrfToken(c)}>
        <Field name="email" label="Email" type="email" value={email} errors={errors} required autocomplete="email" maxLength={254} />
        <Field name="password" label="Password" type="password" errors={errors} required autocomplete="current-password" maxLength={256} />
        <label class="check">
          <input type="checkbox" name="remember" value="on" /> Keep me signed in for 30 days
        </label>
        <button type="submit">Sign in</button>
      </Form>
      <p>
        <a href="/account/password/forgot">Forgot your password?</a> · New here?{' '}
        <a href={`/account/register?next=${encodeURIComponent(safeNext(c.req.query('next')))}`}>Create an account</a>
      </p>
    </>
  )
}

function ProfilePage({ c, profile, errors, message, notice, marketingOptedOut, countries }: { c: Ctx; profile: ProfileView; errors?: FieldErrors; message?: string; notice?: string; marketingOptedOut: boolean; countries: readonly Choice[] }) {
  const address = profile.default_shipping_address
  return (
    <>
      <h1>Your account</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      {message && <Notice kind="error">{message}</Notice>}
      <p>
        Signed in as <strong>{profile.email}</strong>
        {profile.role !== 'customer' && ` (${profile.role})`}.
      </p>
      <p>
        <a href="/orders">Your orders</a> · <a href="/account/addresses">Your addresses</a>
      </p>
      <Form action="/account/profile" csrf={csrfToken(c)}>
        <h2>Profile</h2>
        <Field name="name" label="Name" value={profile.name} errors={errors} required autocomplete="name" maxLength={100} />
        <Field name="phone" label="Phone" type="tel" value={profile.phone} errors={errors} autocomplete="tel" hint="International form, e.g. +14155550123. Leave empty to remove." />
        <h2>Default shipping address</h2>
        <p class="hint">
          Leave every address field empty to remove it. <a href="/account/addresses">Your address book</a> keeps more addresses to pick at checkout.
        </p>
        <AddressFieldset values={address} errors={errors} countries={countries} prefix="default_shipping_address." required={false} />
        <button type="submit">Save profile</button>
      </Form>
      <Form action="/account/avatar" csrf={csrfToken(c)} multipart class="form avatar-form">
        <h2>Avatar</h2>
        {profile.avatar_url ? <img class="avatar" src={profile.avatar_url} alt="Your avatar" width={96} height={96} /> : <p class="hint">No avatar yet.</p>}
        <Field name="avatar" label="Choose an image" type="file" accept="image/png,image/jpeg,image/webp" errors={errors} hint={`PNG, JPEG or WebP, at most ${AVATAR_MAX_BYTES / 1024 / 1024} MB.`} />
        <button type="submit">Upload avatar</button>
      </Form>
      {profile.avatar_url && (
        <Form action="/account/avatar/delete" csrf={csrfToken(c)} class="inline-form">
          <button type="submit" class="link-button">
            Remove avatar
          </button>
        </Form>
      )}
      <Form action="/account/marketing" csrf={csrfToken(c)}>
        <h2>Email</h2>
        <div class="field">
          <label>
            <input type="checkbox" name="marketing" value="on" checked={!marketingOptedOut} /> Send me welcome and back-in-stock emails
          </label>
          <p class="hint">Mail about your orders and your account always comes.</p>
        </div>
        <button type="submit">Save email choice</button>
      </Form>
      <Form action="/account/password" csrf={csrfToken(c)}>
        <h2>Change password</h2>
        <Field name="current_password" label="Current password" type="password" errors={errors} required autocomplete="current-password" />
        <Field name="new_password" label="New password" type="password" errors={errors} required autocomplete="new-password" hint="At least 10 characters. Other browsers will be signed out." />
        <button type="submit">Change password</button>
      </Form>
      <Form action="/account/sign-out" csrf={csrfToken(c)}>
        <button type="submit">Sign out</button>
      </Form>
    </>
  )
}

/** The profile form's fields as the API's partial update: empty phone and an all-empty address mean "remove". */
function profileUpdateFromForm(form: FormBody) {
  const { phone: addressPhone, ...address } = addressFromForm(form, 'default_shipping_address.')
  const phone = formText(form, 'phone').trim()
  return {
    name: formText(form, 'name'),
    phone: phone === '' ? null : phone,
    default_shipping_address: Object.values(address).every((v) => v === '') ? null : { ...address, ...(addressPhone && { phone: addressPhone }) },
  }
}

/** Renders the profile page with what went wrong, or lets anything unexpected through. */
async function profileFailure(c: Ctx, err: unknown) {
  const failure = formFailureOf(err)
  if (!failure) throw err
  if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
  const profile = await profileOf(c.env, userOf(c).id)
  return c.render(<ProfilePage c={c} profile={profile} errors={failure.fields} message={failure.message} marketingOptedOut={await isOptedOut(getDb(c.env), profile.email)} countries={await shippableCountries(c.env)} />, {
    title: 'Your account',
    status: failure.status,
  })
}

/** Pages that need a signed-in user send strangers to sign in and back. */
export const accountPages = new Hono<AppEnv>()
  .use(pageRenderer({ noStore: true, layout: accountLayout }))
  .use(csrfProtection({ maxBytesFor: (path) => (path.endsWith('/avatar') ? AVATAR_MAX_BYTES + 64 * 1024 : FORM_MAX_BYTES) }))
  .get('/register', (c) => c.render(<RegisterForm c={c} />, { title: 'Create your account' }))
  .post('/register', async (c) => {
    const form = await c.req.parseBody()
    const values = { name: formText(form, 'name'), email: formText(form, 'email') }
    try {
      const session = await newSession(false)
      await register(c.env, parseForm(RegisterBody, { ...values, password: formText(form, 'password') }), { session })
      setSessionCookie(c, session)
      rotateCsrfToken(c)
      return c.redirect(safeNext(c.req.query('next')), 303)
    } catch (err) {
      const failure = formFailureOf(err)
      if (!failure) throw err
      return c.render(<RegisterForm c={c} values={values} errors={failure.fields} message={failure.message} />, { title: 'Create your account', status: failure.status })
    }
  })
  .get('/sign-in', (c) =>
    c.render(<SignInForm c={c} notice={c.req.query('reset') === 'done' ? 'Your password is changed. Sign in with the new one.' : undefined} />, { title: 'Sign in' }),
  )
  .post('/sign-in', async (c) => {
    const form = await c.req.parseBody()
    const email = formText(form, 'email')
    try {
      const credentials = parseForm(TokenBody, { email, password: formText(form, 'password') })
      const session = await newSession(formText(form, 'remember') === 'on')
      await authenticate(c.env, credentials.email, credentials.password, c.req.raw.headers, { session })
      setSessionCookie(c, session)
      rotateCsrfToken(c)
      return c.redirect(safeNext(c.req.query('next')), 303)
    } catch (err) {
      const failure = formFailureOf(err)
      if (!failure) throw err
      if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
      return c.render(<SignInForm c={c} email={email} errors={failure.fields} message={failure.message} />, { title: 'Sign in', status: failure.status })
    }
  })
  .post('/sign-out', async (c) => {
    await endSession(c)
    rotateCsrfToken(c)
    return c.redirect('/', 303)
  })
  .get('/password/forgot', (c) =>
    c.render(
      <>
        <h1>Forgot your password?</h1>
        <Form action="/account/password/forgot" csrf={csrfToken(c)}>
          <Field name="email" label="Email" type="email" required autocomplete="email" hint="We will send a link to choose a new password." />
          <button type="submit">Send the link</button>
        </Form>
      </>,
      { title: 'Forgot your password?' },
    ),
  )
  .post('/password/forgot', async (c) => {
    const form = await c.req.parseBody()
    const email = Email.safeParse(formText(form, 'email'))
    // The same answer whether or not the account exists.
    if (email.success) await requestPasswordReset(c.env, email.data, new URL(c.req.url).origin, c.req.raw.headers)
    return c.render(<Notice kind="info">If an account uses that address, we have sent it a link to choose a new password. The link works once, for an hour.</Notice>, { title: 'Check your email' })
  })
  .get('/password/reset', (c) => {
    const token = c.req.query('token') ?? ''
    return c.render(
      <>
        <h1>Choose a new password</h1>
        <Form action="/account/password/reset" csrf={csrfToken(c)}>
          <input type="hidden" name="token" value={token} />
          <Field name="password" label="New password" type="password" required autocomplete="new-password" hint="At least 10 characters." />
          <button type="submit">Set password</button>
        </Form>
      </>,
      { title: 'Choose a new password' },
    )
  })
  .post('/password/reset', async (c) => {
    const form = await c.req.parseBody()
    try {
      const password = parseForm(NewPassword, formText(form, 'password'))
      await resetPassword(c.env, formText(form, 'token'), password)
      return c.redirect('/account/sign-in?reset=done', 303)
    } catch (err) {
      const failure = formFailureOf(err)
      if (!failure) throw err
      const errors = failure.fields._ ? { password: failure.fields._ } : failure.fields
      return c.render(
        <>
          <h1>Choose a new password</h1>
          <Notice kind="error">{failure.message}</Notice>
          <Form action="/account/password/reset" csrf={csrfToken(c)}>
            <input type="hidden" name="token" value={formText(form, 'token')} />
            <Field name="password" label="New password" type="password" errors={errors} required autocomplete="new-password" />
            <button type="submit">Set password</button>
          </Form>
          <p>
            <a href="/account/password/forgot">Ask for a new link</a>
          </p>
        </>,
        { title: 'Choose a new password', status: failure.status },
      )
    }
  })
  .use('/', signedInPage())
  .use('/profile', signedInPage())
  .use('/avatar', signedInPage())
  .use('/avatar/*', signedInPage())
  .use('/password', signedInPage())
  .use('/marketing', signedInPage())
  .get('/', async (c) => {
    const saved = c.req.query('saved')
    const notice = saved === 'profile' ? 'Profile saved.' : saved === 'avatar' ? 'Avatar updated.' : saved === 'password' ? 'Password changed. Your other browsers are signed out.' : saved === 'marketing' ? 'Email choice saved.' : undefined
    const profile = await profileOf(c.env, userOf(c).id)
    return c.render(<ProfilePage c={c} profile={profile} notice={notice} marketingOptedOut={await isOptedOut(getDb(c.env), profile.email)} countries={await shippableCountries(c.env)} />, { title: 'Your account' })
  })
  .post('/profile', async (c) => {
    try {
      await updateProfile(c.env, userOf(c).id, parseForm(UpdateProfileBody, profileUpdateFromForm(await c.req.parseBody())))
      return c.redirect('/account?saved=profile', 303)
    } catch (err) {
      return profileFailure(c, err)
    }
  })
  .post('/avatar', async (c) => {
    try {
      const file = (await c.req.parseBody())['avatar']
      if (!(file instanceof File) || file.size === 0) throw new ApiError(400, 'validation_failed', 'Choose an image to upload.', { avatar: ['is required'] })
      if (file.size > AVATAR_MAX_BYTES) throw new ApiError(413, 'payload_too_large', 'The image is larger than 2 MB.', { avatar: ['is larger than 2 MB'] })
      await setAvatar(c.env, userOf(c).id, new Uint8Array(await file.arrayBuffer()), file.type)
      return c.redirect('/account?saved=avatar', 303)
    } catch (err) {
      return profileFailure(c, err instanceof ApiError && !err.fields ? new ApiError(err.status as 400, err.code, err.message, { avatar: [err.message] }) : err)
    }
  })
  .post('/avatar/delete', async (c) => {
    await removeAvatar(c.env, userOf(c).id)
    return c.redirect('/account?saved=avatar', 303)
  })
  .post('/marketing', async (c) => {
    const form = await c.req.parseBody()
    await setMarketingOptOut(c.env, userOf(c).email, formText(form, 'marketing') !== 'on')
    return c.redirect('/account?saved=marketing', 303)
  })
  .post('/password', async (c) => {
    try {
      const form = await c.req.parseBody()
      const body = parseForm(ChangePasswordBody, { current_password: formText(form, 'current_password'), new_password: formText(form, 'new_password') })
      await changePassword(c.env, userOf(c).id, body.current_password, body.new_password, c.get('sessionId'))
      return c.redirect('/account?saved=password', 303)
    } catch (err) {
      return profileFailure(c, err)
    }
  })

accountPages.onError(htmlErrorHandler)
