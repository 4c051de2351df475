import { formatMoney } from '../ui/money'
import type { DailySales } from './dashboard'

/** Thirty days of net sales as a bar chart in SVG, drawn on the server (no script, no library). */
export function SalesChart({ days, currency }: { days: DailySales[]; currency: string }) {
  const width = 720
  const height = 220
  const left = 70
  const bottom = 30
  const top = 10
  const plotHeight = height - bottom - top
  const most = Math.max(...days.map((d) => d.net_cents), 0)
  const scale = most > 0 ? plotHeight / most : 0
  const barWidth = (width - left - 10) / days.length
  const ticks = most > 0 ? [0, 0.5, 1].map((f) => Math.round(most * f)) : [0]
  const total = days.reduce((sum, d) => sum + d.net_cents, 0)
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby="chart-title chart-desc">
      <title id="chart-title">Net sales, last 30 days</title>
      <desc id="chart-desc">{`Daily net sales in ${currency} from ${days[0]?.day} to ${days.at(-1)?.day}; ${formatMoney(total, currency)} in all.`}</desc>
      {ticks.map((tick) => {
        const y = top + plotHeight - tick * scale
        return (
          <g key={tick}>
            <line x1={left} x2={width - 10} y1={y} y2={y} stroke="#e3e7ea" />
            <text x={left - 6} y={y + 4} text-anchor="end" font-size="11" fill="#5b6670">
              {formatMoney(tick, currency)}
            </text>
          </g>
        )
      })}
      {days.map((d, i) => {
        const h = Math.max(d.net_cents, 0) * scale
        const x = left + i * barWidth
        return (
          <g key={d.day}>
            <rect x={x + 2} y={top + plotHeight - h} width={Math.max(barWidth - 4, 1)} height={h} fill="#0f6b5c">
              <title>{`${d.day}: ${formatMoney(d.net_cents, currency)} net (${formatMoney(d.gross_cents, currency)} sold, ${formatMoney(d.refunded_cents, currency)} refunded)`}</title>
            </rect>
            {i % 5 === 0 && (
              <text x={x + barWidth / 2} y={height - 10} text-anchor="middle" font-size="11" fill="#5b6670">
                {d.day.slice(5)}
              </text>
            )}
          </g>
        )
      })}
    </svg>
  )
}
