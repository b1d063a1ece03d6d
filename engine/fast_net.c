/* The fast engine's network: routes read once from the SimGrid platform (no simulation runs), a
 * message arriving after the route's latency plus its size over the route's narrowest bandwidth,
 * in order per channel, with no sharing between flows; and the network faults' effects. */
#include "fast_world.h"
#include "scenario/net_faults.h"

#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <xbt/dynar.h>

static void pool_free(fast_world *w);

/* SimGrid's implicit loopback (network/loopback-bw, -lat defaults) for two nodes on one host. */
#define FAST_LOOPBACK_BW 10e9

static guint link_index(fast_world *w, sg_link_t l)
{
  const char *name = sg_link_get_name(l);
  gpointer idx = g_hash_table_lookup(w->link_by_name, name);
  if (idx)
    return GPOINTER_TO_UINT(idx) - 1;
  fast_link *fl = g_new0(fast_link, 1);
  fl->name = g_strdup(name);
  fl->base_latency = fl->latency = sg_link_get_latency(l);
  fl->bandwidth = sg_link_get_bandwidth(l);
  g_ptr_array_add(w->links, fl);
  g_hash_table_insert(w->link_by_name, fl->name, GUINT_TO_POINTER(w->links->len));
  return w->links->len - 1;
}

fast_link *fast_link_named(fast_world *w, const char *name)
{
  gpointer idx = g_hash_table_lookup(w->link_by_name, name);
  return idx ? g_ptr_array_index(w->links, GPOINTER_TO_UINT(idx) - 1) : NULL;
}

/* Loads the platform into SimGrid only to ask it for the routes between the hosts nodes run on
 * (and, by name, every link a fault names). */
bool fast_net_init(fast_world *w, char **err)
{
  int argc = 2;
  char *argv[] = {"replsim", "--log=root.thres:warning", NULL};
  simgrid_init(&argc, argv);
  simgrid_load_platform(w->sc->platform);
  guint n = w->hosts->len;
  sg_host_t *sg = g_new(sg_host_t, n);
  for (guint i = 0; i < n; i++) {
    fast_host *h = g_ptr_array_index(w->hosts, i);
    sg[i] = sg_host_by_name(h->name);
    if (!sg[i]) {
      *err = g_strdup_printf("%s: no host %s", w->sc->platform, h->name);
      g_free(sg);
      return false;
    }
  }
  w->routes = g_new0(fast_route, (gsize)n * n);
  xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
  for (guint a = 0; a < n; a++)
    for (guint b = 0; b < n; b++) {
      xbt_dynar_reset(links);
      sg_host_get_route(sg[a], sg[b], links);
      fast_route *r = &w->routes[(gsize)a * n + b];
      r->n = (guint)xbt_dynar_length(links);
      r->links = g_new(guint, r->n ? r->n : 1);
      for (guint k = 0; k < r->n; k++)
        r->links[k] = link_index(w, xbt_dynar_get_as(links, k, sg_link_t));
      r->loopback = r->n == 0;
    }
  xbt_dynar_free(&links);
  /* Links a fault names that no route of ours crosses still exist for the trace. */
  for (guint i = 0; i < w->sc->faults->len; i++) {
    const sc_fault *f = g_ptr_array_index(w->sc->faults, i);
    if (f->link && !fast_link_named(w, f->link)) {
      sg_link_t l = sg_link_by_name(f->link);
      if (l)
        link_index(w, l);
    }
  }
  g_free(sg);
  return true;
}

void fast_net_free(fast_world *w)
{
  guint n = w->hosts->len;
  for (gsize i = 0; w->routes && i < (gsize)n * n; i++)
    g_free(w->routes[i].links);
  g_free(w->routes);
  for (guint i = 0; i < w->links->len; i++) {
    fast_link *l = g_ptr_array_index(w->links, i);
    g_free(l->name);
    g_free(l);
  }
  g_free(w->chans.keys);
  g_free(w->chans.last);
  pool_free(w);
}

/* Packets come from free lists by 64-byte size class (up to 2 KiB), so a run of millions of
 * messages reuses a few thousand buffers instead of going through malloc for each. */
#define POOL_CLASSES 32
#define POOL_STEP 64

static size_t pool_class(size_t bytes)
{
  return (bytes + POOL_STEP - 1) / POOL_STEP;
}

static fast_packet *packet_alloc(fast_world *w, uint32_t len)
{
  size_t c = pool_class(sizeof(fast_packet) + len);
  if (c < POOL_CLASSES && w->pool[c]) {
    fast_packet *p = w->pool[c];
    w->pool[c] = p->next;
    return p;
  }
  return g_malloc(c < POOL_CLASSES ? c * POOL_STEP : sizeof(fast_packet) + len);
}

