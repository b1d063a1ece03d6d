/* Link faults through SimGrid's C++ API, behind a C interface that never throws. */
#ifndef RS_SIM_LINK_H
#define RS_SIM_LINK_H

#include <simgrid/forward.h>
#include <stdbool.h>

/* Turns a platform link off (messages on it fail) or back on. False if there is no such link. */
bool sim_link_set_on(const char *name, bool on);
/* Sets a link's latency in seconds, giving the previous one. False if there is no such link. */
bool sim_link_set_latency(const char *name, double latency, double *previous);
/* A link's latency in seconds. False if there is no such link. */
bool sim_link_get_latency(const char *name, double *latency);

/* Makes `actor` the permanent receiver of `mailbox` (the C API sets only the calling actor). */
void sim_mailbox_set_receiver(sg_mailbox_t mailbox, sg_actor_t actor);

#endif
