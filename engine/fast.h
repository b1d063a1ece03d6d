/* The fast engine: the same core nodes, deploy, faults, trace and outputs as the SimGrid engine,
 * on a binary-heap event loop with an uncontended L + S/B link model (README: "Engines"). */
#ifndef RS_FAST_H
#define RS_FAST_H

#include "actors/sim.h"

/* Runs `sc` as sim_run does (same outputs, same sim_outcome), without SimGrid's simulation. */
bool fast_run(const scenario *sc, const char *dir, const sim_limits *limits, sim_outcome *out, char **err);

#endif
