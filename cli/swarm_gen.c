/* The swarm's generator: draws a random scenario the parser must accept (every protocol, app,
 * failover design and fault kind; faults at t=0, at the duration and overlapping; workloads that
 * run until the duration) from one seed, and writes it as a scenario file. */
#include "swarm.h"

#include <math.h>
#include <string.h>

/* splitmix64: the scenario's seed from the swarm's seed and the case number, so that case i is
 * the same whatever the number of runs or jobs. */
static uint64_t mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

typedef struct gen {
  GRand *rand;
  sw_scenario *s;
  bool quick;
  bool calm;         /* every fault over by half the run: liveness can be judged */
  GHashTable *down;  /* node -> GArray of (from, to) pairs it is crashed */
} gen;

static double uni(gen *g, double lo, double hi) { return g_rand_double_range(g->rand, lo, hi); }
static int pick(gen *g, int lo, int hi_inclusive) { return g_rand_int_range(g->rand, lo, hi_inclusive + 1); }
static bool chance(gen *g, double p) { return g_rand_double(g->rand) < p; }
/* Times are written in whole milliseconds, so what is drawn is what the file says. */
static double ms(double t) { return floor(t * 1000.0 + 0.5) / 1000.0; }

static sw_fault *add_fault(gen *g, sw_kind kind)
{
  sw_fault *f = g_new0(sw_fault, 1);
  f->kind = kind;
  f->until = -1;
  f->restart_at = -1;
  g_ptr_array_add(g->s->faults, f);
  return f;
}

/* A start time: sometimes exactly 0 or the duration, mostly inside the first part of the run
 * (quick mode leaves time after the faults for liveness to be judged). */
static double draw_at(gen *g)
{
  double d = g->s->duration;
  double r = g_rand_double(g->rand);
  if (r < 0.12)
    return 0;
  if (g->calm)
    return ms(uni(g, 0, 0.35 * d));
  if (r < 0.16)
    return d;
  return ms(uni(g, 0, (g->quick ? 0.6 : 0.8) * d));
}

/* An end after `at`: often within the run, sometimes past the duration (the parser cuts it
 * there), sometimes none (to the end). */
static double draw_until(gen *g, double at)
{
  double d = g->s->duration;
  if (at >= d)
    return -1;
  if (g->calm)
    return ms(MIN(at + uni(g, 0.02, 0.15) * d, 0.5 * d));
  double r = g_rand_double(g->rand);
  if (r < 0.15)
    return -1;
  if (r < 0.22)
    return ms(d + uni(g, 0.001, 2));
  double u = ms(at + uni(g, 0.05, 0.4) * d);
  return u > at ? u : ms(at + 0.001);
}

static char *replica_id(int i) { return g_strdup_printf("r%d", i); }

/* A replica drawn from the cluster (joined ones are never named by faults). */
static char *any_replica(gen *g) { return replica_id(pick(g, 1, g->s->replicas)); }

/* A node any fault may name: mostly replicas, sometimes the registry, the view service or a
 * client. */
static char *any_node(gen *g)
{
  double r = g_rand_double(g->rand);
  if (r < 0.05)
    return g_strdup("registry");
  if (r < 0.09 && !strcmp(g->s->failover, "view-service"))
    return g_strdup("view-service");
  if (r < 0.13)
    return g_strdup_printf("c%d", pick(g, 1, g->s->clients));
  return any_replica(g);
}

static bool is_down(gen *g, const char *node, double from, double to)
{
  GArray *a = g_hash_table_lookup(g->down, node);
  for (guint i = 0; a && i < a->len; i += 2) {
    double f = g_array_index(a, double, i), t = g_array_index(a, double, i + 1);
    if (from <= t && f <= to)
      return true;
  }
  return false;
}

static void mark_down(gen *g, const char *node, double from, double to)
{
  GArray *a = g_hash_table_lookup(g->down, node);
  if (!a) {
    a = g_array_new(FALSE, FALSE, sizeof(double));
    g_hash_table_insert(g->down, g_strdup(node), a);
  }
  g_array_append_val(a, from);
  g_array_append_val(a, to);
}

