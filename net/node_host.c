/* The rs_host of a core node in real mode, on the GLib main loop. */
#include "node_host.h"

#include <math.h>
#include <string.h>

/* --- the process --------------------------------------------------------------------------- */

static void on_deliver(void *ctx, rs_node_id from, rs_node_id to, uint64_t id, const uint8_t *bytes, size_t len);
static void on_refuse(void *ctx, rs_node_id from, rs_node_id to, const char *why);
static void end_turn(void *ctx);

static guint64 pair(rs_node_id from, rs_node_id to)
{
  return (guint64)from << 32 | to;
}

static guint pair_hash(gconstpointer k)
{
  guint64 v = *(const guint64 *)k;
  return (guint)(v ^ (v >> 29));
}

static gboolean pair_equal(gconstpointer a, gconstpointer b)
{
  return *(const guint64 *)a == *(const guint64 *)b;
}

void net_filter_reset(net_filter *f)
{
  g_hash_table_remove_all(f->cut);
  g_hash_table_remove_all(f->delay);
  f->loss = f->duplicate = 0;
}

net_proc *net_proc_new(const scenario *sc, const deploy *plan, const net_addrs *addrs, const net_key *key,
                       const rs_node_id *ids, guint n_ids, gint64 base_us, uint64_t id_base, const net_proc_cb *cb)
{
  net_proc *p = g_new0(net_proc, 1);
  p->sc = sc;
  p->plan = plan;
  p->addrs = addrs;
  p->base_us = base_us;
  p->wall_base_us = g_get_real_time() - (g_get_monotonic_time() - base_us);
  p->id_base = id_base;
  p->cb = *cb;
  p->nodes = g_new0(net_node *, addrs->n);
  p->scratch = g_byte_array_new();
  p->filter.cut = g_hash_table_new_full(pair_hash, pair_equal, g_free, NULL);
  p->filter.delay = g_hash_table_new_full(pair_hash, pair_equal, g_free, g_free);
  guint32 seed[3] = {(guint32)sc->seed, (guint32)(sc->seed >> 32), (guint32)id_base ^ 0x6e657477u};
  p->filter.rand = g_rand_new_with_seed_array(seed, 3);
  p->holding = g_ptr_array_new();
  p->syncing = g_ptr_array_new();
  net_transport_cb tcb = {.deliver = on_deliver, .refuse = on_refuse, .turn_end = end_turn, .ctx = p};
  p->tr = net_transport_new(key, addrs, ids, n_ids, &tcb);
  return p;
}

void net_proc_free(net_proc *p)
{
  if (!p)
    return;
  for (guint i = 0; i < p->addrs->n; i++)
    net_node_free(p->nodes[i]);
  net_transport_free(p->tr);
  g_hash_table_destroy(p->filter.cut);
  g_hash_table_destroy(p->filter.delay);
  g_rand_free(p->filter.rand);
  g_byte_array_free(p->scratch, TRUE);
  g_ptr_array_free(p->holding, TRUE);
  g_ptr_array_free(p->syncing, TRUE);
  g_free(p->nodes);
  g_free(p);
}

double net_proc_now(const net_proc *p)
{
  return (double)(g_get_monotonic_time() - p->base_us) / 1e6;
}

const char *net_proc_name(const net_proc *p, rs_node_id id)
{
  if (id == RS_NO_NODE || id >= p->addrs->n)
    return NULL;
  const dp_node *n = deploy_node(p->plan, id);
  return n ? n->name : "shell";
}

/* --- the frame filter ---------------------------------------------------------------------- */

char *net_filter_format(const net_filter *f, rs_node_id id)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "filter %.17g %.17g ", f->loss, f->duplicate);
  GHashTableIter it;
  gpointer k, v;
  guint n = 0;
  g_hash_table_iter_init(&it, f->cut);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    guint64 x = *(guint64 *)k;
    if ((rs_node_id)(x >> 32) != id && (rs_node_id)x != id)
      continue;
    g_string_append_printf(s, "%s%u-%u-%c", n++ ? "," : "", (unsigned)(x >> 32), (unsigned)(x & 0xffffffffu),
                           strcmp(v, "network") == 0 ? 'n' : 'p');
  }
  if (!n)
    g_string_append_c(s, '-');
  g_string_append_c(s, ' ');
  n = 0;
  g_hash_table_iter_init(&it, f->delay);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    guint64 x = *(guint64 *)k;
    if ((rs_node_id)(x >> 32) != id && (rs_node_id)x != id)
      continue;
    g_string_append_printf(s, "%s%u-%u-%.9g", n++ ? "," : "", (unsigned)(x >> 32), (unsigned)(x & 0xffffffffu),
                           *(double *)v);
  }
  if (!n)
    g_string_append_c(s, '-');
  return g_string_free(s, FALSE);
}

