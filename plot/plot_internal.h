/* Private to the plot_*.c files: scripts, data files, running gnuplot, and a trace's faults. */
#ifndef RS_PLOT_INTERNAL_H
#define RS_PLOT_INTERNAL_H

#include "plot/plot.h"
#include "trace/facts.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* --- plot_gnuplot.c ------------------------------------------------------------------------ */

/* A gnuplot script being written. Its body runs twice, once per output format, inside a
 * `do for [fmt in "png svg"] { ... }` block that plot_script_begin opens. */
typedef struct plot_script {
  GString *text;
  char *dir, *name;
} plot_script;

/* Opens DIR/NAME's script: a comment saying `what` it draws, then the loop choosing pngcairo
 * (png when cairo is missing) or svg at `width` x `height` pixels. */
plot_script *plot_script_begin(const char *dir, const char *name, const char *what, int width,
                               int height);
/* Appends a line of the body (printf-style; the newline is added). */
void plot_script_line(plot_script *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Closes the loop, writes NAME.gp, runs gnuplot on it in DIR, checks NAME.png and NAME.svg
 * came out non-empty and appends the three paths to `written`. Frees `s` either way. */
bool plot_script_finish(plot_script *s, GPtrArray *written, char **err);
/* Frees a script without writing or running it. */
void plot_script_discard(plot_script *s);

/* Writes `text` to DIR/NAME and appends its path to `written`. */
bool plot_write_file(const char *dir, const char *name, const GString *text, GPtrArray *written,
                     char **err);

/* Appends `v` in a locale-independent %.9g ("?" for NAN, which the scripts read as missing). */
void plot_num(GString *out, double v);
/* `s` as a gnuplot single-quoted string ('it''s'), with control characters replaced by spaces. */
char *plot_quote(const char *s);
/* The i-th colour of a palette that stays distinct for colour-blind readers, as "#RRGGBB". */
const char *plot_color(guint i);
/* Chooses a log scale when the positive values span more than two decades. */
bool plot_wants_log(double min_positive, double max);

/* Rows of labels along the top of a plot, for the faults. */
#define PLOT_LABEL_ROWS 4
typedef struct plot_rows {
  double end[PLOT_LABEL_ROWS]; /* where each row's last label ends (plot units) */
  bool used[PLOT_LABEL_ROWS];
  guint hidden;                /* labels that found no row: the picture says how many */
} plot_rows;

/* Places a label `width` wide that starts at `x0` in the first row where it runs into no other
 * label; one that would run past `right` is moved left to end there (*x and *right_align say
 * where to draw it). Returns the row, or -1 (and counts it hidden) when every row is taken: a
 * label is never drawn over another, nor cut by the edge, without the picture saying so. */
int plot_rows_place(plot_rows *r, double x0, double width, double right, double *x, bool *right_align);

/* --- plot_trace.c -------------------------------------------------------------------------- */

/* "WHAT: scenario (protocol, seed N)", or WHAT alone for a history without a run line. */
char *plot_title(const trace_facts *f, const char *what);

#endif