/* A crash, with a restart most of the time; never of a node already down then (the parser
 * refuses it), and a restart no later than the duration. */
static void draw_crash(gen *g)
{
  double d = g->s->duration;
  char *node = any_node(g);
  double at = draw_at(g);
  double restart = -1;
  if (at < d && (g->calm || chance(g, 0.75))) {
    restart = ms(at + uni(g, 0.05, g->calm ? 0.15 : 0.5) * d);
    if (restart > d)
      restart = d;
    if (restart <= at)
      restart = -1;
  }
  double end = restart >= 0 ? restart : INFINITY;
  if (is_down(g, node, at, end)) {
    g_free(node);
    return;
  }
  mark_down(g, node, at, end);
  sw_fault *f = add_fault(g, SW_CRASH);
  f->node = node;
  f->at = at;
  f->restart_at = restart;
  f->boot = ms(uni(g, 0.01, g->quick ? 0.3 : 1.5));
}

/* Nodes a partition may separate: the replicas, the registry, the view service, the clients. */
static GPtrArray *partition_nodes(gen *g)
{
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  for (int i = 1; i <= g->s->replicas; i++)
    g_ptr_array_add(a, replica_id(i));
  g_ptr_array_add(a, g_strdup("registry"));
  if (!strcmp(g->s->failover, "view-service"))
    g_ptr_array_add(a, g_strdup("view-service"));
  for (int i = 1; i <= g->s->clients; i++)
    if (chance(g, 0.5))
      g_ptr_array_add(a, g_strdup_printf("c%d", i));
  return a;
}

/* Splits a shuffled list into `k` non-empty groups joined with " | " (or two word lists for a
 * one-way cut). */
static void draw_partition(gen *g)
{
  GPtrArray *nodes = partition_nodes(g);
  for (guint i = nodes->len; i > 1; i--) {
    guint j = g_rand_int_range(g->rand, 0, (gint32)i);
    gpointer t = nodes->pdata[i - 1];
    nodes->pdata[i - 1] = nodes->pdata[j];
    nodes->pdata[j] = t;
  }
  guint keep = (guint)pick(g, 2, (int)nodes->len);
  guint k = chance(g, 0.8) ? 2 : 3;
  if (k > keep)
    k = keep;
  sw_fault *f = add_fault(g, SW_PARTITION);
  f->at = draw_at(g);
  f->until = draw_until(g, f->at);
  guint cut1 = (guint)pick(g, 1, (int)(keep - k + 1));
  guint cut2 = k == 3 ? cut1 + (guint)pick(g, 1, (int)(keep - cut1 - 1)) : keep;
  GString *a = g_string_new(NULL), *b = g_string_new(NULL), *c = g_string_new(NULL);
  for (guint i = 0; i < keep; i++) {
    GString *t = i < cut1 ? a : i < cut2 ? b : c;
    if (t->len)
      g_string_append_c(t, ' ');
    g_string_append(t, nodes->pdata[i]);
  }
  if (k == 2 && chance(g, 0.4)) {
    f->from = g_string_free(a, FALSE);
    f->to = g_string_free(b, FALSE);
    g_string_free(c, TRUE);
  } else {
    f->groups = k == 3 ? g_strdup_printf("%s | %s | %s", a->str, b->str, c->str) : g_strdup_printf("%s | %s", a->str, b->str);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    g_string_free(c, TRUE);
  }
  g_ptr_array_free(nodes, TRUE);
}

/* A platform link: a replica's, the registry's, the view service's, a client's, wan.xml's wan. */
static char *any_link(gen *g)
{
  double r = g_rand_double(g->rand);
  if (r < 0.1)
    return g_strdup("registry-link");
  if (r < 0.15 && !strcmp(g->s->failover, "view-service"))
    return g_strdup("view-service-link");
  if (r < 0.2)
    return g_strdup_printf("client-%d-link", pick(g, 1, g->s->clients < 4 ? g->s->clients : 4));
  if (r < 0.25 && !strcmp(g->s->platform, "wan.xml"))
    return g_strdup("wan");
  return g_strdup_printf("node-%d-link", pick(g, 1, g->s->replicas));
}

