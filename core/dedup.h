/* The at-most-once table: the last request and answer per client, so a retry runs only once. */
#ifndef RS_DEDUP_H
#define RS_DEDUP_H

#include "types.h"

#include <glib.h>

typedef enum rs_dedup_state {
  RS_DEDUP_NEW = 0, /* never seen: run it */
  RS_DEDUP_STALE,   /* older than the client's latest request: the client has moved on */
  RS_DEDUP_PENDING, /* running now: the first attempt's answer will reach the client */
  RS_DEDUP_DONE,    /* already run: answer again with the stored result */
} rs_dedup_state;

typedef struct rs_dedup rs_dedup;

rs_dedup *rs_dedup_new(void);
void rs_dedup_free(rs_dedup *d);
/* Where request (client, seq) stands; for DONE, *res is the stored answer (valid until the next
 * change of that client's entry). */
rs_dedup_state rs_dedup_check(const rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result **res);
/* The request ran and answered `res` (copied), but is not confirmed yet (a blocking primary
 * waits for its backups): a retry is ignored until then, and a state transfer carries it as
 * done, since the update is in the state sent. */
void rs_dedup_begin(rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result *res);
/* The request ran and answered `res` (copied). */
void rs_dedup_finish(rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result *res);

/* The table as bytes, in client order (state transfer), and back (false: malformed bytes). */
void rs_dedup_snapshot(const rs_dedup *d, GByteArray *out);
bool rs_dedup_restore(rs_dedup *d, const uint8_t *buf, size_t len);

#endif
