/* The space-time (Lamport) diagram: a lane per node, an arrow per message, faults and client
 * operations marked, over a window of simulated time. */
#include "plot/plot_spacetime.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Picture geometry, in pixels; the plot area's sides are fixed so labels can be placed. */
#define ST_WIDTH 1500
#define ST_LEFT 0.075
#define ST_RIGHT 0.85
#define ST_LANE_PX 40.0
#define ST_MIN_LANES_PX 260.0
#define ST_KEY_PX 17.0        /* one legend line */
#define ST_TOP_PX 56.0
#define ST_TOP_ROW_PX 16.0
#define ST_BOTTOM_PX 62.0
#define ST_MSG_CHAR_PX 6.6    /* Sans 7, capitals, with room to spare */
#define ST_ROLE_CHAR_PX 6.0   /* Sans 8 */
#define ST_BAND_CHAR_PX 6.6   /* Sans 10 */

static const char *const outcome_names[ST_OUTCOMES] = {"op ok", "op failed", "op timed out",
                                                       "op running past window"};
static const char *const outcome_colors[ST_OUTCOMES] = {"#8FD18F", "#F08C8C", "#F5C163", "#C8C8C8"};

/* A fixed colour per message type the protocols send, so a type keeps its colour from one
 * picture to the next; requests and replies in greens and purples, replication in oranges,
 * forwarding in blues, registry traffic in earth tones, views and state in greys. Red is left
 * for faults and lost messages. */
static const char *const msg_colors[][2] = {
    {"REQUEST", "#117733"},        {"REPLY", "#AA4499"},         {"FORWARD", "#0072B2"},
    {"FORWARD_REPLY", "#56B4E9"},  {"REPLICATE", "#E69F00"},     {"REPLICATE_ACK", "#B15928"},
    {"QUORUM_REQUEST", "#009E73"}, {"QUORUM_REPLY", "#CC79A7"},  {"REGISTER", "#999933"},
    {"REGISTER_REPLY", "#C2A83E"}, {"NEW_REPLICA", "#882255"},   {"NEW_REPLICA_ACK", "#CC6677"},
    {"GET_REPLICAS", "#44AA99"},   {"REPLICAS", "#6FB7C9"},      {"HEARTBEAT", "#AAAAAA"},
    {"PEER_HEARTBEAT", "#8C8C8C"}, {"VIEW", "#332288"},          {"GET_VIEW", "#6677CC"},
    {"STATE", "#222222"},          {"STATE_ACK", "#666666"},
};

/* A message type's colour: its own, or one of the palette chosen by its name. */
static const char *msg_color(const char *msg)
{
  for (guint i = 0; i < G_N_ELEMENTS(msg_colors); i++)
    if (strcmp(msg_colors[i][0], msg) == 0)
      return msg_colors[i][1];
  return plot_color(g_str_hash(msg));
}

/* Lanes top to bottom: registry, view service, replicas, clients; by name within each. */
enum { LANE_REGISTRY, LANE_VIEW, LANE_REPLICA, LANE_CLIENT };

typedef struct st_lane {
  char *node;
  int kind;
  char *sort_key;
} st_lane;

/* Everything the drawing needs and builds. */
typedef struct st_draw {
  const st_view *v;
  char **nodes;         /* the lanes asked for (NULL: every node) */
  const trace_facts *m;
  st_axis axis;
  GPtrArray *lanes;     /* st_lane*, top first */
  GHashTable *lane_of;  /* node -> GINT_TO_POINTER(index + 1) */
  double px_per_x, px_per_lane;
  int height;
  guint top_rows;       /* rows of network-fault labels above the plot */
  guint blocks;         /* data blocks written so far */
  GString *data;        /* spacetime.dat */
  GString *body;        /* script lines before the plot command */
  GString *plot;        /* the plot command */
  GString *labels;      /* message names that found room: x y "name" colour */
  GString *op_labels;   /* operation names that found room: x y "name" */
  GString *crosses;     /* where crashes happened: x y */
  st_labels placed;
} st_draw;

