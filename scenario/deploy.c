/* Turns a validated scenario into the node specs of scenario/deploy.h. */
#include "deploy.h"

#include <string.h>

static dp_node *add(deploy *d, const char *name, const char *host, uint8_t kind)
{
  dp_node *n = g_new0(dp_node, 1);
  n->id = d->nodes->len;
  n->name = g_strdup(name);
  n->host = host;
  n->spec.kind = kind;
  g_ptr_array_add(d->nodes, n);
  return n;
}

static void free_node(gpointer p)
{
  dp_node *n = p;
  g_free(n->name);
  g_free(n->steps);
  g_free(n);
}

dp_node *deploy_node(const deploy *d, rs_node_id id)
{
  return id < d->nodes->len ? g_ptr_array_index(d->nodes, id) : NULL;
}

dp_node *deploy_find(const deploy *d, const char *name)
{
  for (guint i = 0; name && i < d->nodes->len; i++) {
    dp_node *n = g_ptr_array_index(d->nodes, i);
    if (strcmp(n->name, name) == 0)
      return n;
  }
  return NULL;
}

/* The replicas the scenario deploys from the start, in order (not those a <join> adds later):
 * the fixed list of the peer and ordered designs. */
static uint32_t replica_ids(const deploy *d, rs_node_id *out)
{
  uint32_t count = 0;
  for (guint i = 0; i < d->nodes->len && count < RS_MAX_NODES; i++) {
    const dp_node *n = g_ptr_array_index(d->nodes, i);
    if (n->client)
      break; /* clients come after the replicas (and joiners after them): ten thousand clients
              * would make this scan, done once per client, quadratic */
    if (n->replica && !n->joining)
      out[count++] = n->id;
  }
  return count;
}

/* Whom a client may ask. Ordered (seed 003): the fixed retry list, which names the replicas a
 * <join> adds later too (the list is set before the run; one not started yet is only one more
 * dead entry), so that clients reach a joined replica once those before it are gone. */
static uint32_t client_replica_ids(const deploy *d, const scenario *sc, rs_node_id *out)
{
  if (sc->failover != RS_FAILOVER_ORDERED)
    return replica_ids(d, out);
  uint32_t count = 0;
  for (guint i = 0; i < d->nodes->len && count < RS_MAX_NODES; i++) {
    const dp_node *n = g_ptr_array_index(d->nodes, i);
    if (n->replica)
      out[count++] = n->id;
  }
  return count;
}

static void add_replica(deploy *d, const scenario *sc, const char *name, const char *host, bool joining)
{
  bool quorum = sc->protocol == RS_PROTO_QUORUM;
  bool votes = d->app == &rs_app_votes;
  dp_node *n = add(d, name, host, quorum ? RS_NODE_QUORUM_REPLICA : votes ? RS_NODE_VOTE_SERVER : RS_NODE_PB_REPLICA);
  n->replica = true;
  n->joining = joining;
}

/* Replica configs need the whole list of replicas (peer and ordered), so they are filled in once
 * every replica exists. */
static void fill_replica_specs(deploy *d, const scenario *sc)
{
  rs_node_id peers[RS_MAX_NODES];
  uint32_t n_peers = replica_ids(d, peers);
  for (guint i = 0; i < d->nodes->len; i++) {
    dp_node *n = g_ptr_array_index(d->nodes, i);
    if (!n->replica)
      continue;
    if (n->spec.kind == RS_NODE_QUORUM_REPLICA) {
      /* A joiner takes the members' states once every operation that got its quorum before it
       * joined is over: a client gives up after its attempts. */
      double timeout = sc->workload.present ? sc->workload.timeout : 1.0;
      int attempts = sc->workload.present && sc->workload.retries > 0 ? sc->workload.retries : 3;
      n->spec.quorum = (quorum_config){.self = n->id, .registry = d->registry, .heartbeat = sc->heartbeat,
                                       .joining = n->joining, .join_delay = timeout * attempts + 1,
                                       .read_quorum = (uint32_t)sc->read_quorum};
      continue;
    }
    pb_config *cfg = &n->spec.pb;
    *cfg = (pb_config){.self = n->id, .registry = d->registry, .blocking = sc->protocol == RS_PROTO_PB_BLOCKING,
                       .reads_primary = sc->reads_primary, .failover = (uint8_t)sc->failover,
                       .view_service = d->view_service, .heartbeat = sc->heartbeat,
                       .dead_after = (uint32_t)sc->dead_after, .restart_delay = sc->restart_delay};
    cfg->n_peers = n_peers;
    cfg->joining = n->joining;
    memcpy(cfg->peers, peers, n_peers * sizeof *peers);
    if (n->joining && cfg->n_peers < RS_MAX_NODES)
      cfg->peers[cfg->n_peers++] = n->id; /* a joiner knows the fixed list, and itself at its end */
  }
}

