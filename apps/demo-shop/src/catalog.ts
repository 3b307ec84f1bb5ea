/** One product of the demo shop. Prices are decimal strings in pounds sterling. */
export interface Product {
  id: string;
  name: string;
  category: string;
  price: string;
  description: string;
}

export const currency = 'GBP';

export const products: Product[] = [
  {
    id: 'enamel-teapot',
    name: 'Enamel teapot',
    category: 'Tableware',
    price: '24.00',
    description: 'A cream enamel teapot that holds six cups, with a bamboo handle that stays cool.',
  },
  {
    id: 'regency-teacup',
    name: 'Regency teacup and saucer',
    category: 'Tableware',
    price: '12.50',
    description: 'Fine bone china with a gold rim, in the style of a Regency tea service.',
  },
  {
    id: 'jam-jar-lantern',
    name: 'Jam jar lantern',
    category: 'Lighting',
    price: '6.95',
    description: 'A glass jar with a wire handle and a tea light, for the garden or the windowsill.',
  },
  {
    id: 'paper-star-garland',
    name: 'Paper star garland',
    category: 'Decorations',
    price: '3.75',
    description: 'Two metres of folded paper stars in red and white.',
  },
  {
    id: 'wooden-advent-calendar',
    name: 'Wooden advent calendar',
    category: 'Decorations',
    price: '29.99',
    description: 'Twenty-four drawers to fill, in painted beech, used year after year.',
  },
];
