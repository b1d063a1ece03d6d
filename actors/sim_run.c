/* One run: SimGrid set-up from the scenario, the nodes it deploys, and what is left at the end. */
#include "sim_faults.h"
#include "sim_world.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>


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

static rs_node_id node_id(sim_world *w, const char *name)
{
  sim_node *n = name ? g_hash_table_lookup(w->by_name, name) : NULL;
  return n ? n->id : RS_NO_NODE;
}

static void add_replicas(sim_world *w)
{
  const scenario *sc = w->sc;
  bool quorum = sc->protocol == RS_PROTO_QUORUM;
  for (guint i = 0; i < sc->replicas->len; i++) {
    const sc_replica *r = g_ptr_array_index(sc->replicas, i);
    sim_node_new(w, quorum ? SIM_QUORUM_REPLICA : SIM_PB_REPLICA, r->id, r->host);
  }
}

/* A client node; sim_node_boot gives it the core client and the driver that runs its share of
 * the workload or its script. */
static sim_node *add_client(sim_world *w, const char *name, const char *host)
{
  sim_node *n = sim_node_new(w, SIM_CLIENT, name, host);
  w->drivers_running++;
  return n;
}

static rs_bytes opt_bytes(const char *s)
{
  return s ? rs_bytes_str(s) : RS_BYTES_NULL;
}

static void add_scripted_clients(sim_world *w)
{
  const scenario *sc = w->sc;
  for (guint i = 0; i < sc->clients->len; i++) {
    const sc_client *c = g_ptr_array_index(sc->clients, i);
    sim_node *n = add_client(w, c->id, c->host);
    n->script = c;
    n->n_steps = c->steps->len;
    n->steps = g_new0(rs_script_step, n->n_steps);
    for (guint s = 0; s < c->steps->len; s++) {
      const sc_step *st = g_ptr_array_index(c->steps, s);
      rs_script_step *dst = &n->steps[s];
      dst->op = (rs_op){.kind = (uint8_t)st->op, .key = opt_bytes(st->key), .name = opt_bytes(st->name),
                        .value = opt_bytes(st->value), .expected = opt_bytes(st->expected)};
      dst->replica = node_id(w, st->replica);
      dst->at = st->at;
      dst->expect = st->expect ? (uint8_t)rs_status_parse(st->expect) : RS_ST_NONE;
      dst->expect_value = st->expect_value;
      dst->line = st->line;
    }
  }
}

/* Closed-loop clients c1..cN share the scenario's operation count, the first ones taking one more
 * when it does not divide evenly; their hosts are used round robin. */
static void add_workload_clients(sim_world *w)
{
  const sc_workload *wl = &w->sc->workload;
  if (!wl->present)
    return;
  for (int i = 0; i < wl->clients; i++) {
    char *name = g_strdup_printf("c%d", i + 1);
    const char *host = g_ptr_array_index(wl->hosts, (guint)i % wl->hosts->len);
    sim_node *n = add_client(w, name, host);
    g_free(name);
    n->workload = (rs_workload_config){.ops = wl->ops / wl->clients + (i < wl->ops % wl->clients),
                                       .think = wl->think, .keys = wl->keys, .value_size = wl->value_size,
                                       .files = w->app == &rs_app_files};
    memcpy(n->workload.mix, wl->mix, sizeof n->workload.mix);
  }
}

static char *describe_step(const sim_world *w, const rs_script_step *s)
{
  (void)w;
  GString *d = g_string_new(rs_op_name(s->op.kind));
  if (s->op.key.ptr)
    g_string_append_printf(d, " %.*s", (int)s->op.key.len, s->op.key.ptr);
  if (s->replica != RS_NO_NODE)
    g_string_append_printf(d, " at %s", sim_node_name(w, s->replica));
  return g_string_free(d, FALSE);
}

