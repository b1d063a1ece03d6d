/* The actors of a run: per node a timer actor (which also starts it) and one receiving actor per
 * channel into it, and the controller that ends the run. */
#include "sim_link.h"
#include "sim_world.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>


/* SimGrid's detach callback gets only the payload; one run per process makes this safe. */
static sim_world *the_world;

static void count_in_flight(sim_world *w, const sim_packet *p, int delta)
{
  w->in_flight += (uint64_t)(int64_t)delta;
  if (!p->periodic)
    w->in_flight_work += (uint64_t)(int64_t)delta;
}

/* Packets live on the wire list from their send until SimGrid gives them back (received or lost),
 * so the ones a crash or the end of the run strands can still be freed. Only those handed to
 * SimGrid and not yet known lost count as in flight: the run is quiet when none is. */
void sim_wire_add(sim_world *w, sim_packet *p)
{
  p->prev = NULL;
  p->next = w->wire;
  if (w->wire)
    w->wire->prev = p;
  w->wire = p;
}

void sim_wire_remove(sim_world *w, sim_packet *p)
{
  if (p->prev)
    p->prev->next = p->next;
  else
    w->wire = p->next;
  if (p->next)
    p->next->prev = p->prev;
  if (p->started && !p->dead)
    count_in_flight(w, p, -1);
  g_free(p);
}

/* A message lost on its way: traced now; freed now if SimGrid never had it, else marked so that
 * its later delivery or failure is ignored. */
void sim_drop(sim_world *w, sim_packet *p, const char *why)
{
  trace_drop_why(w->trace, simgrid_get_clock(), sim_node_name(w, p->from), sim_node_name(w, p->to),
                 rs_msg_type_name(p->type), p->id, p->len, why);
  if (!p->started) {
    sim_wire_remove(w, p);
    return;
  }
  if (!p->dead) {
    p->dead = true;
    count_in_flight(w, p, -1);
  }
}

bool sim_is_cut(const sim_world *w, rs_node_id from, rs_node_id to)
{
  return w->cut && from < w->cut_n && to < w->cut_n && w->cut[from * w->cut_n + to];
}

/* A message SimGrid could not deliver (its destination went down): the trace says it was lost. */
static void packet_lost(void *data)
{
  sim_packet *p = data;
  sim_world *w = the_world;
  /* SimGrid's engine, torn down at exit, drops what is still in its mailboxes: those packets
   * were freed with the world already. */
  if (!w)
    return;
  if (!p->dead)
    sim_drop(w, p, "network");
  sim_wire_remove(w, p);
}

static sim_channel *channel_open(sim_world *w, rs_node_id from, sim_node *to);

static bool quiet(const sim_world *w);

/* Wakes the controller when the cluster went quiet. A semaphore, not a condition: SimGrid 3.32's
 * thread contexts hang when an actor in a timed condition wait is killed (its host crashed). */
/* Nothing in flight (and, unless the watchdog stopped the run and no jittered message will ever
 * leave, nothing held back either). */
static bool drained(const sim_world *w)
{
  return w->in_flight == 0 && (w->held_back == 0 || w->stopped);
}

static void notify_if_quiet(sim_world *w)
{
  if (w->controller_waiting && (w->settling || w->stopped) && (w->draining ? drained(w) : quiet(w))) {
    w->controller_waiting = false;
    sg_sem_release(w->done_sem);
  }
}

/* Puts what the last handler produced on the wire, then wakes the timer actor if the handler
 * armed a timer earlier than the one it sleeps towards. Every simcall of a node happens here. */
/* Hands a packet to SimGrid, unless its receiver is down (or restarted since it was sent). */
static void put_on_wire(sim_world *w, sim_packet *p)
{
  sim_node *dst = g_ptr_array_index(w->nodes, p->to);
  sim_node *src = g_ptr_array_index(w->nodes, p->from);
  /* SimGrid asserts when a transfer starts between hosts one of which is off: a message from a
   * host that went down meanwhile, or to one, is lost here. */
  if (!dst->up || dst->incarnation != p->to_incarnation || !sg_host_is_on(dst->host) || !sg_host_is_on(src->host)) {
    sim_drop(w, p, "crashed");
    return;
  }
  p->started = true;
  count_in_flight(w, p, +1);
  sg_comm_t c = sg_mailbox_put_init(channel_open(w, p->from, dst)->mailbox, p, p->len);
  sg_comm_detach(c, packet_lost);
}

static gint by_due(gconstpointer a, gconstpointer b, gpointer unused)
{
  (void)unused;
  const sim_packet *x = a, *y = b;
  return x->due < y->due ? -1 : x->due > y->due;
}

