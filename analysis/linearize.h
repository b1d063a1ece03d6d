/* The linearizability checker: is a client history of `files` or `kv` explainable by one copy? */
#ifndef RS_LINEARIZE_H
#define RS_LINEARIZE_H

#include "trace/history.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the check concluded, for one key or for the whole history. UNKNOWN: the time bound (or
 * the memory bound of one key's search) ran out before the search finished; it says nothing
 * either way. */
typedef enum lin_verdict {
  LIN_LINEARIZABLE = 0,
  LIN_VIOLATION,
  LIN_UNKNOWN,
} lin_verdict;

const char *lin_verdict_name(lin_verdict v); /* "linearizable", "violation", "unknown" */

/* A clock in seconds. Only differences between two readings matter. */
typedef double (*lin_clock_fn)(void *ctx);

/* The default clock: CLOCK_MONOTONIC in seconds (ctx unused). */
double lin_monotonic_clock(void *ctx);

typedef struct lin_options {
  double deadline;    /* seconds the whole check may take, by `clock`; <= 0: no bound */
  lin_clock_fn clock; /* NULL: lin_monotonic_clock */
  void *clock_ctx;
  const char *kv_initial; /* kv: what a key never written holds (NULL: absent, a get answers
                             null; "" for MIT 6.824's and Porcupine's kv, where it answers "") */
  bool early;             /* early answer: once one key's violation is proven, the keys not
                             checked yet share only `others_budget` seconds, and those it does
                             not cover are reported unknown ("not checked"), not searched */
  double others_budget;
} lin_options;

/* Why a key is not linearizable: the search could place the `prefix` (in linearization order)
 * but no order of what remained could place `op` before it completed. */
typedef struct lin_violation {
  hist_op op;       /* the operation that cannot be placed (a copy: it outlives the history) */
  char *state;      /* the model state after the prefix, e.g. `live "abc"`, `deleted`, `absent` */
  char *returned;   /* what `op` answered, e.g. `SUCCESS "abc"` */
  char *allowed;    /* what the model would have answered in `state` */
  hist_op *prefix;  /* the longest linearizable prefix found, in linearization order (copies) */
  size_t n_prefix;
  long *lines;      /* trace lines involved (the op, the ops concurrent with it, the op that set
                     * `state`), sorted, without duplicates or zeros */
  size_t n_lines;
} lin_violation;

typedef struct lin_key_result {
  char *key;
  lin_verdict verdict;
  size_t n_ops;             /* operations of this key the search had to place */
  uint64_t configs;         /* distinct (placed set, state) configurations visited */
  lin_violation *violation; /* set when verdict is LIN_VIOLATION */
  bool skipped;             /* unknown because the early answer left it unchecked */
} lin_key_result;

typedef struct lin_result {
  lin_verdict verdict;      /* VIOLATION if any key has one, else UNKNOWN if any key is, else OK */
  char *app;                /* "files", "files-quorum" or "kv" */
  size_t n_ops;             /* operations in the history */
  size_t n_checked;         /* of them, those the search had to place (the others cannot matter) */
  lin_key_result *keys;     /* one per key, sorted by key (strcmp) */
  size_t n_keys;
  const lin_key_result *first_violation; /* the first violating key in `keys`, or NULL */
  double deadline;          /* as passed in */
  double elapsed;           /* seconds the check took, by the clock it was given */
  bool answered;            /* a violation was proven... */
  double answered_after;    /* ... this many seconds into the check */
  double others_budget;     /* with an early answer: the seconds the other keys were left */
} lin_result;

/* Checks `h` against the sequential model of `app` ("files", "kv", or "files-quorum": files as
 * seed 004's quorum replicas answer it), key by key. Returns NULL and sets *error (g_free it)
 * when the input cannot be checked: an unknown app, an operation the app does not have, an
 * operation without a key. */
lin_result *lin_check(const history *h, const char *app, const lin_options *opt, char **error);
void lin_result_free(lin_result *r);

/* Prints the verdicts and, for each violation, what a person needs to find it in the trace. */
void lin_report_print(const lin_result *r, FILE *out);

#endif