bool net_filter_parse(net_filter *f, const char *line)
{
  gchar **w = g_strsplit(line, " ", -1);
  bool ok = g_strv_length(w) == 5 && strcmp(w[0], "filter") == 0;
  if (ok) {
    net_filter_reset(f);
    f->loss = g_ascii_strtod(w[1], NULL);
    f->duplicate = g_ascii_strtod(w[2], NULL);
    gchar **cuts = strcmp(w[3], "-") ? g_strsplit(w[3], ",", -1) : g_new0(gchar *, 1);
    for (gchar **c = cuts; *c; c++) {
      unsigned a, b;
      char why;
      if (sscanf(*c, "%u-%u-%c", &a, &b, &why) == 3) {
        guint64 *k = g_new(guint64, 1);
        *k = pair(a, b);
        g_hash_table_replace(f->cut, k, why == 'n' ? "network" : "partition");
      }
    }
    g_strfreev(cuts);
    gchar **delays = strcmp(w[4], "-") ? g_strsplit(w[4], ",", -1) : g_new0(gchar *, 1);
    for (gchar **c = delays; *c; c++) {
      unsigned a, b;
      double d;
      if (sscanf(*c, "%u-%u-%lf", &a, &b, &d) == 3) {
        guint64 *k = g_new(guint64, 1);
        *k = pair(a, b);
        double *v = g_new(double, 1);
        *v = d;
        g_hash_table_replace(f->delay, k, v);
      }
    }
    g_strfreev(delays);
  }
  g_strfreev(w);
  return ok;
}

static const char *cut_why(const net_filter *f, rs_node_id from, rs_node_id to)
{
  guint64 k = pair(from, to);
  return g_hash_table_lookup(f->cut, &k);
}

static double pair_delay(const net_filter *f, rs_node_id from, rs_node_id to)
{
  guint64 k = pair(from, to);
  const double *d = g_hash_table_lookup(f->delay, &k);
  return d ? *d : 0;
}

/* <network jitter>: a seeded random wait for every message, as in simulation. */
static double jitter(net_proc *p)
{
  switch (p->sc->jitter) {
  case RS_JITTER_UNIFORM:
    return g_rand_double_range(p->filter.rand, 0, 2 * p->sc->jitter_mean);
  case RS_JITTER_EXPONENTIAL:
    return -p->sc->jitter_mean * log(1 - g_rand_double(p->filter.rand));
  default:
    return 0;
  }
}

/* --- sending --------------------------------------------------------------------------------- */

typedef struct held_frame {
  net_proc *p;
  rs_node_id from, to;
  uint64_t id;
  uint8_t type;
  GByteArray *bytes;
} held_frame;

static void put_on_wire(net_proc *p, rs_node_id from, rs_node_id to, uint64_t id, uint8_t type, const uint8_t *b,
                        size_t len)
{
  if (!net_transport_send(p->tr, from, to, id, b, len))
    trace_drop_why(p->ev.trace, net_proc_now(p), net_proc_name(p, from), net_proc_name(p, to),
                   rs_msg_type_name(type), id, len, "unreachable");
}

static gboolean send_held(gpointer data)
{
  held_frame *h = data;
  put_on_wire(h->p, h->from, h->to, h->id, h->type, h->bytes->data, h->bytes->len);
  g_byte_array_free(h->bytes, TRUE);
  g_free(h);
  return G_SOURCE_REMOVE;
}

static void send_after(net_proc *p, rs_node_id from, rs_node_id to, uint64_t id, uint8_t type, double delay)
{
  if (delay <= 0) {
    put_on_wire(p, from, to, id, type, p->scratch->data, p->scratch->len);
    return;
  }
  held_frame *h = g_new(held_frame, 1);
  *h = (held_frame){.p = p, .from = from, .to = to, .id = id, .type = type};
  h->bytes = g_byte_array_sized_new(p->scratch->len);
  g_byte_array_append(h->bytes, p->scratch->data, p->scratch->len);
  g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)ceil(delay * 1000), send_held, h, NULL);
}