static void draw_fault(gen *g)
{
  double r = g_rand_double(g->rand);
  sw_fault *f;
  if (r < 0.30) {
    draw_crash(g);
  } else if (r < 0.42) {
    f = add_fault(g, SW_PAUSE);
    f->node = any_node(g);
    f->at = draw_at(g);
    f->until = draw_until(g, f->at);
    if (f->until < 0 && f->at < g->s->duration)
      f->until = g->s->duration;
    if (f->at >= g->s->duration) /* a pause needs until after at: move it inside the run */
      f->at = ms(g->s->duration / 2), f->until = g->s->duration;
  } else if (r < 0.60) {
    draw_partition(g);
  } else if (r < 0.68) {
    f = add_fault(g, SW_LINK_DOWN);
    f->link = any_link(g);
    f->at = draw_at(g);
    f->until = draw_until(g, f->at);
  } else if (r < 0.78) {
    f = add_fault(g, SW_DELAY);
    f->link = any_link(g);
    f->latency = ms(uni(g, 0.001, chance(g, 0.3) ? 1.0 : 0.1));
    f->at = draw_at(g);
    f->until = draw_until(g, f->at);
  } else if (r < 0.86) {
    f = add_fault(g, SW_LOSS);
    f->rate = floor(uni(g, 0.01, 0.3) * 100 + 0.5) / 100;
    f->at = draw_at(g);
    f->until = draw_until(g, f->at);
  } else if (r < 0.94) {
    f = add_fault(g, SW_DUPLICATE);
    f->rate = floor(uni(g, 0.01, 0.3) * 100 + 0.5) / 100;
    f->at = draw_at(g);
    f->until = draw_until(g, f->at);
  } else {
    for (guint i = 0; i < g->s->faults->len; i++)
      if (((sw_fault *)g->s->faults->pdata[i])->kind == SW_JOIN)
        return; /* one joiner, on node-8 */
    f = add_fault(g, SW_JOIN);
    f->node = g_strdup("j1");
    f->host = g_strdup("node-8");
    f->at = ms(uni(g, 0, (g->calm ? 0.35 : 0.7) * g->s->duration));
  }
}

static char *mix_for(gen *g)
{
  char buf[96];
  if (!strcmp(g->s->app, "files"))
    g_snprintf(buf, sizeof buf, "write=%d read=%d delete=%d", pick(g, 1, 60), pick(g, 1, 60), pick(g, 1, 30));
  else if (!strcmp(g->s->protocol, "quorum"))
    g_snprintf(buf, sizeof buf, "put=%d get=%d", pick(g, 1, 60), pick(g, 1, 60));
  else
    g_snprintf(buf, sizeof buf, "put=%d get=%d append=%d cas=%d", pick(g, 1, 40), pick(g, 1, 40), pick(g, 0, 30),
               pick(g, 0, 20));
  return g_strdup(buf);
}

/* Whether every name in `list` (space-separated, "|" between groups) is one of a poll's servers
 * or the registry: a fault may not name a voter, nor a node the poll does not have. */
static bool poll_names(const char *list)
{
  if (!list)
    return true;
  char **w = g_strsplit_set(list, " |", -1);
  bool ok = true;
  for (guint i = 0; w[i] && ok; i++)
    ok = !w[i][0] || !strcmp(w[i], "r1") || !strcmp(w[i], "r2") || !strcmp(w[i], "registry");
  g_strfreev(w);
  return ok;
}

static bool poll_link(const char *link)
{
  return !link || !strcmp(link, "node-1-link") || !strcmp(link, "node-2-link") || !strcmp(link, "registry-link") ||
         !strcmp(link, "wan");
}

/* Seed 002's poll instead of a workload: two vote servers under peer failover, voters on two
 * client hosts; the faults drawn for a larger cluster keep only those on r1, r2 and the
 * registry (and joins go: a poll has its two servers). */