/* Checks a scripted step against its `expect` (status) and `expect-value` (value read). */
void sim_step_done(void *arg, const rs_script_step *step, rs_outcome outcome, const rs_result *res)
{
  sim_node *n = arg;
  sim_world *w = n->world;
  if (step->expect == RS_ST_NONE && !step->expect_value)
    return;
  sim_step_check *chk = g_new0(sim_step_check, 1);
  chk->client = g_strdup(n->name);
  chk->line = step->line;
  chk->what = describe_step(w, step);
  const char *status = outcome == RS_OUT_OK ? rs_status_name(res->status) : rs_outcome_name(outcome);
  const char *value = res->value.ptr ? sim_bytes_str(w, 2, res->value) : "null";
  bool held = step->expect == RS_ST_NONE || (outcome == RS_OUT_OK && res->status == step->expect);
  if (step->expect_value)
    held = held && outcome == RS_OUT_OK && strcmp(value, step->expect_value) == 0;
  chk->expected = step->expect_value ? g_strdup_printf("%s \"%s\"", step->expect ? rs_status_name(step->expect) : "",
                                                       step->expect_value)
                                     : g_strdup(rs_status_name(step->expect));
  chk->actual = step->expect_value ? g_strdup_printf("%s \"%s\"", status, value) : g_strdup(status);
  chk->held = held;
  g_ptr_array_add(w->out->steps, chk);
}

void sim_driver_finished(void *arg)
{
  sim_node *n = arg;
  if (!n->finished) {
    n->finished = true;
    n->world->drivers_running--;
  }
}

static void stop_clients(sim_world *w)
{
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->driver && n->up)
      rs_driver_stop(n->driver);
  }
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
  const sim_node *registry = g_ptr_array_index(w->nodes, w->registry_id);
  sg_actor_t ctl = sg_actor_init("controller", registry->host);
  sg_actor_set_data(ctl, w);
  sg_actor_start(ctl, sim_controller, 0, NULL);
}

/* Replicas' digests at the end, in the trace; `diverged` counts the replicas up
 * at the end whose digest differs from the most common one (a replica still crashed has not been
 * healed: its digest is written with "up":false and not compared). */
static void record_digests(sim_world *w)
{
  GHashTable *count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  int best = 0, n_replicas = 0;
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (!n->store)
      continue;
    char *hex = g_strdup_printf("%016" G_GINT64_MODIFIER "x", n->store->app->ops->digest(n->store->app->state));
    trace_digest(w->trace, w->out->end_time, n->name, hex, n->up);
    if (n->up) {
      int c = GPOINTER_TO_INT(g_hash_table_lookup(count, hex)) + 1;
      g_hash_table_replace(count, g_strdup(hex), GINT_TO_POINTER(c));
      best = MAX(best, c);
      n_replicas++;
    }
    g_free(hex);
  }
  w->out->diverged = n_replicas - best;
  g_hash_table_destroy(count);
}

/* Every key the clients touched, sorted, so final states come out in the same order every run. */
static GPtrArray *keys_of(const history *h)
{
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *keys = g_ptr_array_new();
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (o->key && g_hash_table_add(seen, o->key))
      g_ptr_array_add(keys, o->key);
  }
  g_hash_table_destroy(seen);
  return keys;
}

