/* A node in the fast engine: its core node, the rs_host it acts through, and its lives
 * (boot, crash, restart) as actors/sim_node.c and sim_boot.c give them in SimGrid. */
#include "fast_world.h"

#include <math.h>

const char *fast_node_name(const fast_world *w, rs_node_id id)
{
  if (id == RS_NO_NODE || id >= w->nodes->len)
    return NULL;
  return ((fast_node *)g_ptr_array_index(w->nodes, id))->name;
}

fast_node *fast_node_by_name(const fast_world *w, const char *name)
{
  return name ? g_hash_table_lookup(w->by_name, name) : NULL;
}

static void host_send(void *ctx, rs_node_id to, const rs_msg *m)
{
  fast_node *n = ctx;
  fast_send_packet(n->world, n, to, m);
}

/* The heap holds at most a few timer events per node: one for its earliest timer, pushed only when
 * a timer is armed earlier than the one scheduled. A cancelled or moved timer leaves no event
 * behind, so a client arming a timeout per operation does not fill the heap. */
static void schedule_timer(fast_node *n, double due)
{
  if (due < n->timer_sched) {
    n->timer_sched = due;
    fast_push(n->world, due, FE_TIMER, 0, n->id, NULL, 0);
  }
}

static void host_timer_arm(void *ctx, int timer, double delay)
{
  fast_node *n = ctx;
  fast_timer *t = hl_timer_find(&n->base, timer, true);
  t->due = n->world->now + (delay > 0 ? delay : 0);
  t->armed = true;
  schedule_timer(n, t->due);
}

static void host_timer_cancel(void *ctx, int timer)
{
  fast_node *n = ctx;
  fast_timer *t = hl_timer_find(&n->base, timer, false);
  if (t)
    t->armed = false;
}

static double host_now(void *ctx)
{
  return ((fast_node *)ctx)->world->now;
}

static uint64_t host_random(void *ctx)
{
  fast_node *n = ctx;
  return hl_random(&n->base);
}

static void host_event(void *ctx, const rs_event *ev)
{
  fast_node *n = ctx;
  hl_node_event(&n->base, &n->world->run, n->world->now, ev);
}

/* <cluster fsync>: one change at a time on the node's disk, as the SimGrid engine models it. */
static bool host_persist(void *ctx, const rs_persist *rec)
{
  (void)rec;
  fast_node *n = ctx;
  hl_fsync *disk = hl_persist(&n->base, &n->world->run, n->world->now);
  if (!disk)
    return true;
  fast_push(n->world, disk->due, FE_FSYNC, 0, n->id, NULL, n->incarnation);
  return false;
}

/* A restart a node asks for (seed 002): across a partition it is lost; else the target goes
 * down now and boots `delay` later, unless the requester's host crashed meanwhile. */
static void host_restart_node(void *ctx, rs_node_id node, double delay)
{
  fast_node *n = ctx;
  fast_world *w = n->world;
  if (node >= w->nodes->len)
    return;
  fast_node *target = g_ptr_array_index(w->nodes, node);
  if (fast_is_cut(w, n->id, node)) {
    const char *lost[] = {"node", target->name, "by", n->name, "why", "unreachable", NULL};
    trace_fault(w->trace, w->now, "restart-failed", "start", lost);
    return;
  }
  char d[32];
  g_snprintf(d, sizeof d, "%g", delay);
  const char *start[] = {"node", target->name, "by", n->name, "boot", d, NULL};
  trace_fault(w->trace, w->now, "restart", "start", start);
  fast_node_crash(target);
  fast_restart_job *job = g_new(fast_restart_job, 1);
  const fast_host *h = g_ptr_array_index(w->hosts, n->host);
  *job = (fast_restart_job){.requester = n->id, .node = node, .host = n->host, .epoch = h->epoch};
  fast_push(w, w->now + delay, FE_RESTART_END, 0, node, job, 0);
}

void fast_restart_end(fast_world *w, fast_restart_job *job)
{
  const fast_host *h = g_ptr_array_index(w->hosts, job->host);
  fast_node *target = g_ptr_array_index(w->nodes, job->node);
  if (h->on && h->epoch == job->epoch) {
    const char *end[] = {"node", target->name, NULL};
    trace_fault(w->trace, w->now, "restart", "end", end);
    const fast_host *th = g_ptr_array_index(w->hosts, target->host);
    if (!th->on && !target->joining) {
      /* A crashed machine: the requester restarts it whole, as in the SimGrid engine. */
      trace_fault(w->trace, w->now, "crash", "end", end);
      fast_host_boot(w, target->host);
    } else if (th->on && !target->up && !target->joining) {
      fast_node_boot(target);
      fast_node_start(target);
    }
  }
  g_free(job);
}

