/* `replsim real`'s run: every server node of a scenario its own `replsim node` process, the
 * clients in this process, the faults in wall-clock time, one trace in time order. */
#ifndef RS_NET_REAL_H
#define RS_NET_REAL_H

#include "addrs.h"
#include "frame.h"

#include "trace/node_events.h"

typedef struct real_config {
  const scenario *sc;
  const deploy *plan;
  const net_addrs *addrs;
  const net_key *key;
  const char *dir;        /* the (staged) output folder: trace.jsonl, logs/ are written here */
  const char *data;       /* the stores' folder */
  char **node_args;       /* what every node process is given besides its id: the scenario,
                           * --hosts, --key, --seed, --set... (NULL-terminated) */
} real_config;

typedef struct real_result {
  double end_time;        /* seconds since the run began */
  GPtrArray *steps;       /* trace_step_check* (owned) */
  uint64_t sent, dropped;
} real_result;

/* Runs the scenario. False with a message for a failure of the run itself (a node that would not
 * start, a folder that cannot be written); every process it started is gone when it returns. */
bool real_run(const real_config *cfg, real_result *out, char **err);
void real_result_clear(real_result *r);

#endif
