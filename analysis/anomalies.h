/* Lost writes, stale reads, divergence, availability per fault window and failover time. */
#ifndef RS_ANOMALIES_H
#define RS_ANOMALIES_H

#include "trace/facts.h"
#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- The findings ------------------------------------------------------------------------- */

/* An acknowledged update whose effect is missing from the end state. */
typedef struct anom_lost_write {
  hist_op op;
  char *end_state; /* the key's end state, e.g. `live "abc" v7 (2 of 3 replicas)`, `absent` */
  long end_line;   /* a final line holding it, 0 if none */
} anom_lost_write;

/* A read that answered an older version than an update acknowledged before it began. */
typedef struct anom_stale_read {
  hist_op op;      /* the read */
  hist_op newer;   /* the acknowledged update with the highest version before the read began */
} anom_stale_read;

/* One fault window and the operations invoked inside it. */
typedef struct anom_window {
  char *fault, *target;
  double start, end;
  bool open_ended;          /* no end line: it lasts to the end of the run */
  bool event;               /* an instant (a join, a restart-failed): start == end */
  long line_start, line_end;
  uint64_t ops;             /* operations invoked in [start, end] */
  uint64_t ok, completed;   /* of them, ok; and ok + fail + info */
  bool has_availability;    /* completed > 0 */
  double availability;      /* ok / completed */
} anom_window;

/* A crash of a node that was primary, and how long until an update was acknowledged again. */
typedef struct anom_failover {
  char *node;
  double crash;
  long crash_line;
  bool has_time;            /* false: no update was acknowledged after the crash */
  double time;              /* seconds from the crash to that acknowledgement */
  hist_op first_ack;        /* the acknowledged update (set when has_time) */
} anom_failover;

typedef struct anomalies {
  bool has_lost_writes;     /* false when the trace has no final lines but updates succeeded */
  uint64_t lost_writes;
  GArray *lost;             /* anom_lost_write, in invocation order */
  uint64_t stale_reads;
  GArray *stale;            /* anom_stale_read, in invocation order */
  bool has_diverged;        /* false without digest lines */
  uint64_t diverged, replicas;
  GArray *windows;          /* anom_window, in order of their start lines */
  GArray *failovers;        /* anom_failover, in order of the crashes */
  bool has_failover_time;   /* some crash of a primary was followed by an acknowledged update */
  double failover_time;     /* the longest of those, seconds */
  bool quorum_end_state;    /* end states were taken as quorum reads them (newest version) */
} anomalies;

/* Computes every finding from `h` and `f` in O(n log n) for n operations (plus the final lines
 * and faults). The exact rules are in anomalies.c's opening comment; fault windows are the
 * facts' (trace/facts.h), counted here. Findings hold copies: they outlive `h` and `f`. */
anomalies *anomalies_compute(const history *h, const trace_facts *f);
void anomalies_free(anomalies *a);

/* Prints the counts, the fault windows and failovers, then up to `max_listed` lost writes and
 * stale reads each, with their trace lines. */
void anomalies_print(const anomalies *a, size_t max_listed, FILE *out);

#endif
