/* A run's summary: statistics, consistency verdicts and expectations, as summary.json and text. */
#ifndef RS_SUMMARY_H
#define RS_SUMMARY_H

#include "analysis/poll_stats.h"
#include "analysis/stats.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The linearizability verdict: "true", "false", or "unknown" (the checker's time bound ran out). */
typedef enum summary_verdict {
  SUMMARY_UNKNOWN = 0,
  SUMMARY_TRUE,
  SUMMARY_FALSE,
} summary_verdict;

const char *summary_verdict_name(summary_verdict v); /* "unknown", "true", "false" */

/* One `<expect>` attribute or scripted `expect`: what was expected, what happened. */
typedef struct summary_expectation {
  char *name;     /* "linearizable", "lost-writes", "alice step 3", ... */
  char *expected; /* as text */
  char *actual;   /* as text; NULL if nothing was observed */
  bool held;
  int line;       /* in the scenario file; 0 if none */
} summary_expectation;

/* Availability inside one fault window: the operations invoked in [start, end]. */
typedef struct summary_window {
  char *fault;             /* "crash", "partition", ... */
  char *target;            /* "r1", "groups=r1 | r2 r3", ... */
  double start, end;       /* seconds; a fault that never ended lasts to the end of the run */
  uint64_t ops, ok;        /* invoked inside; of them, ok */
  bool has_availability;   /* some of them completed */
  double availability;     /* ok / (ok + fail + info), 0..1 */
  bool event;              /* an instant (a join, a restart-failed), not a window */
} summary_window;

/* A replica a <join> added: how long until it was up to date (seed 003's extra credit). */
typedef struct summary_join {
  char *node;
  bool caught_up;  /* false: it never got a whole state */
  double seconds;  /* from the join to its first acknowledged state transfer */
} summary_join;

/* Every optional field has a has_ flag; a field whose flag is false is left out of summary.json
 * and of the printed summary rather than shown as 0. */
typedef struct summary {
  char *scenario;          /* may be NULL */
  char *protocol;          /* may be NULL */
  uint64_t seed;
  double sim_time;         /* simulated end time, seconds */
  char *stopped;           /* why the run was stopped before its end ("livelock", "wall-bound"); NULL: it ended */
  double wall_seconds;     /* printed only: never in summary.json */
  bool real_mode;          /* `replsim real`: times are wall-clock seconds, not simulated ones
                            * ("mode": "real" in summary.json) */
  uint64_t messages_sent, messages_dropped;
  stats *stats;            /* owned; NULL reads as an empty history */

  bool has_linearizable;
  summary_verdict linearizable;
  bool has_lost_writes;
  uint64_t lost_writes;
  bool has_stale_reads;
  uint64_t stale_reads;
  bool has_diverged;
  uint64_t diverged;       /* replicas whose digest differs from the majority's */
  bool has_availability;
  double availability;     /* ok / (ok + fail + info), 0..1 */
  bool has_failover_time;
  double failover_time;    /* seconds: the longest, over crashes of a primary */
  bool has_fault_windows;  /* computed (even if there were no faults): "fault_windows" in JSON */
  GArray *fault_windows;   /* summary_window, in order of their start */

  GArray *expectations;    /* summary_expectation, in the order added */
  bool has_poll;           /* app votes: "poll" in JSON, "Poll" printed */
  poll_stats poll;
  GArray *joins;           /* summary_join, in the order of the joins: "join_catch_up_s" in JSON */
} summary;

summary *summary_new(const char *scenario, const char *protocol, uint64_t seed);
void summary_free(summary *s);

/* Takes ownership of `st` (freeing any previous stats) and copies its availability, when it has
 * one, into the summary's (the caller may overwrite it afterwards). */
void summary_set_stats(summary *s, stats *st);

/* Appends a fault window (strings copied) and sets has_fault_windows; `event` marks an instant. */
void summary_add_window(summary *s, const char *fault, const char *target, double start,
                        double end, uint64_t ops, uint64_t ok, bool has_availability,
                        double availability, bool event);

/* Appends a joined replica's catch-up time (node copied). */
void summary_add_join(summary *s, const char *node, bool caught_up, double seconds);

/* Appends an expectation; strings are copied (actual may be NULL). */
void summary_expect(summary *s, const char *name, const char *expected, const char *actual,
                    bool held, int line);
/* True when every expectation held (and when there are none). */
bool summary_all_held(const summary *s);

/* summary.json as text: pretty-printed, keys in a fixed order, floats as %.9g (non-finite as
 * null), deterministic for equal summaries. The caller frees it. */
char *summary_to_json(const summary *s);
/* Writes summary_to_json to `path`. False with "PATH: reason" in `err` on failure. */
bool summary_write_json(const summary *s, const char *path, char **err);

/* The human summary, every line within 80 columns. */
void summary_print(const summary *s, FILE *out);

#endif
