/**
 * The demo catalogue's product types: per category, each type's noun, the materials (or kinds) that make
 * sense for it ("Cast Iron Skillet", never "Cast Iron Fleece"), and the shape its picture draws
 * (scripts/seed/images.ts). A product is "<collection> <material> <noun>": "Harbor Cast Iron Skillet".
 */
import type { Shape } from './images'

export interface ProductType {
  noun: string
  materials: string[]
  shape: Shape
}

/** Collection names, the first word of every product: they say nothing about what it is made of. */
export const COLLECTIONS = ['Classic', 'Nordic', 'Alpine', 'Coastal', 'Urban', 'Heritage', 'Studio', 'Summit', 'Meadow', 'Harbor', 'Ember', 'Juniper']

export const PRODUCT_TYPES: Record<string, ProductType[]> = {
  cookware: [
    { noun: 'Skillet', materials: ['Cast Iron', 'Carbon Steel', 'Stainless Steel'], shape: 'skillet' },
    { noun: 'Saucepan', materials: ['Copper', 'Stainless Steel', 'Enamelled'], shape: 'saucepan' },
    { noun: 'Dutch Oven', materials: ['Enamelled Cast Iron', 'Cast Iron'], shape: 'pot' },
    { noun: 'Wok', materials: ['Carbon Steel', 'Cast Iron'], shape: 'wok' },
    { noun: 'Stockpot', materials: ['Stainless Steel', 'Enamelled'], shape: 'pot' },
    { noun: 'Grill Pan', materials: ['Cast Iron', 'Enamelled Cast Iron'], shape: 'skillet' },
  ],
  tableware: [
    { noun: 'Dinner Plate', materials: ['Stoneware', 'Porcelain', 'Speckled Stoneware'], shape: 'plate' },
    { noun: 'Serving Bowl', materials: ['Stoneware', 'Oak', 'Olive Wood', 'Porcelain'], shape: 'bowl' },
    { noun: 'Salad Plate', materials: ['Stoneware', 'Porcelain', 'Glazed Earthenware'], shape: 'plate' },
    { noun: 'Serving Board', materials: ['Oak', 'Walnut', 'Olive Wood', 'Marble'], shape: 'board' },
    { noun: 'Pasta Bowl', materials: ['Stoneware', 'Porcelain'], shape: 'bowl' },
  ],
  'coffee-tea': [
    { noun: 'Pour-Over Kettle', materials: ['Stainless Steel', 'Copper', 'Matte Black'], shape: 'kettle' },
    { noun: 'Mug', materials: ['Stoneware', 'Porcelain', 'Enamel'], shape: 'mug' },
    { noun: 'Teapot', materials: ['Cast Iron', 'Porcelain', 'Glass'], shape: 'teapot' },
    { noun: 'French Press', materials: ['Glass', 'Stainless Steel'], shape: 'press' },
    { noun: 'Espresso Cup', materials: ['Porcelain', 'Stoneware'], shape: 'cup' },
    // Tea is food: scripts/seed/checkout.ts gives slugs with "tea-tin" the reduced tax class.
    { noun: 'Tea Tin', materials: ['Earl Grey', 'Sencha', 'Chamomile', 'Breakfast Blend'], shape: 'tin' },
  ],
  tops: [
    { noun: 'T-Shirt', materials: ['Organic Cotton', 'Slub Cotton', 'Merino'], shape: 'tee' },
    { noun: 'Henley', materials: ['Waffle Cotton', 'Merino', 'Organic Cotton'], shape: 'tee' },
    { noun: 'Oxford Shirt', materials: ['Cotton', 'Brushed Cotton'], shape: 'shirt' },
    { noun: 'Polo', materials: ['Piqué Cotton', 'Merino'], shape: 'shirt' },
    { noun: 'Sweater', materials: ['Merino', 'Lambswool', 'Cotton Knit', 'Cashmere'], shape: 'sweater' },
  ],
  outerwear: [
    { noun: 'Rain Jacket', materials: ['Waxed Cotton', 'Recycled Nylon', 'Ripstop'], shape: 'jacket' },
    { noun: 'Parka', materials: ['Down', 'Insulated', 'Waxed Cotton'], shape: 'jacket' },
    { noun: 'Fleece Jacket', materials: ['Recycled', 'Sherpa', 'Grid'], shape: 'jacket' },
    { noun: 'Vest', materials: ['Down', 'Quilted', 'Wool'], shape: 'vest' },
    { noun: 'Field Coat', materials: ['Waxed Cotton', 'Wool', 'Canvas'], shape: 'jacket' },
  ],
  camping: [
    { noun: 'Tent', materials: ['Ultralight', 'Two-Person', 'Canvas'], shape: 'tent' },
    { noun: 'Sleeping Bag', materials: ['Down', 'Synthetic', 'Three-Season'], shape: 'sleeping-bag' },
    { noun: 'Lantern', materials: ['LED', 'Solar', 'Brass'], shape: 'lantern' },
    { noun: 'Camp Stove', materials: ['Titanium', 'Two-Burner', 'Compact'], shape: 'stove' },
    { noun: 'Hammock', materials: ['Parachute Nylon', 'Cotton Canvas'], shape: 'hammock' },
  ],
  cycling: [
    { noun: 'Bike Light', materials: ['LED', 'Rechargeable'], shape: 'bike-light' },
    { noun: 'Saddle Bag', materials: ['Waxed Canvas', 'Waterproof', 'Leather'], shape: 'bag' },
    { noun: 'Helmet', materials: ['Commuter', 'Road', 'Trail'], shape: 'helmet' },
    { noun: 'Bottle Cage', materials: ['Aluminium', 'Carbon', 'Steel'], shape: 'bottle-cage' },
    { noun: 'Pump', materials: ['Floor', 'Mini', 'Aluminium'], shape: 'pump' },
  ],
  audio: [
    { noun: 'Headphones', materials: ['Wireless', 'Studio', 'Noise-Cancelling'], shape: 'headphones' },
    { noun: 'Earbuds', materials: ['Wireless', 'Sport'], shape: 'earbuds' },
    { noun: 'Speaker', materials: ['Bluetooth', 'Walnut', 'Oak', 'Portable'], shape: 'speaker' },
    { noun: 'Turntable', materials: ['Belt-Drive', 'Walnut', 'Oak'], shape: 'turntable' },
    { noun: 'Radio', materials: ['Walnut', 'Retro', 'DAB'], shape: 'radio' },
  ],
}

