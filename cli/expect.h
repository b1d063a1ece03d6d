/* Judges a run: fills the summary with its measures and checks the scenario's expectations. */
#ifndef RS_EXPECT_H
#define RS_EXPECT_H

#include "actors/sim.h"
#include "analysis/linearize.h"
#include "analysis/summary.h"

/* Adds to `s` the consistency measures of the run (digests, linearizability) and one expectation
 * per scripted `expect` and per `<expect>` attribute. `lin` receives the checker's result (NULL
 * when the app has no checker). */
void expect_judge(const scenario *sc, const sim_outcome *out, summary *s, double check_timeout,
                  lin_result **lin);

#endif