/* <network jitter>: the packet leaves `jitter` later (its transfer then takes L + S/B as any
 * other). The node's timer actor puts it on the wire when it is due. */
static void hold_back(sim_node *n, sim_packet *p)
{
  p->due = simgrid_get_clock() + p->jitter;
  g_queue_insert_sorted(n->delayed, p, by_due, NULL);
  n->world->held_back++;
  if (p->due < n->timer_wait_until && n->timer_actor_waiting) {
    n->timer_actor_waiting = false;
    sg_sem_release(n->timer_sem);
  }
}

/* What a restart the core asked for carries to the actor that performs it. */
typedef struct restart_job {
  sim_world *w;
  rs_node_id requester, node;
  double delay;
} restart_job;

/* Performs one restart (seed 002: the primary restarts a dead backup): the node's host goes down
 * now if it is still up (a backup that only looked dead), and boots `delay` later. The actor runs
 * on the requester's host, so a requester that crashes meanwhile restarts nobody. */
static void restart_actor(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  restart_job *job = sg_actor_self_get_data();
  sim_world *w = job->w;
  sg_actor_daemonize(sg_actor_self());
  sim_node *target = g_ptr_array_index(w->nodes, job->node);
  char delay[32];
  g_snprintf(delay, sizeof delay, "%g", job->delay);
  const char *start[] = {"node", target->name, "by", sim_node_name(w, job->requester), "boot", delay, NULL};
  /* Restarting a machine takes reaching it: across a partition the request is lost, and the
   * node the requester believed dead lives on (seed 002's split brain). */
  if (sim_is_cut(w, job->requester, job->node)) {
    const char *lost[] = {"node", target->name, "by", sim_node_name(w, job->requester), "why", "unreachable", NULL};
    trace_fault(w->trace, simgrid_get_clock(), "restart-failed", "start", lost);
    return;
  }
  trace_fault(w->trace, simgrid_get_clock(), "restart", "start", start);
  /* The node goes down (its memory lost, messages to it dropped) but its host stays on: turning
   * a host off from inside the simulation makes SimGrid assert on a transfer another actor
   * started to or from it in the same round. Only the fault injector, between slices, turns
   * hosts off. */
  sim_node_crash(target);
  sg_actor_sleep_for(job->delay);
  const char *end[] = {"node", target->name, NULL};
  trace_fault(w->trace, simgrid_get_clock(), "restart", "end", end);
  if (!sg_host_is_on(target->host) && !target->joining) {
    /* A crashed machine: the requester restarts it whole (seed 002's primary restarts the
     * server it found dead), and every node on it boots from its store. */
    trace_fault(w->trace, simgrid_get_clock(), "crash", "end", end);
    sim_host_boot(w, target->host);
  } else if (!target->up && !target->joining) {
    sim_node_boot(target);
    sim_actors_spawn(target);
  }
}

static void start_restarts(sim_node *n)
{
  for (guint i = 0; i < n->restarts->len; i++) {
    sim_restart *r = &g_array_index(n->restarts, sim_restart, i);
    if (r->node >= n->world->nodes->len)
      continue;
    /* The world owns the job: the actor may die with its host before it is done. */
    restart_job *job = g_new(restart_job, 1);
    *job = (restart_job){.w = n->world, .requester = n->id, .node = r->node, .delay = r->delay};
    g_ptr_array_add(n->world->jobs, job);
    char *name = g_strdup_printf("restart-%s", sim_node_name(n->world, r->node));
    sg_actor_t a = sg_actor_init(name, n->host);
    g_free(name);
    sg_actor_set_data(a, job);
    sg_actor_start(a, restart_actor, 0, NULL);
  }
  g_array_set_size(n->restarts, 0);
}

void sim_flush(sim_node *n)
{
  sim_world *w = n->world;
  if (n->restarts->len)
    start_restarts(n);
  if (n->timer_kick) {
    n->timer_kick = false;
    sg_sem_release(n->timer_sem);
  }
  guint count = n->outbox->len;
  if (count) {
    sim_packet **batch = g_newa(sim_packet *, count);
    memcpy(batch, n->outbox->pdata, count * sizeof *batch);
    g_ptr_array_set_size(n->outbox, 0);
    for (guint i = 0; i < count; i++) {
      sim_packet *p = batch[i];
      if (p->jitter > 0)
        hold_back(n, p);
      else
        put_on_wire(w, p);
    }
  }
  notify_if_quiet(w);
}

