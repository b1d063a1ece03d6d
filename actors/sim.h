/* Runs a scenario in SimGrid: deploys the cluster, drives the clients, writes trace and logs. */
#ifndef RS_SIM_H
#define RS_SIM_H

#include "trace/history.h"
#include "trace/node_events.h"
#include "scenario/scenario.h"

/* What a run measured, for the summary. Owned by the caller; free with sim_outcome_clear. */
typedef trace_step_check sim_step_check;

typedef struct sim_outcome {
  double end_time;          /* simulated seconds when the run ended */
  uint64_t messages_sent;
  uint64_t messages_dropped;
  GPtrArray *steps;         /* sim_step_check*: scripted steps that carried an expectation */
  char *stopped;            /* "livelock", "wall-bound" when the watchdog stopped the run, else NULL */
  char *stop_report;        /* ...and what it saw (nodes, message types), for stderr */
} sim_outcome;

/* How a run may be bounded from the command line. */
typedef struct sim_limits {
  double max_wall;          /* seconds of wall clock before the run is stopped (0: none) */
} sim_limits;

/* Runs `sc` writing trace.jsonl and logs/ into `dir` (which must exist). False with *err set on a
 * failure of the run itself (not of an expectation). */
bool sim_run(const scenario *sc, const char *dir, const sim_limits *limits, sim_outcome *out, char **err);
void sim_outcome_clear(sim_outcome *out);
/* How long a run may settle after its duration (both engines): 5 s, or three heartbeats. */
double sim_settle_time(const scenario *sc);
/* The earliest time a quiet cluster may end a run with a duration (both engines): the duration,
 * or dead-after + 1 heartbeats later when a fault was in force within a heartbeat of it. */
double sim_heal_time(const scenario *sc);

#endif