static int cmp_str_ptr(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What each replica holds for every key at the end, read straight from its store (no message),
 * as `final` trace lines: the evidence for lost writes and divergence. */
static void record_finals(sim_world *w)
{
  GPtrArray *keys = keys_of(w->out->history);
  g_ptr_array_sort(keys, cmp_str_ptr);
  rs_op read = {.kind = w->app == &rs_app_files ? RS_OP_READ : RS_OP_GET};
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (!n->store)
      continue;
    for (guint k = 0; k < keys->len; k++) {
      read.key = rs_bytes_str(g_ptr_array_index(keys, k));
      rs_result res;
      n->store->app->ops->execute(n->store->app->state, &read, 0, RS_APPLY_ORDERED, &res);
      bool value_null = res.status == RS_ST_SUCCESS && !res.value.ptr && read.kind == RS_OP_GET;
      trace_final(w->trace, w->out->end_time, n->name, read.key.ptr, sim_bytes_str(w, 1, res.name),
                  sim_bytes_str(w, 2, res.value), value_null, rs_status_name(res.status), res.version);
    }
  }
  g_ptr_array_free(keys, TRUE);
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
  for (int i = 0; i < 4; i++)
    w->str[i] = g_string_sized_new(512);
  w->app = rs_app_find(sc->app);
  w->done_cond = sg_cond_init();
  w->done_mutex = sg_mutex_init();
  w->jobs = g_ptr_array_new_with_free_func(g_free);
  guint32 seed[3] = {(guint32)sc->seed, (guint32)(sc->seed >> 32), 0x6e657477u /* "netw" */};
  w->net_rand = g_rand_new_with_seed_array(seed, 3);
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
    if (n->timer_sem)
      sg_sem_destroy(n->timer_sem);
  }
  for (gsize i = 0; w->channels && i < (gsize)w->channels_n * w->channels_n; i++)
    g_free(w->channels[i]);
  g_free(w->channels);
  g_ptr_array_free(w->jobs, TRUE);
  g_rand_free(w->net_rand);
  g_free(w->cut);
  sg_cond_destroy(w->done_cond);
  sg_mutex_destroy(w->done_mutex);
  g_hash_table_destroy(w->by_name);
  g_ptr_array_free(w->nodes, TRUE);
  g_byte_array_free(w->scratch, TRUE);
  for (int i = 0; i < 4; i++)
    g_string_free(w->str[i], TRUE);
  g_free(w->dir);
  g_free(w);
}

bool sim_run(const scenario *sc, const char *dir, sim_outcome *out, char **err)
{
  memset(out, 0, sizeof *out);
  out->history = history_new();
  out->steps = g_ptr_array_new();
  init_engine(sc);
  sim_world *w = world_new(sc, dir, out);
  char *trace_path = g_strdup_printf("%s/trace.jsonl", dir);
  w->trace = trace_writer_open(trace_path, out->history, err);
  g_free(trace_path);
  if (!w->trace) {
    world_free(w);
    return false;
  }
  trace_run(w->trace, sc->name, rs_protocol_name(sc->protocol), sc->app, rs_failover_name(sc->failover), sc->seed);
  sim_node *registry = sim_node_new(w, SIM_REGISTRY, "registry", sc->registry_host);
  w->registry_id = registry->id;
  w->view_service_id = RS_NO_NODE;
  if (sc->failover == RS_FAILOVER_VIEW_SERVICE)
    w->view_service_id = sim_node_new(w, SIM_VIEW_SERVICE, "view-service", sc->view_service_host)->id;
  add_replicas(w);
  add_scripted_clients(w);
  add_workload_clients(w);
  sim_faults *faults = sim_faults_new(w);
  spawn_all(w);

  /* The simulation runs in slices between fault times; faults apply at the slices' edges. */
  double t;
  while (!w->controller_done && sim_faults_next(faults, &t)) {
    simgrid_run_until(t);
    if (!w->controller_done)
      sim_faults_apply_due(faults, t);
  }
  if (!w->controller_done && sc->duration > 0) {
    /* At the duration the clients stop and the network heals; the controller then lets the
     * cluster settle, so that what is measured is a quiet cluster (DESIGN.md, lost writes). */
    simgrid_run_until(sc->duration);
    stop_clients(w);
    sim_faults_heal(faults);
  }
  if (!w->controller_done)
    simgrid_run();
  sim_faults_free(faults);

  out->end_time = simgrid_get_clock();
  record_finals(w);
  record_digests(w);
  out->messages_sent = trace_writer_messages_sent(w->trace);
  out->messages_dropped = trace_writer_messages_dropped(w->trace);
  bool ok = trace_writer_close(w->trace, err);
  world_free(w);
  return ok;
}

static void free_check(gpointer p)
{
  sim_step_check *c = p;
  g_free(c->client);
  g_free(c->what);
  g_free(c->expected);
  g_free(c->actual);
  g_free(c);
}

void sim_outcome_clear(sim_outcome *out)
{
  if (out->history)
    history_free(out->history);
  if (out->steps) {
    g_ptr_array_set_free_func(out->steps, free_check);
    g_ptr_array_free(out->steps, TRUE);
  }
  memset(out, 0, sizeof *out);
}
