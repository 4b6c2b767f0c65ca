import { ConfigOf, settings } from '@switchyard/service-kit';

/** The inventory service's own settings (validated at start with the common ones). */
export const inventorySettings = {
  INVENTORY_DEFAULT_SAFETY_STOCK: settings.int({ default: 0, min: 0, max: 1_000_000, doc: 'units of every SKU at every location kept back from promising' }),
  INVENTORY_SAFETY_STOCK_RULES: settings.optional(
    settings.list({
      item: /^(?:[^@=\s]+@)?[^@=\s]+=\d{1,7}$/,
      doc: 'safety stock per location (locationId=units) or per SKU at a location (sku@locationId=units), overriding the default; the most specific rule wins',
    }),
  ),
};

export type InventorySettings = ConfigOf<typeof inventorySettings>;
