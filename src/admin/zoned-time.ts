/**
 * Calendar days and months in the store's time zone, as epoch-ms ranges: the dashboard's buckets and the
 * orders list's "from"/"to" days begin at the store's midnight, not UTC's. Intl gives the wall clock of an
 * instant in a zone; the instant of a wall-clock midnight is found from the zone's offset there (checked
 * twice, so a midnight next to a daylight-saving change lands right). Temporal would do this; Workers do
 * not ship it yet.
 */
const partsFormatters = new Map<string, Intl.DateTimeFormat>()

/** The wall-clock year, month (1–12), day, hour, minute and second of `ms` in `timeZone`. */
export function wallClock(ms: number, timeZone: string) {
  let format = partsFormatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    partsFormatters.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]))
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second) }
}

/** How far `timeZone`'s wall clock is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (((ms % 1000) + 1000) % 1000))
}

/** The instant the wall clock in `timeZone` shows 00:00 on that date (months and days may overflow, as Date.UTC allows). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const utc = Date.UTC(year, month - 1, day)
  const first = utc - offsetAt(utc, timeZone)
  return utc - offsetAt(first, timeZone)
}

/** The start of a "YYYY-MM-DD" day in `timeZone`. */
export function zonedDayStart(day: string, timeZone: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number]
  return zonedMidnight(year, month, date, timeZone)
}

/** "YYYY-MM-DD" of `ms` in `timeZone`. */
export function zonedDay(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone)
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}
