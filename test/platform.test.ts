import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { getDb } from '../src/db/client'
import { products } from '../src/db/schema'
import { acceptImage, sniffImage, type ImageRule } from '../src/platform/images'
import { centsToDecimal, decimalPrice, DecimalPrice, optionalDecimalPrice } from '../src/platform/money'
import { linkedPageOf, pageInfo, pageLinks, pageOf, pageWindow, peekedPageOf, peekWindow } from '../src/platform/pagination'
import { queryString, withQuery } from '../src/platform/query-string'
import { slugify, uniqueSlug, withUniqueSlug, type SlugOwners } from '../src/platform/slug'
import { containsText } from '../src/platform/text-match'
import { isRuntimeDisconnectNoise } from './runtime-noise'

describe('pagination', () => {
  it('reads page 3 of 20 as rows 41 to 60', () => {
    expect(pageWindow({ page: 3, page_size: 20 })).toEqual({ limit: 20, offset: 40 })
  })

  it('counts the pages of a total, none for an empty list', () => {
    expect(pageInfo({ page: 1, page_size: 20 }, 41)).toEqual({ page: 1, page_size: 20, total: 41, total_pages: 3 })
    expect(pageInfo({ page: 1, page_size: 20 }, 40).total_pages).toBe(2)
    expect(pageInfo({ page: 1, page_size: 20 }, 0).total_pages).toBe(0)
  })

  it('links the next and previous pages, none past either end, and leads back from beyond the last page', () => {
    const link = (page: number) => `/x?page=${page}`
    expect(pageLinks(pageInfo({ page: 1, page_size: 10 }, 25), link)).toEqual({ next: '/x?page=2', prev: null })
    expect(pageLinks(pageInfo({ page: 2, page_size: 10 }, 25), link)).toEqual({ next: '/x?page=3', prev: '/x?page=1' })
    expect(pageLinks(pageInfo({ page: 3, page_size: 10 }, 25), link)).toEqual({ next: null, prev: '/x?page=2' })
    expect(pageLinks(pageInfo({ page: 9, page_size: 10 }, 25), link)).toEqual({ next: null, prev: '/x?page=3' })
    expect(pageLinks(pageInfo({ page: 4, page_size: 10 }, 0), link)).toEqual({ next: null, prev: '/x?page=1' })
  })

  it('answers a page with its rows and where it stands, with links when the list has them', () => {
    expect(pageOf(['a', 'b'], { page: 1, page_size: 2 }, 3)).toEqual({ items: ['a', 'b'], page: 1, page_size: 2, total: 3, total_pages: 2 })
    expect(linkedPageOf(['c'], { page: 2, page_size: 2 }, 3, (page) => `/p/${page}`)).toEqual({
      items: ['c'],
      page: 2,
      page_size: 2,
      total: 3,
      total_pages: 2,
      next: null,
      prev: '/p/1',
    })
  })

  it('reads one row more than a page without a count, and says whether another page follows', () => {
    expect(peekWindow({ page: 2, page_size: 3 })).toEqual({ limit: 4, offset: 3 })
    expect(peekedPageOf([1, 2, 3, 4], { page: 2, page_size: 3 })).toEqual({ items: [1, 2, 3], has_more: true, page: 2 })
    expect(peekedPageOf([1, 2, 3], { page: 2, page_size: 3 })).toEqual({ items: [1, 2, 3], has_more: false, page: 2 })
  })
})

describe('query strings', () => {
  it('keeps the parameters that are set, in the order given, and leaves out the unset ones', () => {
    expect(queryString({ q: 'tea', category: undefined, min: null, sort: '', page: 2 })).toBe('q=tea&page=2')
    expect(queryString({ in_stock: false, page_size: 0 })).toBe('in_stock=false&page_size=0')
  })

  it('encodes what it writes, so that a value cannot add a parameter', () => {
    expect(queryString({ q: 'a&b=c d', email: 'x+y@example.com' })).toBe('q=a%26b%3Dc+d&email=x%2By%40example.com')
    expect(new URLSearchParams(queryString({ q: 'a&b=c d' })).get('q')).toBe('a&b=c d')
  })

  it('answers the path alone when nothing is set', () => {
    expect(withQuery('/products', { q: undefined, page: undefined })).toBe('/products')
    expect(withQuery('/admin/orders', { status: 'paid', page: 3 })).toBe('/admin/orders?status=paid&page=3')
  })
})

