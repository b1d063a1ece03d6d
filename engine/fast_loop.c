/* The fast engine's run: the event loop, how a run ends (duration, settling, draining, as
 * actors/sim_actors.c's controller does it), the watchdog, and what is written at the end. */
#include "fast_world.h"
#include "host/fault_apply.h"

#include <math.h>


void fast_push(fast_world *w, double t, fe_kind kind, uint8_t cls, uint32_t node, void *p, uint32_t arg)
{
  fe_event e = {.t = t, .seq = w->seq++, .p = p, .node = node, .arg = arg, .kind = (uint8_t)kind, .cls = cls};
  fe_heap_push(&w->heap, &e);
}

/* --- the watchdog (scenario/watchdog.c, the SimGrid engine's too) --------------------------------- */

static const char *name_of(const void *ctx, rs_node_id id)
{
  return fast_node_name(ctx, id);
}

void fast_watchdog_tick(fast_node *n, int type)
{
  fast_world *w = n->world;
  const char *why = rs_watchdog_tick(&w->watchdog, w->now, n->id, type, name_of, w);
  if (why && !w->stopped) {
    w->stopped = why;
    w->stop_time = w->now;
  }
}

/* --- how a run ends ------------------------------------------------------------------------------ */

static bool quiet(const fast_world *w)
{
  if (w->phase != FAST_SETTLING || w->run.drivers_running != 0 || w->in_flight_work != 0 || w->faults_left != 0 ||
      w->now + FAST_TIME_EPS < w->heal)
    return false;
  for (guint i = 0; i < w->nodes->len; i++) {
    const fast_node *n = g_ptr_array_index(w->nodes, i);
    if (hl_node_busy(&n->base))
      return false;
  }
  return true;
}

static bool drained(const fast_world *w)
{
  return w->in_flight == 0 && (w->held_back == 0 || w->stopped);
}

static void set_bound(fast_world *w, double bound)
{
  w->bound = bound;
  fast_push(w, bound, FE_BOUND, 1, 0, NULL, 0);
}

/* After every event: settling -> draining once quiet (or stopped), draining -> done once drained. */
static void controller(fast_world *w)
{
  if (w->stopped && w->phase < FAST_DRAINING) {
    w->phase = FAST_DRAINING;
    set_bound(w, w->now + sim_settle_time(w->sc));
  }
  if (w->phase == FAST_SETTLING && quiet(w))
    w->phase = FAST_DRAINING;
  if (w->phase == FAST_DRAINING && drained(w))
    w->phase = FAST_DONE;
}

static void on_duration(fast_world *w)
{
  if (w->phase != FAST_RUNNING)
    return;
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    if (n->core && n->up)
      rs_node_stop(n->core);
  }
  w->phase = FAST_SETTLING;
  set_bound(w, w->sc->duration + sim_settle_time(w->sc));
  /* A fault cut at the duration: the failure detectors get time to hear each other again before
   * quiet counts, as in the SimGrid engine; an event then makes the controller look again. */
  w->heal = sim_heal_time(w->sc);
  if (w->heal > w->now + FAST_TIME_EPS)
    fast_push(w, w->heal, FE_BOUND, 1, 0, NULL, 0);
}

static void on_bound(fast_world *w)
{
  if (w->now + FAST_TIME_EPS < w->bound)
    return; /* an earlier bound, replaced */
  if (w->phase == FAST_SETTLING || w->phase == FAST_DRAINING)
    w->phase = FAST_DONE; /* draining shares the settling bound (sim_actors.c's controller) */
}

/* A paused node handles nothing until its pause is over: its events wait for the end. */
static bool postpone_if_paused(fast_world *w, const fe_event *e)
{
  fast_node *n = g_ptr_array_index(w->nodes, e->node);
  if (n->paused_until <= w->now + FAST_TIME_EPS)
    return false;
  if (e->kind == FE_TIMER) {
    if (e->t != n->timer_sched)
      return true; /* stale anyway */
    n->timer_sched = n->paused_until;
  }
  fast_push(w, n->paused_until, (fe_kind)e->kind, e->cls, e->node, e->p, e->arg);
  return true;
}

static void run_event(fast_world *w, const fe_event *e)
{
  switch ((fe_kind)e->kind) {
  case FE_DELIVER:
    if (!postpone_if_paused(w, e))
      fast_deliver(w, e->p);
    break;
  case FE_TIMER:
    if (!postpone_if_paused(w, e))
      fast_node_timer_event(g_ptr_array_index(w->nodes, e->node), e->t);
    break;
  case FE_FSYNC:
    if (!postpone_if_paused(w, e))
      fast_node_fsync(g_ptr_array_index(w->nodes, e->node), e->arg);
    break;
  case FE_HELD: {
    fast_packet *p = e->p;
    fast_node *src = g_ptr_array_index(w->nodes, p->from);
    if (postpone_if_paused(w, e))
      break;
    w->held_back--;
    if (!src->up || src->incarnation != e->arg) /* lost with its sender's crash */
      fast_drop(w, p, "crashed");
    else
      fast_put_on_wire(w, p);
    break;
  }
  case FE_FAULT:
    fast_faults_apply(w);
    break;
  case FE_RESTART_END:
    fast_restart_end(w, e->p);
    break;
  case FE_DURATION:
    on_duration(w);
    break;
  case FE_BOUND:
    on_bound(w);
    break;
  }
}

