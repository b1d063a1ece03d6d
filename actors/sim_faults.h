/* The fault injector: the scenario's faults, applied between slices of the simulation. */
#ifndef RS_SIM_FAULTS_H
#define RS_SIM_FAULTS_H

#include "sim_world.h"

typedef struct sim_faults sim_faults;

/* Plans every fault of the scenario (the replicas <join> adds are in the plan already). */
sim_faults *sim_faults_new(sim_world *w);
void sim_faults_free(sim_faults *f);
/* The time of the next fault action, false when none is left. */
bool sim_faults_next(const sim_faults *f, double *t);
/* Applies every action due at `now` (called from outside the simulation, between slices). */
void sim_faults_apply_due(sim_faults *f, double now);

#endif
