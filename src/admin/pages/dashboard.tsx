/** The admin's home: net sales, what waits for payment or shipping, low stock and recent orders. */
import { Hono } from 'hono'
import type { AppEnv } from '../../platform/env'
import { formatMoney } from '../../ui/money'
import { dashboard } from '../dashboard'
import { SalesChart } from '../sales-chart'

export const dashboardPages = new Hono<AppEnv>()
  .get('/', async (c) => {
    const data = await dashboard(c.env)
    const money = (cents: number) => formatMoney(cents, data.currency)
    return c.render(
      <section class="admin">
        <h1>Dashboard</h1>
        <ul class="stats">
          <li>
            Net sales today <strong>{money(data.net_today_cents)}</strong>
          </li>
          <li>
            Last 7 days <strong>{money(data.net_7_days_cents)}</strong>
          </li>
          <li>
            Last 30 days <strong>{money(data.net_30_days_cents)}</strong>
          </li>
          <li>
            Awaiting payment <strong>{data.pending_payment}</strong>
          </li>
          <li>
            To ship <strong>{data.to_ship}</strong>
          </li>
          <li>
            <a href="/admin/discounts">Discounts given, 30 days</a> <strong>{money(data.discounts_given_cents)}</strong>
            <small>{` on ${data.discounted_orders} order${data.discounted_orders === 1 ? '' : 's'}`}</small>
          </li>
        </ul>
        <SalesChart days={data.days} currency={data.currency} />
        <div class="fieldset-grid">
          <section>
            <h2>Low stock</h2>
            {data.low_stock.length === 0 ? (
              <p class="hint">Nothing is running low.</p>
            ) : (
              <ul>
                {data.low_stock.map((p) => (
                  <li key={p.variant_id}>
                    {p.variant_title === null ? (
                      <a href={`/admin/products/${p.id}`}>{p.name}</a>
                    ) : (
                      <a href={`/admin/products/${p.id}#variants`}>
                        {p.name} — {p.variant_title}
                        {p.sku && ` (SKU ${p.sku})`}
                      </a>
                    )}
                    : {p.available} left
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h2>Recent orders</h2>
            {data.recent_orders.length === 0 && <p class="hint">No orders yet.</p>}
            <ul>
              {data.recent_orders.map((o) => (
                <li key={o.id}>
                  <a href={`/admin/orders/${o.id}`}>{o.id.slice(0, 8).toUpperCase()}</a> · {formatMoney(o.total_cents, o.currency)} · {o.status}
                </li>
              ))}
            </ul>
          </section>
        </div>
      </section>,
      { title: 'Dashboard' },
    )
  })