/** The colour a material shows in its picture; kinds with no colour of their own ("Wireless") get one of the product's. */
const MATERIAL_COLOURS: Record<string, string> = {
  'Cast Iron': '#2e2f33', 'Carbon Steel': '#3b3d42', 'Stainless Steel': '#b8bec5', Copper: '#b8693d', 'Enamelled Cast Iron': '#c2452d',
  Stoneware: '#d8cdbb', 'Speckled Stoneware': '#e4dccd', Porcelain: '#f1f0ec', 'Glazed Earthenware': '#5f8fa6', Oak: '#c49a63', Walnut: '#6b4630',
  'Olive Wood': '#a88455', Marble: '#e6e3de', 'Matte Black': '#26272a', Enamel: '#f3f2ee', Glass: '#cfe3e6', Brass: '#c9a24a', Titanium: '#9ea3a8',
  Aluminium: '#b9bec3', Carbon: '#2a2b2e', Steel: '#8e9399', Leather: '#7a4a2a', 'Waxed Canvas': '#6e6a4a', 'Waxed Cotton': '#5a5a3c',
}
/** Colours for everything else, in the shop's muted palette. */
const PALETTE = ['#2f5d50', '#c2452d', '#2c4a7a', '#d9a441', '#6b3a5a', '#3f6b3a', '#8a3b2c', '#4a5a6a', '#b86a3c', '#1f2a4d']

/** The apparel colours of scripts/seed/catalog.ts, as the pictures show them. */
export const COLOUR_HEX: Record<string, string> = { Navy: '#1f2a4d', Black: '#1b1b1d', 'Heather Grey': '#9aa0a6', Forest: '#2f5d3a', Sand: '#d8c7a3', White: '#f4f3ef' }

/** The colour of a product's picture: its material's, else one of the palette (`pick` in 0–1). */
export const pictureColour = (material: string, pick: number) => MATERIAL_COLOURS[material] ?? PALETTE[Math.floor(pick * PALETTE.length)] ?? '#2f5d50'
