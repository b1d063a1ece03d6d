/* The votes application (seed 002) as the vote servers see it: ballots, votes, results. */
#ifndef RS_APP_VOTES_H
#define RS_APP_VOTES_H

#include "app.h"

/* One ballot: a sequence number, the server that opened it (with seq, the result's globally
 * unique id), the votes cast while it was open and, once closed, its result. */
typedef struct votes_ballot {
  uint64_t seq;
  uint32_t opener;  /* rs_node_id of the server that opened it */
  bool closed;
  uint32_t yes, no;
  GArray *voters;   /* rs_node_id, ascending: who voted (each at most once) */
} votes_ballot;

/* Ops (all keyed by the ballot's seq in decimal):
 *   open  name = opener id: opens the ballot (no change if it exists)
 *   vote  name = voter id, value = "yes"/"no", expected = opener id: counts the vote once per
 *         voter; a ballot not known yet is opened by it (its OPEN may have died with a primary);
 *         BALLOT CLOSED once closed
 *   close closes it; the answer's value is "<yes> <no>"
 *   result (read): "<yes> <no>" once closed, null while open */
const votes_ballot *votes_find(void *state, uint64_t seq);
/* The ballots in seq order, for the server's deadline and resend logic (NULL-terminated array
 * owned by the state, valid until the next execute). */
GPtrArray *votes_ballots(void *state);
/* The highest seq known (0: none). */
uint64_t votes_last_seq(void *state);
/* Parses a decimal key; false when it is not one. */
bool votes_parse_u64(rs_bytes b, uint64_t *out);

extern const rs_app_ops rs_app_votes;

#endif
