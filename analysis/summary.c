/* A run's summary: summary.json through a small deterministic JSON writer, and the text report. */
#include "summary.h"

#include "trace/trace_writer.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define SUMMARY_COLUMNS 80
#define JW_MAX_DEPTH 16

/* --- the summary itself -------------------------------------------------------------------- */

const char *summary_verdict_name(summary_verdict v)
{
  switch (v) {
  case SUMMARY_TRUE:
    return "true";
  case SUMMARY_FALSE:
    return "false";
  case SUMMARY_UNKNOWN:
    break;
  }
  return "unknown";
}

static void expectation_clear(gpointer p)
{
  summary_expectation *e = p;
  g_free(e->name);
  g_free(e->expected);
  g_free(e->actual);
}

static void window_clear(gpointer p)
{
  summary_window *w = p;
  g_free(w->fault);
  g_free(w->target);
}

static void join_clear(gpointer p)
{
  g_free(((summary_join *)p)->node);
}

void summary_add_join(summary *s, const char *node, bool caught_up, double seconds)
{
  summary_join j = {g_strdup(node), caught_up, seconds};
  g_array_append_val(s->joins, j);
}

summary *summary_new(const char *scenario, const char *protocol, uint64_t seed)
{
  summary *s = g_new0(summary, 1);
  s->scenario = g_strdup(scenario);
  s->protocol = g_strdup(protocol);
  s->seed = seed;
  s->expectations = g_array_new(FALSE, TRUE, sizeof(summary_expectation));
  g_array_set_clear_func(s->expectations, expectation_clear);
  s->fault_windows = g_array_new(FALSE, TRUE, sizeof(summary_window));
  g_array_set_clear_func(s->fault_windows, window_clear);
  s->joins = g_array_new(FALSE, TRUE, sizeof(summary_join));
  g_array_set_clear_func(s->joins, join_clear);
  return s;
}

void summary_free(summary *s)
{
  if (!s)
    return;
  g_free(s->scenario);
  g_free(s->protocol);
  g_free(s->stopped);
  stats_free(s->stats);
  g_array_free(s->expectations, TRUE);
  g_array_free(s->fault_windows, TRUE);
  g_array_free(s->joins, TRUE);
  g_free(s);
}

void summary_set_stats(summary *s, stats *st)
{
  if (s->stats != st)
    stats_free(s->stats);
  s->stats = st;
  if (st && st->has_availability) {
    s->has_availability = true;
    s->availability = st->availability;
  }
}

void summary_add_window(summary *s, const char *fault, const char *target, double start,
                        double end, uint64_t ops, uint64_t ok, bool has_availability,
                        double availability, bool event)
{
  summary_window w = {g_strdup(fault), g_strdup(target), start, end, ops, ok, has_availability,
                      availability, event};
  g_array_append_val(s->fault_windows, w);
  s->has_fault_windows = true;
}

void summary_expect(summary *s, const char *name, const char *expected, const char *actual,
                    bool held, int line)
{
  summary_expectation e = {g_strdup(name), g_strdup(expected), g_strdup(actual), held, line};
  g_array_append_val(s->expectations, e);
}

bool summary_all_held(const summary *s)
{
  if (s->stopped)
    return false; /* a run stopped before its end held nothing it promised */
  for (guint i = 0; i < s->expectations->len; i++)
    if (!g_array_index(s->expectations, summary_expectation, i).held)
      return false;
  return true;
}

/* --- a small pretty JSON writer ------------------------------------------------------------ */

/* Writes nested objects and arrays with two-space indentation; `first` says, per open level,
 * whether nothing has been written inside it yet (so "{}" stays on one line). */
typedef struct jw {
  GString *out;
  int depth;
  bool first[JW_MAX_DEPTH];
} jw;

/* Starts a member (or array element): the comma, the newline, the indent and the key if any. */
static void jw_item(jw *w, const char *key)
{
  if (w->depth > 0) {
    if (!w->first[w->depth - 1])
      g_string_append_c(w->out, ',');
    w->first[w->depth - 1] = false;
    g_string_append_c(w->out, '\n');
    for (int i = 0; i < w->depth; i++)
      g_string_append_len(w->out, "  ", 2);
  }
  if (key) {
    trace_json_append_string(w->out, key);
    g_string_append_len(w->out, ": ", 2);
  }
}

static void jw_open(jw *w, const char *key, char bracket)
{
  jw_item(w, key);
  g_string_append_c(w->out, bracket);
  g_assert(w->depth < JW_MAX_DEPTH);
  w->first[w->depth++] = true;
}

