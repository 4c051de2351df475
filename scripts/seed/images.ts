/**
 * Product pictures drawn as SVG, like studio shots: a soft backdrop, the product's shape in its colour with
 * light from the top left, a highlight and a blurred shadow on the floor. No text. Nothing is downloaded,
 * and the same input always gives the same bytes (so the same content-addressed key).
 */
export const IMAGE_SIZE = 800

export type Shape =
  | 'skillet' | 'saucepan' | 'pot' | 'wok' | 'plate' | 'bowl' | 'board' | 'kettle' | 'mug' | 'teapot' | 'press' | 'cup' | 'tin'
  | 'tee' | 'shirt' | 'sweater' | 'jacket' | 'vest' | 'tent' | 'sleeping-bag' | 'lantern' | 'stove' | 'hammock'
  | 'bike-light' | 'bag' | 'helmet' | 'bottle-cage' | 'pump' | 'headphones' | 'earbuds' | 'speaker' | 'turntable' | 'radio'

/**
 * Each shape on an 800 × 800 canvas standing on the floor at y ≈ 640: `F` is the body's fill (a gradient of
 * the colour), `D` a darker shade, `L` a lighter one, `M` a neutral metal for handles and knobs.
 */
const SHAPES: Record<Shape, string> = {
  skillet: '<ellipse cx="350" cy="470" rx="230" ry="120" fill="D"/><ellipse cx="350" cy="455" rx="215" ry="105" fill="F"/><ellipse cx="350" cy="462" rx="175" ry="80" fill="D" opacity=".55"/><path d="M560 430 L730 395 Q750 392 752 410 Q754 428 735 432 L572 470 Z" fill="D"/>',
  saucepan: '<path d="M200 380 L200 560 Q200 610 260 610 L460 610 Q520 610 520 560 L520 380 Z" fill="F"/><ellipse cx="360" cy="380" rx="160" ry="40" fill="D"/><ellipse cx="360" cy="376" rx="146" ry="32" fill="L" opacity=".35"/><rect x="515" y="392" width="230" height="34" rx="17" fill="M"/>',
  pot: '<path d="M190 360 L190 560 Q190 620 260 620 L540 620 Q610 620 610 560 L610 360 Z" fill="F"/><rect x="140" y="390" width="60" height="36" rx="18" fill="D"/><rect x="600" y="390" width="60" height="36" rx="18" fill="D"/><ellipse cx="400" cy="360" rx="215" ry="48" fill="D"/><path d="M195 350 Q400 250 605 350 Z" fill="F"/><rect x="370" y="262" width="60" height="34" rx="14" fill="M"/>',
  wok: '<path d="M150 430 Q400 700 650 430 Z" fill="F"/><ellipse cx="400" cy="430" rx="250" ry="42" fill="D"/><rect x="640" y="405" width="120" height="30" rx="15" fill="M"/><rect x="60" y="415" width="96" height="22" rx="11" fill="M"/>',
  plate: '<ellipse cx="400" cy="470" rx="270" ry="150" fill="D"/><ellipse cx="400" cy="455" rx="262" ry="140" fill="F"/><ellipse cx="400" cy="462" rx="175" ry="90" fill="D" opacity=".18"/><ellipse cx="330" cy="410" rx="90" ry="26" fill="L" opacity=".45"/>',
  bowl: '<path d="M160 400 Q170 640 400 640 Q630 640 640 400 Z" fill="F"/><ellipse cx="400" cy="400" rx="240" ry="60" fill="D"/><ellipse cx="400" cy="408" rx="215" ry="44" fill="D" opacity=".5"/><path d="M220 470 Q240 580 330 610" stroke="L" stroke-width="16" fill="none" opacity=".5" stroke-linecap="round"/>',
  board: '<path d="M120 520 L560 380 Q600 370 640 390 L700 420 Q720 440 690 455 L250 610 Q200 625 160 600 Z" fill="F"/><path d="M160 600 L250 610 L690 455 L692 478 L252 634 Q205 645 162 622 Z" fill="D"/><circle cx="640" cy="415" r="16" fill="D"/>',
  kettle: '<path d="M250 620 Q220 430 330 360 L470 360 Q580 430 550 620 Z" fill="F"/><path d="M540 500 Q640 440 700 330" stroke="D" stroke-width="22" fill="none" stroke-linecap="round"/><path d="M300 360 Q400 200 500 360" stroke="M" stroke-width="26" fill="none"/><ellipse cx="400" cy="362" rx="72" ry="16" fill="D"/><path d="M285 470 Q300 560 330 600" stroke="L" stroke-width="18" fill="none" opacity=".45" stroke-linecap="round"/>',
  mug: '<rect x="250" y="330" width="260" height="300" rx="34" fill="F"/><path d="M505 400 Q620 400 620 480 Q620 560 505 560" stroke="D" stroke-width="38" fill="none"/><ellipse cx="380" cy="334" rx="128" ry="26" fill="D"/><rect x="280" y="380" width="26" height="200" rx="13" fill="L" opacity=".45"/>',
  teapot: '<ellipse cx="400" cy="500" rx="190" ry="150" fill="F"/><path d="M220 470 Q130 430 110 350 Q150 380 230 420 Z" fill="D"/><path d="M580 430 Q680 420 680 500 Q680 580 580 560" stroke="D" stroke-width="30" fill="none"/><ellipse cx="400" cy="360" rx="110" ry="30" fill="D"/><circle cx="400" cy="322" r="24" fill="D"/><ellipse cx="330" cy="440" rx="60" ry="30" fill="L" opacity=".4"/>',
  press: '<rect x="290" y="260" width="220" height="360" rx="18" fill="F" opacity=".85"/><rect x="290" y="420" width="220" height="200" rx="18" fill="#5a3a22"/><rect x="270" y="240" width="260" height="34" rx="10" fill="M"/><rect x="388" y="170" width="24" height="80" fill="M"/><circle cx="400" cy="164" r="26" fill="D"/><path d="M505 320 Q600 320 600 420 Q600 520 505 520" stroke="M" stroke-width="26" fill="none"/><rect x="305" y="280" width="18" height="320" rx="9" fill="#fff" opacity=".5"/>',
  cup: '<ellipse cx="400" cy="600" rx="220" ry="50" fill="D"/><ellipse cx="400" cy="590" rx="210" ry="42" fill="F"/><path d="M290 400 L310 560 Q320 590 400 590 Q480 590 490 560 L510 400 Z" fill="F"/><ellipse cx="400" cy="400" rx="110" ry="26" fill="D"/><path d="M505 440 Q570 440 560 500 Q550 540 495 530" stroke="D" stroke-width="22" fill="none"/>',
  tin: '<rect x="270" y="300" width="260" height="330" rx="24" fill="F"/><rect x="258" y="280" width="284" height="60" rx="18" fill="D"/><rect x="270" y="420" width="260" height="110" fill="L" opacity=".55"/><circle cx="400" cy="475" r="34" fill="D" opacity=".7"/><rect x="290" y="350" width="22" height="250" rx="11" fill="#fff" opacity=".3"/>',
  tee: '<path d="M300 200 Q400 250 500 200 L660 270 L610 400 L545 375 L545 640 L255 640 L255 375 L190 400 L140 270 Z" fill="F"/><path d="M330 205 Q400 265 470 205" stroke="D" stroke-width="18" fill="none"/><path d="M255 375 L255 640" stroke="D" stroke-width="6" opacity=".4"/>',
  shirt: '<path d="M300 200 L400 240 L500 200 L660 270 L620 420 L550 400 L550 640 L250 640 L250 400 L180 420 L140 270 Z" fill="F"/><path d="M330 195 L400 290 L470 195 L440 180 L400 240 L360 180 Z" fill="L"/><path d="M400 290 L400 640" stroke="D" stroke-width="6"/><circle cx="400" cy="360" r="7" fill="D"/><circle cx="400" cy="450" r="7" fill="D"/><circle cx="400" cy="540" r="7" fill="D"/>',
  sweater: '<path d="M300 200 Q400 240 500 200 L640 260 L690 600 L610 610 L560 400 L560 640 L240 640 L240 400 L190 610 L110 600 L160 260 Z" fill="F"/><path d="M320 205 Q400 260 480 205" stroke="D" stroke-width="22" fill="none"/><rect x="240" y="600" width="320" height="40" fill="D" opacity=".5"/><path d="M120 570 L200 580 M600 580 L680 570" stroke="D" stroke-width="22"/>',
  jacket: '<path d="M290 180 L400 220 L510 180 L650 260 L700 620 L610 630 L570 420 L570 650 L230 650 L230 420 L190 630 L100 620 L150 260 Z" fill="F"/><path d="M330 180 Q400 120 470 180 L400 240 Z" fill="D"/><rect x="393" y="230" width="14" height="420" fill="D"/><rect x="270" y="470" width="90" height="12" rx="6" fill="D"/><rect x="440" y="470" width="90" height="12" rx="6" fill="D"/>',
  vest: '<path d="M300 190 L400 250 L500 190 L580 250 L590 640 L210 640 L220 250 Z" fill="F"/><path d="M300 190 Q270 330 225 360 M500 190 Q530 330 575 360" stroke="D" stroke-width="10" fill="none"/><rect x="394" y="250" width="12" height="390" fill="D"/><path d="M220 330 H580 M215 420 H585 M212 510 H588" stroke="D" stroke-width="5" opacity=".5"/>',
  tent: '<path d="M110 620 L400 220 L690 620 Z" fill="F"/><path d="M400 220 L520 620 L690 620 Z" fill="D" opacity=".55"/><path d="M330 620 L400 450 L470 620 Z" fill="#1c1c1c" opacity=".75"/><path d="M400 220 L400 180" stroke="M" stroke-width="10"/>',
  'sleeping-bag': '<rect x="150" y="330" width="500" height="270" rx="135" fill="F"/><path d="M270 340 V590 M390 332 V598 M510 340 V590" stroke="D" stroke-width="8" opacity=".5"/><ellipse cx="620" cy="465" rx="40" ry="110" fill="D"/><rect x="210" y="370" width="360" height="22" rx="11" fill="L" opacity=".4"/>',
  lantern: '<rect x="300" y="300" width="200" height="300" rx="30" fill="#fff6d6"/><rect x="300" y="300" width="200" height="300" rx="30" fill="none" stroke="F" stroke-width="22"/><rect x="280" y="260" width="240" height="56" rx="16" fill="F"/><rect x="280" y="590" width="240" height="46" rx="14" fill="F"/><path d="M340 260 Q400 150 460 260" stroke="M" stroke-width="16" fill="none"/><circle cx="400" cy="450" r="60" fill="#ffd76a" opacity=".9"/>',
  stove: '<rect x="180" y="430" width="440" height="190" rx="22" fill="F"/><rect x="180" y="430" width="440" height="40" rx="14" fill="D"/><circle cx="300" cy="420" r="70" fill="none" stroke="M" stroke-width="16"/><circle cx="500" cy="420" r="70" fill="none" stroke="M" stroke-width="16"/><circle cx="260" cy="550" r="22" fill="M"/><circle cx="540" cy="550" r="22" fill="M"/>',
  hammock: '<path d="M120 300 L120 640 M680 300 L680 640" stroke="#6b4a2f" stroke-width="26"/><path d="M120 330 Q400 640 680 330" stroke="F" stroke-width="90" fill="none"/><path d="M160 360 Q400 600 640 360" stroke="L" stroke-width="14" fill="none" opacity=".4"/>',
  'bike-light': '<rect x="220" y="360" width="360" height="170" rx="85" fill="F"/><circle cx="300" cy="445" r="62" fill="#fff7d1"/><circle cx="300" cy="445" r="62" fill="none" stroke="D" stroke-width="12"/><rect x="420" y="420" width="110" height="14" rx="7" fill="L" opacity=".7"/><rect x="360" y="530" width="80" height="70" rx="12" fill="D"/>',
  bag: '<path d="M200 330 L600 330 L560 600 Q550 630 510 630 L290 630 Q250 630 240 600 Z" fill="F"/><path d="M200 330 L600 330 L600 420 Q400 460 200 420 Z" fill="D"/><rect x="380" y="400" width="40" height="70" rx="8" fill="M"/><path d="M300 330 Q300 250 400 250 Q500 250 500 330" stroke="D" stroke-width="20" fill="none"/>',
  helmet: '<path d="M150 540 Q150 260 400 250 Q650 260 650 540 Z" fill="F"/><path d="M260 300 L300 540 M400 252 L400 540 M540 300 L500 540" stroke="D" stroke-width="24" opacity=".55"/><rect x="140" y="530" width="520" height="40" rx="20" fill="D"/><path d="M220 380 Q260 300 340 280" stroke="L" stroke-width="18" fill="none" opacity=".45" stroke-linecap="round"/>',
  'bottle-cage': '<rect x="320" y="200" width="160" height="430" rx="50" fill="L" opacity=".5"/><path d="M310 300 L310 600 Q310 630 340 630 L460 630 Q490 630 490 600 L490 300" stroke="F" stroke-width="26" fill="none"/><path d="M310 420 H490 M340 630 L400 520 L460 630" stroke="F" stroke-width="18" fill="none"/><rect x="380" y="160" width="40" height="50" rx="8" fill="D"/>',
  pump: '<rect x="370" y="200" width="60" height="400" rx="20" fill="F"/><rect x="250" y="180" width="300" height="44" rx="22" fill="D"/><path d="M260 630 L540 630 L500 590 L300 590 Z" fill="D"/><path d="M430 280 Q560 300 600 420 Q620 500 560 560" stroke="#222" stroke-width="14" fill="none"/><rect x="385" y="260" width="14" height="300" rx="7" fill="L" opacity=".5"/>',
  headphones: '<path d="M220 470 Q220 220 400 220 Q580 220 580 470" stroke="F" stroke-width="40" fill="none"/><rect x="170" y="420" width="110" height="190" rx="46" fill="F"/><rect x="520" y="420" width="110" height="190" rx="46" fill="F"/><rect x="250" y="440" width="40" height="150" rx="18" fill="D"/><rect x="510" y="440" width="40" height="150" rx="18" fill="D"/>',
  earbuds: '<rect x="210" y="470" width="380" height="160" rx="70" fill="#f3f2ee"/><rect x="210" y="470" width="380" height="60" rx="30" fill="#e2e0da"/><circle cx="320" cy="380" r="60" fill="F"/><rect x="300" y="390" width="40" height="120" rx="20" fill="F"/><circle cx="480" cy="380" r="60" fill="F"/><rect x="460" y="390" width="40" height="120" rx="20" fill="F"/><circle cx="305" cy="365" r="18" fill="L" opacity=".5"/>',
  speaker: '<rect x="250" y="200" width="300" height="430" rx="28" fill="F"/><circle cx="400" cy="500" r="92" fill="D"/><circle cx="400" cy="500" r="40" fill="#222" opacity=".6"/><circle cx="400" cy="320" r="48" fill="D"/><circle cx="400" cy="320" r="18" fill="#222" opacity=".6"/>',
  turntable: '<path d="M110 470 L690 470 L690 560 Q690 590 660 590 L140 590 Q110 590 110 560 Z" fill="F"/><ellipse cx="400" cy="470" rx="290" ry="90" fill="D"/><ellipse cx="360" cy="462" rx="200" ry="60" fill="#1b1b1d"/><ellipse cx="360" cy="462" rx="70" ry="22" fill="#c2452d"/><path d="M620 420 L560 470 L480 480" stroke="M" stroke-width="12" fill="none" stroke-linecap="round"/>',
  radio: '<rect x="160" y="320" width="480" height="300" rx="40" fill="F"/><rect x="200" y="370" width="230" height="200" rx="18" fill="D"/><path d="M215 400 H415 M215 440 H415 M215 480 H415 M215 520 H415" stroke="F" stroke-width="6" opacity=".5"/><circle cx="530" cy="420" r="44" fill="M"/><circle cx="530" cy="530" r="30" fill="M"/><path d="M260 320 L380 200" stroke="M" stroke-width="10" stroke-linecap="round"/>',
}

