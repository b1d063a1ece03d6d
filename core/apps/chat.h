/* The `chat` application (seed 003) as its on-disk store sees it: users and messages one by one. */
#ifndef RS_APP_CHAT_H
#define RS_APP_CHAT_H

#include "app.h"

/* A send's `expected` once the leader stamped it: "I T", I "1" (instant) or "0", T the leader's
 * wall clock in seconds since the run began. The client sends "1" for an instant message and
 * nothing otherwise; the leader stamps before it runs and replicates the send, so every replica
 * stores the same timestamp, and the message's uuid is derived from its update number. */
#define RS_CHAT_INSTANT "1"

/* A list's key: the trace and the checker name every operation by a key, and a list reads them
 * all. (A list of an account's name answers every message it ever got: final state reports.) */
#define RS_CHAT_ACCOUNTS "*"

/* One message, as seed 003's `messages` table holds it. Slices valid during the call. */
typedef struct rs_chat_message {
  rs_bytes id;        /* uuid */
  rs_bytes sender;
  rs_bytes body;
  rs_bytes timestamp; /* seconds, "%.6f" */
  bool delivered;
  bool instant;
} rs_chat_message;

typedef void (*rs_chat_user_fn)(void *arg, rs_bytes username, rs_bytes password);
typedef void (*rs_chat_message_fn)(void *arg, rs_bytes recipient, const rs_chat_message *m);

/* Every user in username order, each followed by its messages oldest first. */
void rs_chat_each(void *state, rs_chat_user_fn user_fn, rs_chat_message_fn msg_fn, void *arg);
/* The newest message to `recipient` (what a send just added). False when it has none. */
bool rs_chat_newest(void *state, rs_bytes recipient, rs_chat_message *out);
/* Rebuilding a state from a store: a user, then its messages oldest first. A message to an
 * unknown user, or a delivered one after an undelivered one, is refused (false). */
void rs_chat_add_user(void *state, rs_bytes username, rs_bytes password);
bool rs_chat_add_message(void *state, rs_bytes recipient, const rs_chat_message *m);

#endif