/* Frees what the heap still holds at the end: packets on their way, restart jobs. */
static void free_pending(fast_world *w)
{
  fe_event e;
  while (fe_heap_pop(&w->heap, &e)) {
    if (e.kind == FE_DELIVER || e.kind == FE_HELD)
      fast_packet_free(w, e.p);
    else if (e.kind == FE_RESTART_END)
      g_free(e.p);
  }
  fe_heap_clear(&w->heap);
}

/* --- the run ------------------------------------------------------------------------------------ */

static const char *node_name_of(const void *ctx, rs_node_id id)
{
  return fast_node_name(ctx, id);
}

static void report_replicas(fast_world *w)
{
  GPtrArray *keys = trace_writer_keys(w->trace);
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    hl_node_report(&n->base, &n->core_host, keys);
  }
  g_ptr_array_free(keys, TRUE);
}

static void host_free(gpointer p)
{
  fast_host *h = p;
  g_free(h->name);
  g_free(h);
}

static fast_world *world_new(const scenario *sc, const char *dir, sim_outcome *out)
{
  fast_world *w = g_new0(fast_world, 1);
  w->sc = sc;
  w->dir = g_strdup(dir);
  w->out = out;
  w->nodes = g_ptr_array_new();
  w->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  w->hosts = g_ptr_array_new_with_free_func(host_free);
  w->links = g_ptr_array_new();
  w->link_by_name = g_hash_table_new(g_str_hash, g_str_equal);
  w->scratch = g_byte_array_sized_new(4096);
  tev_run_init(&w->ev, NULL);
  w->ev.steps = out->steps;
  w->ev.name_of = node_name_of;
  w->ev.name_ctx = w;
  w->ev.digests = g_ptr_array_new_with_free_func(g_free);
  w->app = rs_app_find(sc->app);
  w->run = (hl_run){.sc = sc, .app = w->app, .ev = &w->ev, .dir = w->dir};
  w->plan = deploy_new(sc);
  w->net_rand = deploy_rand(sc, DEPLOY_NET_STREAM);
  return w;
}

static void world_free(fast_world *w)
{
  free_pending(w);
  for (guint i = 0; i < w->nodes->len; i++)
    fast_node_free(g_ptr_array_index(w->nodes, i));
  g_ptr_array_free(w->nodes, TRUE);
  fast_net_free(w);
  g_ptr_array_free(w->links, TRUE);
  g_hash_table_destroy(w->link_by_name);
  g_ptr_array_free(w->hosts, TRUE);
  g_hash_table_destroy(w->by_name);
  hf_injector_free(w->faults);
  g_free(w->cut);
  g_rand_free(w->net_rand);
  g_ptr_array_free(w->ev.digests, TRUE);
  tev_run_clear(&w->ev);
  deploy_free(w->plan);
  g_byte_array_free(w->scratch, TRUE);
  rs_watchdog_clear(&w->watchdog);
  g_free(w->dir);
  g_free(w);
}

bool fast_run(const scenario *sc, const char *dir, const sim_limits *limits, sim_outcome *out, char **err)
{
  memset(out, 0, sizeof *out);
  out->steps = g_ptr_array_new();
  fast_world *w = world_new(sc, dir, out);
  for (guint i = 0; i < w->plan->nodes->len; i++) {
    fast_node *n = fast_node_new(w, deploy_node(w->plan, i));
    if (n->plan->client)
      w->run.drivers_running++;
  }
  if (!fast_net_init(w, err)) {
    world_free(w);
    return false;
  }
  char *trace_path = g_strdup_printf("%s/trace.jsonl", dir);
  w->trace = trace_writer_open(trace_path, err);
  w->ev.trace = w->trace;
  g_free(trace_path);
  if (!w->trace) {
    world_free(w);
    return false;
  }
  trace_run(w->trace, sc->name, rs_protocol_name(sc->protocol), sc->app, rs_failover_name(sc->failover), sc->seed);
  rs_watchdog_init(&w->watchdog, w->nodes->len, limits ? limits->max_wall : 0);
  fast_faults_init(w);
  if (sc->duration > 0) {
    fast_push(w, sc->duration, FE_DURATION, 1, 0, NULL, 0);
  } else {
    w->phase = FAST_SETTLING;
    set_bound(w, 86400);
  }
  /* Every node of the first wave exists before any starts, as every actor is made before any runs. */
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    if (!n->joining)
      fast_node_boot(n);
  }
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    if (!n->joining)
      fast_node_start(n);
  }
  controller(w);
  fe_event e;
  while (w->phase != FAST_DONE && fe_heap_pop(&w->heap, &e)) {
    w->now = e.t;
    run_event(w, &e);
    controller(w);
  }
  out->end_time = w->stopped ? w->stop_time : w->now;
  w->ev.end_time = out->end_time;
  if (w->stopped) {
    out->stopped = g_strdup(w->stopped);
    out->stop_report = g_strdup(w->watchdog.report);
  }
  report_replicas(w);
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    hl_log_flush(&n->base, &w->run);
  }
  out->messages_sent = trace_writer_messages_sent(w->trace);
  out->messages_dropped = trace_writer_messages_dropped(w->trace);
  bool ok = trace_writer_close(w->trace, err);
  if (ok && w->ev.log_error) {
    *err = g_strdup(w->ev.log_error);
    ok = false;
  }
  world_free(w);
  return ok;
}
