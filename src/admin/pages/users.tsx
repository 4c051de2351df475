/** Users and their roles (admins only; the last admin cannot be demoted). */
import { TableHead } from '../../ui/table-head'
import { Hono } from 'hono'
import type { AppEnv } from '../../platform/env'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import { ApiError, forbidden } from '../../platform/errors'
import { Form } from '../../ui/forms'
import { formText } from '../../ui/form-input'
import { redirectWithFlash } from '../../ui/flash'
import { AdminUserQuery, RoleBody, changeRole, listUsers } from '../users'
import { USER_ROLES } from '../../db/schema'
import { withQuery } from '../../platform/query-string'
import { Pager, When, failureOf, id } from './layout'
import { dateStyleOf } from '../../ui/dates'

export const usersPages = new Hono<AppEnv>()
  .get('/users', async (c) => {
    if (userOf(c).role !== 'admin') throw forbidden('Managing accounts is for admins only.')
    const cleaned = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const query = AdminUserQuery.safeParse(cleaned)
    if (!query.success) throw new ApiError(400, 'validation_failed', 'Please check the filters.')
    const list = await listUsers(c.env, query.data)
    const { page: _page, ...filters } = cleaned
    const link = (page: number) => withQuery('/admin/users', { ...filters, page })
    const csrf = csrfToken(c)
    const style = await dateStyleOf(c)
    return c.render(
      <section class="admin">
        <h1>Users</h1>
        <form class="admin-filters" method="get" action="/admin/users" aria-label="Filter users">
          <div class="field">
            <label for="u-q">Email contains</label>
            <input id="u-q" name="q" value={query.data.q ?? ''} />
          </div>
          <div class="field">
            <label for="u-role">Role</label>
            <select id="u-role" name="role">
              <option value="">Any</option>
              {USER_ROLES.map((role) => (
                <option key={role} value={role} selected={query.data.role === role}>
                  {role}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        <table class="cart admin-table">
          <TableHead columns={['Email', 'Name', 'Last sign-in', 'Role']} />
          <tbody>
            {list.items.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.name}</td>
                <td>{u.last_login_at ? <When ms={Date.parse(u.last_login_at)} style={style} /> : 'never'}</td>
                <td>
                  <Form action={`/admin/users/${u.id}/role`} csrf={csrf} class="inline-form category-row">
                    <label for={`role-${u.id}`} class="visually-hidden">
                      Role of {u.email}
                    </label>
                    <select id={`role-${u.id}`} name="role">
                      {USER_ROLES.map((role) => (
                        <option key={role} value={role} selected={u.role === role}>
                          {role}
                        </option>
                      ))}
                    </select>
                    <button type="submit" class="secondary">
                      Save<span class="visually-hidden"> role of {u.email}</span>
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager info={list} link={link} back="← Previous" on="Next →" />
      </section>,
      { title: 'Users' },
    )
  })
  .post('/users/:id/role', async (c) => {
    if (userOf(c).role !== 'admin') throw forbidden('Managing accounts is for admins only.')
    const form = await c.req.parseBody()
    const body = RoleBody.safeParse({ role: formText(form, 'role') })
    if (!body.success) return redirectWithFlash(c, '/admin/users', 'error', 'No role was changed: choose customer, staff or admin.')
    try {
      const changed = await changeRole(c.env, userOf(c), id(c), body.data.role)
      return redirectWithFlash(c, '/admin/users', 'success', `${changed.email} is now ${changed.role}.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return redirectWithFlash(c, '/admin/users', 'error', `No role was changed: ${failure.message}.`)
    }
  })