static void deliver(sim_node *n, sim_packet *p)
{
  sim_world *w = n->world;
  if (p->dead || w->stopped)
    return; /* after the watchdog stopped the run nothing more happens */
  if (p->to_incarnation != n->incarnation) {
    sim_drop(w, p, "crashed");
    return;
  }
  if (sim_is_cut(w, p->from, p->to)) {
    sim_drop(w, p, "partition");
    return;
  }
  rs_msg m;
  const char *err = NULL;
  bool ok = rs_msg_decode(p->bytes, p->len, &m, &err);
  const char *from = sim_node_name(w, p->from);
  trace_recv(w->trace, simgrid_get_clock(), from, n->name, ok ? rs_msg_type_name(m.type) : "?", p->id, p->len);
  if (!ok)
    trace_refuse(w->trace, simgrid_get_clock(), n->name, from, "?", err);
  else if (n->core)
    rs_node_handle(n->core, p->from, &m);
  sim_watchdog_tick(n, ok ? m.type : RS_MSG_NONE);
}

/* A paused node handles nothing until its pause is over. It waits on a semaphore nobody
 * releases rather than sleeping: SimGrid 3.32 leaves behind a half-dead actor when the host of
 * a sleeping actor is turned off (a paused node that crashes). */
static void sleep_while_paused(sim_node *n)
{
  while (n->paused_until > simgrid_get_clock() + SIM_TIME_EPS)
    sg_sem_acquire_timeout(n->pause_sem, n->paused_until - simgrid_get_clock());
}

/* Receives one channel's messages, for ever: each is decoded and handed to the receiving node's
 * core node. Handlers never yield, so a node's channel actors never interleave inside one. */
static void channel_actor(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  sim_channel *ch = sg_actor_self_get_data();
  sim_node *n = ch->to;
  /* Node actors never end by themselves: the run ends when the controller does. */
  sg_actor_daemonize(sg_actor_self());
  for (;;) { /* after a stop it still receives (delivering nothing), so no transfer is left pending */
    void *data = NULL;
    sg_comm_t c = sg_mailbox_get_async(ch->mailbox, &data);
    if (sg_comm_wait(c) != SG_OK || !data)
      continue;
    sleep_while_paused(n);
    deliver(n, data);
    sim_wire_remove(n->world, data);
    sim_flush(n);
  }
}

/* The channel from `from` to `to`, with a live receiving actor for the receiver's current life:
 * made on first use, and again after the receiver restarted (a crash killed its actors). */
static sim_channel *channel_open(sim_world *w, rs_node_id from, sim_node *to)
{
  if (!w->channels) {
    w->channels_n = w->nodes->len;
    w->channels = g_new0(sim_channel *, (gsize)w->channels_n * w->channels_n);
  }
  sim_channel **slot = &w->channels[(gsize)to->id * w->channels_n + from];
  if (!*slot) {
    *slot = g_new0(sim_channel, 1);
    (*slot)->to = to;
    (*slot)->from = from;
  }
  sim_channel *ch = *slot;
  if (!ch->spawned || ch->incarnation != to->incarnation) {
    /* A fresh mailbox for each life of the receiver: a crash can leave a transfer bound to the
     * dead receiving actor at the head of the old one, and it would block everything behind it. */
    ch->spawned = true;
    ch->incarnation = to->incarnation;
    char *name = g_strdup_printf("%s<-%s#%u", to->name, sim_node_name(w, from), to->incarnation);
    ch->mailbox = sg_mailbox_by_name(name);
    g_free(name);
    sg_actor_t a = sg_actor_init(sg_mailbox_get_name(ch->mailbox), to->host);
    sg_actor_set_data(a, ch);
    sg_actor_start(a, channel_actor, 0, NULL);
    /* The receiver is set now, not when the new actor first runs: a transfer put before then
     * would only start later, when its sender's or receiver's host may be off already (SimGrid
     * asserts), and it starts now, as on a real network. */
    sim_mailbox_set_receiver(ch->mailbox, a);
  }
  return ch;
}

/* Fires one node's timers in due order. It sleeps on a semaphore that a handler arming an
 * earlier timer releases. Not a timed receive: SimGrid 3.32 drops a message that arrives exactly
 * when a timed receive expires. Not a condition variable: killing an actor in a timed wait on one
 * (a crash, the end of a run) hangs SimGrid 3.32's thread contexts, which sanitizer runs use. */
