/**
 * The store's content pages: a fixed set of slugs (the footer links to each, on every page, so cached
 * catalog pages need no read for it), whose title and text staff edit in the admin (content_pages).
 */
export const CONTENT_PAGES = [
  { slug: 'shipping', title: 'Shipping' },
  { slug: 'returns', title: 'Returns' },
  { slug: 'contact', title: 'Contact' },
  { slug: 'privacy', title: 'Privacy' },
  { slug: 'terms', title: 'Terms' },
] as const

export type ContentSlug = (typeof CONTENT_PAGES)[number]['slug']

export const isContentSlug = (slug: string): slug is ContentSlug => CONTENT_PAGES.some((page) => page.slug === slug)

/** Where a content page lives in the shop. */
export const contentPagePath = (slug: ContentSlug) => `/pages/${slug}`
