/*
 * messages: what was sent to borrowers, what the desk sends them, and the branches' settings for
 * reminders and receipts (the outbox itself is sent by jobs/remind).
 *
 *   GET  /api/borrowers/{id}/messages?page=   (volunteer) a borrower's messages, newest first
 *   GET  /api/messages?loans=ID,ID    (volunteer) the messages about any of these loans (at most
 *                                     100: the loans of a page of the overdue list)
 *   POST /api/borrowers/{id}/messages {"text"} (volunteer) -> 202 the queued message: an SMS
 *                                     sent within seconds; 409 messages_off without an SMS
 *                                     gateway, 409 borrower_opted_out
 *   POST /api/borrowers/{id}/calls    {"loan_ids"?: [ids]} (volunteer) -> 201: staff phoned the
 *                                     borrower about these open loans
 *   GET  /api/messages/stats?from&to&branch=   (manager) messages per day, failures with their
 *                                     reasons, SMS parts per branch and month
 *   GET  /api/message-settings?branch=         (manager) the settings of the branches in scope,
 *                                     and the network's ("network": window, sender, channels)
 *   PUT  /api/branches/{slug}/message-settings (manager, own branch) {"due_soon",
 *                                     "due_soon_days", "overdue", "overdue_days", "receipt",
 *                                     "window_start", "window_end", "sender_name"} -> 200 the
 *                                     branch's settings
 *
 * Messages of another branch do not exist for branch-bound staff.
 */
#ifndef HYLLA_API_MESSAGES_H
#define HYLLA_API_MESSAGES_H

#include "http/router.h"

route_handler messages_list;
route_handler messages_of_borrower;
route_handler messages_write;
route_handler messages_call;
route_handler messages_stats;
route_handler messages_settings_list;
route_handler messages_settings_update;

#endif
