/* The in-memory host behind fixture.h: every node's rs_host, one clock, one queue, one event log. */
#include "support/fixture.h"
#include "support/fixture_invariants.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

/* A run that never goes quiet is a bug in the test or the core: stop it rather than hang. */
#define FX_STEP_LIMIT 1000000
#define FX_REBOOT (-1) /* fx_next.timer of a restart the host was asked for */

typedef enum fx_kind { FX_KIND_REGISTRY, FX_KIND_PB, FX_KIND_QUORUM, FX_KIND_CLIENT, FX_KIND_STUB, FX_KIND_VS } fx_kind;

typedef struct fx_timer {
  bool armed;
  double at;
  uint64_t serial;
} fx_timer;

/* One node: the core object of its kind, its store, its random generator and its timers. */
typedef struct fx_node {
  fixture *f;
  rs_node_id id;
  char name[24];
  fx_kind kind;
  GRand *rand;
  rs_store *store; /* replicas: the store, owned here so it would outlive a crash */
  rs_app *app;     /* its application */
  rs_node_spec spec; /* what it is, to boot it again after a crash */
  rs_node *core;   /* the core node; NULL while down (or a stub) */
  GPtrArray *log; /* char*, owned: lines the node wrote to its log */
  fx_timer timers[FX_MAX_TIMERS];
  bool down;           /* crashed: messages to it are lost, it fires no timer */
  fx_timer reboot;     /* a restart the host was asked for (rs_host.restart_node) */
  int restarts_asked;  /* how many times another node asked the host to restart this one */
  bool disk_held;      /* fixture_hold_disk: store changes wait until fixture_release_disk */
  uint64_t persisted;  /* store changes the node handed over in this life */
  double restart_delay; /* the delay of the latest such request */
} fx_node;

typedef struct fx_hold {
  rs_node_id from, to;
} fx_hold;

struct fixture {
  uint64_t seed;
  const rs_app_ops *app;
  bool quorum;      /* the registry's protocol, which clients follow */
  double now;
  uint64_t serial;  /* one counter for messages and timers: ties go to the older */
  fx_node *nodes[FX_MAX_NODES];
  uint32_t n_nodes;
  double latency[FX_MAX_NODES][FX_MAX_NODES]; /* negative: the default */
  GPtrArray *sent;   /* fx_sent*, owned, in sending order */
  GPtrArray *queue;  /* fx_sent* neither delivered nor dropped, in sending order */
  GArray *holds;     /* fx_hold */
  GPtrArray *events; /* fx_event*, owned */
  GArray *cuts;      /* fx_hold: links that lose every message (a partition) */
  fx_failover fo;    /* the failover cluster's settings, for its clients */
  double resend;     /* pb_config.resend of replicas added from now on */
  double loss, dup;  /* fixture_set_faults */
  bool read_repair;  /* fixture_set_read_repair: the clients added from now on */
  GRand *faults;     /* draws for loss and duplication */
  fx_invariants *inv; /* checked after every step (fixture_invariants.h) */
};

static GPtrArray *live_fixtures; /* fixture*: every one not yet freed */

static bool match(rs_node_id want, rs_node_id got) { return want == FX_ANY || want == got; }

static bool match_msg(const fx_sent *s, rs_node_id from, rs_node_id to, int type)
{
  return match(from, s->from) && match(to, s->to) && (type == FX_ANY_MSG || type == s->type);
}

static fx_node *node_of(const fixture *f, rs_node_id id)
{
  assert_true(id < f->n_nodes);
  return f->nodes[id];
}

/* ---- the rs_host every node gets ---- */

static bool cut(const fixture *f, rs_node_id from, rs_node_id to)
{
  for (guint i = 0; f->cuts && i < f->cuts->len; i++) {
    const fx_hold *c = &g_array_index(f->cuts, fx_hold, i);
    if ((c->from == from && c->to == to) || (c->from == to && c->to == from))
      return true;
  }
  return false;
}

static double link_latency(const fixture *f, rs_node_id from, rs_node_id to)
{
  double lat = from < FX_MAX_NODES && to < FX_MAX_NODES ? f->latency[from][to] : -1;
  return lat < 0 ? FX_DEFAULT_LATENCY : lat;
}

/* The network's copy of a queued message, due one link latency after it. */
static void queue_copy(fixture *f, const fx_sent *s)
{
  fx_sent *c = g_new0(fx_sent, 1);
  *c = *s;
  c->serial = ++f->serial;
  c->at = s->at + link_latency(f, s->from, s->to);
  c->bytes = g_byte_array_new();
  g_byte_array_append(c->bytes, s->bytes->data, s->bytes->len);
  c->duplicate = true;
  g_ptr_array_add(f->sent, c);
  g_ptr_array_add(f->queue, c);
}

