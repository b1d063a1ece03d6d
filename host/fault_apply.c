/* The one fault injector (host/fault_apply.h): what each fault does, for both engines. */
#include "fault_apply.h"

#include "scenario/net_faults.h"

#include <math.h>

struct hf_injector {
  hf_ops ops;
  const scenario *sc;
  trace_writer *trace;
  fault_plan *plan;
  guint next;
  GPtrArray *active; /* sc_fault* of loss, duplicate and partition faults in force */
  GHashTable *links; /* link name -> link_state* of links some fault acts on */
};

/* What the faults in force do to one platform link: overlapping faults compose, so that the
 * link is down while any link-down is in force and takes the largest latency among the delays
 * in force, and gets back what it had before the first one only when the last one ends. */
typedef struct link_state {
  double base;       /* its latency before any delay fault */
  int down;          /* link-down faults in force */
  GPtrArray *delays; /* sc_fault* of the delay faults in force */
} link_state;

static void free_link_state(gpointer p)
{
  link_state *l = p;
  g_ptr_array_free(l->delays, TRUE);
  g_free(l);
}

hf_injector *hf_injector_new(const scenario *sc, trace_writer *trace, const hf_ops *ops)
{
  hf_injector *f = g_new0(hf_injector, 1);
  f->ops = *ops;
  f->sc = sc;
  f->trace = trace;
  f->plan = fault_plan_new(sc);
  f->active = g_ptr_array_new();
  f->links = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_link_state);
  return f;
}

void hf_injector_free(hf_injector *f)
{
  if (!f)
    return;
  fault_plan_free(f->plan);
  g_ptr_array_free(f->active, TRUE);
  g_hash_table_destroy(f->links);
  g_free(f);
}

bool hf_next(const hf_injector *f, double *t)
{
  if (f->next >= f->plan->actions->len)
    return false;
  *t = g_array_index(f->plan->actions, fp_action, f->next).t;
  return true;
}

guint hf_left(const hf_injector *f)
{
  return f->plan->actions->len - f->next;
}

static bool is(const sc_fault *f, const char *kind)
{
  return fault_is(f, kind);
}

bool hf_action_spawns(const fp_action *a)
{
  return a->kind == FP_BOOT || is(a->fault, "join");
}

static void trace_line(hf_injector *f, const sc_fault *fault, const char *kind, const char *phase)
{
  fault_target t;
  fault_target_of(fault, phase, &t);
  trace_fault(f->trace, f->ops.now(f->ops.ctx), kind, phase, t.pairs);
}

/* The end of the scenario's duration (infinity without one): a pause without `until` ends there. */
static double run_end(const hf_injector *f)
{
  return f->sc->duration > 0 ? f->sc->duration : INFINITY;
}

/* A crash turns the node's host off: every node on that host loses its memory (its store
 * survives). */
static void crash(hf_injector *f, const sc_fault *fault)
{
  hl_node *n = f->ops.node(f->ops.ctx, fault->node);
  if (!n || !n->up)
    return;
  trace_line(f, fault, "crash", "start");
  f->ops.host_crash(f->ops.ctx, n);
}

static void restart(hf_injector *f, const sc_fault *fault)
{
  hl_node *n = f->ops.node(f->ops.ctx, fault->node);
  if (!n || n->up)
    return;
  trace_line(f, fault, "crash", "end");
  trace_line(f, fault, "restart", "start");
  f->ops.host_turn_on(f->ops.ctx, n);
}

/* After the boot delay, every node of the host that is down starts again from its store. */
static void boot(hf_injector *f, const sc_fault *fault)
{
  hl_node *n = f->ops.node(f->ops.ctx, fault->node);
  if (!n || n->up || !f->ops.host_on(f->ops.ctx, n))
    return;
  trace_line(f, fault, "restart", "end");
  f->ops.host_boot(f->ops.ctx, n);
}

/* A pause freezes the node until it ends: it handles nothing, messages wait for it, and it
 * resumes with the beliefs it had (each engine holds its events back while paused_until). */
static void pause_node(hf_injector *f, const sc_fault *fault, bool resume)
{
  hl_node *n = f->ops.node(f->ops.ctx, fault->node);
  trace_line(f, fault, "pause", resume ? "end" : "start");
  if (n && !resume)
    n->paused_until = fault->until >= 0 ? MIN(fault->until, run_end(f)) : run_end(f);
}

static void join(hf_injector *f, const sc_fault *fault)
{
  hl_node *n = f->ops.node(f->ops.ctx, fault->node);
  trace_line(f, fault, "join", "start");
  if (!n || !n->joining || !f->ops.host_on(f->ops.ctx, n))
    return;
  n->joining = false;
  f->ops.node_join(f->ops.ctx, n);
}

static void network_fault(hf_injector *f, const sc_fault *fault, bool end)
{
  trace_line(f, fault, fault->kind, end ? "end" : "start");
  if (end)
    g_ptr_array_remove(f->active, (gpointer)fault);
  else
    g_ptr_array_add(f->active, (gpointer)fault);
  f->ops.network_changed(f->ops.ctx, f->active);
}

static link_state *link_of(hf_injector *f, const char *name)
{
  link_state *l = g_hash_table_lookup(f->links, name);
  if (!l) {
    l = g_new0(link_state, 1);
    l->delays = g_ptr_array_new();
    l->base = f->ops.link_latency(f->ops.ctx, name);
    g_hash_table_insert(f->links, (gpointer)name, l);
  }
  return l;
}

static void link_fault(hf_injector *f, const sc_fault *fault, bool end)
{
  trace_line(f, fault, fault->kind, end ? "end" : "start");
  link_state *l = link_of(f, fault->link);
  if (is(fault, "link-down")) {
    l->down += end ? -1 : 1;
    f->ops.link_set_on(f->ops.ctx, fault->link, l->down <= 0);
    return;
  }
  if (end)
    g_ptr_array_remove(l->delays, (gpointer)fault);
  else
    g_ptr_array_add(l->delays, (gpointer)fault);
  f->ops.link_set_latency(f->ops.ctx, fault->link, net_faults_link_latency(l->base, l->delays));
}

static void apply(hf_injector *f, const fp_action *a)
{
  const sc_fault *fault = a->fault;
  bool end = a->kind == FP_END;
  if (a->kind == FP_BOOT)
    boot(f, fault);
  else if (is(fault, "crash"))
    crash(f, fault);
  else if (is(fault, "restart"))
    restart(f, fault);
  else if (is(fault, "pause"))
    pause_node(f, fault, end);
  else if (is(fault, "join"))
    join(f, fault);
  else if (is(fault, "partition") || is(fault, "loss") || is(fault, "duplicate"))
    network_fault(f, fault, end);
  else if (is(fault, "link-down") || is(fault, "delay"))
    link_fault(f, fault, end);
}

const fp_action *hf_apply_next(hf_injector *f, double now)
{
  if (f->next >= f->plan->actions->len)
    return NULL;
  const fp_action *a = &g_array_index(f->plan->actions, fp_action, f->next);
  if (a->t > now)
    return NULL;
  f->next++;
  apply(f, a);
  return a;
}
