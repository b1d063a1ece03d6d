/* Latency, outcome and throughput statistics of a client history, per operation type. */
#ifndef RS_STATS_H
#define RS_STATS_H

#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* How many operations of one type ended with one status. */
typedef struct stats_status_count {
  char *status; /* the answer's status; "(none)" for a completion that carried none */
  uint64_t count;
} stats_status_count;

/* One operation type. Latencies are in simulated seconds, over the operations that ended `ok`;
 * they are 0 when latency_count is 0. */
typedef struct op_stats {
  char *op;                 /* "write", "read", ... */
  uint64_t count;           /* every operation of this type, pending ones included */
  uint64_t ok, fail, info, pending;
  uint64_t latency_count;   /* samples behind the latency figures: == ok */
  double p50, p90, p99, mean, max, min;
  GArray *statuses;         /* stats_status_count, completed operations, first-seen order */
} op_stats;

typedef struct stats {
  GPtrArray *per_op;        /* op_stats*: write, read, delete, put, get, append, cas (those that
                               occurred), then any other op name in first-seen order */
  uint64_t ops, ok, fail, info, pending;
  double first_invoke;      /* earliest invocation; 0 if no operation */
  double last_complete;     /* latest completion of any outcome; 0 if none completed */
  double throughput;        /* ok operations / (last_complete - first_invoke); 0 if that is 0 */
  double availability;      /* ok / (ok + fail + info); 0 when nothing completed (see below) */
  bool has_availability;    /* false when no operation completed */
} stats;

stats *stats_compute(const history *h);
void stats_free(stats *s);

/* The figures for one operation type, or NULL if it did not occur. */
const op_stats *stats_for_op(const stats *s, const char *op);
/* How many operations of `op` ended with `status` (0 if none). */
uint64_t op_stats_status_count(const op_stats *o, const char *status);

/* The nearest-rank percentile p (0 < p <= 100) of `n` ascending values: the smallest value such
 * that at least p% of the values are <= it, i.e. sorted[ceil(p/100 * n) - 1]. 0 when n is 0. */
double stats_percentile(const double *sorted, size_t n, unsigned p);

#endif
