/* Private to chat.c and chat_state.c: the chat application's state and its life cycle. */
#ifndef RS_APP_CHAT_INTERNAL_H
#define RS_APP_CHAT_INTERNAL_H

#include "app_util.h"
#include "chat.h"

/* One message. Owned strings; its uuid comes from its update number (deterministic). */
typedef struct chat_msg {
  char *id, *sender, *body, *timestamp;
  bool instant;
} chat_msg;

/* One account: its messages oldest first, the first `delivered` of them fetched already (a
 * fetch takes every undelivered one, so the delivered ones are always a prefix). */
typedef struct chat_user {
  rs_bytes key; /* owned, NUL-terminated */
  GString *password;
  GPtrArray *msgs; /* chat_msg*, owned */
  guint delivered;
} chat_user;

typedef struct chat_state {
  GHashTable *users; /* &user->key -> user, owns the users */
  GString *answer;   /* the last answer's value (results point into it) */
} chat_state;

#define CHAT_SNAPSHOT_MAGIC 'C'
#define CHAT_SNAPSHOT_VERSION 1
#define CHAT_SEP '|' /* fetch and list answers: the texts (names) joined by it */

rs_bytes chat_view(const char *s);
GHashTable *chat_user_table(void); /* &user->key -> user, owning them */
chat_user *chat_add_user(GHashTable *users, rs_bytes key, rs_bytes password);
chat_msg *chat_add_msg(chat_user *u, const rs_chat_message *m);

/* The rs_app_ops entries chat_state.c holds. */
void chat_snapshot(void *state, GByteArray *out);
bool chat_restore(void *state, const uint8_t *buf, size_t len);
bool chat_replay(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version), void *arg);
bool chat_repair(const rs_op *read, const rs_result *res, rs_op *out);
uint64_t chat_digest(void *state);
bool chat_newer(const rs_result *a, const rs_result *b);

#endif
