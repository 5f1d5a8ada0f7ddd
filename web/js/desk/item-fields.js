// desk/item-fields: what intake and an item's page share when they write an item: the category
// tree (fetched once), the size kind a category asks for, the suggestions for clothing sizes, and
// a photo downscaled in the browser before it is sent.
import { get } from '../api.js';

const PHOTO_MAX_PX = 1600;
export const CLOTHING_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL', '86', '92', '98', '104', '110', '116', '122', '128',
  '134', '140', '146', '152', '158', '164', '170'];

let categories = null;

/** Every category, depth first: [{ id, parent_id, depth, name_sv, name_en, size_kind }]. Throws ApiError. */
export async function loadCategories() {
  categories ??= get('/api/categories').then((r) => r.categories, (err) => {
    categories = null; // ask again next time
    throw err;
  });
  return categories;
}

/** A category's size kind: its own, else its nearest ancestor's; null for none. */
export function sizeKindOf(list, category) {
  const byId = (id) => list.find((c) => c.id === id);
  for (let c = category; c; c = byId(c.parent_id)) if (c.size_kind) return c.size_kind;
  return null;
}

/** Whether items of a size kind must have a size ("other" and none need not). */
export const sizeRequired = (kind) => Boolean(kind) && kind !== 'other';

/** A photo as a JPEG of at most PHOTO_MAX_PX on its longer side, turned the way the camera held it. */
export async function downscale(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the photo could not be read'))), 'image/jpeg', 0.85);
  });
}