/* Encodes once, traces the send, then the frame filter acts (partition, loss, delay and jitter,
 * duplicates) before the transport queues it. */
static void send_now(net_node *n, rs_node_id to, const rs_msg *m)
{
  net_proc *p = n->proc;
  g_byte_array_set_size(p->scratch, 0);
  rs_msg_encode(m, p->scratch);
  uint64_t id = p->id_base + ++p->next_id;
  double t = net_proc_now(p);
  const char *type = rs_msg_type_name(m->type);
  trace_send(p->ev.trace, t, n->name, net_proc_name(p, to), type, id, p->scratch->len);
  const char *why = cut_why(&p->filter, n->id, to);
  if (!why && p->filter.loss > 0 && g_rand_double(p->filter.rand) < p->filter.loss)
    why = "loss";
  if (why) {
    trace_drop_why(p->ev.trace, t, n->name, net_proc_name(p, to), type, id, p->scratch->len, why);
    return;
  }
  double delay = pair_delay(&p->filter, n->id, to);
  bool twice = p->filter.duplicate > 0 && g_rand_double(p->filter.rand) < p->filter.duplicate;
  send_after(p, n->id, to, id, m->type, delay + jitter(p));
  if (twice)
    send_after(p, n->id, to, id, m->type, delay + jitter(p));
}

/* A message kept back until the end of the loop's turn. */
typedef struct held_send {
  rs_node_id to;
  rs_msg m;
} held_send;

/* A cumulative message (a backup's acknowledgement) waits for the end of the turn, and the last
 * one to each node replaces the ones before it: a backup that applied the ten updates of one read
 * sends one acknowledgement, not ten. The simulator's host sends each at once. */
static void host_send(void *ctx, rs_node_id to, const rs_msg *m)
{
  net_node *n = ctx;
  if (to >= n->proc->addrs->n)
    return;
  if (!rs_msg_cumulative(m->type)) {
    send_now(n, to, m);
    return;
  }
  for (guint i = n->held->len; i-- > 0;) {
    held_send *h = &g_array_index(n->held, held_send, i);
    if (h->to == to && rs_msg_replaces(m, &h->m)) {
      h->m = *m;
      return;
    }
  }
  if (n->held->len == 0)
    g_ptr_array_add(n->proc->holding, n);
  held_send h = {.to = to, .m = *m};
  g_array_append_val(n->held, h);
}

/* What was kept back (host_send) goes to the transport. */
static void release_held(net_proc *p)
{
  for (guint i = 0; i < p->holding->len; i++) {
    net_node *n = g_ptr_array_index(p->holding, i);
    for (guint j = 0; j < n->held->len; j++) {
      held_send *h = &g_array_index(n->held, held_send, j);
      send_now(n, h->to, &h->m);
    }
    g_array_set_size(n->held, 0);
  }
  g_ptr_array_set_size(p->holding, 0);
}

static void sync_disk(net_node *n);

/* The turn ends (the transport's flusher). What needs no sync leaves first (a primary's updates
 * for its backups: they sync while it does), then the turn's changes become durable, which
 * releases the acknowledgements and replies they held; the flusher writes those. */
static void end_turn(void *ctx)
{
  net_proc *p = ctx;
  release_held(p);
  if (p->syncing->len == 0)
    return;
  net_transport_flush(p->tr);
  while (p->syncing->len > 0)
    sync_disk(g_ptr_array_steal_index_fast(p->syncing, p->syncing->len - 1));
  release_held(p);
}

/* A node that stops loses what it had not sent yet, as a crashed machine would. */
static void drop_held(net_node *n)
{
  if (n->held->len == 0)
    return;
  g_array_set_size(n->held, 0);
  g_ptr_array_remove_fast(n->proc->holding, n);
}

/* --- receiving ------------------------------------------------------------------------------- */

static void on_deliver(void *ctx, rs_node_id from, rs_node_id to, uint64_t id, const uint8_t *bytes, size_t len)
{
  net_proc *p = ctx;
  net_node *n = p->nodes[to];
  rs_msg m;
  const char *err = NULL;
  double t = net_proc_now(p);
  if (!rs_msg_decode(bytes, len, &m, &err)) {
    trace_refuse(p->ev.trace, t, net_proc_name(p, to), net_proc_name(p, from), "frame", err);
    return;
  }
  const char *why = cut_why(&p->filter, from, to);
  if (why || !n || !n->core) {
    trace_drop_why(p->ev.trace, t, net_proc_name(p, from), net_proc_name(p, to), rs_msg_type_name(m.type), id, len,
                   why ? why : "crashed");
    return;
  }
  trace_recv(p->ev.trace, t, net_proc_name(p, from), n->name, rs_msg_type_name(m.type), id, len);
  rs_node_handle(n->core, from, &m);
  net_node_flush_log(n);
}

