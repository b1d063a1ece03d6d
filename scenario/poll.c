/* The <poll> element of app votes (seed 002): reading it, and checking it against the rest. */
#include "scenario_internal.h"

#include <string.h>

static const char *attr(const char **names, const char **values, const char *name)
{
  for (size_t i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0)
      return values[i];
  return NULL;
}

static bool poll_time(sc_reader *r, const char **names, const char **values, const char *name, double *out)
{
  const char *text = attr(names, values, name);
  const char *why = NULL;
  if (!text)
    return true;
  if (!sv_duration(text, out, &why))
    return rd_fail(r, r->line, "bad %s '%s' on <poll>: %s", name, text, why);
  if (*out <= 0)
    return rd_fail(r, r->line, "bad %s '%s' on <poll>: must be more than 0", name, text);
  return true;
}

/* <poll voters="20" hosts="client-1 client-2" ballots="100" every="1s" yes="0.55" deadline="3s"/> */
bool rd_read_poll(sc_reader *r, const char **names, const char **values)
{
  sc_poll *p = &r->sc->poll;
  if (p->present)
    return rd_fail(r, r->line, "a second <poll>: a scenario has one");
  p->present = true;
  p->line = r->line;
  p->every = 1;
  p->deadline = 3;
  p->yes = 0.5;
  p->hosts = sv_split_words(attr(names, values, "hosts"));
  if (p->hosts->len == 0)
    return rd_fail(r, r->line, "<poll> hosts= names no host");
  guint64 voters = 0, ballots = 0;
  const char *why = NULL;
  const char *text = attr(names, values, "voters");
  if (!sv_uint(text, 1, SC_MAX_VOTERS, &voters, &why))
    return rd_fail(r, r->line, "bad voters '%s' on <poll>: %s (expected 1 to %d)", text, why, SC_MAX_VOTERS);
  text = attr(names, values, "ballots");
  if (!sv_uint(text, 1, 1000000, &ballots, &why))
    return rd_fail(r, r->line, "bad ballots '%s' on <poll>: %s (expected 1 to 1000000)", text, why);
  p->voters = (int)voters;
  p->ballots = (long)ballots;
  text = attr(names, values, "yes");
  if (text && (!sv_number(text, &p->yes) || p->yes < 0 || p->yes > 1))
    return rd_fail(r, r->line, "bad yes '%s' on <poll>: expected a probability from 0 to 1", text);
  return poll_time(r, names, values, "every", &p->every) && poll_time(r, names, values, "deadline", &p->deadline);
}

void rd_poll_clear(sc_poll *p)
{
  if (p->hosts)
    g_ptr_array_unref(p->hosts);
  memset(p, 0, sizeof *p);
}

/* A fault on a voter: seed 002's clients are dependable. */
static bool names_voter(const sc_poll *p, const char *node)
{
  guint64 n;
  const char *why;
  return node && node[0] == 'v' && sv_uint(node + 1, 1, (guint64)p->voters, &n, &why);
}

/* votes needs a poll and two or more peers; a poll needs votes; voters never crash. */
bool rd_check_poll(sc_reader *r)
{
  scenario *sc = r->sc;
  sc_poll *p = &sc->poll;
  bool votes = strcmp(sc->app, "votes") == 0;
  if (!votes && p->present)
    return rd_fail(r, p->line, "<poll> belongs to app votes, not app %s", sc->app);
  if (!votes)
    return true;
  if (sc->protocol == RS_PROTO_QUORUM)
    return rd_fail(r, r->cluster_line, "app votes runs over pb-blocking or pb-nonblocking, not quorum: seed 002 "
                   "has a primary that opens ballots and sends results, which quorum replication has not");
  if (sc->failover != RS_FAILOVER_PEER)
    return rd_fail(r, r->cluster_line, "app votes needs failover=\"peer\" (seed 002: primary and backup "
                   "heartbeat each other), not %s", rs_failover_name(sc->failover));
  if (sc->replicas->len < 2)
    return rd_fail(r, r->cluster_line, "app votes needs two replicas, a primary and a backup (seed 002)");
  if (!p->present)
    return rd_fail(r, r->scenario_line, "app votes needs a <poll voters hosts ballots every yes deadline/>");
  if (sc->workload.present || sc->clients->len > 0)
    return rd_fail(r, sc->workload.present ? sc->workload.line : r->scenario_line,
                   "app votes is driven by its <poll>: no <workload> or <client>");
  if (sc->duration <= 0)
    return rd_fail(r, r->scenario_line, "app votes needs <scenario duration=...>: ballots open until it");
  for (guint i = 0; i < p->hosts->len; i++) {
    const char *h = g_ptr_array_index(p->hosts, i);
    if (!g_hash_table_contains(r->hosts, h))
      return rd_fail(r, p->line, "unknown host '%s' for <poll> (the platform %s defines no such host)", h,
                     sc->platform);
  }
  for (int i = 1; i <= p->voters; i++) {
    char id[24];
    g_snprintf(id, sizeof id, "v%d", i);
    gpointer line = g_hash_table_lookup(r->nodes, id);
    if (line)
      return rd_fail(r, GPOINTER_TO_INT(line), "node id '%s' is taken by the poll's voter %s", id, id);
  }
  for (guint i = 0; i < sc->faults->len; i++) {
    const sc_fault *f = g_ptr_array_index(sc->faults, i);
    if (names_voter(p, f->node))
      return rd_fail(r, f->line, "<%s> names voter %s: voters are dependable and never crash (seed 002)", f->kind,
                     f->node);
  }
  return true;
}
