/* A node's life in the harness: its core node is made at start (and again after a restart,
 * from the store that survived), and is lost, with everything in memory, when its host crashes. */
#include "sim_world.h"

/* The replicas the scenario deploys from the start, in order (not those a <join> adds later):
 * the fixed list of the peer and ordered designs. */
guint32 sim_replica_ids(const sim_world *w, rs_node_id *out)
{
  guint32 count = 0;
  for (guint i = 0; i < w->nodes->len && count < RS_MAX_NODES; i++) {
    const sim_node *n = g_ptr_array_index(w->nodes, i);
    if ((n->kind == SIM_PB_REPLICA || n->kind == SIM_QUORUM_REPLICA) && !n->joining)
      out[count++] = n->id;
  }
  return count;
}

static void boot_registry(sim_node *n)
{
  const scenario *sc = n->world->sc;
  rs_registry_config cfg = {.self = n->id, .quorum = sc->protocol == RS_PROTO_QUORUM,
                            .expected_replicas = sc->replicas->len, .read_quorum = (uint32_t)sc->read_quorum,
                            .write_quorum = (uint32_t)sc->write_quorum, .heartbeat = sc->heartbeat,
                            .dead_after = (uint32_t)sc->dead_after};
  n->registry = rs_registry_new(&cfg, &n->core_host);
}

/* The view service writes seed 000's heartbeat.txt through the node's log. */
static void heartbeat_line(void *arg, const char *line)
{
  sim_node *n = arg;
  fprintf(n->log, "%s\n", line);
}

static void boot_view_service(sim_node *n)
{
  const scenario *sc = n->world->sc;
  vs_config cfg = {.self = n->id, .interval = sc->heartbeat, .dead_after = (uint32_t)sc->dead_after,
                   .log_line = heartbeat_line, .log_arg = n};
  n->vs = vs_new(&cfg, &n->core_host);
}

static void boot_replica(sim_node *n)
{
  sim_world *w = n->world;
  const scenario *sc = w->sc;
  if (!n->store)
    n->store = rs_store_new(w->app);
  if (n->kind == SIM_QUORUM_REPLICA) {
    n->quorum = quorum_replica_new(n->id, w->registry_id, sc->heartbeat, &n->core_host, n->store);
    return;
  }
  pb_config cfg = {.self = n->id, .registry = w->registry_id, .blocking = sc->protocol == RS_PROTO_PB_BLOCKING,
                   .reads_primary = sc->reads_primary, .failover = (uint8_t)sc->failover,
                   .view_service = w->view_service_id, .heartbeat = sc->heartbeat,
                   .dead_after = (uint32_t)sc->dead_after, .restart_delay = sc->restart_delay};
  cfg.n_peers = sim_replica_ids(w, cfg.peers);
  n->pb = pb_new(&cfg, &n->core_host, n->store);
}

/* A client and the driver that runs its share of the workload, or its script. A client that
 * restarts after a crash does not resume: its unfinished operations stay unknown. */
static void boot_client(sim_node *n)
{
  sim_world *w = n->world;
  const scenario *sc = w->sc;
  const rs_workload_config *wl = n->script ? NULL : &n->workload;
  rs_driver_config dcfg = {.name = n->name, .workload = wl, .steps = n->steps, .n_steps = n->n_steps,
                           .on_step = sim_step_done, .on_finished = sim_driver_finished, .arg = n};
  n->driver = rs_driver_new(&dcfg, &n->core_host);
  double timeout = sc->workload.present ? sc->workload.timeout : 1.0;
  int attempts = sc->workload.present ? sc->workload.retries : 3;
  rs_client_config ccfg = {.self = n->id, .registry = w->registry_id, .quorum = sc->protocol == RS_PROTO_QUORUM,
                           .app = w->app, .timeout = timeout, .attempts = attempts > 0 ? attempts : 1,
                           .failover = sc->protocol == RS_PROTO_QUORUM ? 0 : (uint8_t)sc->failover,
                           .view_service = w->view_service_id, .reads_primary = sc->reads_primary,
                           .on_ready = rs_driver_on_ready, .on_done = rs_driver_on_done, .arg = n->driver};
  if (ccfg.failover)
    ccfg.n_peers = sim_replica_ids(w, ccfg.peers);
  n->client = rs_client_new(&ccfg, &n->core_host);
  rs_driver_attach(n->driver, n->client);
}

void sim_node_boot(sim_node *n)
{
  bool again = n->booted_once;
  n->booted_once = true;
  n->up = true;
  if (n->kind == SIM_CLIENT && again)
    return;
  switch (n->kind) {
  case SIM_REGISTRY:
    boot_registry(n);
    break;
  case SIM_VIEW_SERVICE:
    boot_view_service(n);
    break;
  case SIM_PB_REPLICA:
  case SIM_QUORUM_REPLICA:
    boot_replica(n);
    break;
  case SIM_CLIENT:
    boot_client(n);
    break;
  }
}

static void free_core(sim_node *n)
{
  rs_registry_free(n->registry);
  vs_free(n->vs);
  pb_free(n->pb);
  quorum_replica_free(n->quorum);
  rs_client_free(n->client);
  rs_driver_free(n->driver);
  n->registry = NULL;
  n->vs = NULL;
  n->pb = NULL;
  n->quorum = NULL;
  n->client = NULL;
  n->driver = NULL;
}

/* Loses what the node had in memory: its core node, its timers, messages it had not yet put on
 * the wire, and messages on their way to it (they are dropped now: their receiver is gone). The
 * store stays. The host's actors were killed by SimGrid when the host went off. */
void sim_node_crash(sim_node *n)
{
  sim_world *w = n->world;
  if (!n->up)
    return;
  n->up = false;
  n->incarnation++;
  for (int i = 0; i < SIM_MAX_TIMERS; i++)
    n->timers[i].armed = false;
  for (guint i = 0; i < n->outbox->len; i++)
    sim_drop(w, g_ptr_array_index(n->outbox, i), "crashed");
  g_ptr_array_set_size(n->outbox, 0);
  sim_packet *held;
  while ((held = g_queue_pop_head(n->delayed)))
    sim_drop(w, held, "crashed");
  n->timer_actor_waiting = false;
  for (sim_packet *p = w->wire; p; p = p->next)
    if (p->to == n->id && p->started && !p->dead)
      sim_drop(w, p, "crashed");
  if (n->kind == SIM_CLIENT && !n->finished) {
    n->finished = true;
    w->drivers_running--;
  }
  free_core(n);
}

/* A host goes down: SimGrid kills every actor on it, and every node there loses its memory. */
void sim_host_crash(sim_world *w, sg_host_t host)
{
  if (sg_host_is_on(host))
    sg_host_turn_off(host);
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->host == host)
      sim_node_crash(n);
  }
}

/* A host comes back: every node it ran starts again from its store. */
void sim_host_boot(sim_world *w, sg_host_t host)
{
  if (!sg_host_is_on(host))
    sg_host_turn_on(host);
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->host == host && !n->up && !n->joining && n->booted_once) {
      sim_node_boot(n);
      sim_actors_spawn(n);
    }
  }
}