/* Encodes `m` (so every message in every test goes through the codec) and queues the bytes. */
static void enqueue(fixture *f, rs_node_id from, rs_node_id to, const rs_msg *m)
{
  fx_sent *s = g_new0(fx_sent, 1);
  s->serial = ++f->serial;
  s->sent_at = f->now;
  s->from = from;
  s->to = to;
  s->type = m->type;
  s->bytes = g_byte_array_new();
  assert_true(rs_msg_encode(m, s->bytes) > 0);
  g_ptr_array_add(f->sent, s);
  if (to >= f->n_nodes || cut(f, from, to)) {
    s->dropped = true; /* nobody by that id, or a partition: lost on the wire */
    return;
  }
  if (f->faults && g_rand_double(f->faults) < f->loss) {
    s->dropped = true; /* random loss */
    return;
  }
  s->at = f->now + link_latency(f, from, to);
  g_ptr_array_add(f->queue, s);
  if (f->faults && g_rand_double(f->faults) < f->dup)
    queue_copy(f, s);
}

static void host_send(void *ctx, rs_node_id to, const rs_msg *m)
{
  fx_node *n = ctx;
  enqueue(n->f, n->id, to, m);
}

/* Arming an armed timer moves it; it then ranks after everything queued before. */
static void host_timer_arm(void *ctx, int timer, double delay)
{
  fx_node *n = ctx;
  assert_true(timer >= 0 && timer < FX_MAX_TIMERS);
  n->timers[timer] = (fx_timer){.armed = true, .at = n->f->now + delay, .serial = ++n->f->serial};
}

static void host_timer_cancel(void *ctx, int timer)
{
  fx_node *n = ctx;
  assert_true(timer >= 0 && timer < FX_MAX_TIMERS);
  n->timers[timer].armed = false;
}

static double host_now(void *ctx) { return ((fx_node *)ctx)->f->now; }

static uint64_t host_random(void *ctx)
{
  fx_node *n = ctx;
  uint64_t hi = g_rand_int(n->rand);
  return hi << 32 | g_rand_int(n->rand);
}

static char *dup_slice(rs_bytes b) { return b.ptr ? g_strndup(b.ptr, b.len) : NULL; }

/* Keeps a copy of the event: its slices are only valid during the call. */
static void host_event(void *ctx, const rs_event *ev)
{
  fx_node *n = ctx;
  fx_event *e = g_new0(fx_event, 1);
  e->t = n->f->now;
  e->node = n->id;
  e->type = ev->type;
  e->outcome = ev->outcome;
  e->replica = ev->replica;
  e->from = ev->from;
  e->msg_type = ev->msg_type;
  e->role = g_strdup(ev->role);
  e->view = ev->view;
  e->why = g_strdup(ev->why);
  if (ev->op) {
    e->op_kind = ev->op->kind;
    e->key = dup_slice(ev->op->key);
    e->op_value = dup_slice(ev->op->value);
  }
  if (ev->res) {
    e->status = ev->res->status;
    e->version = ev->res->version;
    e->value = dup_slice(ev->res->value);
  }
  if (ev->type == RS_EV_LOG) {
    if (!n->log)
      n->log = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(n->log, g_strdup(ev->text));
  }
  if (ev->step)
    e->step = ev->step;
  if (ev->type == RS_EV_ROLE && n->kind == FX_KIND_PB)
    fx_inv_role(n->f->inv, n->id, ev->role, ev->view);
  g_ptr_array_add(n->f->events, e);
}

/* Failover `peer`: another node asks for this restart; the fixture crashes the node (if up) and
 * boots it again once the delay has passed, as the simulator's harness does. */
static void host_restart_node(void *ctx, rs_node_id node, double delay)
{
  fx_node *n = ctx;
  fixture *f = n->f;
  if (node >= f->n_nodes)
    return;
  fx_node *target = f->nodes[node];
  target->restarts_asked++;
  target->restart_delay = delay;
  target->reboot = (fx_timer){.armed = true, .at = f->now + delay, .serial = ++f->serial};
}

/* A disk that is durable at once, unless a test holds it (fixture_hold_disk). */
static bool host_persist(void *ctx, const rs_persist *rec)
{
  fx_node *n = ctx;
  if (n->kind == FX_KIND_PB)
    fx_inv_persist(n->f->inv, n->id, rec);
  n->persisted++;
  return !n->disk_held;
}

static rs_host host_of(fx_node *n)
{
  return (rs_host){.ctx = n, .send = host_send, .timer_arm = host_timer_arm, .timer_cancel = host_timer_cancel,
                   .now = host_now, .random = host_random, .event = host_event, .persist = host_persist,
                   .restart_node = host_restart_node};
}

