/* `replsim compare`'s plan of runs, shared by its runner (cmp_runner.c) and its report
 * (cmp_report.c). */
#ifndef RS_COMPARE_H
#define RS_COMPARE_H

#include "plot/plot.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* How a run ended. A run whose expectation failed (exit 1) still measured something. */
typedef enum cmp_status {
  CMP_PENDING = 0,
  CMP_OK,                 /* exit 0 and a summary */
  CMP_EXPECT_FAILED,      /* exit 1 and a summary */
  CMP_BAD_INPUT,          /* exit 2 */
  CMP_CRASHED,            /* killed by a signal */
  CMP_EXIT_OTHER,         /* any other exit status, or it could not be started */
  CMP_NO_SUMMARY,         /* exit 0 or 1 but no readable summary.json */
  CMP_NOT_RUN,            /* --collect: the plan's line for it has not run (no exit status) */
} cmp_status;

/* One operation type's figures in one run (op "all" for every operation). Latencies in seconds. */
typedef struct cmp_op_row {
  char *op;
  uint64_t count, ok, failed, info;
  bool has_latency;
  double p50, p90, p99, mean, max;
  double throughput;      /* ok operations of this type per simulated second */
} cmp_op_row;

typedef struct cmp_run {
  const char *protocol;   /* borrowed from the plan */
  const char *value;      /* of the varied key; NULL without --vary */
  uint64_t seed;
  guint column;           /* protocol * n_values + value index */
  char *name;             /* P[-KEY-V]-seedS */
  char *dir;              /* OUT/runs/NAME */
  char *log;              /* the run's captured output */
  char *partial;          /* what a run that died left half-written (outdir.c's staging folder,
                             DIR.partial-PID), or NULL */
  cmp_status status;
  int code;               /* exit status or signal number */
  /* From summary.json and trace.jsonl, when has_summary. */
  bool has_summary;
  GPtrArray *rows;        /* cmp_op_row*: "all" first, then each operation type */
  bool has_availability, has_stale_reads;
  double availability;
  uint64_t stale_reads;
  char *linearizable;     /* "true", "false", "unknown", or NULL when not checked */
  plot_cdf_line *latencies; /* ok operations' latencies from the trace; NULL if unreadable */
} cmp_run;

typedef struct cmp_plan {
  char *scenario;         /* the file, as given */
  char *scenario_name;
  char **protocols;
  guint n_protocols;
  char *vary_key;         /* NULL without --vary */
  char **values;          /* NULL without --vary */
  guint n_values;         /* 1 without --vary */
  GArray *seeds;          /* uint64_t */
  int jobs;
  char *out;              /* where the runs and the report are written: the staging folder
                             (outdir.h) until the report is done, then final_out */
  char *final_out;        /* --out, or out/compare-NAME */
  GPtrArray *runs;        /* cmp_run*, protocol-major, then value, then seed */
} cmp_plan;

/* cmp_runner.c: runs every run of the plan as `replsim run` child processes, `jobs` at a time,
 * showing progress on stderr; fills each run's status. False only if nothing could be tried
 * (the binary cannot be found). */
bool cmp_run_all(cmp_plan *plan, char **err);

/* Moves a run's log (OUT/runs/NAME.log) into its folder as run.log, listed in its marker. */
void cmp_keep_log(cmp_run *r);

/* cmp_plan.c: what `compare --plan` records in OUT/compare.plan, so --collect rebuilds the same
 * plan (the options as given; owned strings). */
typedef struct cmp_plan_record {
  char *protocols, *seeds, *vary;
} cmp_plan_record;
/* False (with *err) when `file` exists and is not a plan replsim wrote. */
bool cmp_plan_file_ok(const char *file, char **err);
/* Writes OUT/compare.plan (listed in OUT's marker) and `file`: one shell line per run. */
bool cmp_write_plan(const cmp_plan *plan, const char *file, const cmp_plan_record *rec, char **err);
bool cmp_read_plan_record(const char *dir, cmp_plan_record *rec, char **scenario, char **err);
/* Gives every run of a planned folder its status from what its line left; false when some
 * have not run. */
bool cmp_collect_all(cmp_plan *plan);

/* cmp_report.c: reads every finished run's summary.json and trace.jsonl. */
void cmp_read_results(cmp_plan *plan);
/* Writes OUT/results.csv. */
bool cmp_write_csv(const cmp_plan *plan, char **err);
/* Prints the side-by-side table (medians over seeds) and the failed runs. */
void cmp_print_table(const cmp_plan *plan);
/* Draws OUT/plots/cdf.* and, with --vary, OUT/plots/vary.*; appends the files to `written`. */
bool cmp_draw_plots(const cmp_plan *plan, GPtrArray *written, char **err);

/* "ok", "expectation-failed", "bad-input", "crashed-signal-N", "exit-N", "no-summary". */
char *cmp_status_name(const cmp_run *r);
/* A column's heading: "quorum" or "quorum replicas=5". */
char *cmp_column_name(const cmp_plan *plan, guint column);

#endif