static void make_poll(gen *g)
{
  sw_scenario *s = g->s;
  g_free(s->app);
  g_free(s->failover);
  g_free(s->reads);
  s->app = g_strdup("votes");
  s->failover = g_strdup("peer");
  s->reads = g_strdup("primary");
  s->replicas = 2;
  if (s->dead_after < 2)
    s->dead_after = 2;
  s->voters = pick(g, 2, 8);
  s->every = ms(uni(g, 0.2, 1.0));
  s->ballots = MAX(1, (int)(s->duration / s->every));
  s->yes = ms(uni(g, 0, 1));
  s->deadline = ms(uni(g, 0.3, 2.0));
  for (guint i = s->faults->len; i-- > 0;) {
    sw_fault *f = s->faults->pdata[i];
    if (f->kind == SW_JOIN || !poll_names(f->node) || !poll_names(f->groups) || !poll_names(f->from) ||
        !poll_names(f->to) || !poll_link(f->link)) {
      g_ptr_array_remove_index(s->faults, i);
      sw_fault_free(f);
    }
  }
}

sw_scenario *sw_draw(uint64_t seed, unsigned index, bool quick)
{
  uint64_t own = mix64(seed ^ mix64(index + 1)) & INT64_MAX;
  guint32 words[2] = {(guint32)own, (guint32)(own >> 32)};
  gen g = {g_rand_new_with_seed_array(words, 2), g_new0(sw_scenario, 1), quick, false,
           g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref)};
  sw_scenario *s = g.s;
  s->seed = own;
  s->name = g_strdup_printf("swarm-%" G_GUINT64_FORMAT "-%u", seed, index);
  s->faults = g_ptr_array_new();
  s->platform = g_strdup(chance(&g, 0.85) ? "lan.xml" : "wan.xml");
  static const char *protocols[] = {"pb-blocking", "pb-nonblocking", "quorum"};
  static const char *failovers[] = {"none", "view-service", "peer", "ordered"};
  s->protocol = g_strdup(protocols[pick(&g, 0, 2)]);
  s->app = g_strdup(chance(&g, 0.5) ? "files" : "kv");
  bool quorum = !strcmp(s->protocol, "quorum");
  s->failover = g_strdup(quorum ? "none" : failovers[chance(&g, 0.12) ? 0 : pick(&g, 1, 3)]);
  s->reads = g_strdup(quorum || chance(&g, 0.8) ? "primary" : "local");
  s->replicas = pick(&g, 1, 7);
  s->heartbeat = ms(quick ? uni(&g, 0.05, 0.3) : uni(&g, 0.05, 1.0));
  s->dead_after = chance(&g, 0.12) ? 1 : pick(&g, 2, 5);
  s->restart_delay = ms(uni(&g, 0.1, quick ? 1.0 : 5.0));
  if (quorum) {
    s->read_repair = chance(&g, 0.5);
    if (chance(&g, 0.6)) {
      int n = s->replicas;
      s->nw = pick(&g, n / 2 + 1, n);
      s->nr = pick(&g, n - s->nw + 1, n);
    }
  }
  s->duration = ms(quick ? uni(&g, 3, 8) : uni(&g, 5, 40));
  s->jitter_mean = chance(&g, 0.3) ? ms(uni(&g, 0.001, 0.005)) : 0;
  s->clients = pick(&g, 1, quick ? 3 : 4);
  s->think = ms(uni(&g, quick ? 0.01 : 0, 0.2));
  s->timeout = ms(uni(&g, 0.05, quick ? 0.3 : 1.0));
  s->retries = pick(&g, 1, quick ? 4 : 6);
  s->keys = pick(&g, 2, 30);
  s->value_size = pick(&g, 8, 200);
  s->mix = mix_for(&g);
  g.calm = chance(&g, 0.3);
  int n_faults = chance(&g, 0.1) ? 0 : pick(&g, 1, quick ? 5 : 8);
  for (int i = 0; i < n_faults; i++)
    draw_fault(&g);
  /* Seed 003's chat under primary-backup, drawn last so that every other case stays as it was
   * drawn before chat existed (the fixed test set keeps its meaning). */
  if (!quorum && chance(&g, 0.2)) {
    char buf[96];
    g_snprintf(buf, sizeof buf, "register=%d send=%d fetch=%d list=%d", pick(&g, 1, 20), pick(&g, 1, 60),
               pick(&g, 1, 40), pick(&g, 0, 15));
    g_free(s->app);
    g_free(s->mix);
    s->app = g_strdup("chat");
    s->mix = g_strdup(buf);
  } else if (!quorum && chance(&g, 0.12)) {
    make_poll(&g);
  }
  g_hash_table_destroy(g.down);
  g_rand_free(g.rand);
  return s;
}

