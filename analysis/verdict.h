/* The one path from a history and its facts to a verdict, for `replsim run` and `replsim check`. */
#ifndef RS_VERDICT_H
#define RS_VERDICT_H

#include "analysis/anomalies.h"
#include "analysis/linearize.h"
#include "analysis/stats.h"
#include "analysis/summary.h"
#include "trace/facts.h"
#include "trace/history.h"

/* What the checks concluded, as `check` reports it (and `run` through its expectations). */
typedef enum verdict_kind {
  VERDICT_OK = 0,        /* linearizable, and no lost write */
  VERDICT_VIOLATION = 1, /* not linearizable, or a lost write (stale reads alone do not decide:
                            quorum versions come from each coordinator's clock) */
  VERDICT_UNKNOWN = 3,   /* no violation found, but the checker's bound ran out */
} verdict_kind;

typedef struct verdict_options {
  double check_timeout;  /* seconds the linearizability search may take; <= 0: no bound */
  const char *model;     /* files, files-quorum, kv: overrides the facts' and the inference */
  const char *implied_model; /* the model the input's format names (after `model`, before the
                                facts'), and how it says so */
  const char *implied_why;
  const char *kv_initial; /* kv: what a key never written reads as (NULL: absent, null) */
  bool early;            /* early answer (lin_options): stop once one key's violation is proven */
  double others_budget;  /* ... leaving the other keys this many seconds */
} verdict_options;

typedef struct verdict {
  char *model;           /* the model checked against */
  char *model_source;    /* how it was chosen: "the run line", "--model", "inferred: ..." */
  stats *stats;
  lin_result *lin;
  anomalies *anom;
  verdict_kind kind;
} verdict;

/* Checks `h` with the facts `f` (which may be empty: a history from elsewhere). NULL with a
 * message in `err` (no FILE: prefix) when the history cannot be checked: no model fits its
 * operations, or the named model is unknown or not supported yet. */
verdict *verdict_judge(const history *h, const trace_facts *f, const verdict_options *o,
                       char **err);
void verdict_free(verdict *v);

/* The model for `h`: `forced` if given, else the run line's, else inferred from the operations
 * (read/write/delete: files; put/get/append/cas: kv). *source says which. NULL with `err` when
 * no model fits. */
char *verdict_model(const history *h, const trace_facts *f, const verdict_options *o,
                    char **source, char **err);

/* Fills the summary's consistency fields (linearizable, lost writes, stale reads, divergence,
 * failover time, fault windows) from the verdict: the measures `run` writes to summary.json. */
void verdict_fill_summary(const verdict *v, summary *s);

#endif