void fixture_hold_disk(fixture *f, rs_node_id node)
{
  node_of(f, node)->disk_held = true;
}

void fixture_release_disk(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  n->disk_held = false;
  if (n->core)
    rs_node_durable(n->core, n->persisted);
}

/* Makes the node's core node from its spec (a replica on its store, which survives crashes) and
 * starts it, through the one node interface every kind implements. */
static void boot(fx_node *n)
{
  rs_host host = host_of(n);
  n->down = false;
  n->persisted = 0;
  n->core = rs_node_new(&n->spec, &host, n->store);
  rs_node_start(n->core);
}

/* ---- building ---- */

fixture *fixture_new(uint64_t seed, const rs_app_ops *app)
{
  fixture *f = g_new0(fixture, 1);
  f->seed = seed;
  f->app = app;
  f->sent = g_ptr_array_new();
  f->queue = g_ptr_array_new();
  f->holds = g_array_new(FALSE, FALSE, sizeof(fx_hold));
  f->events = g_ptr_array_new();
  f->cuts = g_array_new(FALSE, FALSE, sizeof(fx_hold));
  for (int i = 0; i < FX_MAX_NODES; i++)
    for (int j = 0; j < FX_MAX_NODES; j++)
      f->latency[i][j] = -1;
  f->resend = -1;
  f->inv = fx_inv_new();
  if (!live_fixtures)
    live_fixtures = g_ptr_array_new();
  g_ptr_array_add(live_fixtures, f);
  return f;
}

static void free_event(fx_event *e)
{
  g_free(e->key);
  g_free(e->op_value);
  g_free(e->value);
  g_free(e->role);
  g_free(e->why);
  g_free(e);
}

static void free_node(fx_node *n)
{
  rs_node_free(n->core);
  rs_store_free(n->store);
  if (n->log)
    g_ptr_array_free(n->log, TRUE);
  g_rand_free(n->rand);
  g_free(n);
}

void fixture_free(fixture *f)
{
  fx_inv_free(f->inv);
  for (uint32_t i = 0; i < f->n_nodes; i++)
    free_node(f->nodes[i]);
  for (guint i = 0; i < f->sent->len; i++) {
    fx_sent *s = g_ptr_array_index(f->sent, i);
    g_byte_array_free(s->bytes, TRUE);
    g_free(s);
  }
  for (guint i = 0; i < f->events->len; i++)
    free_event(g_ptr_array_index(f->events, i));
  g_ptr_array_free(f->sent, TRUE);
  g_ptr_array_free(f->queue, TRUE);
  g_array_free(f->holds, TRUE);
  g_ptr_array_free(f->events, TRUE);
  g_array_free(f->cuts, TRUE);
  if (f->faults)
    g_rand_free(f->faults);
  g_ptr_array_remove(live_fixtures, f);
  g_free(f);
}

int fixture_free_all(void **state)
{
  (void)state;
  while (live_fixtures && live_fixtures->len)
    fixture_free(g_ptr_array_index(live_fixtures, live_fixtures->len - 1));
  if (live_fixtures)
    g_ptr_array_free(live_fixtures, TRUE);
  live_fixtures = NULL;
  return 0;
}

/* A new node takes the next id; its generator is seeded from the run's seed and its id. */
static fx_node *add_node(fixture *f, fx_kind kind, const char *name)
{
  assert_true(f->n_nodes < FX_MAX_NODES);
  fx_node *n = g_new0(fx_node, 1);
  n->f = f;
  n->id = f->n_nodes;
  n->kind = kind;
  g_strlcpy(n->name, name, sizeof n->name);
  guint32 seed[3] = {(guint32)f->seed, (guint32)(f->seed >> 32), n->id};
  n->rand = g_rand_new_with_seed_array(seed, 3);
  f->nodes[f->n_nodes++] = n;
  return n;
}

rs_node_id fixture_add_registry(fixture *f, bool quorum, uint32_t n, uint32_t nr, uint32_t nw)
{
  assert_int_equal(f->n_nodes, FX_REGISTRY);
  fx_node *node = add_node(f, FX_KIND_REGISTRY, "registry");
  /* As the replicas' resend (fixture_set_resend): none unless a test turns it on; no start-up
   * grace either, so clients wait for every replica. */
  node->spec = (rs_node_spec){.kind = RS_NODE_REGISTRY,
                              .registry = {.self = node->id, .quorum = quorum, .expected_replicas = n,
                                           .read_quorum = nr, .write_quorum = nw,
                                           .retry = f->resend > 0 ? f->resend : -1, .grace = -1}};
  boot(node);
  f->quorum = quorum;
  return node->id;
}

