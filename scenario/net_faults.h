/* What the network faults in force do, for every engine: which directions the partitions cut,
 * the loss and duplicate rates, and a link's latency under the delay faults in force. */
#ifndef RS_NET_FAULTS_H
#define RS_NET_FAULTS_H

#include "deploy.h"

/* Fills cut[from * n + to] (n the plan's node count) from the partition faults in `active`
 * (sc_fault*: partitions, loss and duplicate windows in force), and the combined rates:
 * independent windows combine, a message survives each loss window in turn. */
void net_faults_compute(const deploy *plan, const GPtrArray *active, bool *cut, guint n, double *loss_rate,
                        double *duplicate_rate);

/* A link's latency with the delay faults (sc_fault*) in force: the largest of theirs, or `base`
 * when none is. */
double net_faults_link_latency(double base, const GPtrArray *delays);

/* The <network jitter> delay of one message, drawn from the network's generator `rand` (in send
 * order, so both engines draw the same): uniform on [0, 2 x mean], exponential, or none. */
double net_faults_jitter(const scenario *sc, GRand *rand);

#endif
