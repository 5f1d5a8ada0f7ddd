/*
 * labels: what the desk prints for a scanner to read, and the record of what came out.
 *   GET   /api/items/{code}/label.svg?format=     one item's label (any staff; any branch's item)
 *   GET   /api/borrowers/{id}/card.svg?format=    a borrower's card (their branch's staff)
 *   POST  /api/labels/printed  {"items": [codes]} the volunteer confirmed these labels came out:
 *                                                 their label_printed_at is now, all or none
 *   PATCH /api/branches/{slug}/printing           {"label_format", "receipt_format"}: what the
 *                                                 branch prints on, remembered (its own staff)
 * A label without ?format= is in its branch's label format. The QR code of an item's label holds
 * its public page, <public URL>/i/CODE (api_item_page_url).
 */
#ifndef HYLLA_API_LABELS_H
#define HYLLA_API_LABELS_H

#include "http/router.h"

route_handler labels_item;
route_handler labels_card;
route_handler labels_printed;
route_handler labels_set_printing;

#endif
