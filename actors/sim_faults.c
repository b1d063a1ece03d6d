/* The fault injector of the SimGrid engine: host/fault_apply.c decides what each fault does; the
 * run advances with simgrid_run_until to each fault's time and the fault is applied from outside
 * the simulation, so it happens at exactly that time whatever the state of the hosts (an
 * injector actor could itself be on a crashed host). */
#include "sim_faults.h"
#include "sim_link.h"
#include "host/fault_apply.h"
#include "scenario/net_faults.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>

struct sim_faults {
  sim_world *w;
  hf_injector *injector;
};

static double op_now(void *ctx)
{
  (void)ctx;
  return simgrid_get_clock();
}

static hl_node *op_node(void *ctx, const char *name)
{
  sim_node *n = sim_node_by_name(ctx, name);
  return n ? &n->base : NULL;
}

G_STATIC_ASSERT(G_STRUCT_OFFSET(sim_node, base) == 0);

static sim_node *owner(const hl_node *n)
{
  return (sim_node *)n; /* base is the first member of sim_node */
}

static bool op_host_on(void *ctx, const hl_node *n)
{
  (void)ctx;
  return sg_host_is_on(owner(n)->host);
}

/* A crash turns the node's host off: SimGrid kills every actor on it. */
static void op_host_crash(void *ctx, hl_node *n)
{
  sim_host_crash(ctx, owner(n)->host);
}

static void op_host_turn_on(void *ctx, hl_node *n)
{
  (void)ctx;
  sg_host_turn_on(owner(n)->host);
}

static void op_host_boot(void *ctx, hl_node *n)
{
  sim_host_boot(ctx, owner(n)->host);
}

static void op_node_join(void *ctx, hl_node *n)
{
  (void)ctx;
  sim_node_boot(owner(n));
  sim_actors_spawn(owner(n));
}

static void op_network_changed(void *ctx, const GPtrArray *active)
{
  sim_world *w = ctx;
  if (w->cut_n != w->nodes->len) {
    g_free(w->cut);
    w->cut_n = w->nodes->len;
    w->cut = g_new0(bool, (gsize)w->cut_n * w->cut_n);
  }
  net_faults_compute(w->plan, active, w->cut, w->cut_n, &w->loss_rate, &w->duplicate_rate);
}

static void op_link_set_on(void *ctx, const char *link, bool on)
{
  (void)ctx;
  sim_link_set_on(link, on);
}

static void op_link_set_latency(void *ctx, const char *link, double latency)
{
  (void)ctx;
  sim_link_set_latency(link, latency, NULL);
}

static double op_link_latency(void *ctx, const char *link)
{
  (void)ctx;
  double latency = 0;
  sim_link_get_latency(link, &latency);
  return latency;
}

sim_faults *sim_faults_new(sim_world *w)
{
  sim_faults *f = g_new0(sim_faults, 1);
  f->w = w;
  hf_ops ops = {.ctx = w, .now = op_now, .node = op_node, .host_on = op_host_on, .host_crash = op_host_crash,
                .host_turn_on = op_host_turn_on, .host_boot = op_host_boot, .node_join = op_node_join,
                .network_changed = op_network_changed, .link_set_on = op_link_set_on,
                .link_set_latency = op_link_set_latency, .link_latency = op_link_latency};
  f->injector = hf_injector_new(w->sc, w->trace, &ops);
  w->faults_left = hf_left(f->injector);
  return f;
}

void sim_faults_free(sim_faults *f)
{
  if (!f)
    return;
  hf_injector_free(f->injector);
  g_free(f);
}

bool sim_faults_next(const sim_faults *f, double *t)
{
  return hf_next(f->injector, t);
}

/* Actions that start nodes (a boot, a join) spawn actors from outside the simulation; they run
 * their first step (the node starts) before the next action of the same instant, because
 * SimGrid 3.32 leaves a half-dead actor behind when a host goes off before an actor on it ever
 * ran (a boot and a crash at the same time). */
void sim_faults_apply_due(sim_faults *f, double now)
{
  const fp_action *a;
  while ((a = hf_apply_next(f->injector, now))) {
    f->w->faults_left = hf_left(f->injector);
    double t;
    if (hf_action_spawns(a) && hf_next(f->injector, &t) && t <= now)
      simgrid_run_until(simgrid_get_clock());
  }
}