static void packet_release(fast_world *w, fast_packet *p)
{
  size_t c = pool_class(sizeof(fast_packet) + p->len);
  if (c < POOL_CLASSES) {
    p->next = w->pool[c];
    w->pool[c] = p;
  } else {
    g_free(p);
  }
}

static void pool_free(fast_world *w)
{
  for (size_t c = 0; c < POOL_CLASSES; c++)
    while (w->pool[c]) {
      fast_packet *p = w->pool[c];
      w->pool[c] = p->next;
      g_free(p);
    }
}

static const fast_route *route_of(const fast_world *w, const fast_packet *p)
{
  const fast_node *a = g_ptr_array_index(w->nodes, p->from), *b = g_ptr_array_index(w->nodes, p->to);
  return &w->routes[(gsize)a->host * w->hosts->len + b->host];
}

/* The channel's latest arrival, so a message never overtakes an earlier one of its channel. */
static double *chan_last(fast_chan_map *m, rs_node_id from, rs_node_id to)
{
  if (m->len * 2 >= m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 1024;
    uint64_t *keys = g_new0(uint64_t, cap);
    double *last = g_new(double, cap);
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i])
        continue;
      size_t j = (size_t)(m->keys[i] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
      while (keys[j])
        j = (j + 1) & (cap - 1);
      keys[j] = m->keys[i];
      last[j] = m->last[i];
    }
    g_free(m->keys);
    g_free(m->last);
    m->keys = keys;
    m->last = last;
    m->cap = cap;
  }
  uint64_t key = ((uint64_t)from << 32 | to) + 1;
  size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (m->cap - 1);
  while (m->keys[j] && m->keys[j] != key)
    j = (j + 1) & (m->cap - 1);
  if (!m->keys[j]) {
    m->keys[j] = key;
    m->last[j] = -INFINITY;
    m->len++;
  }
  return &m->last[j];
}

static void count_in_flight(fast_world *w, const fast_packet *p, int delta)
{
  w->in_flight += (uint64_t)(int64_t)delta;
  if (!p->periodic)
    w->in_flight_work += (uint64_t)(int64_t)delta;
}

static void inbound_remove(fast_world *w, fast_packet *p)
{
  fast_node *dst = g_ptr_array_index(w->nodes, p->to);
  if (p->prev)
    p->prev->next = p->next;
  else if (dst->inbound == p)
    dst->inbound = p->next;
  if (p->next)
    p->next->prev = p->prev;
  p->prev = p->next = NULL;
}

void fast_packet_free(fast_world *w, fast_packet *p)
{
  if (p->started) {
    inbound_remove(w, p);
    if (!p->dead)
      count_in_flight(w, p, -1);
  }
  packet_release(w, p);
}

/* A message lost: traced now; freed now unless it is on the wire (its delivery event frees it). */
void fast_drop(fast_world *w, fast_packet *p, const char *why)
{
  trace_drop_why(w->trace, w->now, fast_node_name(w, p->from), fast_node_name(w, p->to), rs_msg_type_name(p->type),
                 p->id, p->len, why);
  if (!p->started) {
    packet_release(w, p);
    return;
  }
  if (!p->dead) {
    p->dead = true;
    count_in_flight(w, p, -1);
  }
}

bool fast_is_cut(const fast_world *w, rs_node_id from, rs_node_id to)
{
  return w->cut && from < w->cut_n && to < w->cut_n && w->cut[from * w->cut_n + to];
}

static fast_packet *packet_new(fast_world *w, fast_node *from, rs_node_id to, uint8_t type, uint64_t id)
{
  fast_node *dst = g_ptr_array_index(w->nodes, to);
  fast_packet *p = packet_alloc(w, w->scratch->len);
  memset(p, 0, sizeof *p);
  p->from = from->id;
  p->to = to;
  p->to_incarnation = dst->incarnation;
  p->type = type;
  p->id = id;
  p->len = w->scratch->len;
  p->periodic = type == RS_MSG_HEARTBEAT || type == RS_MSG_PEER_HEARTBEAT;
  memcpy(p->bytes, w->scratch->data, p->len);
  return p;
}


static void leave(fast_world *w, fast_node *from, fast_packet *p)
{
  if (p->jitter > 0) {
    w->held_back++;
    fast_push(w, w->now + p->jitter, FE_HELD, 0, from->id, p, from->incarnation);
  } else {
    fast_put_on_wire(w, p);
  }
}

/* host->send: encoded once, traced, and put on the wire at once (a handler never yields, so
 * "after the handler" is the same instant); partitions, loss and duplicates act here. */
