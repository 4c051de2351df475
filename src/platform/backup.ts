/**
 * The nightly D1 backup (Cron Trigger, see ./scheduled.ts): every table's rows as INSERT statements in one
 * SQL file in the BACKUPS bucket, `backups/d1/<ISO time>.sql`, then backups older than
 * BACKUP_RETENTION_DAYS are deleted. The file restores into an empty database that has the migrations
 * applied (README, "Backups and restore").
 *
 * Written here rather than `wrangler d1 export`: that is Cloudflare's REST API, called from outside the
 * Worker with an account token, and it refuses databases with virtual tables (our FTS5 index).
 * The SQL is built from sqlite_master, so table and column names are quoted identifiers; values are
 * quoted by SQLite itself (`quote()`), which keeps integers beyond 2^53, reals and blobs exact.
 */

/** Where the backups live in the BACKUPS bucket. */
export const BACKUP_PREFIX = 'backups/d1/'
/** Kept when BACKUP_RETENTION_DAYS is unset or not a positive whole number. */
const BACKUP_RETENTION_DAYS_DEFAULT = 30
/** Rows per read: one bound parameter (the cursor) per query, answers of a few hundred KB. */
const ROWS_PER_READ = 500
/** R2 multipart parts: at least 5 MiB and all the same size but the last, so the dump never sits whole in memory. */
const PART_BYTES = 8 * 1024 * 1024
const DAY_MS = 24 * 60 * 60 * 1000

export interface BackupResult {
  key: string
  bytes: number
  tables: { name: string; rows: number }[]
}

interface Table {
  name: string
  columns: string[]
  /** WITHOUT ROWID tables are read in primary-key order; the others by rowid. */
  primaryKey: string[] | null
  references: string[]
}

/** An SQL identifier, quoted. */
const id = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * The tables to back up, parents before children. Skipped: SQLite's and D1's own (`sqlite_%`, `_cf_%`,
 * `d1_migrations`: the target has its migrations applied), virtual tables and their shadow tables
 * (`products_fts_data`…: an FTS index is rebuilt from its content table, see `ftsRebuilds`).
 */