static void body_line(st_draw *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void body_line(st_draw *d, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_string_append_vprintf(d->body, fmt, ap);
  g_string_append_c(d->body, '\n');
  va_end(ap);
}

static void add_clause(st_draw *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_clause(st_draw *d, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_string_append(d->plot, d->plot->len ? ", \\\n    " : "plot ");
  g_string_append_vprintf(d->plot, fmt, ap);
  va_end(ap);
}

/* --- lanes --------------------------------------------------------------------------------- */

static bool is_client(const st_view *v, const char *node)
{
  if (g_hash_table_contains(v->clients, node))
    return true;
  if (node[0] != 'c' || !node[1])
    return false;
  for (const char *p = node + 1; *p; p++)
    if (!g_ascii_isdigit(*p))
      return false;
  return true;
}

static int lane_kind(const st_view *v, const char *node)
{
  if (strcmp(node, "registry") == 0)
    return LANE_REGISTRY;
  if (strcmp(node, "view-service") == 0)
    return LANE_VIEW;
  return is_client(v, node) ? LANE_CLIENT : LANE_REPLICA;
}

static gint lane_order(gconstpointer a, gconstpointer b)
{
  const st_lane *x = *(st_lane *const *)a, *y = *(st_lane *const *)b;
  if (x->kind != y->kind)
    return x->kind - y->kind;
  return strcmp(x->sort_key, y->sort_key);
}

static void lane_free(gpointer p)
{
  st_lane *l = p;
  g_free(l->node);
  g_free(l->sort_key);
  g_free(l);
}

static bool fault_in_window(const st_view *v, const fact_fault *f)
{
  return f->start <= v->x_end && f->end >= v->from;
}

/* Whether `node` gets a lane: every node, or those --nodes names. */
static bool shown(const st_draw *d, const char *node)
{
  return !d->nodes || g_strv_contains((const char *const *)d->nodes, node);
}

/* One lane per node seen in the window, plus nodes a fault in the window acts on. */
static void make_lanes(st_draw *d)
{
  GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, d->v->nodes);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_hash_table_add(names, key);
  for (guint i = 0; i < d->m->faults->len; i++) {
    const fact_fault *f = d->m->faults->pdata[i];
    if (f->node && fault_in_window(d->v, f) && shown(d, f->node))
      g_hash_table_add(names, f->node);
  }
  d->lanes = g_ptr_array_new_with_free_func(lane_free);
  g_hash_table_iter_init(&it, names);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    st_lane *l = g_new0(st_lane, 1);
    l->node = g_strdup(key);
    l->kind = lane_kind(d->v, key);
    l->sort_key = g_utf8_collate_key_for_filename(key, -1);
    g_ptr_array_add(d->lanes, l);
  }
  g_hash_table_destroy(names);
  g_ptr_array_sort(d->lanes, lane_order);
  d->lane_of = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < d->lanes->len; i++)
    g_hash_table_insert(d->lane_of, ((st_lane *)d->lanes->pdata[i])->node, GINT_TO_POINTER(i + 1));
}

/* A node's lane as a y coordinate (the top lane highest), or NAN if it has none. */
static double lane_y(const st_draw *d, const char *node)
{
  int i = node ? GPOINTER_TO_INT(g_hash_table_lookup(d->lane_of, node)) : 0;
  return i ? (double)(d->lanes->len - (guint)i) : NAN;
}

/* --- data ---------------------------------------------------------------------------------- */

static double ax(const st_draw *d, double t)
{
  return st_axis_x(&d->axis, t);
}

static void put(GString *out, double v)
{
  plot_num(out, v);
  g_string_append_c(out, ' ');
}

static void put_text(GString *out, const char *s)
{
  g_string_append_c(out, '"');
  for (const char *p = s ? s : ""; *p; p++)
    g_string_append_c(out, *p == '"' || (unsigned char)*p < 0x20 ? '_' : *p);
  g_string_append_c(out, '"');
}

