/* Expectations: scripted steps' outcomes and the <expect> element's measures, held or failed. */
#include "expect.h"

#include "analysis/join_catchup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seconds the other keys share once one key's violation is proven (as `replsim check`). */
#define EXPECT_OTHERS_BUDGET 0.25

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

/* A poll's count must be exactly what the scenario says (a split brain's damage is stated, not
 * bounded). */
static void judge_exact(summary *s, const sc_expect *e, bool has, uint64_t actual)
{
  uint64_t want = strtoull(e->value, NULL, 10);
  char *text = has ? g_strdup_printf("%" G_GUINT64_FORMAT, actual) : g_strdup("not computed");
  summary_expect(s, e->key, e->value, text, has && actual == want, e->line);
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
  } else if (!strcmp(e->key, "votes-missing")) {
    judge_exact(s, e, s->has_poll, s->poll.missing);
  } else if (!strcmp(e->key, "votes-duplicates")) {
    judge_exact(s, e, s->has_poll, s->poll.duplicates);
  } else if (!strcmp(e->key, "votes-wrong")) {
    judge_exact(s, e, s->has_poll, s->poll.wrong);
  } else if (!strcmp(e->key, "votes-ballots-min")) {
    judge_count(s, e, s->has_poll, s->poll.ballots, false);
  } else if (!strcmp(e->key, "availability-min")) {
    double want = g_ascii_strtod(e->value, NULL);
    char *actual = s->has_availability ? g_strdup_printf("%.4f", s->availability) : g_strdup("not computed");
    char *expected = g_strdup_printf(">= %s", e->value);
    summary_expect(s, e->key, expected, actual, s->has_availability && s->availability >= want, e->line);
    g_free(expected);
    g_free(actual);
  }
}

verdict *expect_verdict(const char *trace_path, double check_timeout, summary *s, history **h)
{
  char *err = NULL;
  trace_facts *f = NULL;
  *h = NULL;
  if (!trace_read_run(trace_path, h, &f, &err)) {
    fprintf(stderr, "replsim run: cannot read the trace back: %s\n", err);
    g_free(err);
    return NULL;
  }
  summary_set_stats(s, stats_compute(*h));
  s->has_poll = poll_stats_compute(*h, &s->poll);
  if (!join_catch_up_fill(trace_path, f, s, &err)) {
    fprintf(stderr, "replsim run: cannot read the trace back: %s\n", err);
    g_clear_pointer(&err, g_free);
  }
  verdict_options o = {.check_timeout = check_timeout, .early = true,
                       .others_budget = EXPECT_OTHERS_BUDGET};
  verdict *v = verdict_judge(*h, f, &o, &err);
  if (v)
    verdict_fill_summary(v, s);
  else
    fprintf(stderr, "replsim run: no consistency check: %s\n", err);
  g_free(err);
  trace_facts_free(f);
  return v;
}

void expect_judge(const scenario *sc, const sim_outcome *out, summary *s)
{
  judge_steps(out, s);
  for (guint i = 0; i < sc->expects->len; i++)
    judge_attribute(s, g_ptr_array_index(sc->expects, i));
}