export interface ImageSpec {
  shape: Shape
  /** The product's colour (its material's, or the variant's colour for apparel), as #rrggbb. */
  colour: string
  /** 0, 1 or 2: the "front view", "detail" and "in use" shots differ in light, angle and size. */
  shot: number
}

const hexToRgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]
const rgbToHex = (rgb: number[]) => `#${rgb.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')}`
/** Mixes a colour toward white (amount > 0) or black (< 0). */
const shade = (hex: string, amount: number) => rgbToHex(hexToRgb(hex).map((v) => (amount > 0 ? v + (255 - v) * amount : v * (1 + amount))))
/** A backdrop that suits the product: a warm or cool near-white, lighter for dark products. */
function backdrop(hex: string, shot: number): [string, string] {
  const [r, g, b] = hexToRgb(hex)
  const light = (r * 0.3 + g * 0.59 + b * 0.11) / 255
  const warm = r >= b
  const top = warm ? '#f6f1ea' : '#eef2f4'
  const bottom = light > 0.75 ? (warm ? '#d9cfc2' : '#cfd7dc') : shade(hex, 0.82 - shot * 0.04)
  return [top, bottom]
}

/** The SVG document for a picture. */
export function productSvg({ shape, colour, shot }: ImageSpec): string {
  const [top, bottom] = backdrop(colour, shot)
  const scale = [1, 1.18, 0.9][shot] ?? 1
  const rotate = [0, -6, 5][shot] ?? 0
  const body = SHAPES[shape]
    .replaceAll('"F"', '"url(#body)"')
    .replaceAll('"D"', `"${shade(colour, -0.35)}"`)
    .replaceAll('"L"', `"${shade(colour, 0.55)}"`)
    .replaceAll('"M"', '"#8d949b"')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_SIZE}" height="${IMAGE_SIZE}" viewBox="0 0 800 800">` +
    '<defs>' +
    `<linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset=".72" stop-color="${shade(bottom, 0.35)}"/><stop offset="1" stop-color="${bottom}"/></linearGradient>` +
    `<linearGradient id="body" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${shade(colour, 0.22)}"/><stop offset=".55" stop-color="${colour}"/><stop offset="1" stop-color="${shade(colour, -0.28)}"/></linearGradient>` +
    `<radialGradient id="glow" cx="${[0.3, 0.7, 0.5][shot]}" cy=".2" r=".7"><stop offset="0" stop-color="#fff" stop-opacity=".7"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>` +
    '<filter id="blur" x="-20%" y="-50%" width="140%" height="200%"><feGaussianBlur stdDeviation="18"/></filter>' +
    '</defs>' +
    '<rect width="800" height="800" fill="url(#bg)"/><rect width="800" height="800" fill="url(#glow)"/>' +
    `<ellipse cx="400" cy="${640 + (scale - 1) * 80}" rx="${270 * scale}" ry="34" fill="#000" opacity=".22" filter="url(#blur)"/>` +
    `<g transform="translate(400 420) rotate(${rotate}) scale(${scale}) translate(-400 -420)">${body}</g>` +
    '</svg>'
  )
}
