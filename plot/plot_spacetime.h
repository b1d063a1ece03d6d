/* Private to the space-time diagram: what the reader keeps of a trace's window for the drawer. */
#ifndef RS_PLOT_SPACETIME_H
#define RS_PLOT_SPACETIME_H

#include "plot/plot_internal.h"

/* A message received (or lost: dropped) at t1 after being sent at t0. */
typedef struct st_arrow {
  double t0, t1;
  char *from, *to, *msg;
  char *why;              /* why a dropped message was lost ("crashed", "partition"), or NULL */
  bool dropped;
} st_arrow;

/* Outcomes of a client operation's span; ST_OPEN when the window ended before it did. */
enum { ST_OK, ST_FAIL, ST_INFO, ST_OPEN, ST_OUTCOMES };

/* A role change worth a note on its node's lane. */
typedef struct st_mark {
  double t;
  char *node, *text;
} st_mark;

/* The part of a trace a space-time diagram shows. */
typedef struct st_view {
  double from, to;        /* the window asked for (defaults filled in) */
  char *why;              /* why a default window is where it is ("the first fault: crash r1") */
  gint64 stuck;           /* the index of the violation's operation it opens on, or -1 */
  double x_end;           /* where the picture ends: `to`, or a little later so that the
                             messages sent in a default window are seen arriving */
  guint messages;         /* messages sent inside the window */
  GPtrArray *arrows;      /* st_arrow*, in order of arrival */
  GPtrArray *spans;       /* const hist_op* (the history's): operations reaching into the window,
                             in order of invocation */
  GPtrArray *marks;       /* st_mark* */
  GHashTable *clients;    /* node -> NULL: every process that invoked an operation */
  GHashTable *nodes;      /* node -> NULL: every node with something in the window */
} st_view;

/* Reads what falls in `win` (defaults: from the first message to the PLOT_SPACETIME_MESSAGES-th
 * one): messages streamed from the trace, stopping as soon as nothing later can appear in the
 * picture; operations and roles from `d`, read already. */
bool st_view_read(const plot_data *d, const plot_window *win, st_view *v, char **err);
void st_view_clear(st_view *v);
/* The default window's anchor: the first violation's stuck operation, else the first fault's
 * start; false (nothing worth leading to) otherwise. *why says which, for the picture. */
bool st_anchor(const plot_data *d, double *t, char **why, gint64 *stuck);

/* A span's outcome as the picture shows it: ST_OPEN past the picture's end or never completed. */
int st_span_outcome(const st_view *v, const hist_op *o);
/* Where a span ends in the picture. */
double st_span_end(const st_view *v, const hist_op *o);

/* The time axis. When the window is mostly idle (clients thinking between bursts), stretches
 * with nothing in flight are cut short so the bursts get the width; x stays increasing in t. */
typedef struct st_axis {
  double scale;           /* seconds -> axis unit (1e3 for ms) */
  const char *unit;
  GArray *t, *x;          /* double: breakpoints, real seconds and axis positions */
  GArray *cuts;           /* double: axis position of each stretch cut short */
  GArray *resumes;        /* double: the simulated time at which each cut stretch ends */
  double x_from, x_end;   /* the window on the axis */
  bool compressed;
} st_axis;

void st_axis_build(st_axis *a, const st_view *v, const trace_facts *m);
/* Where simulated time `t` (seconds) sits on the axis. */
double st_axis_x(const st_axis *a, double t);
void st_axis_clear(st_axis *a);

/* Labels that must not overlap, placed greedily in pixel space. */
typedef struct st_labels {
  GArray *boxes;          /* double[4] per placed label: x0, y0, x1, y1 */
} st_labels;

/* True (and the box kept) when a label of `chars` characters centred at pixel (cx, cy) with
 * characters `char_px` wide overlaps none placed before. */
bool st_labels_place(st_labels *l, double cx, double cy, size_t chars, double char_px);

#endif