static guint host_index(fast_world *w, const char *name)
{
  for (guint i = 0; i < w->hosts->len; i++)
    if (strcmp(((fast_host *)g_ptr_array_index(w->hosts, i))->name, name) == 0)
      return i;
  fast_host *h = g_new0(fast_host, 1);
  h->name = g_strdup(name);
  h->on = true;
  g_ptr_array_add(w->hosts, h);
  return w->hosts->len - 1;
}

fast_node *fast_node_new(fast_world *w, const dp_node *plan)
{
  fast_node *n = g_new0(fast_node, 1);
  hl_node_init(&n->base, &w->run, plan);
  n->world = w;
  n->host = host_index(w, plan->host);
  n->core_host = (rs_host){.ctx = n, .send = host_send, .timer_arm = host_timer_arm,
                           .timer_cancel = host_timer_cancel, .now = host_now, .random = host_random,
                           .event = host_event, .persist = host_persist, .restart_node = host_restart_node};
  n->timer_sched = INFINITY;
  g_ptr_array_add(w->nodes, n);
  g_hash_table_insert(w->by_name, (gpointer)n->name, n);
  return n;
}

void fast_node_free(fast_node *n)
{
  hl_node_clear(&n->base, &n->world->run);
  g_free(n);
}

/* The core node of a new life (a replica keeps its store, a client its progress). */
void fast_node_boot(fast_node *n)
{
  hl_node_boot(&n->base, &n->world->run, &n->core_host);
}

void fast_node_start(fast_node *n)
{
  if (n->core && !n->started)
    rs_node_start(n->core);
  n->started = true;
}

/* Loses the node's memory, its timers, its disk queue and the messages on their way to it. */
void fast_node_crash(fast_node *n)
{
  fast_world *w = n->world;
  if (!n->up)
    return;
  hl_node_down(&n->base);
  n->timer_sched = INFINITY;
  for (fast_packet *p = n->inbound; p; p = p->next)
    if (!p->dead)
      fast_drop(w, p, "crashed");
  hl_node_forget(&n->base, &w->run, w->now);
}

void fast_host_crash(fast_world *w, guint host)
{
  fast_host *h = g_ptr_array_index(w->hosts, host);
  h->on = false;
  h->epoch++;
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    if (n->host == host)
      fast_node_crash(n);
  }
}

void fast_host_boot(fast_world *w, guint host)
{
  fast_host *h = g_ptr_array_index(w->hosts, host);
  h->on = true;
  for (guint i = 0; i < w->nodes->len; i++) {
    fast_node *n = g_ptr_array_index(w->nodes, i);
    if (n->host == host && !n->up && !n->joining && n->booted_once) {
      fast_node_boot(n);
      fast_node_start(n);
    }
  }
}

/* The node's timer event at `t`: stale unless it is the one scheduled. Fires the earliest timer
 * if it is due (within FAST_TIME_EPS, as the SimGrid engine), then schedules the next one. */
void fast_node_timer_event(fast_node *n, double t)
{
  fast_world *w = n->world;
  if (t != n->timer_sched)
    return;
  n->timer_sched = INFINITY;
  if (w->phase >= FAST_DRAINING || w->stopped)
    return; /* once draining, timers fire no more */
  fast_timer *e = hl_timer_earliest(&n->base);
  if (e && e->due <= w->now + FAST_TIME_EPS) {
    e->armed = false;
    if (n->core)
      rs_node_timer(n->core, e->id);
    fast_watchdog_tick(n, RS_MSG__COUNT);
    e = hl_timer_earliest(&n->base);
  }
  if (e)
    schedule_timer(n, MAX(e->due, w->now));
}

void fast_node_fsync(fast_node *n, uint32_t incarnation)
{
  if (incarnation != n->incarnation)
    return;
  hl_fsync *disk = g_queue_pop_head(n->fsyncs);
  if (!disk)
    return;
  if (n->core)
    rs_node_durable(n->core, disk->upto);
  g_free(disk);
}