static rs_bytes opt_bytes(const char *s)
{
  return s ? rs_bytes_str(s) : RS_BYTES_NULL;
}

static void add_script(deploy *d, const sc_client *c)
{
  dp_node *n = add(d, c->id, c->host, RS_NODE_CLIENT);
  n->client = true;
  n->script = c;
  n->n_steps = c->steps->len;
  n->steps = g_new0(rs_script_step, n->n_steps ? n->n_steps : 1);
  for (guint s = 0; s < c->steps->len; s++) {
    const sc_step *st = g_ptr_array_index(c->steps, s);
    rs_script_step *dst = &n->steps[s];
    dst->op = (rs_op){.kind = (uint8_t)st->op, .key = opt_bytes(st->key), .name = opt_bytes(st->name),
                      .value = opt_bytes(st->value), .expected = opt_bytes(st->expected)};
    dst->replica = RS_NO_NODE;
    dst->at = st->at;
    dst->expect = st->expect ? (uint8_t)rs_status_parse(st->expect) : RS_ST_NONE;
    dst->expect_value = st->expect_value;
    dst->line = st->line;
  }
}

/* Steps name replicas by id; every node exists once the plan is complete. */
static void resolve_step_replicas(deploy *d)
{
  for (guint i = 0; i < d->nodes->len; i++) {
    dp_node *n = g_ptr_array_index(d->nodes, i);
    for (size_t s = 0; n->script && s < n->n_steps; s++) {
      const sc_step *st = g_ptr_array_index(n->script->steps, s);
      const dp_node *r = deploy_find(d, st->replica);
      n->steps[s].replica = r ? r->id : RS_NO_NODE;
    }
  }
}

/* Closed-loop clients c1..cN share the scenario's operation count, the first ones taking one more
 * when it does not divide evenly (or, without one, run until the duration); their hosts are used
 * round robin. */
static void add_workload(deploy *d, const scenario *sc)
{
  const sc_workload *wl = &sc->workload;
  if (!wl->present)
    return;
  for (int i = 0; i < wl->clients; i++) {
    char name[32];
    g_snprintf(name, sizeof name, "c%d", i + 1);
    dp_node *n = add(d, name, g_ptr_array_index(wl->hosts, (guint)i % wl->hosts->len), RS_NODE_CLIENT);
    n->client = true;
    /* Without ops= the clients run until the duration (the driver stops at it). */
    long share = wl->ops > 0 ? wl->ops / wl->clients + (i < wl->ops % wl->clients) : -1;
    n->workload = (rs_workload_config){.ops = share,
                                       .think = wl->think, .rate = wl->rate / wl->clients,
                                       .keys = wl->keys, .value_size = wl->value_size,
                                       .files = d->app == &rs_app_files, .chat = d->app == &rs_app_chat};
    memcpy(n->workload.mix, wl->mix, sizeof n->workload.mix);
  }
}

/* Client configs: how long an attempt may take and how many there are come from the workload
 * (scripted clients use the same), and the failover design tells the client whom to ask. */
static rs_client_config client_config(const deploy *d, const scenario *sc, rs_node_id self)
{
  rs_node_id peers[RS_MAX_NODES];
  uint32_t n_peers = client_replica_ids(d, sc, peers);
  double timeout = sc->workload.present ? sc->workload.timeout : 1.0;
  int attempts = sc->workload.present ? sc->workload.retries : 3;
  bool quorum = sc->protocol == RS_PROTO_QUORUM;
  rs_client_config c = {.self = self, .registry = d->registry, .quorum = quorum, .read_repair = sc->read_repair,
                        .app = d->app,
                        .timeout = timeout, .ready_retry = timeout, .attempts = attempts > 0 ? attempts : 1,
                        .failover = quorum ? 0 : (uint8_t)sc->failover, .view_service = d->view_service,
                        .reads_primary = sc->reads_primary};
  if (c.failover) {
    c.n_peers = n_peers;
    memcpy(c.peers, peers, n_peers * sizeof *peers);
  }
  return c;
}

