/** `/admin`: staff's pages (dashboard, products and images, categories, orders, users, audit log), one file per screen, behind the role guard and CSRF. Forms work without JavaScript. */
import { Hono } from 'hono'
import { csrfProtection, FORM_MAX_BYTES } from '../../accounts/csrf'
import { currentUser } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { forbidden } from '../../platform/errors'
import { htmlErrorHandler } from '../../ui/error-page'
import { pageRenderer } from '../../ui/renderer'
import { UPLOAD_MAX_BYTES } from '../routes'
import { auditPages } from './audit'
import { categoriesPages } from './categories'
import { dashboardPages } from './dashboard'
import { adminLayout } from './layout'
import { ordersPages } from './orders'
import { outboxPages } from './outbox'
import { productsPages, productVariantsPages } from './products'
import { usersPages } from './users'
import { webhooksPages } from '../../webhooks/pages'
import { importsPages } from './imports'
import { shippingPages } from './shipping'
import { taxesPages } from './taxes'
import { settingsPages } from './settings'
import { discountsPages } from '../../discounts/pages'
import { contentAdminPages } from '../../content/admin-pages'

export const adminPages = new Hono<AppEnv>()
  // Who asks is checked before the body is read: strangers never get their upload parsed.
  .use('*', async (c, next) => {
    const user = await currentUser(c)
    if (!user) return c.redirect(`/account/sign-in?next=${encodeURIComponent(c.req.path)}`, 303)
    if (user.role !== 'staff' && user.role !== 'admin') throw forbidden('The admin is for staff only.')
    await next()
  })
  // The CSV upload carries its token in the URL: its body (up to 50 MB) streams to R2 and is never read whole here.
  .use(csrfProtection({ tokenInQuery: (path) => path === '/admin/imports', maxBytesFor: (path) => (/\/images$|^\/admin\/products\/new$/.test(path) ? UPLOAD_MAX_BYTES : FORM_MAX_BYTES) }))
  .use(pageRenderer({ noStore: true, layout: adminLayout }))
  // One file per screen, each with its own paths in full.
  .route('/', dashboardPages)
  .route('/', productsPages)
  .route('/', productVariantsPages)
  .route('/', categoriesPages)
  .route('/', ordersPages)
  .route('/', usersPages)
  .route('/', auditPages)
  .route('/', outboxPages)
  .route('/', webhooksPages)
  .route('/', importsPages)
  .route('/', shippingPages)
  .route('/', taxesPages)
  .route('/', discountsPages)
  .route('/', contentAdminPages)
  .route('/', settingsPages)

adminPages.onError(htmlErrorHandler)