static fx_node *add_replica(fixture *f, fx_kind kind)
{
  char name[24];
  g_snprintf(name, sizeof name, "r%u", f->n_nodes);
  fx_node *n = add_node(f, kind, name);
  n->store = rs_store_new(f->app);
  n->app = n->store->app;
  return n;
}


rs_node_id fixture_add_pb(fixture *f, bool blocking, bool reads_primary)
{
  pb_config cfg = {.registry = FX_REGISTRY, .blocking = blocking, .reads_primary = reads_primary,
                   .resend = f->resend};
  rs_node_id id = fixture_add_pb_config(f, &cfg);
  fixture_start_pb(f, id);
  return id;
}

rs_node_id fixture_add_pb_config(fixture *f, const pb_config *cfg)
{
  fx_node *n = add_replica(f, FX_KIND_PB);
  n->spec = (rs_node_spec){.kind = RS_NODE_PB_REPLICA, .pb = *cfg};
  n->spec.pb.self = n->id;
  n->down = true;
  return n->id;
}

rs_node_id fixture_add_vote_server(fixture *f, const vote_server_config *cfg)
{
  fx_node *n = add_replica(f, FX_KIND_PB);
  n->spec = (rs_node_spec){.kind = RS_NODE_VOTE_SERVER, .vote_server = *cfg};
  n->spec.pb.self = n->id;
  n->down = true;
  return n->id;
}

rs_node_id fixture_add_voter(fixture *f, const char *name, const rs_voter_config *cfg)
{
  fx_node *n = add_node(f, FX_KIND_STUB, name);
  n->spec = (rs_node_spec){.kind = RS_NODE_VOTER, .voter = *cfg};
  n->spec.voter.self = n->id;
  boot(n);
  return n->id;
}

void fixture_start_pb(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  assert_int_equal(n->kind, FX_KIND_PB);
  assert_null(n->core);
  boot(n);
}

void fixture_crash(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  assert_true(n->kind == FX_KIND_PB || n->kind == FX_KIND_QUORUM);
  rs_node_free(n->core);
  n->core = NULL;
  n->down = true;
  for (int t = 0; t < FX_MAX_TIMERS; t++)
    n->timers[t].armed = false;
}

void fixture_restart(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  if (n->core)
    fixture_crash(f, node);
  boot(n);
}

void fixture_mark_restarted(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  if (n->spec.kind == RS_NODE_PB_REPLICA || n->spec.kind == RS_NODE_VOTE_SERVER)
    n->spec.pb.restarted = true;
}

int fixture_restarts_asked(const fixture *f, rs_node_id node, double *delay)
{
  const fx_node *n = node_of(f, node);
  if (delay)
    *delay = n->restart_delay;
  return n->restarts_asked;
}

void fixture_cut(fixture *f, rs_node_id a, rs_node_id b)
{
  fx_hold c = {a, b};
  g_array_append_val(f->cuts, c);
  fixture_drop(f, a, b, FX_ANY_MSG);
  fixture_drop(f, b, a, FX_ANY_MSG);
}

void fixture_heal(fixture *f, rs_node_id a, rs_node_id b)
{
  for (guint i = f->cuts->len; i-- > 0;) {
    const fx_hold *c = &g_array_index(f->cuts, fx_hold, i);
    if ((c->from == a && c->to == b) || (c->from == b && c->to == a))
      g_array_remove_index(f->cuts, i);
  }
}

rs_node_id fixture_add_quorum_replica(fixture *f)
{
  fx_node *n = add_replica(f, FX_KIND_QUORUM);
  n->spec = (rs_node_spec){.kind = RS_NODE_QUORUM_REPLICA, .quorum = {.self = n->id, .registry = FX_REGISTRY}};
  boot(n);
  return n->id;
}

rs_node_id fixture_add_stub(fixture *f, const char *name)
{
  return add_node(f, FX_KIND_STUB, name)->id;
}

rs_node_id fixture_add_view_service(fixture *f, double interval, uint32_t dead_after)
{
  fx_node *n = add_node(f, FX_KIND_VS, "view-service");
  n->log = g_ptr_array_new_with_free_func(g_free);
  n->spec = (rs_node_spec){.kind = RS_NODE_VIEW_SERVICE,
                           .view_service = {.self = n->id, .interval = interval, .dead_after = dead_after}};
  boot(n);
  return n->id;
}

