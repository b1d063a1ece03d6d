/* The fast engine's side of the fault injector (host/fault_apply.c decides what each fault
 * does): hosts, the network's cuts and rates, and link state, as the SimGrid engine has them. */
#include "fast_world.h"
#include "host/fault_apply.h"
#include "scenario/net_faults.h"

G_STATIC_ASSERT(G_STRUCT_OFFSET(fast_node, base) == 0);

static fast_node *owner(const hl_node *n)
{
  return (fast_node *)n; /* base is the first member of fast_node */
}

static double op_now(void *ctx)
{
  return ((fast_world *)ctx)->now;
}

static hl_node *op_node(void *ctx, const char *name)
{
  fast_node *n = fast_node_by_name(ctx, name);
  return n ? &n->base : NULL;
}

static fast_host *host_of(fast_world *w, const hl_node *n)
{
  return g_ptr_array_index(w->hosts, owner(n)->host);
}

static bool op_host_on(void *ctx, const hl_node *n)
{
  return host_of(ctx, n)->on;
}

static void op_host_crash(void *ctx, hl_node *n)
{
  fast_host_crash(ctx, owner(n)->host);
}

static void op_host_turn_on(void *ctx, hl_node *n)
{
  host_of(ctx, n)->on = true;
}

static void op_host_boot(void *ctx, hl_node *n)
{
  fast_host_boot(ctx, owner(n)->host);
}

static void op_node_join(void *ctx, hl_node *n)
{
  (void)ctx;
  fast_node_boot(owner(n));
  fast_node_start(owner(n));
}

static void op_network_changed(void *ctx, const GPtrArray *active)
{
  fast_world *w = ctx;
  if (w->cut_n != w->nodes->len) {
    g_free(w->cut);
    w->cut_n = w->nodes->len;
    w->cut = g_new0(bool, (gsize)w->cut_n * w->cut_n);
  }
  net_faults_compute(w->plan, active, w->cut, w->cut_n, &w->loss_rate, &w->duplicate_rate);
}

static guint link_index(fast_world *w, const fast_link *l)
{
  guint idx = 0;
  while (g_ptr_array_index(w->links, idx) != l)
    idx++;
  return idx;
}

/* A link going down fails the transfers crossing it, as SimGrid does. */
static void op_link_set_on(void *ctx, const char *link, bool on)
{
  fast_world *w = ctx;
  fast_link *l = fast_link_named(w, link);
  if (!l)
    return;
  bool was_on = l->down <= 0;
  l->down = on ? 0 : 1;
  fast_link_changed(w, link_index(w, l), was_on && !on);
}

/* A delay acts on messages sent from then on. */
static void op_link_set_latency(void *ctx, const char *link, double latency)
{
  fast_link *l = fast_link_named(ctx, link);
  if (l)
    l->latency = latency;
}

static double op_link_latency(void *ctx, const char *link)
{
  fast_link *l = fast_link_named(ctx, link);
  return l ? l->base_latency : 0;
}

void fast_faults_init(fast_world *w)
{
  hf_ops ops = {.ctx = w, .now = op_now, .node = op_node, .host_on = op_host_on, .host_crash = op_host_crash,
                .host_turn_on = op_host_turn_on, .host_boot = op_host_boot, .node_join = op_node_join,
                .network_changed = op_network_changed, .link_set_on = op_link_set_on,
                .link_set_latency = op_link_set_latency, .link_latency = op_link_latency};
  w->faults = hf_injector_new(w->sc, w->trace, &ops);
  w->faults_left = hf_left(w->faults);
  double t;
  if (hf_next(w->faults, &t))
    fast_push(w, t, FE_FAULT, 1, 0, NULL, 0);
}

/* Applies every action due now, then schedules the next one. */
void fast_faults_apply(fast_world *w)
{
  while (hf_apply_next(w->faults, w->now))
    w->faults_left = hf_left(w->faults);
  double t;
  if (hf_next(w->faults, &t))
    fast_push(w, t, FE_FAULT, 1, 0, NULL, 0);
}
