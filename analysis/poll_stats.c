/* Seed 002's poll measured from the history alone (poll_stats.h): a voter's `result` operations
 * are its log lines, its `vote` operations the votes it cast. */
#include "analysis/poll_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The votes cast on one ballot: acknowledged, and of unknown fate (no answer came). */
typedef struct ballot_votes {
  uint64_t yes, no, maybe_yes, maybe_no;
} ballot_votes;

static bool ballot_of(const hist_op *o, uint64_t *seq)
{
  char *end = NULL;
  if (!o->key || !*o->key)
    return false;
  *seq = g_ascii_strtoull(o->key, &end, 10);
  return end && *end == 0 && *seq > 0;
}

/* "v3:results" -> "v3" (owned). */
static char *voter_of(const hist_op *o)
{
  const char *colon = strchr(o->process, ':');
  return colon ? g_strndup(o->process, (gsize)(colon - o->process)) : g_strdup(o->process);
}

static void count_vote(GHashTable *ballots, const hist_op *o, uint64_t seq)
{
  ballot_votes *b = g_hash_table_lookup(ballots, &seq);
  if (!b) {
    uint64_t *k = g_new(uint64_t, 1);
    *k = seq;
    b = g_new0(ballot_votes, 1);
    g_hash_table_insert(ballots, k, b);
  }
  bool yes = o->value && strcmp(o->value, "yes") == 0;
  bool acked = o->outcome == HIST_OK && o->status && strcmp(o->status, "SUCCESS") == 0;
  bool unknown = o->outcome == HIST_INFO || o->outcome == HIST_PENDING;
  if (acked)
    *(yes ? &b->yes : &b->no) += 1;
  else if (unknown)
    *(yes ? &b->maybe_yes : &b->maybe_no) += 1;
}

static bool is_wrong(GHashTable *ballots, const hist_op *o, uint64_t seq)
{
  unsigned long yes, no;
  if (!o->value || sscanf(o->value, "%lu %lu", &yes, &no) != 2)
    return true;
  const ballot_votes *b = g_hash_table_lookup(ballots, &seq);
  ballot_votes none = {0};
  if (!b)
    b = &none;
  return yes < b->yes || yes > b->yes + b->maybe_yes || no < b->no || no > b->no + b->maybe_no;
}

bool poll_stats_compute(const history *h, poll_stats *out)
{
  memset(out, 0, sizeof *out);
  GHashTable *ballots = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  GHashTable *voters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL); /* "voter/seq" */
  bool any = false;
  for (guint i = 0; h && i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    uint64_t seq;
    bool vote = o->op && strcmp(o->op, "vote") == 0, result = o->op && strcmp(o->op, "result") == 0;
    if ((!vote && !result) || !ballot_of(o, &seq))
      continue;
    any = true;
    out->ballots = MAX(out->ballots, seq);
    g_hash_table_add(voters, voter_of(o));
    if (vote)
      count_vote(ballots, o, seq);
  }
  for (guint i = 0; any && i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    uint64_t seq;
    if (!o->op || strcmp(o->op, "result") != 0 || o->outcome != HIST_OK || !ballot_of(o, &seq))
      continue;
    out->logged++;
    char *voter = voter_of(o);
    char *line = g_strdup_printf("%s/%" G_GUINT64_FORMAT, voter, seq);
    g_free(voter);
    if (g_hash_table_contains(lines, line)) {
      out->duplicates++;
      g_free(line);
    } else {
      g_hash_table_add(lines, line);
    }
    out->wrong += is_wrong(ballots, o, seq);
  }
  out->voters = g_hash_table_size(voters);
  out->missing = out->voters * out->ballots - g_hash_table_size(lines);
  g_hash_table_destroy(ballots);
  g_hash_table_destroy(voters);
  g_hash_table_destroy(lines);
  return any;
}
