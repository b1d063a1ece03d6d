/* Real mode's fault injector: the scenario's fault timeline (scenario/fault_plan.c) applied in
 * wall-clock time. Crash: SIGKILL; restart: a new process `boot` later; pause: SIGSTOP then
 * SIGCONT; join: a new process; partition, loss, duplicate, link-down and delay: every node's
 * own frame filter, sent over its control connection. A link fault acts on the traffic of the
 * hosts the link serves: the host whose name starts the link's (`node-3-link` serves node-3),
 * or every host for a link that names none (a backbone such as `wan`). Client nodes live in this
 * process: a crash frees the core node (its operation under way ends as unknown), a restart
 * makes it again; a pause of a client does nothing here (it is traced). */
#include "real_internal.h"

#include <signal.h>
#include <string.h>

static void put_cut(net_filter *f, rs_node_id a, rs_node_id b, const char *why)
{
  guint64 *k = g_new(guint64, 1);
  *k = (guint64)a << 32 | b;
  if (!g_hash_table_contains(f->cut, k) || strcmp(why, "partition") == 0)
    g_hash_table_replace(f->cut, k, (gpointer)why);
  else
    g_free(k);
}

static void put_delay(net_filter *f, rs_node_id a, rs_node_id b, double d)
{
  guint64 *k = g_new(guint64, 1);
  *k = (guint64)a << 32 | b;
  double *old = g_hash_table_lookup(f->delay, k);
  if (old && *old >= d) {
    g_free(k);
    return;
  }
  double *v = g_new(double, 1);
  *v = d;
  g_hash_table_replace(f->delay, k, v);
}

/* Node ids named in a word list ("r1 r2 registry"). */
static GArray *ids_of(const real_state *r, const char *list)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(rs_node_id));
  gchar **w = g_strsplit_set(list ? list : "", " \t\n", -1);
  for (gchar **x = w; *x; x++) {
    rs_node_id id = **x ? real_id_of(r, *x) : RS_NO_NODE;
    if (id != RS_NO_NODE)
      g_array_append_val(ids, id);
  }
  g_strfreev(w);
  return ids;
}

static void partition(real_state *r, const sc_fault *f)
{
  net_filter *flt = &r->proc->filter;
  if (f->from && f->to) {
    GArray *a = ids_of(r, f->from), *b = ids_of(r, f->to);
    for (guint i = 0; i < a->len; i++)
      for (guint k = 0; k < b->len; k++)
        put_cut(flt, g_array_index(a, rs_node_id, i), g_array_index(b, rs_node_id, k), "partition");
    g_array_free(a, TRUE);
    g_array_free(b, TRUE);
    return;
  }
  gchar **groups = g_strsplit(f->groups ? f->groups : "", "|", -1);
  GPtrArray *sets = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
  for (gchar **g = groups; *g; g++)
    g_ptr_array_add(sets, ids_of(r, *g));
  for (guint x = 0; x < sets->len; x++)
    for (guint y = 0; y < sets->len; y++)
      for (guint i = 0; x != y && i < ((GArray *)sets->pdata[x])->len; i++)
        for (guint k = 0; k < ((GArray *)sets->pdata[y])->len; k++)
          put_cut(flt, g_array_index((GArray *)sets->pdata[x], rs_node_id, i),
                  g_array_index((GArray *)sets->pdata[y], rs_node_id, k), "partition");
  g_ptr_array_free(sets, TRUE);
  g_strfreev(groups);
}

/* The platform host a link serves (NULL: every host). */
static const char *served_host(const real_state *r, const char *link)
{
  const char *best = NULL;
  const GPtrArray *hosts = r->cfg->sc->platform_hosts;
  for (guint i = 0; i < hosts->len; i++) {
    const char *h = g_ptr_array_index(hosts, i);
    size_t n = strlen(h);
    if (strncmp(link, h, n) == 0 && link[n] == '-' && (!best || n > strlen(best)))
      best = h;
  }
  return best;
}

static void link_fault(real_state *r, const sc_fault *f)
{
  const char *host = served_host(r, f->link);
  guint n = r->cfg->plan->nodes->len;
  for (rs_node_id a = 0; a < n; a++) {
    const dp_node *x = deploy_node(r->cfg->plan, a);
    for (rs_node_id b = 0; b < n; b++) {
      const dp_node *y = deploy_node(r->cfg->plan, b);
      if (a == b || (host && strcmp(x->host, host) != 0 && strcmp(y->host, host) != 0))
        continue;
      if (fault_is(f, "link-down"))
        put_cut(&r->proc->filter, a, b, "network");
      else
        put_delay(&r->proc->filter, a, b, f->latency);
    }
  }
}

