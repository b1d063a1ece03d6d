/* What core nodes report (core/host.h's rs_event), turned into trace lines, seed 000's per-node
 * logs and scripted-step checks: the one glue every host uses (the simulator, real mode). */
#ifndef RS_NODE_EVENTS_H
#define RS_NODE_EVENTS_H

#include "core/driver.h"
#include "core/host.h"
#include "trace/trace_writer.h"

#include <glib.h>

/* A scripted step that carried an expectation, and whether it held. */
typedef struct trace_step_check {
  char *client;
  int line;
  char *what;     /* "write u1 at r2" */
  char *expected; /* expected status (and value) */
  char *actual;
  bool held;
} trace_step_check;

void trace_step_check_free(gpointer p);

/* A node's log (logs/<node>.txt), buffered: appended to its file whenever the buffer fills and
 * at the end, so no file stays open (a run may have ten thousand clients). */
typedef struct tev_log {
  char *path;
  GString *buf;
  bool created;          /* the file exists: later flushes append */
} tev_log;

/* The operation a client has under way, so that a crash can close it in the history as unknown. */
typedef struct tev_open_op {
  bool open;
  uint8_t kind;          /* rs_op_kind */
  GString *key, *name;
} tev_open_op;

/* Where one run's events go. The host fills it and owns what it points to. */
typedef struct tev_run {
  trace_writer *trace;
  GString *str[4];       /* scratch: NUL-terminated copies of slices */
  GPtrArray *steps;      /* trace_step_check*: appended to (NULL: not collected) */
  GPtrArray *digests;    /* char*: the digest of every replica up at the end */
  char *log_error;       /* the first failure to write a log (the run then fails) */
  double end_time;       /* the time finals and digests carry */
  const char *(*name_of)(const void *ctx, rs_node_id id); /* a node's name (NULL: unknown) */
  const void *name_ctx;
} tev_run;

/* One node as the glue sees it: its name and the host's records of it. */
typedef struct tev_node {
  const char *name;
  tev_log *log;
  tev_open_op *open_op;  /* clients (NULL otherwise) */
  long *done;            /* clients: operations completed over every life */
  bool up;               /* digests: whether the replica is up */
} tev_node;

void tev_run_init(tev_run *r, trace_writer *trace);
void tev_run_clear(tev_run *r);

/* Writes `ev` at time `t`. RS_EV_FINISHED is the host's own business and is ignored here. */
void tev_emit(tev_run *r, const tev_node *n, double t, const rs_event *ev);
/* A client that crashes with an operation under way: the history closes it as unknown. */
void tev_crash_open_op(tev_run *r, const tev_node *n, double t);

/* Logs: one line (a newline is added), and the buffer written out (at the end of a run too). */
void tev_log_line(tev_run *r, tev_log *log, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void tev_log_flush(tev_run *r, tev_log *log);
/* The `key value` line seed 000's logs hold for an applied update (a delete: `key (deleted)`). */
void tev_log_update(tev_run *r, tev_log *log, const rs_op *op, const rs_result *res);

/* A NUL-terminated copy of a slice in scratch slot `slot` (NULL for a NULL slice). */
const char *tev_bytes_str(tev_run *r, int slot, rs_bytes b);

#endif
