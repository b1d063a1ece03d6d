/* Expectations: scripted steps' outcomes and the <expect> element's measures, held or failed. */
#include "expect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void judge_steps(const sim_outcome *out, summary *s)
{
  for (guint i = 0; i < out->steps->len; i++) {
    const sim_step_check *c = g_ptr_array_index(out->steps, i);
    char *name = g_strdup_printf("%s: %s", c->client, c->what);
    summary_expect(s, name, c->expected, c->actual, c->held, c->line);
    g_free(name);
  }
}

static void judge_count(summary *s, const sc_expect *e, bool has, uint64_t actual, bool at_most)
{
  uint64_t want = strtoull(e->value, NULL, 10);
  char *text = has ? g_strdup_printf("%" G_GUINT64_FORMAT, actual) : g_strdup("not computed");
  bool held = has && (at_most ? actual <= want : actual >= want);
  char *expected = g_strdup_printf("%s%s", at_most ? "<= " : ">= ", e->value);
  if (!strcmp(e->key, "lost-writes") || !strcmp(e->key, "stale-reads") || !strcmp(e->key, "diverged")) {
    g_free(expected);
    expected = g_strdup(e->value);
    held = has && actual == want;
  }
  summary_expect(s, e->key, expected, text, held, e->line);
  g_free(expected);
  g_free(text);
}

/* One <expect> attribute. A measure the run did not compute fails its expectation: a check that
 * cannot be made is never reported as held. */
static void judge_attribute(summary *s, const sc_expect *e)
{
  const stats *st = s->stats;
  if (!strcmp(e->key, "linearizable")) {
    const char *actual = s->has_linearizable ? summary_verdict_name(s->linearizable) : "not computed";
    summary_expect(s, e->key, e->value, actual, s->has_linearizable && !strcmp(actual, e->value), e->line);
  } else if (!strcmp(e->key, "lost-writes")) {
    judge_count(s, e, s->has_lost_writes, s->lost_writes, true);
  } else if (!strcmp(e->key, "stale-reads")) {
    judge_count(s, e, s->has_stale_reads, s->stale_reads, true);
  } else if (!strcmp(e->key, "diverged")) {
    judge_count(s, e, s->has_diverged, s->diverged, true);
  } else if (!strcmp(e->key, "ok-min")) {
    judge_count(s, e, true, st->ok, false);
  } else if (!strcmp(e->key, "fail-max")) {
    judge_count(s, e, true, st->fail, true);
  } else if (!strcmp(e->key, "info-max")) {
    judge_count(s, e, true, st->info + st->pending, true);
  } else if (!strcmp(e->key, "availability-min")) {
    double want = g_ascii_strtod(e->value, NULL);
    char *actual = s->has_availability ? g_strdup_printf("%.4f", s->availability) : g_strdup("not computed");
    char *expected = g_strdup_printf(">= %s", e->value);
    summary_expect(s, e->key, expected, actual, s->has_availability && s->availability >= want, e->line);
    g_free(expected);
    g_free(actual);
  }
}

/* Lost writes, stale reads, fault windows and failover time, from the history and the evidence
 * the trace holds (final states, faults, roles). A trace that cannot be read leaves them "not
 * computed", which fails any expectation about them. */
static anomalies *judge_anomalies(const sim_outcome *out, summary *s, const char *trace_path)
{
  char *err = NULL;
  anom_facts *f = anom_facts_read(trace_path, &err);
  if (!f) {
    fprintf(stderr, "replsim run: no anomaly check: %s\n", err);
    g_free(err);
    return NULL;
  }
  anomalies *a = anomalies_compute(out->history, f);
  anom_facts_free(f);
  s->has_lost_writes = a->has_lost_writes;
  s->lost_writes = a->lost_writes;
  s->has_stale_reads = true;
  s->stale_reads = a->stale_reads;
  s->has_failover_time = a->has_failover_time;
  s->failover_time = a->failover_time;
  s->has_fault_windows = true;
  for (guint i = 0; i < a->windows->len; i++) {
    const anom_window *w = &g_array_index(a->windows, anom_window, i);
    summary_add_window(s, w->fault, w->target, w->start, w->end, w->ops, w->ok,
                       w->has_availability, w->availability);
  }
  return a;
}

void expect_judge(const scenario *sc, const sim_outcome *out, summary *s, double check_timeout,
                  const char *trace_path, lin_result **lin, anomalies **anom)
{
  s->has_diverged = true;
  s->diverged = (uint64_t)out->diverged;
  lin_options opt = {.deadline = check_timeout};
  char *error = NULL;
  /* Quorum replicas answer a delete of an unknown file differently (seed 004): its own model. */
  bool quorum_files = sc->protocol == RS_PROTO_QUORUM && !strcmp(sc->app, "files");
  *lin = lin_check(out->history, quorum_files ? "files-quorum" : sc->app, &opt, &error);
  if (*lin) {
    s->has_linearizable = true;
    s->linearizable = (*lin)->verdict == LIN_LINEARIZABLE ? SUMMARY_TRUE
                      : (*lin)->verdict == LIN_VIOLATION  ? SUMMARY_FALSE
                                                          : SUMMARY_UNKNOWN;
  }
  g_free(error);
  *anom = judge_anomalies(out, s, trace_path);
  judge_steps(out, s);
  for (guint i = 0; i < sc->expects->len; i++)
    judge_attribute(s, g_ptr_array_index(sc->expects, i));
}