/* A client of the cluster's protocol; with a driver, the driver runs it from the start. */
static rs_node_id add_client(fixture *f, const char *name, double timeout, int attempts,
                             const rs_driver_config *driver)
{
  fx_node *n = add_node(f, FX_KIND_CLIENT, name);
  rs_client_config cfg = {.self = n->id, .registry = FX_REGISTRY, .quorum = f->quorum, .read_repair = f->read_repair,
                          .app = f->app,
                          .timeout = timeout, .attempts = attempts, .failover = f->fo.failover,
                          .view_service = f->fo.view_service, .reads_primary = f->fo.reads_primary};
  if (f->fo.failover == RS_FAILOVER_CORE_PEER || f->fo.failover == RS_FAILOVER_CORE_ORDERED) {
    cfg.n_peers = f->fo.n_replicas;
    for (uint32_t i = 0; i < cfg.n_peers; i++)
      cfg.peers[i] = FX_R1 + i;
  }
  n->spec = (rs_node_spec){.kind = RS_NODE_CLIENT, .client = {.client = cfg}};
  if (driver)
    n->spec.client.driver = *driver;
  boot(n);
  return n->id;
}

rs_node_id fixture_add_client(fixture *f, const char *name, double timeout, int attempts)
{
  return add_client(f, name, timeout, attempts, NULL);
}

rs_node_id fixture_add_driven_client(fixture *f, const char *name, double timeout, int attempts,
                                     const rs_driver_config *driver)
{
  return add_client(f, name, timeout, attempts, driver);
}

void fixture_pb_cluster(fixture *f, int n, bool blocking, bool reads_primary)
{
  fixture_add_registry(f, false, (uint32_t)n, 0, 0);
  for (int i = 0; i < n; i++)
    fixture_add_pb(f, blocking, reads_primary);
}

void fixture_failover_cluster(fixture *f, int n, bool blocking, const fx_failover *fo)
{
  f->fo = *fo;
  f->fo.n_replicas = (uint32_t)n;
  fixture_add_registry(f, false, (uint32_t)n, 0, 0);
  pb_config cfg = {.registry = FX_REGISTRY, .blocking = blocking, .reads_primary = fo->reads_primary,
                   .failover = fo->failover, .heartbeat = fo->heartbeat, .dead_after = fo->dead_after,
                   .restart_delay = fo->restart_delay, .view_service = FX_R1 + (rs_node_id)n,
                   .resend = f->resend};
  if (fo->failover == RS_FAILOVER_CORE_PEER || fo->failover == RS_FAILOVER_CORE_ORDERED) {
    cfg.n_peers = (uint32_t)n;
    for (int i = 0; i < n; i++)
      cfg.peers[i] = FX_R1 + (rs_node_id)i;
  }
  for (int i = 0; i < n; i++)
    fixture_add_pb_config(f, &cfg);
  if (fo->failover == RS_FAILOVER_CORE_VIEW_SERVICE) {
    f->fo.view_service = fixture_add_view_service(f, fo->heartbeat, fo->dead_after);
    assert_int_equal(f->fo.view_service, cfg.view_service);
  }
  for (int i = 0; i < n; i++)
    fixture_start_pb(f, FX_R1 + (rs_node_id)i);
}

void fixture_quorum_cluster(fixture *f, int n, int nr, int nw)
{
  fixture_add_registry(f, true, (uint32_t)n, (uint32_t)nr, (uint32_t)nw);
  for (int i = 0; i < n; i++)
    fixture_add_quorum_replica(f);
}

/* ---- stepping ---- */

static bool held(const fixture *f, const fx_sent *s)
{
  for (guint i = 0; i < f->holds->len; i++) {
    const fx_hold *h = &g_array_index(f->holds, fx_hold, i);
    if (match(h->from, s->from) && match(h->to, s->to))
      return true;
  }
  return false;
}

/* The next thing to happen: a message (msg != NULL, at queue position pos) or a node's timer. */
typedef struct fx_next {
  fx_sent *msg;
  guint pos;
  fx_node *node;
  int timer;
  double at;
  uint64_t serial;
} fx_next;

static bool sooner(double at, uint64_t serial, const fx_next *best, bool have)
{
  return !have || at < best->at || (at == best->at && serial < best->serial);
}

/* Earliest due event by (time, serial). O(queue + nodes * timers): both are tiny here. */
static bool find_next(const fixture *f, fx_next *next)
{
  bool have = false;
  for (guint i = 0; i < f->queue->len; i++) {
    fx_sent *s = g_ptr_array_index(f->queue, i);
    if (!held(f, s) && sooner(s->at, s->serial, next, have)) {
      *next = (fx_next){.msg = s, .pos = i, .at = s->at, .serial = s->serial};
      have = true;
    }
  }
  for (uint32_t n = 0; n < f->n_nodes; n++)
    for (int t = 0; t < FX_MAX_TIMERS; t++) {
      const fx_timer *tm = &f->nodes[n]->timers[t];
      if (tm->armed && sooner(tm->at, tm->serial, next, have)) {
        *next = (fx_next){.node = f->nodes[n], .timer = t, .at = tm->at, .serial = tm->serial};
        have = true;
      }
    }
  for (uint32_t n = 0; n < f->n_nodes; n++) {
    const fx_timer *tm = &f->nodes[n]->reboot;
    if (tm->armed && sooner(tm->at, tm->serial, next, have)) {
      *next = (fx_next){.node = f->nodes[n], .timer = FX_REBOOT, .at = tm->at, .serial = tm->serial};
      have = true;
    }
  }
  return have;
}

