/* One run: SimGrid set-up from the scenario, the nodes it deploys, and what is left at the end. */
#include "sim_faults.h"
#include "sim_world.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>


/* Clients (each with its channels' actors) up to which actor stacks keep their guard page. */
#define SIM_GUARD_PAGES_MAX_CLIENTS 2000

/* SimGrid's configuration for the scenario. CM02 without TCP window bound nor cross traffic makes
 * a message of S bytes over latency L and bandwidth B arrive after exactly L + S/B (DESIGN.md). */
static void init_engine(const scenario *sc)
{
  GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(args, g_strdup("replsim"));
  g_ptr_array_add(args, g_strdup_printf("--cfg=network/model:%s", sc->network_model));
  if (g_ascii_strcasecmp(sc->network_model, "CM02") == 0) {
    g_ptr_array_add(args, g_strdup("--cfg=network/TCP-gamma:0"));
    g_ptr_array_add(args, g_strdup("--cfg=network/crosstraffic:0"));
    /* Full updates of the bandwidth solver: with every client keeping messages in flight, most
     * flows change at every step, and lazy bookkeeping costs more than it saves (measured: 20%
     * less wall time on bench/steady.xml). */
    g_ptr_array_add(args, g_strdup("--cfg=network/optim:Full"));
  }
  /* Small stacks: a node has an actor per channel into it, so a run has a thousand actors. */
  g_ptr_array_add(args, g_strdup("--cfg=contexts/stack-size:256"));
  /* A guard page splits each stack into two kernel mappings: at 10,000 clients the ~150,000
   * actors exceeded vm.max_map_count (65,530) and SimGrid aborted. Without guard pages the stacks
   * merge into few mappings; below the threshold they stay, to catch a stack overflow. */
  if (sc->workload.clients + (int)sc->clients->len > SIM_GUARD_PAGES_MAX_CLIENTS)
    g_ptr_array_add(args, g_strdup("--cfg=contexts/guard-size:0"));
  g_ptr_array_add(args, g_strdup("--log=root.thres:warning"));
  g_ptr_array_add(args, g_strdup("--log=xbt_cfg.thres:warning"));
  if (g_getenv("RS_SIMGRID_THREADS"))
    g_ptr_array_add(args, g_strdup("--cfg=contexts/factory:thread"));
  /* simgrid_init removes the arguments it consumes from argv without freeing them. */
  int argc = (int)args->len;
  char **argv = g_new0(char *, args->len + 1);
  memcpy(argv, args->pdata, args->len * sizeof *argv);
  simgrid_init(&argc, argv);
  g_free(argv);
  g_ptr_array_free(args, TRUE);
  simgrid_load_platform(sc->platform);
}

static void spawn_all(sim_world *w)
{
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->joining)
      continue;
    sim_node_boot(n);
    sim_actors_spawn(n);
  }
  sim_controller_spawn(w);
}

/* What each replica holds for every key at the end, and its digest, as `final` and `digest`
 * trace lines: the evidence for lost writes and divergence. A replica that is down reports
 * through its store (its memory is gone, its store is not). Divergence is judged from the digest
 * lines when the trace is read back (trace/facts.c). */
static void report_replicas(sim_world *w)
{
  GPtrArray *keys = trace_writer_keys(w->trace); /* every key the clients touched, sorted */
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    hl_node_report(&n->base, &n->core_host, keys);
  }
  g_ptr_array_free(keys, TRUE);
}

/* Names for the trace glue: node ids as the scenario names them. */
static const char *node_name_of(const void *ctx, rs_node_id id)
{
  return sim_node_name(ctx, id);
}

static sim_world *world_new(const scenario *sc, const char *dir, sim_outcome *out)
{
  sim_world *w = g_new0(sim_world, 1);
  w->sc = sc;
  w->dir = g_strdup(dir);
  w->out = out;
  w->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)sim_node_free);
  w->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  w->scratch = g_byte_array_sized_new(4096);
  tev_run_init(&w->ev, NULL);
  w->ev.steps = out->steps;
  w->ev.name_of = node_name_of;
  w->ev.name_ctx = w;
  w->app = rs_app_find(sc->app);
  w->run = (hl_run){.sc = sc, .app = w->app, .ev = &w->ev, .dir = w->dir};
  w->plan = deploy_new(sc);
  w->done_sem = sg_sem_init(0);
  w->ev.digests = g_ptr_array_new_with_free_func(g_free);
  w->jobs = g_ptr_array_new_with_free_func(g_free);
  w->lives = g_ptr_array_new();
  w->net_rand = deploy_rand(sc, DEPLOY_NET_STREAM);
  return w;
}

