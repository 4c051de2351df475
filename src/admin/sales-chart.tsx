import { formatMoney } from '../ui/money'

export interface SalesPoint {
  label: string
  gross_cents: number
  refunded_cents: number
  net_cents: number
}

/** Net sales per day (or month) as a bar chart in SVG, drawn on the server (no script, no library). */
export function SalesChart({ series, currency, title, labelOf }: { series: SalesPoint[]; currency: string; title: string; labelOf: (point: SalesPoint) => string }) {
  const width = 720
  const height = 220
  const left = 70
  const bottom = 30
  const top = 10
  const plotHeight = height - bottom - top
  const most = Math.max(...series.map((d) => d.net_cents), 0)
  const scale = most > 0 ? plotHeight / most : 0
  const barWidth = (width - left - 10) / Math.max(series.length, 1)
  const ticks = most > 0 ? [0, 0.5, 1].map((f) => Math.round(most * f)) : [0]
  const total = series.reduce((sum, d) => sum + d.net_cents, 0)
  // About six labels along the axis, whatever the number of bars.
  const every = Math.max(1, Math.ceil(series.length / 6))
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="chart-title chart-desc">
      <title id="chart-title">{title}</title>
      <desc id="chart-desc">{`Net sales in ${currency} from ${series[0] ? labelOf(series[0]) : ''} to ${series.at(-1) ? labelOf(series.at(-1) as SalesPoint) : ''}; ${formatMoney(total, currency)} in all.`}</desc>
      {ticks.map((tick) => {
        const y = top + plotHeight - tick * scale
        return (
          <g key={tick}>
            <line x1={left} x2={width - 10} y1={y} y2={y} stroke="currentColor" stroke-opacity="0.15" />
            <text x={left - 6} y={y + 4} text-anchor="end" font-size="11" fill="currentColor" fill-opacity="0.75">
              {formatMoney(tick, currency)}
            </text>
          </g>
        )
      })}
      {series.map((d, i) => {
        const h = Math.max(d.net_cents, 0) * scale
        const x = left + i * barWidth
        return (
          <g key={d.label}>
            <rect x={x + Math.min(2, barWidth / 6)} y={top + plotHeight - h} width={Math.max(barWidth - Math.min(4, barWidth / 3), 1)} height={h} class="chart-bar">
              <title>{`${labelOf(d)}: ${formatMoney(d.net_cents, currency)} net (${formatMoney(d.gross_cents, currency)} sold, ${formatMoney(d.refunded_cents, currency)} refunded)`}</title>
            </rect>
            {(series.length - 1 - i) % every === 0 && (
              <text x={x + barWidth / 2} y={height - 10} text-anchor="middle" font-size="11" fill="currentColor" fill-opacity="0.75">
                {labelOf(d)}
              </text>
            )}
          </g>
        )
      })}
    </svg>
  )
}
