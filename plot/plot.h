/* Plots with gnuplot: data files and scripts written into a folder, then drawn as PNG and SVG. */
#ifndef RS_PLOT_H
#define RS_PLOT_H

#include "trace/facts.h"
#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>

/* Every plot NAME leaves NAME.dat (the data, deterministic), NAME.gp (a script that redraws both
 * pictures with `gnuplot NAME.gp` run in that folder), NAME.png and NAME.svg. Functions that
 * draw take `written`, a GPtrArray of char* (g_free) to which they append every file they wrote,
 * and return false with a message in `err` on failure (gnuplot missing or failing included). */

/* A time window of the space-time diagram, in simulated seconds, and the nodes it shows. Unset
 * ends take the default: PLOT_SPACETIME_MESSAGES messages around what is worth seeing (the first
 * violation the checker finds, else the first fault, else the start). */
typedef struct plot_window {
  bool has_from, has_to;
  double from, to;
  char **nodes;      /* NULL-terminated node ids to draw, or NULL for every node */
} plot_window;

#define PLOT_SPACETIME_MESSAGES 300

/* A run read back for the pictures, in one pass: its history and its facts. */
typedef struct plot_data {
  history *h;
  trace_facts *f;
  const char *trace; /* the path it was read from */
} plot_data;

/* Reads `trace`; false with "FILE:LINE: what is wrong" in `err`. */
bool plot_data_read(const char *trace, plot_data *d, char **err);
void plot_data_clear(plot_data *d);

/* True when a gnuplot program is on the PATH. */
bool plot_gnuplot_available(void);

/* Every plot of one run folder (holding trace.jsonl) into DIR/plots/: latency over time and the
 * space-time diagram. */
bool plot_run_dir(const char *run_dir, const plot_window *win, GPtrArray *written, char **err);

/* Latency of every operation of `trace` against simulated time, one colour per operation type,
 * failed and timed-out operations marked apart, fault windows shaded: OUT_DIR/latency.*. */
bool plot_latency_time(const plot_data *d, const char *out_dir, GPtrArray *written, char **err);

/* The space-time (Lamport) diagram of `trace`: a lane per node, an arrow per message, client
 * operations as spans, crashes, pauses and partitions marked: OUT_DIR/spacetime.*. */
bool plot_spacetime(const plot_data *d, const char *out_dir, const plot_window *win,
                    GPtrArray *written, char **err);

/* One line of a comparison: its legend and its latencies in seconds (ok operations). */
typedef struct plot_cdf_line {
  char *name;
  guint color, dash;  /* palette index and dash pattern (0 solid), both 0 from plot_cdf_line_new */
  GArray *all;        /* double: every ok operation */
  GPtrArray *per_op;  /* plot_cdf_op*: the same split by operation type */
} plot_cdf_line;

typedef struct plot_cdf_op {
  char *op;
  GArray *lat;        /* double */
} plot_cdf_op;

plot_cdf_line *plot_cdf_line_new(const char *name);
void plot_cdf_line_free(plot_cdf_line *l);
/* Adds `n` latencies of operation type `op` to that type's set in `line` (not to `all`). */
void plot_cdf_line_add(plot_cdf_line *line, const char *op, const double *lat, guint n);
/* Adds the ok operations of `trace` to `line`. */
bool plot_cdf_line_add_trace(plot_cdf_line *line, const char *trace, char **err);

/* Latency CDFs, one line per element of `lines` (plot_cdf_line*): a panel for all operations
 * and one per operation type: OUT_DIR/cdf.*. */
bool plot_cdf(const GPtrArray *lines, const char *title, const char *out_dir, GPtrArray *written,
              char **err);

/* Figures against a varied parameter: `values` as written on the command line, numeric when
 * every one of them is a number. Matrices are [protocol * n_values + value]; NAN marks a
 * missing point. Latencies in seconds, availability 0..1. */
typedef struct plot_vary {
  const char *key;
  const char *const *values;
  guint n_values;
  const char *const *protocols;
  guint n_protocols;
  const double *p50, *p99, *availability;
} plot_vary;

/* Latency (p50 solid, p99 dashed) and availability against the varied value, one line per
 * protocol: OUT_DIR/vary.*. */
bool plot_vary_draw(const plot_vary *v, const char *title, const char *out_dir,
                    GPtrArray *written, char **err);

#endif