describe('decimal prices', () => {
  const cents = (text: string) => DecimalPrice.safeParse(text)

  it('turns typed amounts into exact cents, where floats would not', () => {
    expect(cents('19.99').data).toBe(1999)
    expect(Math.round(19.99 * 100) === 1999 && 19.99 * 100 !== 1999).toBe(true) // why no float is used
    expect(cents('0.1').data).toBe(10)
    expect(cents('12.5').data).toBe(1250)
    expect(cents(' 12 ').data).toBe(1200)
    expect(cents('0').data).toBe(0)
    expect(cents('1.15').data).toBe(115)
    expect(cents('9999999.99').data).toBe(999_999_999)
  })

  it('adds "0.1" and "0.2" to exactly "0.3"', () => {
    const sum = (cents('0.1').data ?? NaN) + (cents('0.2').data ?? NaN)
    expect(sum).toBe(cents('0.3').data)
    expect(centsToDecimal(sum)).toBe('0.30')
    expect(0.1 + 0.2).not.toBe(0.3)
  })

  it('refuses too many decimals, negatives, exponents, separators and huge values, naming the rule', () => {
    for (const text of ['12.345', '-1', '-0.01', '1e3', '12,50', '1 000', '.5', '12.', '', 'NaN', 'Infinity', '10000000', '99999999999999999999', '0x10', '+5']) {
      const parsed = cents(text)
      expect(parsed.success, text).toBe(false)
      expect(parsed.error?.issues[0]?.message).toBe('must be an amount like 12 or 12.50 (at most two decimals)')
    }
  })

  it('takes only a string: a JSON number is refused rather than read through a float', () => {
    expect(DecimalPrice.safeParse(19.99).success).toBe(false)
  })

  it('refuses an amount under the minimum it is given', () => {
    const refund = decimalPrice({ minCents: 1 })
    expect(refund.safeParse('0').error?.issues[0]?.message).toBe('must be at least 0.01')
    expect(refund.safeParse('0.01').data).toBe(1)
  })

  it('reads a blank optional field as no amount', () => {
    const filter = z.object({ min: optionalDecimalPrice() })
    expect(filter.parse({}).min).toBeUndefined()
    expect(filter.parse({ min: '  ' }).min).toBeUndefined()
    expect(filter.parse({ min: '40' }).min).toBe(4000)
    expect(filter.safeParse({ min: '4.001' }).success).toBe(false)
  })

  it('writes cents back as a person would type them', () => {
    expect(centsToDecimal(1250)).toBe('12.50')
    expect(centsToDecimal(1200)).toBe('12')
    expect(centsToDecimal(5)).toBe('0.05')
  })
})

describe('slugs', () => {
  it('transliterates names into ASCII slugs', () => {
    expect(slugify('Smørrebrød Plate')).toBe('smorrebrod-plate')
    expect(slugify('Чайник')).toBe('chaynik')
    expect(slugify('Crème Brûlée Set')).toBe('creme-brulee-set')
    expect(slugify('iPhone Case')).toBe('iphone-case')
  })

  it('gives a name with nothing left to slug the fallback, and an all-digit one a letter', () => {
    expect(slugify('!!!', 'product')).toBe('product')
    expect(slugify('🍵🍵', 'category')).toBe('category')
    expect(slugify('', 'product')).toBe('product')
    expect(slugify('1234', 'product')).toBe('product-1234')
  })

  it('keeps a slug at 80 characters without a trailing hyphen', () => {
    const slug = slugify(`${'a'.repeat(79)} b`)
    expect(slug).toBe('a'.repeat(79))
    expect(slugify('word '.repeat(40)).length).toBeLessThanOrEqual(80)
  })

  const owners =
    (...taken: string[]): SlugOwners =>
    async () =>
      taken.map((slug, i) => ({ slug, id: i + 1 }))

  it('numbers a transliterated slug that is taken, and the fallback slug too', async () => {
    expect(await uniqueSlug({ name: 'Чайник', fallback: 'product' }, owners('chaynik'))).toBe('chaynik-2')
    expect(await uniqueSlug({ name: '!!!', fallback: 'product' }, owners('product', 'product-2'))).toBe('product-3')
    expect(await uniqueSlug({ name: '!!!', fallback: 'product' }, owners())).toBe('product')
  })

  it('stores a product named only in emoji under a fallback slug, then the next one beside it', async () => {
    const db = getDb(env)
    const tag = crypto.randomUUID().slice(0, 8)
    const owners: SlugOwners = async () => (await db.select({ slug: products.slug, id: products.id }).from(products)).filter((p) => p.slug.startsWith(`emoji-${tag}`))
    const save = (slug: string) => db.insert(products).values({ name: '🍵', slug, priceCents: 100 }).returning({ slug: products.slug })
    const first = await withUniqueSlug({ name: '🍵', fallback: `emoji-${tag}` }, owners, 'products', save)
    const second = await withUniqueSlug({ name: '🍵🍵', fallback: `emoji-${tag}` }, owners, 'products', save)
    expect([first[0]?.slug, second[0]?.slug]).toEqual([`emoji-${tag}`, `emoji-${tag}-2`])
  })
})