/* A frame no node may see: traced as a refusal by the node it was for (or the process's node). */
static void on_refuse(void *ctx, rs_node_id from, rs_node_id to, const char *why)
{
  net_proc *p = ctx;
  const char *node = net_proc_name(p, to);
  for (guint i = 0; !node && i < p->addrs->n; i++)
    if (p->nodes[i])
      node = p->nodes[i]->name;
  trace_refuse(p->ev.trace, net_proc_now(p), node, net_proc_name(p, from), "frame", why);
}

/* --- timers, clocks, randomness ------------------------------------------------------------ */

typedef struct timer_ctx {
  net_node *n;
  int timer;
} timer_ctx;

static gboolean fire_timer(gpointer data)
{
  timer_ctx *tc = data;
  net_node *n = tc->n;
  int id = tc->timer;
  GSource *s = n->timers[id];
  n->timers[id] = NULL;
  if (n->core)
    rs_node_timer(n->core, id);
  net_node_flush_log(n);
  g_source_unref(s);
  return G_SOURCE_REMOVE;
}

static void host_timer_cancel(void *ctx, int timer)
{
  net_node *n = ctx;
  if (timer < 0 || timer >= NET_MAX_TIMERS || !n->timers[timer])
    return;
  g_source_destroy(n->timers[timer]);
  g_source_unref(n->timers[timer]);
  n->timers[timer] = NULL;
}

/* Timers run on the loop at microsecond resolution (the loop polls in milliseconds). */
static void host_timer_arm(void *ctx, int timer, double delay)
{
  net_node *n = ctx;
  g_assert(timer >= 0 && timer < NET_MAX_TIMERS);
  host_timer_cancel(ctx, timer);
  GSource *s = g_timeout_source_new(0);
  g_source_set_ready_time(s, g_get_monotonic_time() + (gint64)(delay > 0 ? delay * 1e6 : 0));
  timer_ctx *tc = g_new(timer_ctx, 1);
  *tc = (timer_ctx){n, timer};
  g_source_set_callback(s, fire_timer, tc, g_free);
  g_source_attach(s, NULL);
  n->timers[timer] = s;
}

static double host_now(void *ctx)
{
  return net_proc_now(((net_node *)ctx)->proc);
}

static double host_wall(void *ctx)
{
  const net_proc *p = ((net_node *)ctx)->proc;
  return (double)(g_get_real_time() - p->wall_base_us) / 1e6;
}

static uint64_t host_random(void *ctx)
{
  net_node *n = ctx;
  uint64_t hi = g_rand_int(n->rand);
  return (hi << 32) | g_rand_int(n->rand);
}

/* --- events, durability, restarts ---------------------------------------------------------- */

static tev_node view(net_node *n)
{
  return (tev_node){.name = n->name, .log = &n->log, .open_op = n->plan && n->plan->client ? &n->open_op : NULL,
                    .done = &n->done, .up = n->core != NULL};
}

void net_node_flush_log(net_node *n)
{
  net_proc *p = n->proc;
  if (!p->log_forward) {
    if (n->log.buf->len >= 8192)
      tev_log_flush(&p->ev, &n->log);
    return;
  }
  if (n->log.buf->len == 0)
    return;
  gchar **lines = g_strsplit(n->log.buf->str, "\n", -1);
  for (gchar **l = lines; *l && l[1]; l++) {
    gchar *esc = g_strescape(*l, NULL);
    fprintf(p->log_forward, "L %s\t%s\n", n->name, esc);
    g_free(esc);
  }
  g_strfreev(lines);
  g_string_truncate(n->log.buf, 0);
}

static void host_event(void *ctx, const rs_event *ev)
{
  net_node *n = ctx;
  net_proc *p = n->proc;
  if (ev->type == RS_EV_FINISHED) {
    n->finished = true;
    if (p->cb.finished)
      p->cb.finished(p->cb.ctx, n);
    return;
  }
  tev_node v = view(n);
  tev_emit(&p->ev, &v, net_proc_now(p), ev);
}

