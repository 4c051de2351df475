/**
 * The runtime's ceiling: a Worker built and served as the store is (wrangler's bundle, the same
 * compatibility date, the static assets of public/ in front through the assets router), answering a small
 * JSON body without any I/O. Cached catalog answers and pages are measured against it.
 */
export default {
  fetch: () => new Response('{"ok":true}', { headers: { 'Content-Type': 'application/json; charset=UTF-8' } }),
} satisfies ExportedHandler