static sw_fault *copy_fault(const sw_fault *f)
{
  sw_fault *c = g_memdup2(f, sizeof *f);
  c->node = g_strdup(f->node);
  c->host = g_strdup(f->host);
  c->groups = g_strdup(f->groups);
  c->from = g_strdup(f->from);
  c->to = g_strdup(f->to);
  c->link = g_strdup(f->link);
  return c;
}

void sw_fault_free(sw_fault *f)
{
  g_free(f->node);
  g_free(f->host);
  g_free(f->groups);
  g_free(f->from);
  g_free(f->to);
  g_free(f->link);
  g_free(f);
}

sw_scenario *sw_copy(const sw_scenario *s)
{
  sw_scenario *c = g_memdup2(s, sizeof *s);
  c->name = g_strdup(s->name);
  c->platform = g_strdup(s->platform);
  c->protocol = g_strdup(s->protocol);
  c->app = g_strdup(s->app);
  c->failover = g_strdup(s->failover);
  c->reads = g_strdup(s->reads);
  c->mix = g_strdup(s->mix);
  c->faults = g_ptr_array_new();
  for (guint i = 0; i < s->faults->len; i++)
    g_ptr_array_add(c->faults, copy_fault(s->faults->pdata[i]));
  return c;
}

void sw_free(sw_scenario *s)
{
  if (!s)
    return;
  g_free(s->name);
  g_free(s->platform);
  g_free(s->protocol);
  g_free(s->app);
  g_free(s->failover);
  g_free(s->reads);
  g_free(s->mix);
  for (guint i = 0; i < s->faults->len; i++)
    sw_fault_free(s->faults->pdata[i]);
  g_ptr_array_free(s->faults, TRUE);
  g_free(s);
}

double sw_faults_end(const sw_scenario *s)
{
  double end = 0;
  for (guint i = 0; i < s->faults->len; i++) {
    const sw_fault *f = s->faults->pdata[i];
    double e;
    if (f->kind == SW_CRASH)
      e = f->restart_at >= 0 ? f->restart_at + f->boot : INFINITY;
    else if (f->kind == SW_JOIN)
      e = f->at;
    else
      e = f->until >= 0 ? MIN(f->until, s->duration) : s->duration;
    end = MAX(end, e);
  }
  return end;
}

static void t_attr(GString *x, const char *name, double t)
{
  g_string_append_printf(x, " %s=\"%.0fms\"", name, t * 1000.0);
}

static void render_fault(GString *x, const sw_fault *f)
{
  static const char *tags[] = {"crash", "pause", "partition", "link-down", "delay", "loss", "duplicate", "join"};
  g_string_append_printf(x, "    <%s", tags[f->kind]);
  if (f->node)
    g_string_append_printf(x, " node=\"%s\"", f->node);
  if (f->host)
    g_string_append_printf(x, " host=\"%s\"", f->host);
  if (f->link)
    g_string_append_printf(x, " link=\"%s\"", f->link);
  if (f->groups)
    g_string_append_printf(x, " groups=\"%s\"", f->groups);
  if (f->from)
    g_string_append_printf(x, " from=\"%s\" to=\"%s\"", f->from, f->to);
  if (f->kind == SW_DELAY)
    t_attr(x, "latency", f->latency);
  if (f->kind == SW_LOSS || f->kind == SW_DUPLICATE)
    g_string_append_printf(x, " rate=\"%.2f\"", f->rate);
  t_attr(x, "at", f->at);
  if (f->until >= 0)
    t_attr(x, "until", f->until);
  g_string_append(x, "/>\n");
  if (f->kind == SW_CRASH && f->restart_at >= 0) {
    g_string_append_printf(x, "    <restart node=\"%s\"", f->node);
    t_attr(x, "at", f->restart_at);
    t_attr(x, "boot", f->boot);
    g_string_append(x, "/>\n");
  }
}