static void timer_actor(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  const sim_life *life = sg_actor_self_get_data();
  sim_node *n = life->node;
  sg_actor_daemonize(sg_actor_self());
  if (n->core)
    rs_node_start(n->core);
  n->started = true;
  sim_flush(n);
  /* A life ends with a crash: the host's actors die with it, or, for a restart a node asked for
   * (seed 002), the node is marked down and its timer actor leaves when it next looks. */
  while (!n->world->stopped && n->incarnation == life->incarnation) {
    sleep_while_paused(n);
    /* Anything due within SIM_TIME_EPS counts as due now: SimGrid does not advance its clock
     * for a wait shorter than its own precision, so waiting for it would spin for ever. */
    double now = simgrid_get_clock() + SIM_TIME_EPS;
    sim_packet *held = g_queue_peek_head(n->delayed);
    if (held && held->due <= now) {
      n->world->held_back--;
      put_on_wire(n->world, g_queue_pop_head(n->delayed));
      continue;
    }
    sim_fsync *disk = g_queue_peek_head(n->fsyncs);
    if (disk && disk->due <= now) {
      g_queue_pop_head(n->fsyncs);
      if (n->core)
        rs_node_durable(n->core, disk->upto);
      g_free(disk);
      sim_flush(n);
      continue;
    }
    /* Once the cluster is quiet and draining, timers fire no more (no new heartbeat). */
    sim_timer *t = n->world->draining ? NULL : hl_timer_earliest(&n->base);
    if (n->world->stopped)
      break;
    if (t && t->due <= now) {
      t->armed = false;
      n->timer_wait_until = simgrid_get_clock();
      if (n->core)
        rs_node_timer(n->core, t->id);
      sim_watchdog_tick(n, RS_MSG__COUNT);
      n->timer_kick = false;
      sim_flush(n);
      continue;
    }
    double due = t ? t->due : INFINITY;
    if (held && held->due < due)
      due = held->due;
    if (disk && disk->due < due)
      due = disk->due;
    n->timer_wait_until = due;
    n->timer_actor_waiting = true;
    if (due < INFINITY)
      sg_sem_acquire_timeout(life->sem, due - simgrid_get_clock());
    else
      sg_sem_acquire(life->sem);
    n->timer_actor_waiting = false;
  }
}


void sim_actors_forget_world(void)
{
  the_world = NULL;
}

/* Starts a life of the node: its timer actor, with a semaphore of its own, so that the actor
 * of an earlier life still waiting (a restart that did not turn the host off) never takes a
 * wake-up meant for this one. */
void sim_actors_spawn(sim_node *n)
{
  sim_world *w = n->world;
  the_world = w;
  if (!n->pause_sem)
    n->pause_sem = sg_sem_init(0);
  sim_life *life = g_new(sim_life, 1);
  *life = (sim_life){.node = n, .incarnation = n->incarnation, .sem = sg_sem_init(0)};
  g_ptr_array_add(w->lives, life);
  n->timer_sem = life->sem;
  n->timer_wait_until = INFINITY;
  sg_actor_t a = sg_actor_init(n->name, n->host);
  sg_actor_set_data(a, life);
  sg_actor_start(a, timer_actor, 0, NULL);
}

/* Whether the cluster is quiet: the duration over (or none), every client done, no message in
 * flight but heartbeats, and no node with work outstanding (rs_node_busy: an update not
 * acknowledged, a state transfer not installed, a view change due). The scan over the nodes
 * runs only once the cheap counters say so. */
static bool quiet(const sim_world *w)
{
  if (!(w->settling || w->sc->duration <= 0) || w->run.drivers_running != 0 || w->in_flight_work != 0 ||
      w->faults_left != 0)
    return false;
  for (guint i = 0; i < w->nodes->len; i++) {
    const sim_node *n = g_ptr_array_index(w->nodes, i);
    if (hl_node_busy(&n->base))
      return false;
  }
  return true;
}

/* At the duration every client stops: nothing new starts from then on (the driver refuses to
 * start anything at or after it anyway). */
static void stop_clients(sim_world *w)
{
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->core && n->up)
      rs_node_stop(n->core);
  }
}

/* The earliest time a quiet cluster may end the run: the duration, or, when a fault was still in
 * force then (cut at the duration) or ended within a heartbeat of it, dead-after + 1 heartbeats
 * later (within the settling bound). */
double sim_heal_time(const scenario *sc)
{
  double d = sc->duration, wait = (sc->dead_after + 1) * sc->heartbeat;
  bool in_force = false;
  for (guint i = 0; i < sc->faults->len && !in_force; i++) {
    const sc_fault *f = g_ptr_array_index(sc->faults, i);
    bool window = f->until >= 0 || !strcmp(f->kind, "partition") || !strcmp(f->kind, "link-down") ||
                  !strcmp(f->kind, "delay") || !strcmp(f->kind, "loss") || !strcmp(f->kind, "duplicate");
    double end = f->until >= 0 ? MIN(f->until, d) : d;
    in_force = window && end + sc->heartbeat >= d;
  }
  return in_force ? d + MIN(wait, sim_settle_time(sc)) : d;
}

