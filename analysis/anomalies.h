/* Lost writes, stale reads, divergence, availability per fault window and failover time. */
#ifndef RS_ANOMALIES_H
#define RS_ANOMALIES_H

#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- The evidence: what the trace says besides the client operations -------------------- */

/* One replica's state of one key at the end of the run (a "final" line). */
typedef struct anom_final {
  char *node, *key, *name, *value, *status; /* NULL when absent */
  bool value_null;                          /* "value":null (a kv get of an absent key) */
  uint64_t version;
  long line;                                /* 1-based trace line, 0 if unknown */
} anom_final;

/* A fault starting or ending (a "fault" line). */
typedef struct anom_fault {
  double t;
  long line;
  char *fault;  /* "crash", "partition", ... */
  bool start;   /* phase "start"; false for "end" */
  char *target; /* its target fields: one field's value alone ("r1"), several as "k=v k=v" */
  char *node;   /* the "node" field, NULL if it has none */
  char **fields; /* the target fields as "k=v" strings, NULL-terminated */
} anom_fault;

/* A node changing role or view (a "role" line). */
typedef struct anom_role {
  double t;
  long line;
  char *node, *role;
  uint64_t view;
} anom_role;

/* Everything the anomalies need from a trace besides the history, in trace order. */
typedef struct anom_facts {
  bool has_run;                 /* a "run" line was seen */
  char *scenario, *protocol, *app, *failover;
  uint64_t seed;
  GPtrArray *finals;            /* anom_final* */
  GPtrArray *digests;           /* char* "node digest", one per "digest" line */
  GPtrArray *faults;            /* anom_fault* */
  GPtrArray *roles;             /* anom_role* */
  double end_time;              /* the latest `t` among the lines read */
} anom_facts;

anom_facts *anom_facts_new(void);
void anom_facts_free(anom_facts *f);
/* Reads the run, final, digest, fault and role lines of `path` (one pass; other lines are only
 * validated). NULL with "FILE:LINE: what is wrong" in `err` for a malformed line or field. */
anom_facts *anom_facts_read(const char *path, char **err);
/* The checker model the run line implies: "files-quorum" for files under quorum, else its app
 * (NULL without a run line). */
const char *anom_facts_model(const anom_facts *f);

/* Builders, for the reader and for tests. Strings are copied; NULL stays NULL. */
void anom_facts_add_final(anom_facts *f, const char *node, const char *key, const char *name,
                          const char *value, bool value_null, const char *status, uint64_t version,
                          long line);
/* `kv` is the fault's target as key, value, ... pairs, NULL-terminated ({"node", "r1", NULL}),
 * as trace_fault takes it; NULL for none. */
void anom_facts_add_fault(anom_facts *f, double t, const char *fault, bool start,
                          const char *const *kv, long line);
void anom_facts_add_role(anom_facts *f, double t, const char *node, const char *role,
                         uint64_t view, long line);
void anom_facts_add_digest(anom_facts *f, const char *node, const char *digest);

/* ---- The findings ------------------------------------------------------------------------- */

/* An operation as a finding names it; copies, so findings outlive the history. */
typedef struct anom_op {
  uint32_t index;
  char *process, *op, *key, *name, *value, *status;
  bool value_null;
  uint64_t version;
  hist_outcome outcome;
  double t_invoke, t_complete;
  long line_invoke, line_complete;
} anom_op;

/* An acknowledged update whose effect is missing from the end state. */
typedef struct anom_lost_write {
  anom_op op;
  char *end_state; /* the key's end state, e.g. `live "abc" v7 (2 of 3 replicas)`, `absent` */
  long end_line;   /* a final line holding it, 0 if none */
} anom_lost_write;

/* A read that answered an older version than an update acknowledged before it began. */
typedef struct anom_stale_read {
  anom_op op;      /* the read */
  anom_op newer;   /* the acknowledged update with the highest version before the read began */
} anom_stale_read;

/* One fault window and the operations invoked inside it. */
typedef struct anom_window {
  char *fault, *target;
  double start, end;
  bool open_ended;          /* no end line: it lasts to the end of the run */
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
  anom_op first_ack;        /* the acknowledged update (set when has_time) */
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
 * and faults). The exact rules are in anomalies.c's opening comment. */
anomalies *anomalies_compute(const history *h, const anom_facts *f);
void anomalies_free(anomalies *a);

/* Prints the counts, the fault windows and failovers, then up to `max_listed` lost writes and
 * stale reads each, with their trace lines. */
void anomalies_print(const anomalies *a, size_t max_listed, FILE *out);

#endif