export async function tablesToBackUp(db: D1Database): Promise<{ tables: Table[]; virtualTables: { name: string; sql: string }[] }> {
  const { results: rows } = await db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'table'
        AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations'
        ORDER BY name`,
    )
    .all<{ name: string; sql: string | null }>()
  const virtualTables = rows.filter((row) => /^CREATE\s+VIRTUAL\s+TABLE/i.test(row.sql ?? '')).map((row) => ({ name: row.name, sql: row.sql ?? '' }))
  const isShadow = (name: string) => virtualTables.some((v) => name === v.name || name.startsWith(`${v.name}_`))
  const plain = rows.filter((row) => !isShadow(row.name))

  const tables = await Promise.all(
    plain.map(async ({ name, sql }): Promise<Table> => {
      // The PRAGMA statements D1 documents as supported, rather than the pragma_…() table functions.
      const [columns, keys] = await db.batch<{ name: string; pk: number; table: string }>([
        db.prepare(`PRAGMA table_info(${id(name)})`),
        db.prepare(`PRAGMA foreign_key_list(${id(name)})`),
      ])
      const cols = columns?.results ?? []
      const withoutRowid = /\bWITHOUT\s+ROWID\b/i.test(sql ?? '')
      const primaryKey = withoutRowid ? cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name) : null
      return { name, columns: cols.map((c) => c.name), primaryKey, references: (keys?.results ?? []).map((k) => k.table) }
    }),
  )
  return { tables: inDependencyOrder(tables), virtualTables }
}

/** Parents before children (a self-reference or a cycle keeps its place: `defer_foreign_keys` covers it). */
function inDependencyOrder(tables: Table[]): Table[] {
  const byName = new Map(tables.map((table) => [table.name, table]))
  const ordered: Table[] = []
  const seen = new Set<string>()
  const visit = (table: Table) => {
    if (seen.has(table.name)) return
    seen.add(table.name)
    for (const parent of table.references) {
      const found = byName.get(parent)
      if (found) visit(found)
    }
    ordered.push(table)
  }
  tables.forEach(visit)
  return ordered
}

/**
 * A value as SQLite's quote() wrote it, on one line: a newline inside a string becomes `' || char(10) || '`,
 * so that every statement of the dump is one line (what D1's `exec` and line tools expect).
 */
const oneLine = (quoted: string) => quoted.replace(/\r/g, "' || char(13) || '").replace(/\n/g, "' || char(10) || '")

/** Reads a table in pages and hands over one INSERT per row; answers the row count. */
async function dumpTable(db: D1Database, table: Table, write: (line: string) => Promise<void>): Promise<number> {
  const values = table.columns.map((column) => `quote(${id(column)})`).join(', ')
  const insert = `INSERT INTO ${id(table.name)} (${table.columns.map(id).join(', ')}) VALUES (`
  const from = id(table.name)
  let rows = 0
  // The last rowid read, as text: rowids may be negative or beyond 2^53, where a JS number would round.
  let after: string | null = null
  for (;;) {
    // Without a rowid the table is paged by its primary key; an OFFSET is slower but such tables are rare (none today).
    const page: D1PreparedStatement = table.primaryKey
      ? db.prepare(`SELECT '', ${values} FROM ${from} ORDER BY ${table.primaryKey.map(id).join(', ')} LIMIT ${ROWS_PER_READ} OFFSET ?1`).bind(rows)
      : after === null
        ? db.prepare(`SELECT CAST(rowid AS TEXT), ${values} FROM ${from} ORDER BY rowid LIMIT ${ROWS_PER_READ}`)
        : db.prepare(`SELECT CAST(rowid AS TEXT), ${values} FROM ${from} WHERE rowid > CAST(?1 AS INTEGER) ORDER BY rowid LIMIT ${ROWS_PER_READ}`).bind(after)
    const batch: string[][] = await page.raw<string[]>()
    for (const [rowid = '', ...quoted] of batch) {
      await write(`${insert}${quoted.map(oneLine).join(', ')});\n`)
      after = rowid
    }
    rows += batch.length
    if (batch.length < ROWS_PER_READ) return rows
  }
}

/** `INSERT INTO v(v) VALUES('rebuild')` for each external-content FTS5 index, whose rows come from its content table. */
function ftsRebuilds(virtualTables: { name: string; sql: string }[]): string[] {
  return virtualTables.filter((v) => /USING\s+fts5\s*\(/i.test(v.sql) && /\bcontent\s*=\s*'[^']+'/i.test(v.sql)).map((v) => `INSERT INTO ${id(v.name)}(${id(v.name)}) VALUES('rebuild');\n`)
}

/**
 * Puts back every product's `updated_at` as backed up: restoring `product_variants` (emptied of the default
 * variants the products' insert made, then refilled) runs the listing triggers of 0010, which refresh the
 * product's row and so, through the touch trigger of 0001, its `updated_at`. One UPDATE per page of products,
 * the times as a JSON literal of integers (nothing to quote), and only where the time differs, so that the
 * touch trigger (which fires when `updated_at` is left unchanged) stays quiet.
 */
async function restoreProductTimes(db: D1Database, write: (line: string) => Promise<void>): Promise<void> {
  let after = 0
  for (;;) {
    const { results } = await db.prepare(`SELECT id, updated_at FROM products WHERE id > ?1 ORDER BY id LIMIT ${ROWS_PER_READ}`).bind(after).all<{ id: number; updated_at: number }>()
    if (results.length === 0) return
    const times = JSON.stringify(results.map((row) => [row.id, row.updated_at]))
    await write(
      `UPDATE "products" SET "updated_at" = "backed_up"."updated_at" FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS updated_at FROM json_each('${times}')) AS "backed_up" WHERE "products"."id" = "backed_up"."id" AND "products"."updated_at" IS NOT "backed_up"."updated_at";\n`,
    )
    after = results[results.length - 1]!.id
    if (results.length < ROWS_PER_READ) return
  }
}

/**
 * Writes the whole database as SQL through `write`: `PRAGMA defer_foreign_keys = on`, the rows of every
 * table (parents first, each table emptied before its rows), the products' `updated_at` again, the AUTOINCREMENT counters (so that a restored store never reuses the id of a
 * deleted product, which names its stock object), and the FTS rebuilds.
 */
async function dumpD1(db: D1Database, write: (text: string) => Promise<void>): Promise<BackupResult['tables']> {
  const { tables, virtualTables } = await tablesToBackUp(db)
  await write('PRAGMA defer_foreign_keys = on;\n')
  const counts: BackupResult['tables'] = []
  for (const table of tables) {
    // Into an empty database this removes only rows that triggers made while earlier tables were restored
    // (a product's default variant, 0009_variants.sql): the table's own rows, as backed up, replace them.
    await write(`DELETE FROM ${id(table.name)};\n`)
    counts.push({ name: table.name, rows: await dumpTable(db, table, write) })
  }
  if (tables.some((table) => table.name === 'products')) await restoreProductTimes(db, write)

  const hasSequences = await db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`).first()
  if (hasSequences) {
    const dumped = new Set(tables.map((table) => table.name))
    const { results } = await db.prepare('SELECT name, quote(seq) AS seq FROM sqlite_sequence ORDER BY name').all<{ name: string; seq: string }>()
    for (const { name, seq } of results.filter((row) => dumped.has(row.name))) {
      const quotedName = `'${name.replace(/'/g, "''")}'`
      await write(`DELETE FROM sqlite_sequence WHERE name = ${quotedName};\n`)
      await write(`INSERT INTO sqlite_sequence (name, seq) VALUES (${quotedName}, ${seq});\n`)
    }
  }
  for (const statement of ftsRebuilds(virtualTables)) await write(statement)
  return counts
}