static gint by_id(gconstpointer a, gconstpointer b)
{
  const sim_packet *x = *(sim_packet *const *)a, *y = *(sim_packet *const *)b;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The run is over: what is still on the wire is lost, in the order it was sent. Left to SimGrid,
 * the packets fail as it tears down its activities, in an order that is not the same from one
 * process to the next (the swarm: a replay differed in the order of the last drop lines). */
static void drop_wire_in_order(sim_world *w)
{
  GPtrArray *left = g_ptr_array_new();
  for (sim_packet *p = w->wire; p; p = p->next)
    if (p->started && !p->dead)
      g_ptr_array_add(left, p);
  g_ptr_array_sort(left, by_id);
  for (guint i = 0; i < left->len; i++)
    sim_drop(w, left->pdata[i], "network");
  g_ptr_array_free(left, TRUE);
}

/* Ends the run once the cluster is quiet, with a bound: the scenario's duration plus a settling
 * time (the clients stop at the duration and the network heals: see sim_run), or a day of
 * simulated time for runs without a duration. It is no node: when its host crashes it starts
 * again on another host (sim_host_crash), so a crashed registry host does not end the run. */
static void controller_actor(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  sim_world *w = sg_actor_self_get_data();
  double bound = 86400;
  if (w->sc->duration <= 0)
    w->settling = true; /* no duration: the run ends as soon as the clients are done and it is quiet */
  if (w->sc->duration > 0) {
    /* Waits for the duration on the semaphore, so that the watchdog can wake it earlier. */
    while (!w->stopped && simgrid_get_clock() + SIM_TIME_EPS < w->sc->duration) {
      w->controller_waiting = true;
      sg_sem_acquire_timeout(w->done_sem, w->sc->duration - simgrid_get_clock());
      w->controller_waiting = false;
    }
    bound = w->sc->duration + sim_settle_time(w->sc);
    if (!w->settling && !w->stopped)
      stop_clients(w);
    w->settling = true;
  }
  /* A fault cut at the duration (a partition to the end) may leave two primaries that are each
   * quiet: the failure detectors get time to hear each other again before quiet counts (the
   * swarm: an ordered cluster split to the end was judged diverged at the first quiet instant). */
  double not_before = w->sc->duration > 0 ? sim_heal_time(w->sc) : 0;
  while (!w->stopped && simgrid_get_clock() + SIM_TIME_EPS < bound) {
    bool q = quiet(w);
    if (q && simgrid_get_clock() + SIM_TIME_EPS >= not_before)
      break;
    w->controller_waiting = true;
    sg_sem_acquire_timeout(w->done_sem, (q ? MIN(bound, not_before) : bound) - simgrid_get_clock());
    w->controller_waiting = false;
  }
  /* Quiet but for heartbeats (or stopped by the watchdog): no timer fires from now on, and the
   * run ends once the last messages have arrived (SimGrid keeps a message still in flight at the
   * end for ever). After a stop they arrive unhandled and untraced, a bounded time later. */
  w->draining = true;
  if (w->stopped)
    bound = simgrid_get_clock() + sim_settle_time(w->sc);
  while (!drained(w) && simgrid_get_clock() + SIM_TIME_EPS < bound) {
    w->controller_waiting = true;
    sg_sem_acquire_timeout(w->done_sem, bound - simgrid_get_clock());
    w->controller_waiting = false;
  }
  drop_wire_in_order(w);
  w->controller_done = true;
}

/* Starts the controller on a host that is on (the first in the plan's order), or on none when
 * every host is down: the run's slices then go on to the next fault, which boots one. */
void sim_controller_spawn(sim_world *w)
{
  if (w->controller_done || w->controller_host)
    return;
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (!sg_host_is_on(n->host))
      continue;
    w->controller_host = n->host;
    sg_actor_t ctl = sg_actor_init("controller", n->host);
    sg_actor_set_data(ctl, w);
    sg_actor_start(ctl, controller_actor, 0, NULL);
    return;
  }
}

/* Long enough for retries to finish and state transfers to land: 5 s, or three heartbeats. */
double sim_settle_time(const scenario *sc)
{
  double settle = 3 * sc->heartbeat;
  return settle > 5 ? settle : 5;
}