/* One group commit: the write and fdatasync of the changes of the turn that ends. A failure stops
 * the node, which may not acknowledge what it could not make durable. */
static void sync_disk(net_node *n)
{
  char *err = NULL;
  n->unsynced = false;
  if (!net_store_sync(n->disk, &err)) {
    n->proc->cb.fatal(n->proc->cb.ctx, err);
    g_free(err);
    return;
  }
  if (n->core)
    rs_node_durable(n->core, n->persisted);
}

static void cancel_sync(net_node *n)
{
  if (n->unsynced)
    g_ptr_array_remove_fast(n->proc->syncing, n);
  n->unsynced = false;
}

/* Hands the change to the store; it is durable at once (a layout that syncs each change) or at
 * the end of this turn of the loop (end_turn), which then tells the core. Acknowledgements wait
 * for the end of the turn anyway, so one sync for the whole turn costs them nothing. */
static bool host_persist(void *ctx, const rs_persist *rec)
{
  net_node *n = ctx;
  if (!n->disk)
    return true;
  n->persisted++;
  char *err = NULL;
  bool durable = false;
  if (!net_store_write(n->disk, rec, &durable, &err)) {
    n->proc->cb.fatal(n->proc->cb.ctx, err);
    g_free(err);
    return true;
  }
  if (durable)
    return true;
  if (!n->unsynced) {
    n->unsynced = true;
    g_ptr_array_add(n->proc->syncing, n);
  }
  return false;
}

static void host_restart_node(void *ctx, rs_node_id node, double delay)
{
  net_node *n = ctx;
  if (n->proc->cb.restart)
    n->proc->cb.restart(n->proc->cb.ctx, n, node, delay);
}

/* --- a node's lives ------------------------------------------------------------------------ */

net_node *net_node_new(net_proc *p, rs_node_id id, rs_store *store, net_store *disk)
{
  net_node *n = g_new0(net_node, 1);
  n->proc = p;
  n->id = id;
  n->plan = deploy_node(p->plan, id);
  n->name = net_proc_name(p, id);
  n->store = store;
  n->disk = disk;
  n->log.buf = g_string_new(NULL);
  n->held = g_array_new(FALSE, FALSE, sizeof(held_send));
  n->open_op.key = g_string_new(NULL);
  n->open_op.name = g_string_new(NULL);
  n->host = (rs_host){.ctx = n, .send = host_send, .timer_arm = host_timer_arm, .timer_cancel = host_timer_cancel,
                      .now = host_now, .wall = host_wall, .random = host_random, .event = host_event,
                      .persist = host_persist, .restart_node = p->cb.restart ? host_restart_node : NULL};
  p->nodes[id] = n;
  return n;
}

void net_node_boot(net_node *n, uint32_t life)
{
  const scenario *sc = n->proc->sc;
  guint32 seed[5] = {(guint32)sc->seed, (guint32)(sc->seed >> 32), n->id, life, (guint32)g_get_monotonic_time()};
  if (n->rand)
    g_rand_free(n->rand);
  n->rand = g_rand_new_with_seed_array(seed, 5);
  n->life = life;
  n->finished = false;
  cancel_sync(n);
  n->persisted = 0;
  rs_node_spec spec = deploy_spec_for_life(n->plan, life, n->done);
  n->core = rs_node_new(&spec, &n->host, n->store);
  rs_node_start(n->core);
  net_node_flush_log(n);
}

void net_node_crash(net_node *n)
{
  for (int i = 0; i < NET_MAX_TIMERS; i++)
    host_timer_cancel(n, i);
  cancel_sync(n);
  drop_held(n);
  tev_node v = view(n);
  tev_crash_open_op(&n->proc->ev, &v, net_proc_now(n->proc));
  rs_node_free(n->core);
  n->core = NULL;
}

void net_node_free(net_node *n)
{
  if (!n)
    return;
  for (int i = 0; i < NET_MAX_TIMERS; i++)
    host_timer_cancel(n, i);
  cancel_sync(n);
  drop_held(n);
  g_array_free(n->held, TRUE);
  rs_node_free(n->core);
  net_store_close(n->disk);
  rs_store_free(n->store);
  if (n->rand)
    g_rand_free(n->rand);
  g_string_free(n->log.buf, TRUE);
  g_free(n->log.path);
  g_string_free(n->open_op.key, TRUE);
  g_string_free(n->open_op.name, TRUE);
  n->proc->nodes[n->id] = NULL;
  g_free(n);
}
