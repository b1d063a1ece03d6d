/* A node's lives as every simulated host runs them (host/node_life.h). */
#include "node_life.h"

void hl_node_init(hl_node *n, const hl_run *r, const dp_node *plan)
{
  n->plan = plan;
  n->id = plan->id;
  n->name = plan->name;
  n->joining = plan->joining;
  n->rand = deploy_rand(r->sc, n->id);
  n->fsyncs = g_queue_new();
  /* Seed 000 names the heartbeat server's log heartbeat.txt. */
  n->log.path = plan->spec.kind == RS_NODE_VIEW_SERVICE ? g_strdup_printf("%s/logs/heartbeat.txt", r->dir)
                                                        : g_strdup_printf("%s/logs/%s.txt", r->dir, plan->name);
  n->log.buf = g_string_new(NULL);
  if (plan->client) {
    n->open_op.key = g_string_new(NULL);
    n->open_op.name = g_string_new(NULL);
  }
}

void hl_node_clear(hl_node *n, hl_run *r)
{
  rs_node_free(n->core);
  n->core = NULL;
  rs_store_free(n->store);
  n->store = NULL;
  tev_log_flush(r->ev, &n->log);
  g_free(n->log.path);
  g_string_free(n->log.buf, TRUE);
  if (n->open_op.key) {
    g_string_free(n->open_op.key, TRUE);
    g_string_free(n->open_op.name, TRUE);
  }
  g_rand_free(n->rand);
  g_queue_free_full(n->fsyncs, g_free);
}

void hl_node_boot(hl_node *n, hl_run *r, const rs_host *host)
{
  n->booted_once = true;
  n->up = true;
  n->started = false;
  if (n->plan->replica && !n->store)
    n->store = rs_store_new(r->app);
  if (n->plan->client && n->driver_done)
    return; /* it had run everything: it comes back with nothing to do */
  if (n->plan->client && n->finished) {
    n->finished = false; /* a restarted client that still has work runs again */
    r->drivers_running++;
  }
  rs_node_spec spec = deploy_spec_for_life(n->plan, n->lives++, n->done);
  n->core = rs_node_new(&spec, host, n->store);
}

void hl_node_down(hl_node *n)
{
  n->up = false;
  n->incarnation++;
  for (int i = 0; i < HL_MAX_TIMERS; i++)
    n->timers[i].armed = false;
  hl_fsync *disk;
  while ((disk = g_queue_pop_head(n->fsyncs)))
    g_free(disk);
  n->persisted = 0; /* the next life's node counts its changes from 1 again */
  n->disk_free = 0;
}

static tev_node view(hl_node *n)
{
  return (tev_node){.name = n->name, .log = &n->log, .open_op = n->plan->client ? &n->open_op : NULL,
                    .done = &n->done, .up = n->up};
}

void hl_node_forget(hl_node *n, hl_run *r, double now)
{
  if (n->plan->client) {
    /* The history closes an operation under way as unknown, as Jepsen does for a crashed process. */
    tev_node v = view(n);
    tev_crash_open_op(r->ev, &v, now);
    if (!n->finished) {
      n->finished = true;
      r->drivers_running--;
    }
  }
  rs_node_free(n->core);
  n->core = NULL;
}

hl_timer *hl_timer_find(hl_node *n, int id, bool create)
{
  hl_timer *free_slot = NULL;
  for (int i = 0; i < HL_MAX_TIMERS; i++) {
    if (n->timers[i].id == id && (n->timers[i].armed || !create))
      return &n->timers[i];
    if (!n->timers[i].armed && !free_slot)
      free_slot = &n->timers[i];
  }
  if (!create)
    return NULL;
  if (!free_slot)
    g_error("%s armed more than %d timers", n->name, HL_MAX_TIMERS);
  free_slot->id = id;
  return free_slot;
}

hl_timer *hl_timer_earliest(hl_node *n)
{
  hl_timer *best = NULL;
  for (int i = 0; i < HL_MAX_TIMERS; i++)
    if (n->timers[i].armed && (!best || n->timers[i].due < best->due))
      best = &n->timers[i];
  return best;
}

/* <cluster fsync>: each change takes `fsync` seconds on a disk that writes one change at a time;
 * the simulated store itself survives a crash whole (nothing durable-in-waiting is lost). */
hl_fsync *hl_persist(hl_node *n, const hl_run *r, double now)
{
  n->persisted++;
  double fsync = r->sc->fsync;
  if (fsync <= 0)
    return NULL;
  hl_fsync *disk = g_new(hl_fsync, 1);
  disk->due = MAX(now, n->disk_free) + fsync;
  disk->upto = n->persisted;
  n->disk_free = disk->due;
  g_queue_push_tail(n->fsyncs, disk);
  return disk;
}

uint64_t hl_random(hl_node *n)
{
  uint64_t hi = g_rand_int(n->rand);
  return (hi << 32) | g_rand_int(n->rand);
}

void hl_node_event(hl_node *n, hl_run *r, double now, const rs_event *ev)
{
  if (ev->type == RS_EV_FINISHED) {
    n->driver_done = true;
    if (!n->finished) {
      n->finished = true;
      r->drivers_running--;
    }
    return;
  }
  tev_node v = view(n);
  tev_emit(r->ev, &v, now, ev);
}

bool hl_node_busy(const hl_node *n)
{
  return n->core && (!n->started || rs_node_busy(n->core));
}

void hl_log_flush(hl_node *n, hl_run *r)
{
  tev_log_flush(r->ev, &n->log);
}

void hl_node_report(const hl_node *n, const rs_host *host, const GPtrArray *keys)
{
  if (!n->store)
    return;
  if (n->core)
    rs_node_report(n->core, (const char *const *)keys->pdata, keys->len);
  else
    rs_store_report(n->store, host, (const char *const *)keys->pdata, keys->len, false);
}
