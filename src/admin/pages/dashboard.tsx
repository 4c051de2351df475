/** The admin's home: sales over a chosen period, what waits for payment or shipping, best sellers, low stock and recent orders; each links to its filtered list. */
import { Hono } from 'hono'
import type { AppEnv } from '../../platform/env'
import { formatMoney } from '../../ui/money'
import { dateStyleOf } from '../../ui/dates'
import { withQuery } from '../../platform/query-string'
import { dashboard, DASHBOARD_PERIODS, PERIOD_LABELS, type DashboardPeriod } from '../dashboard'
import { SalesChart } from '../sales-chart'
import { zonedDay } from '../zoned-time'
import { Notice } from '../../ui/forms'
import { OrderChip } from './chips'
import { PageHeader, When, orderRef, plural } from './layout'

const SHORT_LABELS: Record<DashboardPeriod, string> = { '7d': '7 days', '30d': '30 days', '90d': '90 days', '12m': '12 months' }

export const dashboardPages = new Hono<AppEnv>().get('/', async (c) => {
  const asked = c.req.query('period')
  const known = asked === undefined || (DASHBOARD_PERIODS as readonly string[]).includes(asked)
  const period = (known && asked ? asked : '30d') as DashboardPeriod
  const [data, style] = await Promise.all([dashboard(c.env, 'USD', period), dateStyleOf(c)])
  const money = (cents: number) => formatMoney(cents, data.currency)
  const monthly = period === '12m'
  const labelFormat = new Intl.DateTimeFormat(style.locale, monthly ? { month: 'short', year: '2-digit', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' })
  const labelOf = (point: { label: string }) => labelFormat.format(new Date(`${monthly ? `${point.label}-01` : point.label}T12:00:00Z`))
  // The orders list's own days are the store's too: the period's first day to today.
  const from = data.series[0] ? (monthly ? `${data.series[0].label}-01` : data.series[0].label) : undefined
  const today = zonedDay(Date.now(), data.time_zone)
  return c.render(
    <>
      <PageHeader title="Dashboard">
        <p>
          Sales in {data.currency}, days in {data.time_zone.replace(/_/g, ' ')} (<a href="/admin/settings">change</a>).
        </p>
      </PageHeader>
      {!known && <Notice kind="error">{`There is no period “${asked}”: showing the last 30 days.`}</Notice>}
      <nav aria-label="Period" class="admin-card">
        <ul class="admin-periods">
          {DASHBOARD_PERIODS.map((p) => (
            <li key={p}>
              <a href={p === '30d' ? '/admin' : `/admin?period=${p}`} aria-current={p === period ? 'page' : undefined}>
                {SHORT_LABELS[p]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <ul class="admin-kpis">
        <li>
          <a href={withQuery('/admin/orders', { from, to: today })}>
            <span>Net sales, {PERIOD_LABELS[period].toLowerCase()}</span>
            <strong>{money(data.net_period_cents)}</strong>
            <small>{plural(data.paid_orders_period, 'order')} paid</small>
          </a>
        </li>
        <li>
          <a href={withQuery('/admin/orders', { from: today, to: today })}>
            <span>Net sales today</span>
            <strong>{money(data.net_today_cents)}</strong>
          </a>
        </li>
        <li>
          <a href="/admin/orders?status=paid">
            <span>To ship</span>
            <strong>{data.to_ship}</strong>
            <small>paid, not shipped</small>
          </a>
        </li>
        <li>
          <a href="/admin/orders?status=pending_payment">
            <span>Awaiting payment</span>
            <strong>{data.pending_payment}</strong>
          </a>
        </li>
        <li>
          <a href="/admin/discounts">
            <span>Discounts given, 30 days</span>
            <strong>{money(data.discounts_given_cents)}</strong>
            <small>on {plural(data.discounted_orders, 'order')}</small>
          </a>
        </li>
      </ul>
      <section class="admin-card" aria-labelledby="sales-heading">
        <h2 id="sales-heading">Net sales, {PERIOD_LABELS[period].toLowerCase()}</h2>
        <SalesChart series={data.series} currency={data.currency} title={`Net sales per ${monthly ? 'month' : 'day'}, ${PERIOD_LABELS[period].toLowerCase()}`} labelOf={labelOf} />
      </section>
      <div class="admin-grid-2">
        <section class="admin-card" aria-labelledby="ship-heading">
          <h2 id="ship-heading">Orders to ship</h2>
          {data.to_ship_oldest.length === 0 ? (
            <p class="hint">Nothing to ship: every paid order has left.</p>
          ) : (
            <>
              <ul class="admin-rank">
                {data.to_ship_oldest.map((o) => (
                  <li key={o.id}>
                    <span>
                      <a href={`/admin/orders/${o.id}`}>#{orderRef(o.id)}</a> <small class="hint">placed <When ms={Date.parse(o.created_at)} style={style} /></small>
                    </span>
                    <span class="num">{formatMoney(o.total_cents, o.currency)}</span>
                  </li>
                ))}
              </ul>
              <p>
                <a href="/admin/orders?status=paid">All {plural(data.to_ship, 'order')} to ship</a>
              </p>
            </>
          )}
        </section>
        <section class="admin-card" aria-labelledby="top-heading">
          <h2 id="top-heading">Top products, {PERIOD_LABELS[period].toLowerCase()}</h2>
          {data.top_products.length === 0 ? (
            <p class="hint">No sales in this period yet.</p>
          ) : (
            <ol class="admin-rank">
              {data.top_products.map((p) => (
                <li key={p.product_id}>
                  <span class="admin-item">
                    {p.image_url ? <img class="admin-thumb" src={p.image_url} alt="" width={44} height={44} loading="lazy" /> : <span class="admin-thumb" aria-hidden="true" />}
                    {p.exists ? <a href={`/admin/products/${p.product_id}`}>{p.name}</a> : <span>{p.name} (deleted)</span>}
                  </span>
                  <span class="num">
                    {plural(p.units, 'unit')} · {money(p.net_cents)}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section class="admin-card" aria-labelledby="low-heading">
          <h2 id="low-heading">Low stock</h2>
          <p class="hint">
            {data.low_stock_threshold === 0 ? 'Sold out variants' : `Variants with ${data.low_stock_threshold} or fewer left to sell`} (<a href="/admin/settings">threshold</a>).
          </p>
          {data.low_stock.length === 0 ? (
            <p class="hint">Nothing is running low.</p>
          ) : (
            <>
              <ul class="admin-rank">
                {data.low_stock.map((p) => (
                  <li key={p.variant_id}>
                    <a href={p.variant_title === null ? `/admin/products/${p.id}` : `/admin/products/${p.id}#variants`}>
                      {p.name}
                      {p.variant_title !== null && ` — ${p.variant_title}`}
                    </a>
                    {p.sku !== null && <small> SKU {p.sku}</small>}
                    <span class={`num${p.available === 0 ? ' low' : ''}`}>{p.available === 0 ? 'sold out' : `${p.available} left`}</span>
                  </li>
                ))}
              </ul>
              <p>
                <a href="/admin/products?low_stock=true&sort=stock">Every product low on stock</a>
              </p>
            </>
          )}
        </section>
        <section class="admin-card" aria-labelledby="recent-heading">
          <h2 id="recent-heading">Recent orders</h2>
          {data.recent_orders.length === 0 ? (
            <p class="hint">No orders yet.</p>
          ) : (
            <>
              <ul class="admin-rank">
                {data.recent_orders.map((o) => (
                  <li key={o.id}>
                    <span>
                      <a href={`/admin/orders/${o.id}`}>#{orderRef(o.id)}</a> <OrderChip status={o.status} />
                    </span>
                    <span class="num">{formatMoney(o.total_cents, o.currency)}</span>
                  </li>
                ))}
              </ul>
              <p>
                <a href="/admin/orders">Every order</a>
              </p>
            </>
          )}
        </section>
      </div>
    </>,
    { title: 'Dashboard', status: known ? 200 : 400 },
  )
})
