/* The run's facts besides the client history, read one way for every consumer: what ran, the
 * faults as windows (one rule pairs a start with its end), roles, final states and digests. */
#ifndef RS_FACTS_H
#define RS_FACTS_H

#include "trace/history.h"
#include "trace/trace_reader.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* One replica's state of one key at the end of the run (a "final" line). */
typedef struct fact_final {
  char *node, *key, *name, *value, *status; /* NULL when absent */
  bool value_null;                          /* "value":null (a kv get of an absent key) */
  uint64_t version;
  long line;                                /* 1-based trace line, 0 if unknown */
} fact_final;

/* A replica's application digest at the end (a "digest" line). */
typedef struct fact_digest {
  char *node, *digest;
  bool up;    /* false: the replica was still down at the end, so it was never healed */
  long line;
} fact_digest;

/* A fault, as a window from its start line to the end line that closes it.
 *
 * The one rule: a start line opens a window; an end line closes the oldest open window of the
 * same fault whose target fields include every field of the end line (so "restart" ending with
 * node=r1 closes the one that started with node=r1 boot=5); an end that closes nothing is
 * ignored; a window never closed lasts to the end of the run (`open_ended`). Faults that are
 * instants, not windows (`join`, and `restart-failed`, which the protocol rather than the user
 * caused), are events: they end where they start. */
typedef struct fact_fault {
  char *kind;       /* "crash", "partition", "restart-failed", ... */
  char *target;     /* its target fields: one field's value alone ("r1"), several as "k=v k=v" */
  char *label;      /* for people: "crash r1", "partition r1 | r2 r3", "loss rate=0.05" */
  char *node;       /* the "node" field, NULL if it has none */
  char **fields;    /* the start line's target fields as "k=v" strings, NULL-terminated */
  double start, end; /* end: the closing line's time, or the run's end while open-ended */
  long line_start, line_end; /* line_end 0 when open-ended */
  bool open_ended;
  bool event;
} fact_fault;

/* A node changing role or view (a "role" line). */
typedef struct fact_role {
  double t;
  long line;
  char *node, *role;
  uint64_t view;
} fact_role;

typedef struct trace_facts {
  bool has_run;                 /* a "run" line was seen */
  char *scenario, *protocol, *app, *failover, *mode;
  uint64_t seed;
  GPtrArray *finals;            /* fact_final*, in trace order */
  GPtrArray *digests;           /* fact_digest*, in trace order */
  GPtrArray *faults;            /* fact_fault*, in order of their start lines */
  GPtrArray *roles;             /* fact_role*, in trace order */
  double end_time;              /* the latest `t` among the lines read */
  long lines;                   /* lines in the trace (set by the readers) */
  long other_lines;             /* trace_read_run: lines neither operations nor facts (messages,
                                   refusals, ...): a sign the trace came from a run */
} trace_facts;

trace_facts *trace_facts_new(void);
void trace_facts_free(trace_facts *f);

/* Reads the run, final, digest, fault and role lines of `path` in one pass (other lines are
 * only validated). NULL with "FILE:LINE: what is wrong" in `err`. */
trace_facts *trace_facts_read(const char *path, char **err);
/* Reads operations and facts in one pass: the way to read a whole run back. Both or neither
 * are returned. */
bool trace_read_run(const char *path, history **h, trace_facts **f, char **err);
/* Feeds one line of any type to `f` (false with `why` for a malformed fact line). */
bool trace_facts_line(trace_facts *f, const trace_line *l, char **why);
/* Once every line is in: open-ended windows end at `end_time`. Idempotent. */
void trace_facts_finish(trace_facts *f);

/* The checker model the run line implies: "files-quorum" for files under quorum (whose replicas
 * answer a delete of an unknown file differently, seed 004), else the app; NULL without a run
 * line. The one place this rule lives. */
const char *trace_facts_model(const trace_facts *f);
/* Replicas up at the end whose digest differs from the most common one (n - the largest group),
 * and how many were compared; false when the trace has no digest line. */
bool trace_facts_diverged(const trace_facts *f, uint64_t *diverged, uint64_t *replicas);
/* A fault's colour, by kind (the plots and the viewers share it). */
const char *trace_fault_color(const char *kind);

/* Builders, for the reader and for tests. Strings are copied; NULL stays NULL. */
void trace_facts_add_final(trace_facts *f, const char *node, const char *key, const char *name,
                           const char *value, bool value_null, const char *status,
                           uint64_t version, long line);
/* `kv` is the fault's target as key, value, ... pairs, NULL-terminated ({"node", "r1", NULL}),
 * as fact_fault takes it; NULL for none. Pairs an end with its start by the rule above. */
void trace_facts_add_fault(trace_facts *f, double t, const char *fault, bool start,
                           const char *const *kv, long line);
void trace_facts_add_role(trace_facts *f, double t, const char *node, const char *role,
                          uint64_t view, long line);
void trace_facts_add_digest(trace_facts *f, const char *node, const char *digest, bool up,
                            long line);

#endif