static void jw_close(jw *w, char bracket)
{
  bool empty = w->first[--w->depth];
  if (!empty) {
    g_string_append_c(w->out, '\n');
    for (int i = 0; i < w->depth; i++)
      g_string_append_len(w->out, "  ", 2);
  }
  g_string_append_c(w->out, bracket);
}

static void jw_str(jw *w, const char *key, const char *v)
{
  jw_item(w, key);
  trace_json_append_string(w->out, v);
}

static void jw_u64(jw *w, const char *key, uint64_t v)
{
  jw_item(w, key);
  g_string_append_printf(w->out, "%" G_GUINT64_FORMAT, v);
}

static void jw_bool(jw *w, const char *key, bool v)
{
  jw_item(w, key);
  g_string_append(w->out, v ? "true" : "false");
}

/* A float as %.9g, independent of the locale; JSON has no NaN or infinity, so those are null. */
static void jw_double(jw *w, const char *key, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  jw_item(w, key);
  g_string_append(w->out, isfinite(v) ? g_ascii_formatd(buf, sizeof buf, "%.9g", v) : "null");
}

/* --- summary.json -------------------------------------------------------------------------- */

static void json_latency(jw *w, const stats *st)
{
  jw_open(w, "latency", '{');
  for (guint i = 0; i < st->per_op->len; i++) {
    const op_stats *o = g_ptr_array_index(st->per_op, i);
    jw_open(w, o->op, '{');
    jw_u64(w, "count", o->latency_count);
    if (o->latency_count) {
      jw_double(w, "p50", o->p50);
      jw_double(w, "p90", o->p90);
      jw_double(w, "p99", o->p99);
      jw_double(w, "mean", o->mean);
      jw_double(w, "max", o->max);
    }
    jw_close(w, '}');
  }
  jw_close(w, '}');
}

static void json_outcomes(jw *w, const stats *st)
{
  jw_open(w, "outcomes", '{');
  for (guint i = 0; i < st->per_op->len; i++) {
    const op_stats *o = g_ptr_array_index(st->per_op, i);
    jw_open(w, o->op, '{');
    jw_u64(w, "count", o->count);
    jw_u64(w, "ok", o->ok);
    jw_u64(w, "fail", o->fail);
    jw_u64(w, "info", o->info);
    jw_u64(w, "pending", o->pending);
    jw_open(w, "statuses", '{');
    for (guint j = 0; j < o->statuses->len; j++) {
      const stats_status_count *c = &g_array_index(o->statuses, stats_status_count, j);
      jw_u64(w, c->status, c->count);
    }
    jw_close(w, '}');
    jw_close(w, '}');
  }
  jw_close(w, '}');
}

/* "fault_windows": [{fault, target, start, end, event, ops, ok, availability}], availability left
 * out when nothing invoked in the window completed, event only for instants (true). */
static void json_windows(jw *w, const summary *s)
{
  jw_open(w, "fault_windows", '[');
  for (guint i = 0; i < s->fault_windows->len; i++) {
    const summary_window *x = &g_array_index(s->fault_windows, summary_window, i);
    jw_open(w, NULL, '{');
    jw_str(w, "fault", x->fault);
    jw_str(w, "target", x->target);
    jw_double(w, "start", x->start);
    jw_double(w, "end", x->end);
    if (x->event)
      jw_bool(w, "event", true);
    jw_u64(w, "ops", x->ops);
    jw_u64(w, "ok", x->ok);
    if (x->has_availability)
      jw_double(w, "availability", x->availability);
    jw_close(w, '}');
  }
  jw_close(w, ']');
}

static void json_consistency(jw *w, const summary *s)
{
  /* A JSON boolean when the checker decided, the string "unknown" when its time bound ran out. */
  if (s->has_linearizable && s->linearizable == SUMMARY_UNKNOWN)
    jw_str(w, "linearizable", "unknown");
  else if (s->has_linearizable)
    jw_bool(w, "linearizable", s->linearizable == SUMMARY_TRUE);
  if (s->has_lost_writes)
    jw_u64(w, "lost_writes", s->lost_writes);
  if (s->has_stale_reads)
    jw_u64(w, "stale_reads", s->stale_reads);
  if (s->has_diverged)
    jw_u64(w, "diverged", s->diverged);
  if (s->has_failover_time)
    jw_double(w, "failover_time", s->failover_time);
  if (s->has_fault_windows)
    json_windows(w, s);
  if (s->has_poll) {
    jw_open(w, "poll", '{');
    jw_u64(w, "voters", s->poll.voters);
    jw_u64(w, "ballots", s->poll.ballots);
    jw_u64(w, "results_logged", s->poll.logged);
    jw_u64(w, "duplicates", s->poll.duplicates);
    jw_u64(w, "missing", s->poll.missing);
    jw_u64(w, "wrong", s->poll.wrong);
    jw_close(w, '}');
  }
  if (s->joins->len) { /* {"r4": seconds, or null when it never caught up} */
    jw_open(w, "join_catch_up_s", '{');
    for (guint i = 0; i < s->joins->len; i++) {
      const summary_join *j = &g_array_index(s->joins, summary_join, i);
      jw_double(w, j->node, j->caught_up ? j->seconds : NAN);
    }
    jw_close(w, '}');
  }
}