/* Recomputes the filter from the faults in force and sends each node its part. */
void real_network_push(real_state *r, rs_node_id only)
{
  net_filter *f = &r->proc->filter;
  if (only == RS_NO_NODE) {
    net_filter_reset(f);
    double keep = 1, single = 1;
    for (guint i = 0; i < r->active->len; i++) {
      const sc_fault *x = g_ptr_array_index(r->active, i);
      if (fault_is(x, "partition"))
        partition(r, x);
      else if (fault_is(x, "loss"))
        keep *= 1 - x->rate;
      else if (fault_is(x, "duplicate"))
        single *= 1 - x->rate;
      else
        link_fault(r, x);
    }
    f->loss = 1 - keep;
    f->duplicate = 1 - single;
  }
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++) {
    real_server *s = r->servers[i];
    if (!s || !s->pid || !s->ready || (only != RS_NO_NODE && only != i))
      continue;
    char *line = net_filter_format(f, i);
    real_send(s, "%s\n", line);
    g_free(line);
  }
}

/* --- node lives ---------------------------------------------------------------------------- */

static void crash(real_state *r, const sc_fault *f)
{
  rs_node_id id = real_id_of(r, f->node);
  real_server *s = id != RS_NO_NODE ? r->servers[id] : NULL;
  net_node *c = id != RS_NO_NODE ? r->proc->nodes[id] : NULL;
  if ((s && !s->pid) || (c && !c->core) || (!s && !c))
    return;
  real_trace_fault(r, f, "crash", "start");
  if (s)
    real_kill(s, SIGKILL);
  else {
    if (!c->finished)
      r->drivers_running--;
    c->finished = true;
    net_node_crash(c);
  }
}

static void restart(real_state *r, const sc_fault *f, bool boot)
{
  rs_node_id id = real_id_of(r, f->node);
  real_server *s = id != RS_NO_NODE ? r->servers[id] : NULL;
  net_node *c = id != RS_NO_NODE ? r->proc->nodes[id] : NULL;
  if ((s && s->pid) || (c && c->core) || (!s && !c))
    return;
  if (!boot) {
    real_trace_fault(r, f, "crash", "end");
    real_trace_fault(r, f, "restart", "start");
    return;
  }
  real_trace_fault(r, f, "restart", "end");
  if (s) {
    real_spawn(s);
    return;
  }
  /* Counted as running until its driver says it has nothing left (at once, if so). */
  r->drivers_running++;
  net_node_boot(c, c->life + 1);
  if (r->ending && c->core)
    rs_node_stop(c->core);
}

static void pause_node(real_state *r, const sc_fault *f, bool end)
{
  rs_node_id id = real_id_of(r, f->node);
  real_server *s = id != RS_NO_NODE ? r->servers[id] : NULL;
  real_trace_fault(r, f, "pause", end ? "end" : "start");
  if (s && s->pid) {
    real_kill(s, end ? SIGCONT : SIGSTOP);
    s->paused = !end;
  }
}

static void join(real_state *r, const sc_fault *f)
{
  rs_node_id id = real_id_of(r, f->node);
  real_server *s = id != RS_NO_NODE ? r->servers[id] : NULL;
  real_trace_fault(r, f, "join", "start");
  if (s && s->joining) {
    s->joining = false;
    real_spawn(s);
  }
}

static void apply(real_state *r, const fp_action *a)
{
  const sc_fault *f = a->fault;
  bool end = a->kind == FP_END;
  if (a->kind == FP_BOOT)
    restart(r, f, true);
  else if (fault_is(f, "crash"))
    crash(r, f);
  else if (fault_is(f, "restart"))
    restart(r, f, false);
  else if (fault_is(f, "pause"))
    pause_node(r, f, end);
  else if (fault_is(f, "join"))
    join(r, f);
  else {
    real_trace_fault(r, f, f->kind, end ? "end" : "start");
    if (end)
      g_ptr_array_remove(r->active, (gpointer)f);
    else
      g_ptr_array_add(r->active, (gpointer)f);
    real_network_push(r, RS_NO_NODE);
  }
}

/* Applies every action now due, then sleeps until the next one. */
static gboolean next_fault(gpointer data)
{
  real_state *r = data;
  GArray *acts = r->faults->actions;
  double now = net_proc_now(r->proc);
  while (r->next_fault < acts->len && g_array_index(acts, fp_action, r->next_fault).t <= now + 1e-4)
    apply(r, &g_array_index(acts, fp_action, r->next_fault++));
  if (r->next_fault < acts->len) {
    double wait = g_array_index(acts, fp_action, r->next_fault).t - net_proc_now(r->proc);
    g_timeout_add(wait > 0 ? (guint)(wait * 1000) + 1 : 0, next_fault, r);
  }
  return G_SOURCE_REMOVE;
}

void real_faults_start(real_state *r)
{
  r->faults = fault_plan_new(r->cfg->sc);
  r->active = g_ptr_array_new();
  next_fault(r);
}
