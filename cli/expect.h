/* Judges a run: fills the summary with its measures and checks the scenario's expectations. */
#ifndef RS_EXPECT_H
#define RS_EXPECT_H

#include "actors/sim.h"
#include "analysis/anomalies.h"
#include "analysis/linearize.h"
#include "analysis/summary.h"

/* Adds to `s` the consistency measures of the run (digests, linearizability, and from the run's
 * `trace_path` lost writes, stale reads, fault windows and failover time) and one expectation
 * per scripted `expect` and per `<expect>` attribute. `lin` receives the checker's result (NULL
 * when the app has no checker); `anom` the anomalies (NULL if the trace could not be read). */
void expect_judge(const scenario *sc, const sim_outcome *out, summary *s, double check_timeout,
                  const char *trace_path, lin_result **lin, anomalies **anom);

#endif
