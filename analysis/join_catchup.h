/* How long each replica a <join> added took to be brought up to date (seed 003's extra credit). */
#ifndef RS_JOIN_CATCHUP_H
#define RS_JOIN_CATCHUP_H

#include "analysis/summary.h"
#include "trace/facts.h"

/* For every join fault of `f`, the time from the join to the first STATE_ACK the new replica
 * sent (it installed a whole state from the primary) or, without one, to the last STATE it
 * received (a quorum joiner merges the states it asked for), into `s` (summary_add_join). Reads
 * the trace's message lines only when there was a join. False with a message on a bad trace. */
bool join_catch_up_fill(const char *trace_path, const trace_facts *f, summary *s, char **err);

#endif
