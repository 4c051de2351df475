/**
 * The database's ceiling: built and served as the store is (see bare.ts), answering one D1 query per
 * request, a row read by its primary key (a different row each time, from `?id=`), as JSON.
 */
interface CeilingEnv {
  DB: D1Database
}

export default {
  async fetch(request: Request, env: CeilingEnv) {
    const id = Number(new URL(request.url).searchParams.get('id') ?? 1) % 1000
    const row = await env.DB.prepare('SELECT id, name, price_cents FROM ceiling_rows WHERE id = ?').bind(id).first()
    return new Response(JSON.stringify(row), { headers: { 'Content-Type': 'application/json; charset=UTF-8' } })
  },
} satisfies ExportedHandler<CeilingEnv>