char *sw_render(const sw_scenario *s, const char *platform_dir)
{
  GString *x = g_string_new(NULL);
  sw_promise p = sw_promise_of(s);
  g_string_append_printf(x, "<!-- Drawn by replsim swarm. Promise: %s. -->\n", p.why);
  g_string_append_printf(x, "<scenario name=\"%s\" seed=\"%" G_GUINT64_FORMAT "\"", s->name, s->seed);
  t_attr(x, "duration", s->duration);
  g_string_append(x, ">\n");
  g_string_append_printf(x, "  <platform file=\"%s/%s\"/>\n", platform_dir, s->platform);
  if (s->jitter_mean > 0) {
    g_string_append(x, "  <network jitter=\"exponential\"");
    t_attr(x, "jitter-mean", s->jitter_mean);
    g_string_append(x, "/>\n");
  }
  GString *hosts = g_string_new(NULL);
  for (int i = 1; i <= s->replicas; i++)
    g_string_append_printf(hosts, "%snode-%d", i > 1 ? " " : "", i);
  g_string_append_printf(x, "  <cluster protocol=\"%s\" app=\"%s\" replicas=\"%d\" hosts=\"%s\"", s->protocol, s->app,
                         s->replicas, hosts->str);
  g_string_free(hosts, TRUE);
  bool quorum = !strcmp(s->protocol, "quorum");
  if (!quorum)
    g_string_append_printf(x, " failover=\"%s\" reads=\"%s\"", s->failover, s->reads);
  t_attr(x, "heartbeat", s->heartbeat);
  g_string_append_printf(x, " dead-after=\"%d\"", s->dead_after);
  if (!strcmp(s->failover, "peer"))
    t_attr(x, "restart-delay", s->restart_delay);
  if (quorum && s->nr)
    g_string_append_printf(x, " read-quorum=\"%d\" write-quorum=\"%d\"", s->nr, s->nw);
  if (s->read_repair)
    g_string_append(x, " read-repair=\"true\"");
  g_string_append(x, ">\n    <registry host=\"registry\"/>\n");
  if (!strcmp(s->failover, "view-service"))
    g_string_append(x, "    <view-service host=\"view-service\"/>\n");
  g_string_append(x, "  </cluster>\n");
  if (!strcmp(s->app, "votes")) {
    g_string_append_printf(x, "  <poll voters=\"%d\" hosts=\"client-1 client-2\" ballots=\"%d\"", s->voters,
                           s->ballots);
    t_attr(x, "every", s->every);
    g_string_append_printf(x, " yes=\"%.3f\"", s->yes);
    t_attr(x, "deadline", s->deadline);
    g_string_append(x, "/>\n");
  }
  if (strcmp(s->app, "votes")) {
    GString *ch = g_string_new(NULL);
    for (int i = 1; i <= s->clients && i <= 4; i++)
      g_string_append_printf(ch, "%sclient-%d", i > 1 ? " " : "", i);
    g_string_append_printf(x, "  <workload clients=\"%d\" hosts=\"%s\"", s->clients, ch->str);
    g_string_free(ch, TRUE);
    t_attr(x, "think", s->think);
    t_attr(x, "timeout", s->timeout);
    g_string_append_printf(x, " retries=\"%d\" keys=\"%d\" value-size=\"%d\" mix=\"%s\"/>\n", s->retries,
                           s->keys, s->value_size, s->mix);
  }
  if (s->faults->len) {
    g_string_append(x, "  <faults>\n");
    for (guint i = 0; i < s->faults->len; i++)
      render_fault(x, s->faults->pdata[i]);
    g_string_append(x, "  </faults>\n");
  }
  if (p.linearizable || p.no_lost_writes || p.no_divergence) {
    g_string_append(x, "  <expect");
    if (p.linearizable)
      g_string_append(x, " linearizable=\"true\"");
    if (p.no_lost_writes)
      g_string_append(x, " lost-writes=\"0\"");
    if (p.no_divergence)
      g_string_append(x, " diverged=\"0\"");
    g_string_append(x, "/>\n");
  }
  g_string_append(x, "</scenario>\n");
  return g_string_free(x, FALSE);
}
