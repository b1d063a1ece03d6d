/* real.c and real_faults.c: the state of one real-mode run. */
#ifndef RS_NET_REAL_INTERNAL_H
#define RS_NET_REAL_INTERNAL_H

#include "node_host.h"
#include "real.h"

#include "scenario/fault_plan.h"

#include <sys/types.h>

/* A server node's process, as `real` sees it. */
typedef struct real_server {
  struct real_state *run;
  const dp_node *plan;
  pid_t pid;              /* 0 while down */
  uint32_t lives;
  GIOChannel *control;
  FILE *to;               /* commands to it */
  guint watch;
  GString *partial;       /* a line not read whole yet */
  bool ready, busy, reported, paused, joining;
  tev_log log;
} real_server;

typedef struct real_state {
  const real_config *cfg;
  GMainLoop *loop;
  gint64 base_us;
  FILE *unsorted;         /* every trace line, in arrival order */
  char *unsorted_path;
  net_proc *proc;         /* the clients */
  real_server **servers;  /* by id, NULL for clients */
  pid_t pgid;
  int drivers_running;
  int waiting;            /* replies still awaited (BUSY, REPORTED, READY) */
  bool settling, ending;
  char *error;
  fault_plan *faults;
  guint next_fault;
  GPtrArray *active;      /* sc_fault* of network faults in force */
  GPtrArray *steps;
  double end_time;
} real_state;

/* real.c */
bool real_spawn(real_server *s);
void real_kill(real_server *s, int sig);
void real_send(real_server *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void real_trace_fault(real_state *r, const sc_fault *f, const char *kind, const char *phase);
rs_node_id real_id_of(const real_state *r, const char *name);

/* real_faults.c */
void real_faults_start(real_state *r);
void real_network_push(real_state *r, rs_node_id only); /* RS_NO_NODE: every node */

#endif
