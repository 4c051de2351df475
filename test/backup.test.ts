import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { seedCatalog } from '../scripts/seed/catalog'
import { BACKUP_PREFIX, backupKey, pruneBackups, r2TextWriter, tablesToBackUp } from '../src/platform/backup'
import { BACKUP_CRON } from '../src/platform/scheduled'
import { insertProduct, registerUser, runCron } from './helpers'
import { placeOrder } from './orders-helpers'

const DAY_MS = 24 * 60 * 60 * 1000


/** Every row of every table the backup covers, plus the AUTOINCREMENT counters, in a stable order. */
async function snapshot() {
  const { tables } = await tablesToBackUp(env.DB)
  const rows: Record<string, unknown[]> = {}
  for (const { name } of tables) rows[name] = (await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()).results
  rows.sqlite_sequence = (await env.DB.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()).results
  return rows
}

/** Empties every table the backup covers (children first), as an empty database with the migrations applied would be. */
async function emptyTables() {
  const { tables } = await tablesToBackUp(env.DB)
  await env.DB.batch([
    env.DB.prepare('PRAGMA defer_foreign_keys = on'),
    ...tables.reverse().map(({ name }) => env.DB.prepare(`DELETE FROM "${name}"`)),
    env.DB.prepare(`DELETE FROM sqlite_sequence WHERE name <> 'd1_migrations'`),
  ])
}

