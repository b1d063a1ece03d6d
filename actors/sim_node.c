/* A simulated node: the core node it wraps, and the host operations SimGrid supplies to it. */
#include "sim_world.h"
#include "scenario/net_faults.h"

#include <math.h>
#include <simgrid/engine.h>

XBT_LOG_NEW_DEFAULT_CATEGORY(sim_node, "replsim nodes");

const char *sim_node_name(const sim_world *w, rs_node_id id)
{
  if (id == RS_NO_NODE || id >= w->nodes->len)
    return NULL;
  return ((sim_node *)g_ptr_array_index(w->nodes, id))->name;
}

/* Wraps encoded bytes in an envelope and records the send in the trace. */
static sim_packet *packet_new(sim_world *w, sim_node *from, rs_node_id to, uint8_t type, uint64_t id)
{
  sim_node *dst = g_ptr_array_index(w->nodes, to);
  sim_packet *p = g_malloc(sizeof *p + w->scratch->len);
  memset(p, 0, sizeof *p);
  p->from = from->id;
  p->to = to;
  p->to_incarnation = dst->incarnation;
  p->type = type;
  p->id = id;
  p->len = w->scratch->len;
  memcpy(p->bytes, w->scratch->data, p->len);
  sim_wire_add(w, p);
  return p;
}


/* Encodes the message once, records it in the trace and queues it; the actor puts it on the wire
 * after the handler returns, so a handler never yields to SimGrid half-way through. The network's
 * faults act here: a partition or a loss drops it, a duplicate sends it twice. */
static void host_send(void *ctx, rs_node_id to, const rs_msg *m)
{
  sim_node *n = ctx;
  sim_world *w = n->world;
  if (to >= w->nodes->len) {
    XBT_WARN("%s sends %s to an unknown node %u", n->name, rs_msg_type_name(m->type), to);
    return;
  }
  g_byte_array_set_size(w->scratch, 0);
  rs_msg_encode(m, w->scratch);
  uint64_t id = ++w->next_msg_id;
  trace_send(w->trace, simgrid_get_clock(), n->name, sim_node_name(w, to), rs_msg_type_name(m->type), id,
             w->scratch->len);
  sim_packet *p = packet_new(w, n, to, m->type, id);
  p->periodic = m->type == RS_MSG_HEARTBEAT || m->type == RS_MSG_PEER_HEARTBEAT;
  if (sim_is_cut(w, n->id, to)) {
    sim_drop(w, p, "partition");
    return;
  }
  if (w->loss_rate > 0 && g_rand_double(w->net_rand) < w->loss_rate) {
    sim_drop(w, p, "loss");
    return;
  }
  p->jitter = net_faults_jitter(w->sc, w->net_rand);
  g_ptr_array_add(n->outbox, p);
  if (w->duplicate_rate > 0 && g_rand_double(w->net_rand) < w->duplicate_rate) {
    sim_packet *copy = packet_new(w, n, to, m->type, id);
    copy->periodic = p->periodic;
    copy->jitter = net_faults_jitter(w->sc, w->net_rand);
    g_ptr_array_add(n->outbox, copy);
  }
}

static void host_timer_arm(void *ctx, int timer, double delay)
{
  sim_node *n = ctx;
  sim_timer *t = hl_timer_find(&n->base, timer, true);
  t->due = simgrid_get_clock() + (delay > 0 ? delay : 0);
  t->armed = true;
  if (t->due < n->timer_wait_until)
    n->timer_kick = true;
}

static void host_timer_cancel(void *ctx, int timer)
{
  sim_node *n = ctx;
  sim_timer *t = hl_timer_find(&n->base, timer, false);
  if (t)
    t->armed = false;
}

static double host_now(void *ctx)
{
  (void)ctx;
  return simgrid_get_clock();
}

static uint64_t host_random(void *ctx)
{
  sim_node *n = ctx;
  return hl_random(&n->base);
}

static void host_event(void *ctx, const rs_event *ev)
{
  sim_trace_event(ctx, ev);
}

/* <cluster fsync> (host/node_life.c): the timer actor wakes when the change is durable. */
static bool host_persist(void *ctx, const rs_persist *rec)
{
  (void)rec;
  sim_node *n = ctx;
  sim_fsync *disk = hl_persist(&n->base, &n->world->run, simgrid_get_clock());
  if (!disk)
    return true;
  if (disk->due < n->timer_wait_until)
    n->timer_kick = true;
  return false;
}

/* Handlers never yield: the restart is queued and started by the flush after the handler. */
static void host_restart_node(void *ctx, rs_node_id node, double delay)
{
  sim_node *n = ctx;
  sim_restart r = {.node = node, .delay = delay};
  g_array_append_val(n->restarts, r);
}

sim_node *sim_node_new(sim_world *w, const dp_node *plan)
{
  sim_node *n = g_new0(sim_node, 1);
  hl_node_init(&n->base, &w->run, plan);
  n->world = w;
  n->host = sg_host_by_name(plan->host);
  xbt_assert(n->host, "unknown host %s", plan->host);
  n->outbox = g_ptr_array_new();
  n->timer_wait_until = INFINITY;
  n->core_host = (rs_host){.ctx = n, .send = host_send, .timer_arm = host_timer_arm,
                           .timer_cancel = host_timer_cancel, .now = host_now,
                           .random = host_random, .event = host_event, .persist = host_persist,
                           .restart_node = host_restart_node};
  n->restarts = g_array_new(FALSE, FALSE, sizeof(sim_restart));
  n->delayed = g_queue_new();
  g_ptr_array_add(w->nodes, n);
  g_hash_table_insert(w->by_name, (gpointer)n->name, n);
  return n;
}

sim_node *sim_node_by_name(const sim_world *w, const char *name)
{
  return name ? g_hash_table_lookup(w->by_name, name) : NULL;
}

void sim_node_free(sim_node *n)
{
  hl_node_clear(&n->base, &n->world->run);
  g_ptr_array_free(n->outbox, TRUE);
  g_array_free(n->restarts, TRUE);
  g_queue_free(n->delayed); /* its packets are on the wire list, freed with it */
  g_free(n);
}
