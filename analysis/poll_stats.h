/* Seed 002's poll as the voters saw it: ballots, results logged, duplicates, missing, wrong. */
#ifndef RS_POLL_STATS_H
#define RS_POLL_STATS_H

#include "trace/history.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct poll_stats {
  uint64_t voters;      /* processes that voted or logged a result */
  uint64_t ballots;     /* the highest ballot any vote or result names (ballots are 1, 2, ...) */
  uint64_t logged;      /* results logged, over every voter (one line each) */
  uint64_t duplicates;  /* lines for a ballot the voter had logged already */
  uint64_t missing;     /* (voter, ballot) pairs with no line */
  uint64_t wrong;       /* lines whose counts are not the votes cast on that ballot: acknowledged
                         * (SUCCESS) votes, give or take those whose answer never came */
} poll_stats;

/* False when the history has no vote or result operation (not a poll). */
bool poll_stats_compute(const history *h, poll_stats *out);

#endif