void fixture_decode(const fx_sent *s, rs_msg *out)
{
  const char *err = NULL;
  if (!rs_msg_decode(s->bytes->data, s->bytes->len, out, &err))
    fail_msg("message %s from %u to %u does not decode: %s", rs_msg_type_name(s->type), s->from, s->to, err);
}

/* The codec is canonical, so re-encoding a decoded message must give back the very same bytes. */
static void assert_canonical(const fx_sent *s, const rs_msg *m)
{
  GByteArray *again = g_byte_array_new();
  rs_msg_encode(m, again);
  assert_int_equal(again->len, s->bytes->len);
  assert_memory_equal(again->data, s->bytes->data, again->len);
  g_byte_array_free(again, TRUE);
}

static void dispatch(fx_node *n, rs_node_id from, const rs_msg *m)
{
  if (n->core)
    rs_node_handle(n->core, from, m);
}

/* Takes the message at `pos` off the queue and hands it, decoded, to its node. The clock moves
 * to the message's due time if that is later (a message never arrives sooner than its link
 * allows, even by hand) and never moves back; timers passed over by a manual delivery fire next. */
/* After every step: each backup that holds its primary's state applied a prefix of the
 * primary's order; a violation seen by the hooks (two primaries in a view, an update applied
 * twice) fails the test at the step that caused it. */
static void check_invariants(fixture *f)
{
  for (uint32_t i = 0; i < f->n_nodes; i++) {
    fx_node *b = f->nodes[i];
    if (b->kind != FX_KIND_PB || !b->core || b->down)
      continue;
    pb_replica *br = rs_node_impl(b->core);
    if (pb_get_role(br) != PB_ROLE_BACKUP || !pb_current(br))
      continue;
    rs_node_id pid = pb_get_primary(br);
    fx_node *p = pid < f->n_nodes ? f->nodes[pid] : NULL;
    if (!p || p->kind != FX_KIND_PB || !p->core || p->down)
      continue;
    pb_replica *pr = rs_node_impl(p->core);
    if (pb_get_role(pr) == PB_ROLE_PRIMARY)
      fx_inv_pair(f->inv, pid, b->id);
  }
  const char *why = fx_inv_violation(f->inv);
  if (why)
    fail_msg("fixture invariant broken at t=%.6f: %s", f->now, why);
}

void fixture_allow_split_brain(fixture *f) { fx_inv_allow_split_brain(f->inv, true); }

static void deliver_at(fixture *f, guint pos)
{
  fx_sent *s = g_ptr_array_index(f->queue, pos);
  g_ptr_array_remove_index(f->queue, pos);
  if (node_of(f, s->to)->down) {
    s->dropped = true; /* its host is down: the message is lost */
    if (s->at > f->now)
      f->now = s->at;
    return;
  }
  s->delivered = true;
  if (s->at > f->now)
    f->now = s->at;
  rs_msg m;
  fixture_decode(s, &m);
  assert_canonical(s, &m);
  dispatch(node_of(f, s->to), s->from, &m);
  check_invariants(f);
}

static void fire(fixture *f, fx_node *n, int timer)
{
  n->timers[timer].armed = false;
  if (n->timers[timer].at > f->now)
    f->now = n->timers[timer].at;
  if (n->core)
    rs_node_timer(n->core, timer);
  check_invariants(f);
}

static void run_next(fixture *f, const fx_next *next)
{
  if (next->msg) {
    deliver_at(f, next->pos);
  } else if (next->timer == FX_REBOOT) {
    next->node->reboot.armed = false;
    if (next->at > f->now)
      f->now = next->at;
    fixture_restart(f, next->node->id);
  } else {
    fire(f, next->node, next->timer);
  }
}

bool fixture_step(fixture *f)
{
  fx_next next;
  if (!find_next(f, &next))
    return false;
  run_next(f, &next);
  return true;
}

void fixture_run_until(fixture *f, double t)
{
  fx_next next;
  while (find_next(f, &next) && next.at <= t)
    run_next(f, &next);
  if (f->now < t)
    f->now = t;
}

/* Anything left to do besides quorum replicas' heartbeats, which never stop and so cannot keep a
 * run from being idle: an unheld message or any other timer. Heartbeats due before it still run,
 * in order, on the way there. */