static void fill_client_specs(deploy *d, const scenario *sc)
{
  for (guint i = 0; i < d->nodes->len; i++) {
    dp_node *n = g_ptr_array_index(d->nodes, i);
    if (!n->client)
      continue;
    n->spec.client.client = client_config(d, sc, n->id);
    if (n->script && n->script->timeout > 0)
      n->spec.client.client.timeout = n->spec.client.client.ready_retry = n->script->timeout;
    if (n->script && n->script->retries > 0)
      n->spec.client.client.attempts = n->script->retries;
    n->spec.client.driver = (rs_driver_config){.name = n->name, .workload = n->script ? NULL : &n->workload,
                                               .steps = n->steps, .n_steps = n->n_steps,
                                               .stop_at = sc->duration};
  }
}

deploy *deploy_new(const scenario *sc)
{
  deploy *d = g_new0(deploy, 1);
  d->nodes = g_ptr_array_new_with_free_func(free_node);
  d->app = rs_app_find(sc->app);
  dp_node *registry = add(d, "registry", sc->registry_host, RS_NODE_REGISTRY);
  d->registry = registry->id;
  registry->spec.registry = (rs_registry_config){
      .self = registry->id, .quorum = sc->protocol == RS_PROTO_QUORUM, .expected_replicas = sc->replicas->len,
      .read_quorum = (uint32_t)sc->read_quorum, .write_quorum = (uint32_t)sc->write_quorum,
      .heartbeat = sc->heartbeat, .dead_after = (uint32_t)sc->dead_after};
  d->view_service = RS_NO_NODE;
  if (sc->failover == RS_FAILOVER_VIEW_SERVICE) {
    dp_node *vs = add(d, "view-service", sc->view_service_host, RS_NODE_VIEW_SERVICE);
    vs->spec.view_service = (vs_config){.self = vs->id, .interval = sc->heartbeat,
                                        .dead_after = (uint32_t)sc->dead_after};
    d->view_service = vs->id;
  }
  for (guint i = 0; i < sc->replicas->len; i++) {
    const sc_replica *r = g_ptr_array_index(sc->replicas, i);
    add_replica(d, sc, r->id, r->host, false);
  }
  for (guint i = 0; i < sc->clients->len; i++)
    add_script(d, g_ptr_array_index(sc->clients, i));
  add_workload(d, sc);
  for (guint i = 0; i < sc->faults->len; i++) {
    const sc_fault *f = g_ptr_array_index(sc->faults, i);
    if (strcmp(f->kind, "join") == 0)
      add_replica(d, sc, f->node, f->host, true);
  }
  deploy_add_voters(d, sc);
  fill_replica_specs(d, sc);
  deploy_fill_poll(d, sc);
  fill_client_specs(d, sc);
  resolve_step_replicas(d);
  return d;
}

void deploy_free(deploy *d)
{
  if (!d)
    return;
  g_ptr_array_free(d->nodes, TRUE);
  g_free(d);
}

/* Sequence numbers of life L start above L << 40: a client would need 2^40 operations in one
 * life to reach the next life's numbers. */
rs_node_spec deploy_spec_for_life(const dp_node *n, uint32_t life, long done)
{
  rs_node_spec spec = n->spec;
  if (spec.kind == RS_NODE_PB_REPLICA || spec.kind == RS_NODE_VOTE_SERVER)
    spec.pb.restarted = life > 0;
  if (n->client) {
    spec.client.client.seq_base = (uint64_t)life << 40;
    spec.client.driver.start_at = done;
  }
  return spec;
}

rs_node_spec deploy_shell_client(const deploy *d, const scenario *sc, uint64_t seq_base)
{
  rs_node_spec spec = {.kind = RS_NODE_CLIENT};
  spec.client.client = client_config(d, sc, d->nodes->len);
  spec.client.client.seq_base = seq_base;
  return spec;
}

GRand *deploy_rand(const scenario *sc, guint32 stream)
{
  guint32 seed[3] = {(guint32)sc->seed, (guint32)(sc->seed >> 32), stream};
  return g_rand_new_with_seed_array(seed, 3);
}
