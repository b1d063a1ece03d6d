/* Judges a run: fills the summary with its measures and checks the scenario's expectations. */
#ifndef RS_EXPECT_H
#define RS_EXPECT_H

#include "actors/sim.h"
#include "analysis/summary.h"
#include "analysis/verdict.h"

/* The run's verdict, reached as `replsim check` reaches it: the trace read back (one pass: the
 * history and the facts), then the one verdict path. Fills the summary's statistics and
 * consistency measures. NULL (with a message on stderr) when the trace cannot be read back or
 * checked: the measures then stay "not computed", which fails any expectation about them.
 * *h receives the history read back (for history.edn), or NULL. */
verdict *expect_verdict(const char *trace_path, double check_timeout, summary *s, history **h);

/* Adds one expectation per scripted `expect` and per `<expect>` attribute of `sc`. */
void expect_judge(const scenario *sc, const sim_outcome *out, summary *s);

#endif