static bool busy(const fixture *f)
{
  for (guint i = 0; i < f->queue->len; i++)
    if (!held(f, g_ptr_array_index(f->queue, i)))
      return true;
  for (uint32_t n = 0; n < f->n_nodes; n++) {
    const fx_node *node = f->nodes[n];
    if (node->reboot.armed)
      return true;
    for (int t = 0; t < FX_MAX_TIMERS; t++)
      if (node->timers[t].armed && !(node->kind == FX_KIND_QUORUM && t == QUORUM_TIMER_HEARTBEAT))
        return true;
  }
  return false;
}

void fixture_run_until_idle(fixture *f)
{
  fx_next next;
  for (long i = 0; busy(f) && find_next(f, &next); i++) {
    assert_true(i < FX_STEP_LIMIT);
    run_next(f, &next);
  }
}

double fixture_now(const fixture *f) { return f->now; }

void fixture_set_latency(fixture *f, rs_node_id from, rs_node_id to, double seconds)
{
  assert_true(from < FX_MAX_NODES && to < FX_MAX_NODES);
  f->latency[from][to] = seconds;
}

/* ---- manual control ---- */

void fixture_hold(fixture *f, rs_node_id from, rs_node_id to)
{
  fx_hold h = {from, to};
  g_array_append_val(f->holds, h);
}

void fixture_release(fixture *f, rs_node_id from, rs_node_id to)
{
  for (guint i = f->holds->len; i-- > 0;) {
    const fx_hold *h = &g_array_index(f->holds, fx_hold, i);
    if (h->from == from && h->to == to)
      g_array_remove_index(f->holds, i);
  }
}

/* Delivers the nth queued message that matches (0: the oldest), held or not. */
bool fixture_deliver_nth(fixture *f, rs_node_id from, rs_node_id to, int type, int nth)
{
  for (guint i = 0; i < f->queue->len; i++)
    if (match_msg(g_ptr_array_index(f->queue, i), from, to, type) && nth-- == 0) {
      deliver_at(f, i);
      return true;
    }
  return false;
}

bool fixture_deliver_one(fixture *f, rs_node_id from, rs_node_id to, int type)
{
  return fixture_deliver_nth(f, from, to, type, 0);
}

int fixture_drop(fixture *f, rs_node_id from, rs_node_id to, int type)
{
  int dropped = 0;
  for (guint i = f->queue->len; i-- > 0;) {
    fx_sent *s = g_ptr_array_index(f->queue, i);
    if (match_msg(s, from, to, type)) {
      s->dropped = true;
      g_ptr_array_remove_index(f->queue, i);
      dropped++;
    }
  }
  return dropped;
}

int fixture_duplicate(fixture *f, rs_node_id from, rs_node_id to, int type)
{
  int copied = 0;
  for (guint i = 0, n = f->queue->len; i < n; i++) {
    const fx_sent *s = g_ptr_array_index(f->queue, i);
    if (match_msg(s, from, to, type)) {
      queue_copy(f, s);
      copied++;
    }
  }
  return copied;
}

void fixture_set_faults(fixture *f, double loss, double duplicate)
{
  f->loss = loss;
  f->dup = duplicate;
  if (!f->faults) {
    guint32 seed[3] = {(guint32)f->seed, (guint32)(f->seed >> 32), 0xfa17u};
    f->faults = g_rand_new_with_seed_array(seed, 3);
  }
}

void fixture_set_resend(fixture *f, double seconds) { f->resend = seconds; }

void fixture_inject(fixture *f, rs_node_id from, rs_node_id to, const rs_msg *m)
{
  enqueue(f, from, to, m);
}

/* ---- queries ---- */

size_t fixture_mark(const fixture *f) { return f->sent->len; }

const fx_sent *fixture_sent_nth(const fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type, int nth)
{
  for (guint i = (guint)mark; i < f->sent->len; i++) {
    const fx_sent *s = g_ptr_array_index(f->sent, i);
    if (!s->duplicate && match_msg(s, from, to, type) && nth-- == 0)
      return s;
  }
  return NULL;
}

rs_msg fixture_sent_msg(const fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type, int nth)
{
  const fx_sent *s = fixture_sent_nth(f, mark, from, to, type, nth);
  rs_msg m = {0};
  if (!s)
    fail_msg("no %s number %d from %u to %u", rs_msg_type_name((rs_msg_type)type), nth, from, to);
  else
    fixture_decode(s, &m);
  return m;
}

int fixture_sent(const fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type)
{
  int count = 0;
  for (guint i = (guint)mark; i < f->sent->len; i++) {
    const fx_sent *s = g_ptr_array_index(f->sent, i);
    count += !s->duplicate && match_msg(s, from, to, type);
  }
  return count;
}