static void json_expectations(jw *w, const summary *s)
{
  jw_open(w, "expectations", '[');
  for (guint i = 0; i < s->expectations->len; i++) {
    const summary_expectation *e = &g_array_index(s->expectations, summary_expectation, i);
    jw_open(w, NULL, '{');
    jw_str(w, "name", e->name);
    jw_str(w, "expected", e->expected);
    jw_str(w, "actual", e->actual);
    jw_bool(w, "held", e->held);
    if (e->line > 0)
      jw_u64(w, "line", (uint64_t)e->line);
    jw_close(w, '}');
  }
  jw_close(w, ']');
}

/* The fixed key order: identity, totals, per-op figures, messages, consistency, expectations. */
char *summary_to_json(const summary *s)
{
  stats *empty = s->stats ? NULL : stats_compute(NULL);
  const stats *st = s->stats ? s->stats : empty;
  jw w = {.out = g_string_sized_new(4096)};
  jw_open(&w, NULL, '{');
  if (s->scenario)
    jw_str(&w, "scenario", s->scenario);
  if (s->protocol)
    jw_str(&w, "protocol", s->protocol);
  jw_u64(&w, "seed", s->seed);
  jw_double(&w, "simulated_time", s->sim_time);
  if (s->real_mode)
    jw_str(&w, "mode", "real");
  if (s->stopped)
    jw_str(&w, "stopped", s->stopped);
  jw_u64(&w, "ops", st->ops);
  jw_u64(&w, "ok", st->ok);
  jw_u64(&w, "fail", st->fail);
  jw_u64(&w, "info", st->info);
  jw_u64(&w, "pending", st->pending);
  jw_double(&w, "throughput", st->throughput);
  if (s->has_availability)
    jw_double(&w, "availability", s->availability);
  json_latency(&w, st);
  json_outcomes(&w, st);
  jw_open(&w, "messages", '{');
  jw_u64(&w, "sent", s->messages_sent);
  jw_u64(&w, "dropped", s->messages_dropped);
  jw_close(&w, '}');
  json_consistency(&w, s);
  json_expectations(&w, s);
  jw_close(&w, '}');
  g_string_append_c(w.out, '\n');
  stats_free(empty);
  return g_string_free(w.out, FALSE);
}

bool summary_write_json(const summary *s, const char *path, char **err)
{
  char *text = summary_to_json(s);
  GError *e = NULL;
  bool ok = g_file_set_contents(path, text, -1, &e);
  if (!ok) {
    if (err)
      *err = g_strdup_printf("%s: %s", path, e->message);
    g_error_free(e);
  }
  g_free(text);
  return ok;
}

/* --- the printed summary ------------------------------------------------------------------- */

/* Prints one line, cut at SUMMARY_COLUMNS bytes (on a UTF-8 character boundary) so user-given
 * names can never widen the report. */