void fast_send_packet(fast_world *w, fast_node *n, rs_node_id to, const rs_msg *m)
{
  if (to >= w->nodes->len)
    return;
  g_byte_array_set_size(w->scratch, 0);
  rs_msg_encode(m, w->scratch);
  uint64_t id = ++w->next_msg_id;
  trace_send(w->trace, w->now, n->name, fast_node_name(w, to), rs_msg_type_name(m->type), id, w->scratch->len);
  fast_packet *p = packet_new(w, n, to, m->type, id);
  if (fast_is_cut(w, n->id, to)) {
    fast_drop(w, p, "partition");
    return;
  }
  if (w->loss_rate > 0 && g_rand_double(w->net_rand) < w->loss_rate) {
    fast_drop(w, p, "loss");
    return;
  }
  p->jitter = net_faults_jitter(w->sc, w->net_rand);
  fast_packet *copy = NULL;
  if (w->duplicate_rate > 0 && g_rand_double(w->net_rand) < w->duplicate_rate) {
    copy = packet_new(w, n, to, m->type, id);
    copy->jitter = net_faults_jitter(w->sc, w->net_rand);
  }
  leave(w, n, p);
  if (copy)
    leave(w, n, copy);
}

/* Starts the transfer: L + S/B from now over the route as the faults leave it, never before the
 * channel's previous message; a route through a link that is down loses it. */
void fast_put_on_wire(fast_world *w, fast_packet *p)
{
  fast_node *dst = g_ptr_array_index(w->nodes, p->to);
  fast_node *src = g_ptr_array_index(w->nodes, p->from);
  const fast_host *sh = g_ptr_array_index(w->hosts, src->host), *dh = g_ptr_array_index(w->hosts, dst->host);
  if (!dst->up || dst->incarnation != p->to_incarnation || !dh->on || !sh->on) {
    fast_drop(w, p, "crashed");
    return;
  }
  const fast_route *r = route_of(w, p);
  double latency = 0, bw = r->loopback ? FAST_LOOPBACK_BW : INFINITY;
  bool down = false;
  for (guint k = 0; k < r->n; k++) {
    const fast_link *l = g_ptr_array_index(w->links, r->links[k]);
    latency += l->latency;
    bw = MIN(bw, l->bandwidth);
    down = down || l->down > 0;
  }
  p->started = true;
  p->sent = w->now;
  count_in_flight(w, p, +1);
  p->next = dst->inbound;
  p->prev = NULL;
  if (dst->inbound)
    dst->inbound->prev = p;
  dst->inbound = p;
  if (down) {
    fast_drop(w, p, "network");
    fast_packet_free(w, p);
    return;
  }
  double arrival = w->now + latency + (bw < INFINITY && bw > 0 ? p->len / bw : 0);
  double *last = chan_last(&w->chans, p->from, p->to);
  if (arrival < *last)
    arrival = *last;
  *last = arrival;
  fast_push(w, arrival, FE_DELIVER, 0, p->to, p, 0);
}

/* A link went down: every transfer crossing it now fails (SimGrid fails them at once). */
void fast_link_changed(fast_world *w, guint link, bool went_down)
{
  if (!went_down)
    return;
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    for (fast_packet *p = n->inbound; p; p = p->next) {
      if (p->dead)
        continue;
      const fast_route *r = route_of(w, p);
      for (guint k = 0; k < r->n; k++)
        if (r->links[k] == link) {
          fast_drop(w, p, "network");
          break;
        }
    }
  }
}

/* A packet arrives: decoded and handed to the receiving core node, as sim_actors.c's deliver. */
void fast_deliver(fast_world *w, fast_packet *p)
{
  fast_node *n = g_ptr_array_index(w->nodes, p->to);
  if (p->dead || w->stopped) {
    fast_packet_free(w, p);
    return;
  }
  if (p->to_incarnation != n->incarnation) {
    fast_drop(w, p, "crashed");
    fast_packet_free(w, p);
    return;
  }
  if (fast_is_cut(w, p->from, p->to)) {
    fast_drop(w, p, "partition");
    fast_packet_free(w, p);
    return;
  }
  rs_msg m;
  const char *err = NULL;
  bool ok = rs_msg_decode(p->bytes, p->len, &m, &err);
  const char *from = fast_node_name(w, p->from);
  trace_recv(w->trace, w->now, from, n->name, ok ? rs_msg_type_name(m.type) : "?", p->id, p->len);
  /* Out of flight before the handler runs, as the SimGrid engine counts it after the receive. */
  inbound_remove(w, p);
  p->started = false;
  count_in_flight(w, p, -1);
  if (!ok)
    trace_refuse(w->trace, w->now, n->name, from, "?", err);
  else if (n->core)
    rs_node_handle(n->core, p->from, &m);
  fast_watchdog_tick(n, ok ? m.type : RS_MSG_NONE);
  packet_release(w, p);
}
