/**
 * Column names of an order export, one per field. `transactionId`, `customerId`, `quantity`,
 * `unitPrice` and `placedAt` are required; the others may be empty strings when the export has no
 * such column.
 */
export interface Layout {
  transactionId: string;
  customerId: string;
  placedAt: string;
  quantity: string;
  unitPrice: string;
  productId: string;
  productName: string;
  /** Column with the currency code, or empty to use the site's currency. */
  currency: string;
  /** Column with the customer's email, or empty. */
  email: string;
  /** Invoice prefix that marks a cancellation (Online Retail's "C"), or empty for none. */
  cancellationPrefix: string;
}

export const layouts = {
  /** The UCI Online Retail export: one row per invoice line, cancellations prefixed with "C". */
  'online-retail': {
    transactionId: 'InvoiceNo',
    customerId: 'CustomerID',
    placedAt: 'InvoiceDate',
    quantity: 'Quantity',
    unitPrice: 'UnitPrice',
    productId: 'StockCode',
    productName: 'Description',
    currency: '',
    email: '',
    cancellationPrefix: 'C',
  },
  /** Shopify's order export: one row per line item, the customer known by email. */
  shopify: {
    transactionId: 'Name',
    customerId: 'Email',
    placedAt: 'Created at',
    quantity: 'Lineitem quantity',
    unitPrice: 'Lineitem price',
    productId: 'Lineitem sku',
    productName: 'Lineitem name',
    currency: 'Currency',
    email: 'Email',
    cancellationPrefix: '',
  },
} satisfies Record<string, Layout>;

export type LayoutName = keyof typeof layouts;

/**
 * Returns a layout with `overrides` ("field=Column" pairs, such as "customerId=Customer Number")
 * applied, or throws naming the unknown layout or field.
 */
export function resolveLayout(name: string, overrides: string[] = []): Layout {
  const base = (layouts as Record<string, Layout>)[name];
  if (!base) throw new Error(`Unknown layout "${name}"; use one of ${Object.keys(layouts).join(', ')}`);
  const layout: Layout = { ...base };
  for (const pair of overrides) {
    const [field, ...column] = pair.split('=');
    if (!field || !(field in layout) || column.length === 0) {
      throw new Error(`--map "${pair}" must look like field=Column, with field one of ${Object.keys(layout).join(', ')}`);
    }
    layout[field as keyof Layout] = column.join('=');
  }
  return layout;
}