static void line(FILE *out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void line(FILE *out, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  size_t n = strlen(s);
  if (n > SUMMARY_COLUMNS) {
    n = SUMMARY_COLUMNS;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
      n--;
  }
  fprintf(out, "%.*s\n", (int)n, s);
  g_free(s);
}

/* Prints `items` separated by `sep`, filling lines after `first` (the first line's lead-in) and
 * continuing under `indent` spaces. */
static void wrapped(FILE *out, const char *first, int indent, GPtrArray *items, const char *sep)
{
  GString *l = g_string_new(first);
  bool fresh = true; /* nothing on the current line yet after its lead-in */
  for (guint i = 0; i < items->len; i++) {
    const char *it = g_ptr_array_index(items, i);
    const char *s = i + 1 < items->len ? sep : "";
    if (!fresh && l->len + strlen(it) + strlen(s) > SUMMARY_COLUMNS) {
      line(out, "%s", g_strchomp(l->str)); /* l is rewritten next, so its length can lag */
      g_string_printf(l, "%*s", indent, "");
      fresh = true;
    }
    g_string_append(l, it);
    g_string_append(l, s);
    fresh = false;
  }
  if (!fresh || items->len == 0)
    line(out, "%s", g_strchomp(l->str));
  g_string_free(l, TRUE);
}

/* The scenario's name in a rule, then protocol and seed. */
static void print_header(const summary *s, FILE *out)
{
  GString *h = g_string_new("== replsim: ");
  g_string_append(h, s->scenario ? s->scenario : "(unnamed)");
  g_string_append_c(h, ' ');
  while (h->len < SUMMARY_COLUMNS)
    g_string_append_c(h, '=');
  line(out, "%s", h->str);
  g_string_free(h, TRUE);
  line(out, "protocol %s   seed %" G_GUINT64_FORMAT, s->protocol ? s->protocol : "-", s->seed);
}

/* One op type's answers, "SUCCESS 970, TIMEOUT 10", wrapped under the counts. */
static void print_statuses(const op_stats *o, FILE *out)
{
  GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
  for (guint j = 0; j < o->statuses->len; j++) {
    const stats_status_count *c = &g_array_index(o->statuses, stats_status_count, j);
    g_ptr_array_add(items, g_strdup_printf("%s %" G_GUINT64_FORMAT, c->status, c->count));
  }
  if (items->len)
    wrapped(out, "              ", 14, items, ", ");
  g_ptr_array_free(items, TRUE);
}

#define COUNTS_FMT "%8" G_GUINT64_FORMAT "  ok %6" G_GUINT64_FORMAT "  fail %5" G_GUINT64_FORMAT \
                   "  info %5" G_GUINT64_FORMAT "  pending %" G_GUINT64_FORMAT

static void print_operations(const stats *st, FILE *out)
{
  line(out, "%s", "");
  line(out, "%-12s" COUNTS_FMT, "Operations", st->ops, st->ok, st->fail, st->info, st->pending);
  for (guint i = 0; i < st->per_op->len; i++) {
    const op_stats *o = g_ptr_array_index(st->per_op, i);
    line(out, "  %-10.10s" COUNTS_FMT, o->op, o->count, o->ok, o->fail, o->info, o->pending);
    print_statuses(o, out);
  }
}

/* A row per op type that has ok operations; nothing if none has. */
static void print_latency(const stats *st, FILE *out)
{
  if (st->ok == 0)
    return;
  line(out, "%s", "");
  line(out, "%-14s%8s %10s %10s %10s %10s %10s", "Latency (ms)", "ok", "p50", "p90", "p99", "mean",
       "max");
  for (guint i = 0; i < st->per_op->len; i++) {
    const op_stats *o = g_ptr_array_index(st->per_op, i);
    if (o->latency_count == 0)
      continue;
    line(out, "  %-12.12s%8" G_GUINT64_FORMAT " %10.3f %10.3f %10.3f %10.3f %10.3f", o->op,
         o->latency_count, o->p50 * 1e3, o->p90 * 1e3, o->p99 * 1e3, o->mean * 1e3, o->max * 1e3);
  }
}

/* Throughput, simulated against wall time (short runs get microseconds), and messages. */
static void print_run(const summary *s, const stats *st, FILE *out)
{
  int prec = s->sim_time < 1.0 ? 6 : 3;
  line(out, "%s", "");
  line(out, "%-14s%.1f ops/s (%s)", "Throughput", st->throughput, s->real_mode ? "real mode, wall clock" : "simulated");
  if (s->stopped)
    line(out, "%-14sthe run was stopped (%s): what follows covers it up to then", "STOPPED", s->stopped);
  if (s->real_mode)
    line(out, "%-14s%.*f s in real time over TCP (%.3f s wall in all)", "Time", prec,
         s->sim_time, s->wall_seconds);
  else if (s->wall_seconds > 0)
    line(out, "%-14s%.*f s simulated, %.3f s wall (%.1fx real time)", "Time", prec, s->sim_time,
         s->wall_seconds, s->sim_time / s->wall_seconds);
  else
    line(out, "%-14s%.*f s simulated", "Time", prec, s->sim_time);
  line(out, "%-14s%" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " dropped", "Messages",
       s->messages_sent, s->messages_dropped);
}

/* The consistency figures that were measured, wrapped; nothing at all if none was. */
static void print_consistency(const summary *s, FILE *out)
{
  GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
  if (s->has_linearizable)
    g_ptr_array_add(items, g_strdup_printf("linearizable: %s",
                                           summary_verdict_name(s->linearizable)));
  if (s->has_lost_writes)
    g_ptr_array_add(items, g_strdup_printf("lost writes: %" G_GUINT64_FORMAT, s->lost_writes));
  if (s->has_stale_reads)
    g_ptr_array_add(items, g_strdup_printf("stale reads: %" G_GUINT64_FORMAT, s->stale_reads));
  if (s->has_diverged)
    g_ptr_array_add(items, g_strdup_printf("diverged: %" G_GUINT64_FORMAT, s->diverged));
  if (s->has_availability)
    g_ptr_array_add(items, g_strdup_printf("availability: %.2f%%", s->availability * 100));
  if (s->has_failover_time)
    g_ptr_array_add(items, g_strdup_printf("failover: %.3f s", s->failover_time));
  for (guint i = 0; i < s->joins->len; i++) {
    const summary_join *j = &g_array_index(s->joins, summary_join, i);
    g_ptr_array_add(items, j->caught_up ? g_strdup_printf("%s up to date %.3f ms after joining", j->node, j->seconds * 1000)
                                        : g_strdup_printf("%s never up to date", j->node));
  }
  if (items->len) {
    line(out, "%s", "");
    wrapped(out, "Consistency   ", 14, items, "   ");
  }
  g_ptr_array_free(items, TRUE);
  if (s->has_poll) {
    line(out, "Poll          %" G_GUINT64_FORMAT " voters, %" G_GUINT64_FORMAT " ballots, %" G_GUINT64_FORMAT
         " results logged", s->poll.voters, s->poll.ballots, s->poll.logged);
    line(out, "              %" G_GUINT64_FORMAT " duplicates, %" G_GUINT64_FORMAT " missing, %" G_GUINT64_FORMAT
         " wrong", s->poll.duplicates, s->poll.missing, s->poll.wrong);
  }
}

/* One line per fault window: what, where, when, and the ok share of what was invoked inside. A
 * label too long for its column gets a line of its own (never cut); an instant (a join, a
 * restart-failed) shows its time and "event". */
static void print_windows(const summary *s, FILE *out)
{
  if (s->fault_windows->len == 0)
    return;
  line(out, "%s", "");
  line(out, "%-34s %19s %7s %7s %8s", "Fault windows", "from-to (s)", "ops", "ok", "avail.");
  for (guint i = 0; i < s->fault_windows->len; i++) {
    const summary_window *w = &g_array_index(s->fault_windows, summary_window, i);
    char *what = g_strdup_printf("%s %s", w->fault, w->target);
    char *when = w->event ? g_strdup_printf("%.3f event", w->start)
                          : g_strdup_printf("%.3f-%.3f", w->start, w->end);
    char *avail = w->has_availability ? g_strdup_printf("%.2f%%", w->availability * 100)
                                      : g_strdup("-");
    if (g_utf8_strlen(what, -1) > 32) {
      GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
      char **parts = g_strsplit(what, " ", -1);
      for (char **p = parts; *p; p++)
        if (**p)
          g_ptr_array_add(words, g_strdup(*p));
      g_strfreev(parts);
      wrapped(out, "  ", 2, words, " ");
      g_ptr_array_free(words, TRUE);
      line(out, "  %-32s %19s %7" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT " %8s", "", when,
           w->ops, w->ok, avail);
    } else {
      line(out, "  %-32s %19s %7" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT " %8s", what, when,
           w->ops, w->ok, avail);
    }
    g_free(what);
    g_free(when);
    g_free(avail);
  }
}

static void print_expectation(const summary_expectation *e, FILE *out)
{
  GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(items, g_strdup_printf("%s:", e->name ? e->name : "?"));
  g_ptr_array_add(items, g_strdup_printf("expected %s,", e->expected ? e->expected : "-"));
  g_ptr_array_add(items, g_strdup_printf("got %s", e->actual ? e->actual : "nothing"));
  if (e->line > 0)
    g_ptr_array_add(items, g_strdup_printf("(line %d)", e->line));
  wrapped(out, e->held ? "  HELD    " : "  FAILED  ", 10, items, " ");
  g_ptr_array_free(items, TRUE);
}

static void print_expectations(const summary *s, FILE *out)
{
  guint n = s->expectations->len, held = 0;
  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    held += g_array_index(s->expectations, summary_expectation, i).held;
  line(out, "%s", "");
  line(out, "%-14s%u held, %u failed", "Expectations", held, n - held);
  for (guint i = 0; i < n; i++)
    print_expectation(&g_array_index(s->expectations, summary_expectation, i), out);
}

void summary_print(const summary *s, FILE *out)
{
  stats *empty = s->stats ? NULL : stats_compute(NULL);
  const stats *st = s->stats ? s->stats : empty;
  print_header(s, out);
  print_operations(st, out);
  print_latency(st, out);
  print_run(s, st, out);
  print_consistency(s, out);
  print_windows(s, out);
  print_expectations(s, out);
  stats_free(empty);
}
