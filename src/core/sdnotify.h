/*
 * sdnotify: tell systemd how the service is doing (Type=notify), without libsystemd: one datagram
 * to the socket named by $NOTIFY_SOCKET. Outside systemd the variable is unset and nothing is sent.
 */
#ifndef HYLLA_CORE_SDNOTIFY_H
#define HYLLA_CORE_SDNOTIFY_H

/* Send state ("READY=1", "STOPPING=1", "STATUS=..."); errors are ignored, as sd_notify's are. */
void sdnotify(const char *state);

#endif