/* Starts a data block; returns its index for `plot ... index N`. */
static guint begin_block(st_draw *d, const char *what)
{
  g_string_append_printf(d->data, "%s# index %u: %s\n", d->blocks ? "\n\n" : "", d->blocks, what);
  return d->blocks++;
}

/* A point's place in the plot area, in pixels from its bottom left corner. */
static void to_px(const st_draw *d, double x, double y, double *px, double *py)
{
  *px = (x - d->axis.x_from) * d->px_per_x;
  *py = (y + 0.7) * d->px_per_lane;
}

/* --- drawing ------------------------------------------------------------------------------- */

/* Names an operation under its bar when the name finds room. */
static void span_label(st_draw *d, double x0, double x1, double y, const char *op)
{
  double px0, px1, py;
  const char *name = op ? op : "?";
  to_px(d, x0, y, &px0, &py);
  to_px(d, x1, y, &px1, &py);
  double half = (double)strlen(name) * ST_MSG_CHAR_PX / 2, mid = (px0 + px1) / 2;
  if (px1 - px0 < half * 2 || mid - half < 0 || mid + half > ST_WIDTH * (ST_RIGHT - ST_LEFT) ||
      !st_labels_place(&d->placed, mid, py - 12, strlen(name), ST_MSG_CHAR_PX))
    return;
  put(d->op_labels, (x0 + x1) / 2);
  put(d->op_labels, y);
  put_text(d->op_labels, name);
  g_string_append_c(d->op_labels, '\n');
}