export interface R2TextWriter {
  write(text: string): Promise<void>
  /** Stores what was written; answers its size in bytes. */
  close(): Promise<number>
  /** Gives up: a multipart upload in progress is aborted, nothing is stored. */
  abort(): Promise<void>
}

/**
 * Streams text into an R2 object: one `put` when it stays under a part, else a multipart upload of
 * equal parts, so that memory holds at most one part whatever the size.
 */
export function r2TextWriter(bucket: R2Bucket, key: string, options: R2MultipartOptions & { partBytes?: number } = {}): R2TextWriter {
  const { partBytes = PART_BYTES, ...putOptions } = options
  const encoder = new TextEncoder()
  // What is written is kept as it came (one small array per line) until a part's worth is there.
  let chunks: Uint8Array[] = []
  let buffered = 0
  let total = 0
  let upload: R2MultipartUpload | null = null
  const parts: R2UploadedPart[] = []

  /** The first `size` buffered bytes, as one array. */
  const take = (size: number): Uint8Array => {
    const out = new Uint8Array(size)
    let offset = 0
    let used = 0
    while (offset < size) {
      const chunk = chunks[used] as Uint8Array
      const length = Math.min(chunk.length, size - offset)
      out.set(chunk.subarray(0, length), offset)
      offset += length
      if (length === chunk.length) used += 1
      else chunks[used] = chunk.subarray(length)
    }
    chunks = chunks.slice(used)
    buffered -= size
    return out
  }
  const sendPart = async (bytes: Uint8Array) => {
    upload ??= await bucket.createMultipartUpload(key, putOptions)
    parts.push(await upload.uploadPart(parts.length + 1, bytes))
  }

  return {
    async write(text) {
      const bytes = encoder.encode(text)
      chunks.push(bytes)
      buffered += bytes.length
      total += bytes.length
      while (buffered >= partBytes) await sendPart(take(partBytes))
    },
    async close() {
      const rest = take(buffered)
      if (upload === null) {
        await bucket.put(key, rest, putOptions)
      } else {
        if (rest.length) await sendPart(rest)
        await (upload as R2MultipartUpload).complete(parts)
      }
      return total
    },
    async abort() {
      await (upload as R2MultipartUpload | null)?.abort()
    },
  }
}

/** The key of the backup taken at `at`. */
export const backupKey = (at: Date) => `${BACKUP_PREFIX}${at.toISOString()}.sql`

/**
 * Dumps D1 (`dumpD1`) into `backups/d1/<ISO time>.sql` in the BACKUPS bucket, streaming.
 * @example const { key, bytes, tables } = await backupD1(env, { at: new Date(controller.scheduledTime) })
 */
export async function backupD1(env: Pick<Env, 'DB' | 'BACKUPS'>, { at = new Date() }: { at?: Date } = {}): Promise<BackupResult> {
  const key = backupKey(at)
  const writer = r2TextWriter(env.BACKUPS, key, {
    httpMetadata: { contentType: 'application/sql; charset=utf-8' },
    customMetadata: { taken_at: at.toISOString() },
  })
  try {
    const tables = await dumpD1(env.DB, (text) => writer.write(text))
    return { key, bytes: await writer.close(), tables }
  } catch (err) {
    await writer.abort().catch(() => undefined)
    throw err
  }
}

/** BACKUP_RETENTION_DAYS as a number of days (the default when it is unset or not a positive whole number). */
function retentionDays(env: Partial<Pick<Env, 'BACKUP_RETENTION_DAYS'>>): number {
  const days = Number(env.BACKUP_RETENTION_DAYS)
  return Number.isSafeInteger(days) && days > 0 ? days : BACKUP_RETENTION_DAYS_DEFAULT
}

/**
 * Deletes the backups taken more than the retention before `now` (by the time in their key); keys that
 * are not a backup's are left alone. Answers the deleted keys.
 */
export async function pruneBackups(env: Pick<Env, 'BACKUPS'> & Partial<Pick<Env, 'BACKUP_RETENTION_DAYS'>>, { now = Date.now() }: { now?: number } = {}): Promise<string[]> {
  const cutoff = now - retentionDays(env) * DAY_MS
  const expired: string[] = []
  let cursor: string | undefined
  do {
    const page = await env.BACKUPS.list({ prefix: BACKUP_PREFIX, cursor })
    for (const object of page.objects) {
      const takenAt = Date.parse(object.key.slice(BACKUP_PREFIX.length).replace(/\.sql$/, ''))
      if (Number.isFinite(takenAt) && takenAt < cutoff) expired.push(object.key)
    }
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  // R2 deletes up to 1,000 keys per call.
  for (let i = 0; i < expired.length; i += 1000) await env.BACKUPS.delete(expired.slice(i, i + 1000))
  return expired
}