const searchHits = async (term: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM products_fts WHERE products_fts MATCH ?1').bind(term).first<{ n: number }>())?.n

describe('nightly D1 backup', () => {
  // The demo catalog's apparel brings a few hundred variant rows (and their triggers) to dump and restore: seconds on a loaded machine.
  it('dumps every table to R2 as SQL that restores the same rows into an empty database', { timeout: 30_000 }, async () => {
    await seedCatalog(env, { products: 50 })
    // Values that quoting gets wrong when done by hand: quotes, newlines, CR, emoji, NULL.
    const tricky = await insertProduct({ name: `Bob's "odd" lamp`, description: "Line one\nIt's line two\r\nend 😀 -- not a comment; DROP TABLE x" })
    const shoppers = await Promise.all([registerUser(), registerUser()])
    for (const who of shoppers) expect((await placeOrder(who, [{ product_id: tricky.id, quantity: 1 }])).status).toBe(201)
    // A table of the test's own, for the types the schema does not use yet: blobs, reals, integers past 2^53.
    await env.DB.exec('CREATE TABLE IF NOT EXISTS backup_types (id INTEGER PRIMARY KEY, b BLOB, r REAL, big INTEGER, t TEXT)')
    await env.DB.prepare("INSERT INTO backup_types (id, b, r, big, t) VALUES (-5, X'00FF0A27', 0.1, 9007199254740993, NULL), (7, X'', -1.5e-300, -9223372036854775808, '''')").run()

    const typesQuery = env.DB.prepare('SELECT id, hex(b) AS b, r, CAST(big AS TEXT) AS big, t, typeof(r) AS rt FROM backup_types ORDER BY id')
    const typesBefore = (await typesQuery.all()).results
    const before = await snapshot()
    const searchBefore = await searchHits('lamp')
    expect(before.products).toHaveLength(51)
    expect(before.orders).toHaveLength(2)

    const scheduledTime = Date.UTC(2031, 0, 2, 3, 0, 0)
    await runCron(BACKUP_CRON, scheduledTime)
    const object = await env.BACKUPS.get(backupKey(new Date(scheduledTime)))
    expect(object?.key).toBe('backups/d1/2031-01-02T03:00:00.000Z.sql')
    const dump = (await object?.text()) ?? ''

    const lines = dump.trimEnd().split('\n')
    expect(lines[0]).toBe('PRAGMA defer_foreign_keys = on;')
    expect(lines.at(-1)).toBe(`INSERT INTO "products_fts"("products_fts") VALUES('rebuild');`)
    // One statement per line, and no FTS shadow table, D1 bookkeeping or migration rows in it.
    expect(lines.every((line) => line.endsWith(';'))).toBe(true)
    expect(dump).not.toMatch(/products_fts_|d1_migrations|_cf_/)
    const rowCount = Object.entries(before).reduce((sum, [name, rows]) => sum + (name === 'sqlite_sequence' ? 0 : rows.length), 0)
    expect(lines.filter((line) => line.startsWith('INSERT INTO "') && !line.includes('products_fts'))).toHaveLength(rowCount)
    // Parents before children.
    const firstInsert = (table: string) => lines.findIndex((line) => line.startsWith(`INSERT INTO "${table}" `))
    expect(firstInsert('users')).toBeLessThan(firstInsert('orders'))
    expect(firstInsert('orders')).toBeLessThan(firstInsert('order_items'))
    expect(firstInsert('products')).toBeLessThan(firstInsert('product_categories'))

    await emptyTables()
    expect(await env.DB.prepare('SELECT count(*) AS n FROM products').first('n')).toBe(0)
    expect(await searchHits('lamp')).toBe(0)

    await env.DB.exec(dump)
    expect(await snapshot()).toEqual(before)
    expect(await searchHits('lamp')).toBe(searchBefore)
    expect(await env.DB.prepare('SELECT description FROM products WHERE id = ?1').bind(tricky.id).first('description')).toBe(
      "Line one\nIt's line two\r\nend 😀 -- not a comment; DROP TABLE x",
    )
    // Bit for bit: blobs, reals (whatever SQLite made of the literal), integers past 2^53, NULL.
    expect((await typesQuery.all()).results).toEqual(typesBefore)
    expect(typesBefore).toMatchObject([
      { id: -5, b: '00FF0A27', r: 0.1, big: '9007199254740993', t: null, rt: 'real' },
      { id: 7, b: '', big: '-9223372036854775808', t: "'", rt: 'real' },
    ])
    await env.DB.exec('DROP TABLE backup_types')
  })

  it('deletes the backups past the retention, and nothing else', async () => {
    const now = Date.UTC(2031, 5, 30, 3, 0, 0)
    const keys = {
      old: backupKey(new Date(now - 31 * DAY_MS)),
      older: backupKey(new Date(now - 400 * DAY_MS)),
      recent: backupKey(new Date(now - 29 * DAY_MS)),
      notABackup: `${BACKUP_PREFIX}README.txt`,
    }
    const earlier = (await env.BACKUPS.list({ prefix: BACKUP_PREFIX })).objects.map((o) => o.key)
    if (earlier.length) await env.BACKUPS.delete(earlier)
    for (const key of Object.values(keys)) await env.BACKUPS.put(key, 'x')

    expect((await pruneBackups({ BACKUPS: env.BACKUPS, BACKUP_RETENTION_DAYS: '30' }, { now })).sort()).toEqual([keys.older, keys.old].sort())
    const left = (await env.BACKUPS.list({ prefix: BACKUP_PREFIX })).objects.map((o) => o.key)
    expect(left).toContain(keys.recent)
    expect(left).toContain(keys.notABackup)
    expect(left).not.toContain(keys.old)

    // A retention that is not a positive whole number falls back to 30 days.
    expect(await pruneBackups({ BACKUPS: env.BACKUPS, BACKUP_RETENTION_DAYS: 'soon' }, { now: now + 2 * DAY_MS })).toEqual([keys.recent])
  })

  it('the cron run logs backup.completed with what it wrote and deleted', async () => {
    const lines: string[] = []
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line))
    const scheduledTime = Date.UTC(2031, 7, 1, 3, 0, 0)
    await env.BACKUPS.put(backupKey(new Date(scheduledTime - 90 * DAY_MS)), 'x')
    await runCron(BACKUP_CRON, scheduledTime)
    vi.restoreAllMocks()
    const event = lines.map((line) => JSON.parse(line)).find((line) => line.event === 'backup.completed')
    expect(event).toMatchObject({ key: backupKey(new Date(scheduledTime)), deleted: expect.any(Number), tables: expect.any(Number) })
    expect(event.deleted).toBeGreaterThanOrEqual(1)
    expect(event.bytes).toBeGreaterThan(0)
  })

  it('fails a cron it has no job for, loudly', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await expect(runCron('*/5 * * * *', Date.now())).rejects.toThrow('no job for the cron "*/5 * * * *"')
    vi.restoreAllMocks()
  })

  it('streams a large dump to R2 in equal multipart parts', async () => {
    const mib = 1024 * 1024
    const writer = r2TextWriter(env.BACKUPS, 'backups/test/large.sql', { partBytes: 5 * mib })
    const line = `${'x'.repeat(1023)}\n`
    for (let i = 0; i < 11 * 1024; i++) await writer.write(line)
    expect(await writer.close()).toBe(11 * mib)
    const object = await env.BACKUPS.head('backups/test/large.sql')
    expect(object?.size).toBe(11 * mib)
    // R2 marks a multipart object's ETag with its part count: 5 + 5 + 1 MiB.
    expect(object?.etag).toMatch(/-3$/)
    await env.BACKUPS.delete('backups/test/large.sql')
  })
})
