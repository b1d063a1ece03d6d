/* A client history: every operation with its invocation and completion, as the checker reads it. */
#ifndef RS_HISTORY_H
#define RS_HISTORY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum hist_outcome {
  HIST_PENDING = 0, /* invoked, never completed (the run ended first): treated like info */
  HIST_OK,
  HIST_FAIL,
  HIST_INFO,
} hist_outcome;

/* One operation. Strings are owned by the history; NULL means absent (a get of nothing: value
 * NULL with value_null set). */
typedef struct hist_op {
  uint32_t index;     /* position in the history (invocation order) */
  char *process;      /* client node id */
  char *op;           /* "write", "read", "delete", "put", "get", "append", "cas" */
  char *key;
  char *name;         /* files */
  char *value;        /* written value (invoke) or value read (ok) */
  bool value_null;    /* a read/get that answered null / nothing */
  char *expected;     /* cas */
  char *status;       /* the answer's status, NULL until completed */
  uint64_t version;
  char *replica;
  double t_invoke;
  double t_intended;  /* when an open-loop operation was due (t_invoke when not given): latency
                       * is measured from here */
  double t_complete;  /* < 0 while pending */
  hist_outcome outcome;
  long trace_line_invoke, trace_line_complete; /* 1-based lines in trace.jsonl, 0 if unknown */
} hist_op;

typedef struct history {
  GPtrArray *ops;            /* hist_op*, in invocation order */
  GHashTable *open;          /* process -> hist_op* still open (one per process) */
} history;

history *history_new(void);
void history_free(history *h);

/* Records an invocation; the operation is open until history_complete for the same process. */
hist_op *history_invoke(history *h, const char *process, const char *op, const char *key,
                        const char *name, const char *value, const char *expected, double t,
                        long trace_line);
/* Completes the open operation of `process`. Returns NULL if it had none. */
hist_op *history_complete(history *h, const char *process, hist_outcome outcome, const char *status,
                          const char *value, bool value_null, uint64_t version, const char *replica,
                          double t, long trace_line);

/* Records the filename a completion reported (a files read's `ok`) when the invocation had none. */
void hist_op_set_name(hist_op *o, const char *name);

const char *hist_outcome_name(hist_outcome o); /* "pending", "ok", "fail", "info" */

/* A deep copy of `src` into `dst`, for findings that must outlive their history; free it with
 * hist_op_clear (which leaves `dst` zeroed). */
void hist_op_copy(hist_op *dst, const hist_op *src);
void hist_op_clear(hist_op *o);

#endif