int fixture_queued(const fixture *f, rs_node_id from, rs_node_id to, int type)
{
  int count = 0;
  for (guint i = 0; i < f->queue->len; i++)
    count += match_msg(g_ptr_array_index(f->queue, i), from, to, type);
  return count;
}

int fixture_count_events(const fixture *f, rs_node_id node, int type)
{
  int count = 0;
  for (guint i = 0; i < f->events->len; i++) {
    const fx_event *e = g_ptr_array_index(f->events, i);
    count += match(node, e->node) && e->type == type;
  }
  return count;
}

const fx_event *fixture_event_nth(const fixture *f, rs_node_id node, int type, int nth)
{
  if (nth < 0)
    nth += fixture_count_events(f, node, type);
  for (guint i = 0; nth >= 0 && i < f->events->len; i++) {
    const fx_event *e = g_ptr_array_index(f->events, i);
    if (match(node, e->node) && e->type == type && nth-- == 0)
      return e;
  }
  return NULL;
}

bool fixture_timer_armed(const fixture *f, rs_node_id node, int timer)
{
  assert_true(timer >= 0 && timer < FX_MAX_TIMERS);
  return node_of(f, node)->timers[timer].armed;
}

static const char *name_of(const fixture *f, rs_node_id id)
{
  return id < f->n_nodes ? f->nodes[id]->name : "?";
}

void fixture_dump(const fixture *f)
{
  for (guint i = 0; i < f->sent->len; i++) {
    const fx_sent *s = g_ptr_array_index(f->sent, i);
    printf("%9.6f  %-8s -> %-8s %-16s %s%s\n", s->sent_at, name_of(f, s->from), name_of(f, s->to),
           rs_msg_type_name(s->type), s->delivered ? "delivered" : s->dropped ? "dropped" : "queued",
           s->duplicate ? " (copy)" : "");
  }
}

/* ---- nodes ---- */

rs_app *fixture_app(fixture *f, rs_node_id node) { return node_of(f, node)->app; }
pb_replica *fixture_pb(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  if (n->kind == FX_KIND_PB && n->core && n->spec.kind == RS_NODE_VOTE_SERVER)
    return vote_server_replica(rs_node_impl(n->core));
  return n->kind == FX_KIND_PB && n->core ? rs_node_impl(n->core) : NULL;
}

vs_service *fixture_vs(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  return n->kind == FX_KIND_VS && n->core ? rs_node_impl(n->core) : NULL;
}

int fixture_log_count(const fixture *f, rs_node_id node)
{
  const GPtrArray *log = node_of(f, node)->log;
  return log ? (int)log->len : 0;
}

const char *fixture_log_line(const fixture *f, rs_node_id node, int nth)
{
  const GPtrArray *log = node_of(f, node)->log;
  if (!log)
    return NULL;
  if (nth < 0)
    nth += (int)log->len;
  return nth >= 0 && (guint)nth < log->len ? g_ptr_array_index(log, nth) : NULL;
}

rs_client *fixture_client(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  return n->kind == FX_KIND_CLIENT && n->core ? rs_client_node_client(rs_node_impl(n->core)) : NULL;
}

rs_driver *fixture_driver(fixture *f, rs_node_id node)
{
  fx_node *n = node_of(f, node);
  return n->kind == FX_KIND_CLIENT && n->core ? rs_client_node_driver(rs_node_impl(n->core)) : NULL;
}

void fixture_submit(fixture *f, rs_node_id client, rs_op op, rs_node_id replica)
{
  rs_client *c = fixture_client(f, client);
  assert_non_null(c);
  rs_client_submit(c, &op, replica);
}

const fx_event *fixture_run_op(fixture *f, rs_node_id client, rs_op op, rs_node_id replica)
{
  int before = fixture_count_events(f, client, RS_EV_COMPLETE);
  fixture_submit(f, client, op, replica);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_count_events(f, client, RS_EV_COMPLETE), before + 1);
  return fixture_event_nth(f, client, RS_EV_COMPLETE, -1);
}

void fixture_check_outcome(const fx_event *e, rs_outcome outcome, rs_status status, const char *file, int line)
{
  if (!e) {
    print_error("expected %s %s, but the operation did not complete\n", rs_outcome_name(outcome),
                rs_status_name(status));
    _fail(file, line);
  } else if (e->outcome != outcome || e->status != status) {
    print_error("expected %s %s, got %s %s\n", rs_outcome_name(outcome), rs_status_name(status),
                rs_outcome_name((rs_outcome)e->outcome), rs_status_name((rs_status)e->status));
    _fail(file, line);
  }
}

void fixture_set_read_repair(fixture *f, bool on) { f->read_repair = on; }
