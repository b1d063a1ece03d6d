/* The scenario's faults as a timeline of actions (a fault's start, its end, a restart's boot),
 * with <random-crashes> drawn from the run's seed: what every host's injector applies in order. */
#ifndef RS_FAULT_PLAN_H
#define RS_FAULT_PLAN_H

#include "scenario.h"

typedef enum fp_kind {
  FP_START = 0, /* the fault begins */
  FP_END,       /* the fault is over (until=) */
  FP_BOOT,      /* a restarted node starts, `boot` after the restart */
} fp_kind;

typedef struct fp_action {
  double t;
  guint order;   /* file order, so equal times apply as written */
  fp_kind kind;
  guint rank;    /* at one instant: 0 the ends of earlier windows, 1 the rest, 2 the end of a
                  * window that starts at that instant too (it lasts no time) */
  const sc_fault *fault;
} fp_action;

typedef struct fault_plan {
  GArray *actions;  /* fp_action, sorted by time (ends before starts at one instant, then file order) */
  GPtrArray *drawn; /* sc_fault* the <random-crashes> drew (owned) */
} fault_plan;

/* Every fault of `sc`; windows that reach past the duration are cut at it (DESIGN.md: how a run
 * ends). */
fault_plan *fault_plan_new(const scenario *sc);
void fault_plan_free(fault_plan *p);
/* Whether a fault is of element `kind` ("crash", "partition", ...). */
bool fault_is(const sc_fault *f, const char *kind);

/* What a fault's trace line names besides its kind and phase: key, value, ... NULL (node, host,
 * link, groups, from, to, and the rate, latency or boot that applies). */
typedef struct fault_target {
  char rate[32], latency[32], boot[32];
  const char *pairs[16];
} fault_target;

void fault_target_of(const sc_fault *fault, const char *phase, fault_target *out);

#endif
