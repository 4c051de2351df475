/**
 * Product pictures drawn as SVG: a soft gradient, a category motif and the product's name. Nothing is
 * downloaded, and the same input always gives the same bytes (so the same content-addressed key).
 */
export const IMAGE_SIZE = 800

export type Motif = 'pan' | 'plate' | 'cup' | 'shirt' | 'jacket' | 'tent' | 'bike' | 'headphones' | 'gift'

const MOTIFS: Record<Motif, string> = {
  pan: '<circle cx="360" cy="420" r="170" fill="{ink}"/><rect x="520" y="395" width="200" height="50" rx="25" fill="{ink}"/>',
  plate: '<circle cx="400" cy="420" r="210" fill="{ink}"/><circle cx="400" cy="420" r="140" fill="{light}"/>',
  cup: '<rect x="270" y="280" width="230" height="280" rx="30" fill="{ink}"/><circle cx="530" cy="410" r="70" fill="none" stroke="{ink}" stroke-width="34"/>',
  shirt: '<path d="M280 240 L400 280 L520 240 L640 340 L570 410 L540 380 L540 600 L260 600 L260 380 L230 410 L160 340 Z" fill="{ink}"/>',
  jacket: '<path d="M270 220 L400 260 L530 220 L620 300 L620 620 L180 620 L180 300 Z" fill="{ink}"/><rect x="392" y="270" width="16" height="350" fill="{light}"/>',
  tent: '<path d="M150 600 L400 220 L650 600 Z" fill="{ink}"/><path d="M340 600 L400 470 L460 600 Z" fill="{light}"/>',
  bike: '<circle cx="260" cy="500" r="110" fill="none" stroke="{ink}" stroke-width="26"/><circle cx="540" cy="500" r="110" fill="none" stroke="{ink}" stroke-width="26"/><path d="M260 500 L360 330 L500 330 L540 500 M360 330 L400 500 L500 330" fill="none" stroke="{ink}" stroke-width="22"/>',
  headphones: '<path d="M230 460 A170 170 0 0 1 570 460" fill="none" stroke="{ink}" stroke-width="36"/><rect x="190" y="430" width="90" height="160" rx="30" fill="{ink}"/><rect x="520" y="430" width="90" height="160" rx="30" fill="{ink}"/>',
  gift: '<rect x="230" y="330" width="340" height="270" rx="16" fill="{ink}"/><rect x="385" y="330" width="30" height="270" fill="{light}"/><rect x="230" y="420" width="340" height="28" fill="{light}"/>',
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

export interface ImageSpec {
  motif: Motif
  hue: number
  /** 0, 1 or 2: the "front", "detail" and "in use" shots differ in light and angle. */
  variant: number
  /** The product's name written under the motif; omitted for the pooled images of large catalogs. */
  caption?: string
}

/** The SVG document for a picture. */
export function productSvg({ motif, hue, variant, caption }: ImageSpec): string {
  const light = `hsl(${hue} 70% ${92 - variant * 6}%)`
  const mid = `hsl(${(hue + 40) % 360} 60% ${78 - variant * 8}%)`
  const ink = `hsl(${(hue + 180) % 360} 45% ${30 + variant * 8}%)`
  const rotate = [0, -8, 8][variant] ?? 0
  const shape = MOTIFS[motif].replaceAll('{ink}', ink).replaceAll('{light}', light)
  const text = caption
    ? `<text x="400" y="720" text-anchor="middle" font-family="system-ui, sans-serif" font-size="40" fill="${ink}">${escapeXml(caption)}</text>`
    : ''
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_SIZE}" height="${IMAGE_SIZE}" viewBox="0 0 800 800">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="${mid}"/></linearGradient></defs>` +
    `<rect width="800" height="800" fill="url(#g)"/><g transform="rotate(${rotate} 400 420)">${shape}</g>${text}</svg>`
  )
}
