/* The one way a finished run is judged and published, simulated (`run`) or real (`real`). */
#ifndef RS_RUN_REPORT_H
#define RS_RUN_REPORT_H

#include "actors/sim.h"

/* Judges the run whose trace.jsonl and logs/ are in `staged` (checker, anomalies,
 * expectations), writes summary.json and history.edn there, publishes it as `dir`, prints the
 * summary, and returns the exit status (0 every expectation held, 1 one failed, 2 the folder
 * could not be written). `cmd` names the command in messages. */
int run_report(const scenario *sc, const sim_outcome *out, const char *staged, const char *dir, double wall,
               double check_timeout, const char *cmd);

#endif