describe('text match', () => {
  it('matches text longer than a LIKE pattern may be, with % and _ as plain characters', async () => {
    const db = getDb(env)
    const tag = crypto.randomUUID()
    const name = `100%_cotton ${'x'.repeat(60)} ${tag}`
    await db.insert(products).values({ name, slug: `match-${tag}`, priceCents: 100 })
    const found = await db.select({ name: products.name }).from(products).where(containsText(products.name, `%_COTTON ${'x'.repeat(60)} ${tag}`))
    expect(found.map((p) => p.name)).toEqual([name])
    expect(await db.select().from(products).where(containsText(products.name, `1_0%${tag}`))).toHaveLength(0)
  })
})

describe('image sniffing', () => {
  const bytes = (...parts: (number[] | string)[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((ch) => ch.charCodeAt(0)) : p)))
  const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
  const u24le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff]

  const png = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), 'IHDR', u32be(640), u32be(480), [8, 6, 0, 0, 0])
  // SOI, an APP0 segment to skip, then SOF0: precision, height, width.
  const jpeg = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00], [0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x01, 0x90, 0x03], new Array(8).fill(0))
  const webp = bytes('RIFF', [0, 0, 0, 0], 'WEBP', 'VP8X', [10, 0, 0, 0], [0, 0, 0, 0], u24le(1023), u24le(767))
  const avif = bytes(u32be(24), 'ftyp', 'avif', [0, 0, 0, 0], 'mif1', 'miaf', u32be(20), 'ispe', [0, 0, 0, 0], u32be(1920), u32be(1080), [0, 0, 0, 0])
  const gif = bytes('GIF89a', [1, 0, 1, 0, 0, 0, 0])

  it('recognises PNG, JPEG, WebP and AVIF by their bytes and reads their pixel sizes', () => {
    expect(sniffImage(png)).toEqual({ contentType: 'image/png', ext: 'png', width: 640, height: 480 })
    expect(sniffImage(jpeg)).toEqual({ contentType: 'image/jpeg', ext: 'jpg', width: 400, height: 300 })
    expect(sniffImage(webp)).toEqual({ contentType: 'image/webp', ext: 'webp', width: 1024, height: 768 })
    expect(sniffImage(avif)).toEqual({ contentType: 'image/avif', ext: 'avif', width: 1920, height: 1080 })
  })

  it('knows nothing else, and leaves a size it cannot read unknown', () => {
    expect(sniffImage(gif)).toBeNull()
    expect(sniffImage(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(sniffImage(new Uint8Array(0))).toBeNull()
    expect(sniffImage(png.subarray(0, 8))).toEqual({ contentType: 'image/png', ext: 'png', width: null, height: null })
  })

  const avatarLike: ImageRule = { types: ['image/png', 'image/jpeg', 'image/webp'], maxBytes: 100, tooLarge: 'too big', unsupported: 'not one we take' }

  it('takes only the types and sizes the caller states: a 415 for another type, a 413 past its limit', () => {
    expect(acceptImage(png, avatarLike).contentType).toBe('image/png')
    const refused = (file: Uint8Array, rule: ImageRule) => {
      try {
        acceptImage(file, rule)
        return null
      } catch (err) {
        return { status: (err as { status?: number }).status, message: (err as Error).message }
      }
    }
    expect(refused(avif, avatarLike)).toEqual({ status: 415, message: 'not one we take' })
    expect(refused(gif, avatarLike)).toEqual({ status: 415, message: 'not one we take' })
    expect(refused(png, { ...avatarLike, maxBytes: 10 })).toEqual({ status: 413, message: 'too big' })
  })
})

describe('test output', () => {
  it('counts as noise only the runtime reporting its own disconnects', () => {
    expect(isRuntimeDisconnectNoise('exception = workerd/api/web-socket.c++:821: disconnected: WebSocket peer disconnected\n')).toBe(true)
    expect(
      isRuntimeDisconnectNoise('exception = workerd/api/streams/internal.c++:2349: disconnected: pump canceled\nstack: /x/workerd@31589e4 /x/workerd@2f2d500\n'),
    ).toBe(true)
    expect(isRuntimeDisconnectNoise('exception = workerd/api/web-socket.c++:821: disconnected: WebSocket peer disconnected\nTypeError: boom\n')).toBe(false)
    expect(isRuntimeDisconnectNoise('Uncaught Error: WebSocket peer disconnected\n')).toBe(false)
    expect(isRuntimeDisconnectNoise('{"level":"error","msg":"request failed"}\n')).toBe(false)
  })
})
