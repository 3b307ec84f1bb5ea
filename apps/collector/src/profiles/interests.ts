import type { Item } from '@patron/protocol';

interface Counted {
  count: number;
  /** Epoch milliseconds of the latest view. */
  last: number;
}

/** Categories and products a profile has viewed, with view counts and the latest view. */
export interface Interests {
  categories: Record<string, Counted>;
  products: Record<string, Counted & { name: string; category?: string | undefined }>;
}

/** Counts a view of each item. */
export function recordViews(interests: Interests, items: Item[], at: number): Interests {
  for (const item of items) {
    const product = (interests.products[item.id] ??= { name: item.name, category: item.category, count: 0, last: at });
    product.count++;
    product.last = Math.max(product.last, at);
    product.name = item.name;
    if (item.category) {
      const category = (interests.categories[item.category] ??= { count: 0, last: at });
      category.count++;
      category.last = Math.max(category.last, at);
    }
  }
  return interests;
}

/** Adds `source`'s counts into `target`, keeping the later time of each. */
export function addInterests(target: Interests, source: Interests): Interests {
  for (const kind of ['categories', 'products'] as const) {
    for (const [key, value] of Object.entries(source[kind])) {
      const existing = target[kind][key] as Counted | undefined;
      if (!existing) {
        (target[kind] as Record<string, Counted>)[key] = { ...value };
        continue;
      }
      existing.count += value.count;
      existing.last = Math.max(existing.last, value.last);
    }
  }
  return target;
}