/* Frees what SimGrid never will: packets still on the wire when the run ended, and the
 * synchronisation objects of the nodes and the controller. */
static void world_free(sim_world *w)
{
  sim_actors_forget_world();
  while (w->wire)
    sim_wire_remove(w, w->wire);
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->pause_sem)
      sg_sem_destroy(n->pause_sem);
  }
  for (gsize i = 0; w->channels && i < (gsize)w->channels_n * w->channels_n; i++)
    g_free(w->channels[i]);
  g_free(w->channels);
  g_ptr_array_free(w->jobs, TRUE);
  for (guint i = 0; i < w->lives->len; i++) {
    sim_life *life = g_ptr_array_index(w->lives, i);
    sg_sem_destroy(life->sem);
    g_free(life);
  }
  g_ptr_array_free(w->lives, TRUE);
  g_rand_free(w->net_rand);
  g_free(w->cut);
  sg_sem_destroy(w->done_sem);
  g_ptr_array_free(w->ev.digests, TRUE);
  sim_watchdog_clear(w);
  g_hash_table_destroy(w->by_name);
  g_ptr_array_free(w->nodes, TRUE);
  deploy_free(w->plan);
  g_byte_array_free(w->scratch, TRUE);
  tev_run_clear(&w->ev);
  g_free(w->dir);
  g_free(w);
}

/* SimGrid kills the node actors (daemons) once the controller ends under simgrid_run(), but not
 * when it ended inside a simgrid_run_until() slice: then every host goes off, as in a crash,
 * which ends every actor whatever it waits for, before their semaphores are destroyed. Nothing
 * of it reaches the trace: the run is over. */
static void end_node_actors(sim_world *w)
{
  sim_actors_forget_world();
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (sg_host_is_on(n->host))
      sg_host_turn_off(n->host);
  }
  simgrid_run();
}

bool sim_run(const scenario *sc, const char *dir, const sim_limits *limits, sim_outcome *out, char **err)
{
  memset(out, 0, sizeof *out);
  out->steps = g_ptr_array_new();
  init_engine(sc);
  sim_world *w = world_new(sc, dir, out);
  char *trace_path = g_strdup_printf("%s/trace.jsonl", dir);
  w->trace = trace_writer_open(trace_path, err);
  w->ev.trace = w->trace;
  g_free(trace_path);
  if (!w->trace) {
    world_free(w);
    return false;
  }
  trace_run(w->trace, sc->name, rs_protocol_name(sc->protocol), sc->app, rs_failover_name(sc->failover), sc->seed);
  for (guint i = 0; i < w->plan->nodes->len; i++) {
    sim_node *n = sim_node_new(w, deploy_node(w->plan, i));
    if (n->plan->client)
      w->run.drivers_running++;
  }
  sim_faults *faults = sim_faults_new(w);
  sim_watchdog_init(w, limits ? limits->max_wall : 0);
  spawn_all(w);

  /* The simulation runs in slices between fault times; faults apply at the slices' edges. At the
   * duration (where every fault window was cut: sim_faults.c) the clients stop and the cluster
   * settles; restarts planned after it still boot while it settles. */
  double end = sc->duration > 0 ? sc->duration : INFINITY;
  double t;
  while (!w->controller_done && sim_faults_next(faults, &t) && t <= end) {
    if (t > simgrid_get_clock())
      simgrid_run_until(t);
    if (!w->controller_done)
      sim_faults_apply_due(faults, t);
  }
  while (!w->controller_done && sim_faults_next(faults, &t)) {
    if (t > simgrid_get_clock())
      simgrid_run_until(t);
    if (!w->controller_done)
      sim_faults_apply_due(faults, t);
  }
  if (!w->controller_done)
    simgrid_run();
  else
    end_node_actors(w);
  sim_faults_free(faults);

  out->end_time = w->stopped ? w->stop_time : simgrid_get_clock();
  w->ev.end_time = out->end_time;
  if (w->stopped) {
    out->stopped = g_strdup(w->stopped);
    out->stop_report = g_strdup(w->watchdog.report);
  }
  report_replicas(w);
  for (guint i = 0; i < w->nodes->len; i++)
    sim_log_flush(g_ptr_array_index(w->nodes, i));
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

void sim_outcome_clear(sim_outcome *out)
{
  if (out->steps) {
    g_ptr_array_set_free_func(out->steps, trace_step_check_free);
    g_ptr_array_free(out->steps, TRUE);
  }
  g_free(out->stopped);
  g_free(out->stop_report);
  memset(out, 0, sizeof *out);
}