/* Client operations as thick bars along their lane, one colour per outcome. */
static void draw_spans(st_draw *d)
{
  for (int oc = 0; oc < ST_OUTCOMES; oc++) {
    guint index = 0, n = 0;
    for (guint i = 0; i < d->v->spans->len; i++) {
      const hist_op *s = d->v->spans->pdata[i];
      double y = lane_y(d, s->process);
      if (st_span_outcome(d->v, s) != oc || isnan(y))
        continue;
      if (n++ == 0)
        index = begin_block(d, "client operations: x y dx dy op");
      double x0 = ax(d, s->t_invoke), x1 = ax(d, st_span_end(d->v, s));
      span_label(d, x0, x1, y, s->op);
      if ((gint64)s->index == d->v->stuck) { /* the operation no linearization can place */
        char *text = g_strdup_printf("cannot be placed: %s %s", s->op, s->key);
        char *q = plot_quote(text);
        double pxc, pyc; /* its room is taken first, so no message name covers it */
        to_px(d, (x0 + x1) / 2, y, &pxc, &pyc);
        st_labels_place(&d->placed, pxc, pyc + 16, strlen(text), 7.6);
        body_line(d, "set label %s at %.9g, %.9g center front offset 0,1.3 tc rgb '#D62728' "
                  "font 'Sans,9'", q, (x0 + x1) / 2, y);
        g_free(q);
        g_free(text);
      }
      double gap = 1.5 / d->px_per_x; /* back-to-back operations stay apart */
      if (x1 - x0 > 4 * gap) {
        x0 += gap;
        x1 -= gap;
      }
      put(d->data, x0);
      put(d->data, y);
      put(d->data, x1 - x0);
      put(d->data, 0);
      put_text(d->data, s->op);
      g_string_append_c(d->data, '\n');
    }
    if (n)
      add_clause(d, "'spacetime.dat' index %u using 1:2:3:4 with vectors nohead lw 9 lc rgb '%s' title '%s'",
                 index, outcome_colors[oc], outcome_names[oc]);
  }
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every message type among the arrows, sorted by name for the legend. */
static GPtrArray *message_types(const st_view *v)
{
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *types = g_ptr_array_new();
  for (guint i = 0; i < v->arrows->len; i++) {
    const char *msg = ((st_arrow *)v->arrows->pdata[i])->msg;
    msg = msg ? msg : "?";
    if (!g_hash_table_contains(seen, msg)) {
      g_hash_table_add(seen, (gpointer)msg);
      g_ptr_array_add(types, (gpointer)msg);
    }
  }
  g_hash_table_destroy(seen);
  g_ptr_array_sort(types, cmp_str);
  return types;
}

/* Names an arrow at its middle when the name fits among the labels placed so far. */
static void label_arrow(st_draw *d, double x, double y, const char *msg, const char *color)
{
  double px, py, half = (double)strlen(msg) * ST_MSG_CHAR_PX / 2;
  to_px(d, x, y, &px, &py);
  if (px - half < 0 || px + half > ST_WIDTH * (ST_RIGHT - ST_LEFT) ||
      !st_labels_place(&d->placed, px, py + 7, strlen(msg), ST_MSG_CHAR_PX))
    return;
  put(d->labels, x);
  put(d->labels, y);
  put_text(d->labels, msg);
  g_string_append_printf(d->labels, " %ld\n", strtol(color + 1, NULL, 16));
}

/* One arrow's line in the data: x y dx dy "MSG". A lost message's line reaches the node it was
 * meant for, at the time it was lost, and its label says why it was lost. */
static void put_arrow(st_draw *d, const st_arrow *a, const char *color)
{
  double y0 = lane_y(d, a->from), y1 = lane_y(d, a->to);
  if (isnan(y0) || isnan(y1))
    return;
  double x0 = ax(d, a->t0), x1 = ax(d, a->t1);
  put(d->data, x0);
  put(d->data, y0);
  put(d->data, x1 - x0);
  put(d->data, y1 - y0);
  put_text(d->data, a->msg);
  g_string_append_c(d->data, '\n');
  if (x0 >= d->axis.x_from && x1 <= d->axis.x_end) {
    char *text = a->dropped && a->why ? g_strdup_printf("%s (%s)", a->msg ? a->msg : "?", a->why)
                                      : g_strdup(a->msg ? a->msg : "?");
    label_arrow(d, (x0 + x1) / 2, (y0 + y1) / 2, text, color);
    g_free(text);
  }
}

/* The messages of one type (or the lost ones, for type NULL) as one block; its index or -1. */
static int arrow_block(st_draw *d, const char *type, const char *color)
{
  int index = -1;
  for (guint i = 0; i < d->v->arrows->len; i++) {
    const st_arrow *a = d->v->arrows->pdata[i];
    const char *msg = a->msg ? a->msg : "?";
    if (type ? (a->dropped || strcmp(msg, type) != 0) : !a->dropped)
      continue;
    if (index < 0) {
      char *what = g_strdup_printf("%s: x y dx dy message", type ? type : "lost messages");
      index = (int)begin_block(d, what);
      g_free(what);
    }
    put_arrow(d, a, color);
  }
  return index;
}

/* Messages as arrows, one colour per message type; lost ones dashed and ending in a cross. */
static void draw_arrows(st_draw *d)
{
  GPtrArray *types = message_types(d->v);
  for (guint i = 0; i < types->len; i++) {
    const char *color = msg_color(types->pdata[i]);
    int index = arrow_block(d, types->pdata[i], color);
    if (index < 0)
      continue;
    char *title = plot_quote(types->pdata[i]);
    add_clause(d, "'spacetime.dat' index %d using 1:2:3:4 with vectors head filled size screen 0.006,20 "
               "lw 1.2 lc rgb '%s' title %s", index, color, title);
    g_free(title);
  }
  int lost = arrow_block(d, NULL, "#D62728");
  if (lost >= 0) {
    add_clause(d, "'spacetime.dat' index %d using 1:2:3:4 with vectors nohead dt 2 lw 1.2 lc rgb '#D62728' "
               "notitle", lost);
    add_clause(d, "'spacetime.dat' index %d using ($1+$3):($2+$4) with points pt 2 ps 1.4 lw 2 lc rgb '#D62728' "
               "title 'message lost'", lost);
  }
  g_ptr_array_free(types, TRUE);
}

/* The message names that found room, drawn over the arrows in their arrow's colour. */
static void draw_labels(st_draw *d)
{
  if (d->labels->len) {
    guint index = begin_block(d, "message names: x y name colour");
    g_string_append(d->data, d->labels->str);
    add_clause(d, "'spacetime.dat' index %u using 1:2:3:4 with labels font 'Sans,7' tc rgb variable "
               "offset 0,0.55 notitle", index);
  }
  if (d->op_labels->len) {
    guint index = begin_block(d, "operation names: x y name");
    g_string_append(d->data, d->op_labels->str);
    add_clause(d, "'spacetime.dat' index %u using 1:2:3 with labels font 'Sans,7' tc rgb '#555555' "
               "offset 0,-0.95 notitle", index);
  }
}

/* Role changes as small diamonds on their lane, named when the name finds room. */
static void draw_marks(st_draw *d)
{
  guint index = 0, n = 0;
  for (guint i = 0; i < d->v->marks->len; i++) {
    const st_mark *m = d->v->marks->pdata[i];
    double y = lane_y(d, m->node);
    if (isnan(y))
      continue;
    if (n++ == 0)
      index = begin_block(d, "role changes: x y role (empty when it did not find room)");
    double x = ax(d, m->t), px, py;
    to_px(d, x, y, &px, &py);
    double half = (double)strlen(m->text) * ST_ROLE_CHAR_PX / 2;
    bool room = st_labels_place(&d->placed, px + 8 + half, py - 10, strlen(m->text), ST_ROLE_CHAR_PX);
    put(d->data, x);
    put(d->data, y);
    put_text(d->data, room ? m->text : "");
    g_string_append_c(d->data, '\n');
  }
  if (!n)
    return;
  add_clause(d, "'spacetime.dat' index %u using 1:2 with points pt 13 ps 1.3 lc rgb '#333333' "
             "title 'role change'", index);
  add_clause(d, "'spacetime.dat' index %u using 1:2:3 with labels left font 'Sans,8' offset 0.6,-0.75 "
             "tc rgb '#333333' notitle", index);
}

/* The part of a fault's window inside the picture, on the axis. */
static void fault_span(const st_draw *d, const fact_fault *f, double *x0, double *x1)
{
  *x0 = ax(d, MAX(f->start, d->v->from));
  *x1 = ax(d, f->end > d->v->x_end ? d->v->x_end : f->end);
}

/* A crash: a cross where it happened and its lane shaded until the node restarts. A pause: its
 * lane shaded. Anything else acting on a node (a join): a note on its lane. */
static void draw_node_fault(st_draw *d, const fact_fault *f, GString *crosses, guint *tag)
{
  double y = lane_y(d, f->node), x0, x1;
  fault_span(d, f, &x0, &x1);
  const char *color = trace_fault_color(f->kind);
  char *label = plot_quote(f->kind);
  if (!f->event)
    body_line(d, "set object %u rect from %.9g, %.9g to %.9g, %.9g fc rgb '%s' "
              "fs transparent solid 0.18 noborder behind", ++*tag, x0, y - 0.42, x1, y + 0.42, color);
  if (strcmp(f->kind, "crash") != 0)
    body_line(d, "set label %u %s at %.9g, %.9g left front font 'Sans,8' offset 0.3,0.95 tc rgb '%s'",
              ++*tag, label, x0, y, color);
  else if (f->start >= d->v->from) {
    put(crosses, x0);
    plot_num(crosses, y);
    g_string_append_c(crosses, '\n');
  }
  g_free(label);
}

/* A fault on the network (partition, link, loss): a band across every lane, labelled above the
 * plot in the first row where the label does not run into another. */
static void draw_band(st_draw *d, const fact_fault *f, guint *tag, plot_rows *rows)
{
  double x0, x1;
  fault_span(d, f, &x0, &x1);
  const char *color = trace_fault_color(f->kind);
  if (f->event)
    body_line(d, "set arrow %u from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lc rgb '%s' back",
              ++*tag, x0, x0, color);
  else
    body_line(d, "set object %u rect from %.9g, graph 0 to %.9g, graph 1 fc rgb '%s' "
              "fs transparent solid 0.12 noborder behind", ++*tag, x0, x1, color);
  double px = (x0 - d->axis.x_from) * d->px_per_x, x;
  bool right;
  int row = plot_rows_place(rows, px, ST_BAND_CHAR_PX * ((double)strlen(f->label) + 2),
                            ST_WIDTH * (ST_RIGHT - ST_LEFT), &x, &right);
  if (row < 0)
    return;
  d->top_rows = MAX(d->top_rows, (guint)row + 1);
  char *label = plot_quote(f->label);
  body_line(d, "set label %u %s at %.9g, graph 1 %s front offset %s,%.1f tc rgb '%s'", ++*tag, label,
            right ? d->axis.x_end : x0, right ? "right" : "left", right ? "-0.2" : "0.2",
            0.8 + 1.1 * row, color);
  g_free(label);
}

/* Every fault that overlaps the window: on its node's lane when it has one, as a band otherwise. */
static void draw_faults(st_draw *d, guint *tag)
{
  GString *crosses = d->crosses;
  plot_rows rows = {0};
  for (guint i = 0; i < d->m->faults->len; i++) {
    const fact_fault *f = d->m->faults->pdata[i];
    if (!fault_in_window(d->v, f))
      continue;
    if (f->node && !isnan(lane_y(d, f->node)))
      draw_node_fault(d, f, crosses, tag);
    else if (!f->node || !d->nodes)
      draw_band(d, f, tag, &rows);
    /* else: the fault of a node left out with --nodes */
  }
  if (rows.hidden)
    body_line(d, "set label %u '%u more fault label%s not shown (no room): replsim check DIR lists "
              "every fault' at graph 0, graph 1 left front offset 0.2,%.1f tc rgb '#555555'", ++*tag,
              rows.hidden, rows.hidden == 1 ? "" : "s", 0.8 + 1.1 * d->top_rows++);
}

/* A red cross where each crash happened (after the rest, so the legend lists it with faults). */
static void draw_crosses(st_draw *d)
{
  if (!d->crosses->len)
    return;
  guint index = begin_block(d, "crashes: x y");
  g_string_append(d->data, d->crosses->str);
  add_clause(d, "'spacetime.dat' index %u using 1:2 with points pt 2 ps 3 lw 3 lc rgb '#D62728' "
             "title 'crash'", index);
}

/* Keys for the shaded lanes, which are objects rather than plotted data. */
static void add_fault_keys(st_draw *d)
{
  bool crash = false, pause = false;
  for (guint i = 0; i < d->m->faults->len; i++) {
    const fact_fault *f = d->m->faults->pdata[i];
    if (!fault_in_window(d->v, f) || !f->node || f->event)
      continue;
    crash |= strcmp(f->kind, "crash") == 0;
    pause |= strcmp(f->kind, "pause") == 0;
  }
  if (crash)
    add_clause(d, "keyentry with boxes fc rgb '%s' fs transparent solid 0.3 noborder title 'node down'",
               trace_fault_color("crash"));
  if (pause)
    add_clause(d, "keyentry with boxes fc rgb '%s' fs transparent solid 0.3 noborder title 'node paused'",
               trace_fault_color("pause"));
}

/* --- axes and layout ----------------------------------------------------------------------- */

/* With a cut axis, a tic where each burst starts (thinned to stay apart, rounded to about a
 * 200th of the window), and a dotted line where each idle stretch was cut. */
static void cut_tics(st_draw *d, guint *tag)
{
  const st_axis *a = &d->axis;
  GString *tics = g_string_new("set xtics (");
  double last_px = -1e300, window = (d->v->x_end - d->v->from) * a->scale;
  int decimals = window > 0 ? (int)MAX(0, ceil(-log10(window / 200))) : 3;
  guint n = 0;
  for (guint i = 0; i <= a->resumes->len; i++) {
    double t = i ? g_array_index(a->resumes, double, i - 1) : d->v->from;
    double px = (ax(d, t) - a->x_from) * d->px_per_x;
    if (px - last_px < 75)
      continue;
    last_px = px;
    g_string_append_printf(tics, "%s'%.*f' %.9g", n++ ? ", " : "", decimals, t * a->scale, ax(d, t));
  }
  g_string_append(tics, ") nomirror out");
  body_line(d, "%s", tics->str);
  g_string_free(tics, TRUE);
  for (guint i = 0; i < a->cuts->len; i++)
    body_line(d, "set arrow %u from %.9g, graph 0 to %.9g, graph 1 nohead dt 3 lc rgb '#aaaaaa' back",
              ++*tag, g_array_index(a->cuts, double, i), g_array_index(a->cuts, double, i));
}

/* Axes: a tic per lane named after its node, light lines along the lanes, time along x. */
static void draw_axes(st_draw *d, guint *tag)
{
  double top = ST_TOP_PX + ST_TOP_ROW_PX * d->top_rows;
  char *title = plot_title(d->m, "Space-time diagram");
  char *qtitle = plot_quote(title);
  body_line(d, "set title %s offset 0,%u", qtitle, d->top_rows);
  body_line(d, "set lmargin at screen %.3f", ST_LEFT);
  body_line(d, "set rmargin at screen %.3f", ST_RIGHT);
  body_line(d, "set tmargin at screen %.4f", 1 - top / d->height);
  body_line(d, "set bmargin at screen %.4f", ST_BOTTOM_PX / d->height);
  body_line(d, "set key at screen %.3f, screen %.4f top left Left reverse samplen 2 spacing 1.05",
            ST_RIGHT + 0.01, 1 - top / d->height);
  char *xlabel = g_strdup_printf("simulated time (%s)%s; window %.4g s to %.4g s, %u messages sent%s%s "
                                 "(replsim plot --from/--to/--nodes)",
                                 d->axis.unit, d->axis.compressed ? ", idle stretches cut short (dotted)" : "",
                                 d->v->from, d->v->to, d->v->messages, d->v->why ? "; " : "",
                                 d->v->why ? d->v->why : "");
  char *qxlabel = plot_quote(xlabel);
  body_line(d, "set xlabel %s", qxlabel);
  g_free(qxlabel);
  g_free(xlabel);
  body_line(d, "set xrange [%.9g:%.9g]", d->axis.x_from, d->axis.x_end);
  body_line(d, "set yrange [-0.7:%.1f]", (double)d->lanes->len - 0.3);
  GString *tics = g_string_new("set ytics (");
  for (guint i = 0; i < d->lanes->len; i++) {
    char *name = plot_quote(((st_lane *)d->lanes->pdata[i])->node);
    g_string_append_printf(tics, "%s%s %u", i ? ", " : "", name, d->lanes->len - 1 - i);
    g_free(name);
  }
  g_string_append(tics, ") nomirror scale 0");
  if (d->lanes->len)
    body_line(d, "%s", tics->str);
  else
    body_line(d, "unset ytics; set label 'nothing happened in this window' at graph 0.5, graph 0.5 center");
  body_line(d, "set grid ytics lt 1 lw 1 lc rgb '#d0d0d0'");
  body_line(d, "set border 1");
  if (d->axis.compressed)
    cut_tics(d, tag);
  else
    body_line(d, "set xtics nomirror out");
  g_string_free(tics, TRUE);
  g_free(qtitle);
  g_free(title);
}

/* How many lines the legend will have, so the picture is made tall enough to hold them. */
static guint key_entries(const st_draw *d)
{
  GPtrArray *types = message_types(d->v);
  guint n = types->len + (d->v->marks->len ? 1 : 0);
  g_ptr_array_free(types, TRUE);
  bool outcome[ST_OUTCOMES] = {false}, lost = false, crash = false, pause = false;
  for (guint i = 0; i < d->v->spans->len; i++)
    outcome[st_span_outcome(d->v, d->v->spans->pdata[i])] = true;
  for (guint i = 0; i < d->v->arrows->len; i++)
    lost |= ((st_arrow *)d->v->arrows->pdata[i])->dropped;
  for (guint i = 0; i < d->m->faults->len; i++) {
    const fact_fault *f = d->m->faults->pdata[i];
    crash |= f->node && fault_in_window(d->v, f) && strcmp(f->kind, "crash") == 0;
    pause |= f->node && fault_in_window(d->v, f) && strcmp(f->kind, "pause") == 0;
  }
  for (int i = 0; i < ST_OUTCOMES; i++)
    n += outcome[i];
  return n + lost + 2 * crash + pause;
}

/* The picture's height and the plot area's scale, once the lanes and label rows are known. */
static void layout(st_draw *d)
{
  double lanes_px = MAX(MAX(ST_MIN_LANES_PX, ST_LANE_PX * d->lanes->len), ST_KEY_PX * (key_entries(d) + 1));
  d->height = (int)(lanes_px + ST_TOP_PX + ST_TOP_ROW_PX * d->top_rows + ST_BOTTOM_PX);
  d->px_per_lane = lanes_px / ((double)d->lanes->len + 0.4);
}

/* Builds the whole picture: faults first (they decide the label rows above the plot and so the
 * height), then the layout, then data in drawing order (bars, role marks, arrows, names). */
static plot_script *st_script(st_draw *d, const char *out_dir)
{
  guint tag = 0;
  d->px_per_x = ST_WIDTH * (ST_RIGHT - ST_LEFT) / MAX(d->axis.x_end - d->axis.x_from, 1e-12);
  draw_faults(d, &tag); /* first: it decides how many label rows go above the plot */
  layout(d);
  draw_spans(d);
  draw_marks(d);        /* before the arrows: role names get first pick of the room */
  draw_arrows(d);
  draw_labels(d);
  draw_crosses(d);
  add_fault_keys(d);
  draw_axes(d, &tag);
  if (!d->plot->len)
    add_clause(d, "NaN notitle");
  plot_script *s = plot_script_begin(out_dir, "spacetime", "space-time diagram of nodes and messages",
                                     ST_WIDTH, d->height);
  gchar **lines = g_strsplit(d->body->str, "\n", -1);
  for (gchar **l = lines; *l; l++)
    if (**l)
      plot_script_line(s, "%s", *l);
  g_strfreev(lines);
  plot_script_line(s, "%s", d->plot->str);
  return s;
}

static void draw_clear(st_draw *d)
{
  g_string_free(d->data, TRUE);
  g_string_free(d->body, TRUE);
  g_string_free(d->plot, TRUE);
  g_string_free(d->labels, TRUE);
  g_string_free(d->op_labels, TRUE);
  g_string_free(d->crosses, TRUE);
  if (d->placed.boxes)
    g_array_free(d->placed.boxes, TRUE);
  g_ptr_array_free(d->lanes, TRUE);
  g_hash_table_destroy(d->lane_of);
  st_axis_clear(&d->axis);
}

/* Reads the window, builds the axis and the lanes, writes spacetime.dat and runs the script. */
bool plot_spacetime(const plot_data *pd, const char *out_dir, const plot_window *win,
                    GPtrArray *written, char **err)
{
  st_view v;
  if (!st_view_read(pd, win, &v, err))
    return false;
  st_draw d = {.v = &v, .m = pd->f, .nodes = win ? win->nodes : NULL};
  st_axis_build(&d.axis, &v, pd->f);
  d.data = g_string_new(NULL);
  g_string_append_printf(d.data, "# Space-time diagram: x on the time axis (%s%s), y = lane (0 = bottom).\n",
                         d.axis.unit, d.axis.compressed ? ", idle stretches cut short" : "");
  d.body = g_string_new(NULL);
  d.plot = g_string_new(NULL);
  d.labels = g_string_new(NULL);
  d.op_labels = g_string_new(NULL);
  d.crosses = g_string_new(NULL);
  make_lanes(&d);
  plot_script *s = st_script(&d, out_dir);
  bool ok = plot_write_file(out_dir, "spacetime.dat", d.data, written, err);
  if (ok)
    ok = plot_script_finish(s, written, err);
  else
    plot_script_discard(s);
  draw_clear(&d);
  st_view_clear(&v);
  return ok;
}
