/* Drives one client: generates a seeded random workload or plays a script, one operation at a time. */
#include "driver.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct rs_driver {
  rs_driver_config cfg;
  rs_host host;
  rs_client *client;
  long done;              /* operations completed (workload) or steps completed (script) */
  bool finished;
  int mix_total;
  GHashTable *last_seen;  /* key -> last value this client wrote or read (cas expectations) */
  GString *key, *name, *value, *expected; /* the strings of the last workload operation */
  rs_op last;             /* the last workload operation (slices into the strings above) */
  unsigned last_key;      /* its key number */
  bool stopped;           /* rs_driver_stop: run nothing new */
  uint32_t *generation;   /* files: per key number, how many times this client saw it deleted */
  /* Open loop: the times operations fell due while the client was busy, oldest first, and how
   * many fell due in all (the client's share counts arrivals, not completions). */
  GQueue due;
  long arrived;
  bool arrivals_started, arrivals_over;
};

rs_driver *rs_driver_new(const rs_driver_config *cfg, const rs_host *host)
{
  rs_driver *d = g_new0(rs_driver, 1);
  d->cfg = *cfg;
  d->host = *host;
  d->last_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  d->key = g_string_new(NULL);
  d->name = g_string_new(NULL);
  d->value = g_string_new(NULL);
  d->expected = g_string_new(NULL);
  d->done = cfg->start_at > 0 ? cfg->start_at : 0;
  d->arrived = d->done;
  if (cfg->workload) {
    for (int k = 0; k < RS_OP__COUNT; k++)
      d->mix_total += cfg->workload->mix[k];
    d->generation = g_new0(uint32_t, cfg->workload->keys > 0 ? cfg->workload->keys : 1);
  }
  return d;
}

void rs_driver_free(rs_driver *d)
{
  if (!d)
    return;
  g_hash_table_destroy(d->last_seen);
  g_string_free(d->key, TRUE);
  g_string_free(d->name, TRUE);
  g_string_free(d->value, TRUE);
  g_string_free(d->expected, TRUE);
  g_free(d->generation);
  while (!g_queue_is_empty(&d->due))
    g_free(g_queue_pop_head(&d->due));
  g_free(d);
}

void rs_driver_attach(rs_driver *d, rs_client *client) { d->client = client; }
bool rs_driver_finished(const rs_driver *d) { return d->finished; }

static void finish_all(rs_driver *d)
{
  d->finished = true;
  rs_event ev = {.type = RS_EV_FINISHED};
  rs_emit(&d->host, &ev);
}

/* Whether the workload has run its share (an unbounded one runs until it is stopped). */
static bool share_done(const rs_driver *d)
{
  return d->cfg.workload->ops >= 0 && d->done >= d->cfg.workload->ops;
}

static bool open_loop(const rs_driver *d) { return d->cfg.workload && d->cfg.workload->rate > 0; }

/* Whether the run's duration is over: nothing new starts at or after it. */
static bool past_stop(const rs_driver *d)
{
  return d->cfg.stop_at > 0 && rs_now(&d->host) >= d->cfg.stop_at;
}

static rs_op_kind pick_kind(rs_driver *d)
{
  int roll = (int)rs_random_below(&d->host, (uint64_t)d->mix_total);
  for (int k = 0; k < RS_OP__COUNT; k++) {
    roll -= d->cfg.workload->mix[k];
    if (roll < 0)
      return (rs_op_kind)k;
  }
  return RS_OP_NONE;
}

/* A value no other write in the run has: the writer and its count first, then seeded letters up
 * to the configured size, so the checker can tell every write apart. */
static void make_value(rs_driver *d)
{
  g_string_printf(d->value, "%s-%ld:", d->cfg.name, d->done + 1);
  int size = d->cfg.workload->value_size;
  uint64_t bits = 0;
  for (int i = 0; (int)d->value->len < size; i++) {
    if (i % 12 == 0)
      bits = d->host.random(d->host.ctx);
    g_string_append_c(d->value, (char)('a' + bits % 26));
    bits /= 26;
  }
}

static rs_bytes view(const GString *s)
{
  return (rs_bytes){s->str, (uint32_t)s->len};
}

/* chat (seed 003): accounts u0..u<keys-1>. A register takes the password pw-<account>, a send
 * goes from this client to an account with a text no other send has (instant half the time), a
 * fetch empties an account's queue, a list reads every account. */
static rs_op chat_op(rs_driver *d, rs_op op, unsigned k)
{
  g_string_printf(d->key, "u%u", k);
  op.key = view(d->key);
  switch (op.kind) {
  case RS_OP_REGISTER:
    g_string_printf(d->value, "pw-u%u", k);
    op.value = view(d->value);
    break;
  case RS_OP_SEND:
    make_value(d);
    op.value = view(d->value);
    op.name = rs_bytes_str(d->cfg.name);
    if (rs_random_below(&d->host, 2))
      op.expected = rs_bytes_str("1");
    break;
  case RS_OP_LIST:
    g_string_assign(d->key, "*"); /* RS_CHAT_ACCOUNTS */
    op.key = view(d->key);
    break;
  default:
    break;
  }
  return op;
}

/* Builds the next random operation: a key among `keys`, uniform; files keys look like uuids.
 * A deleted file can never be written again (seed 004), so once this client learns that key k's
 * file is gone it moves on to a new file for k (a new uuid and name), as a user would. */
static rs_op next_op(rs_driver *d)
{
  const rs_workload_config *w = d->cfg.workload;
  rs_op op = {.kind = (uint8_t)pick_kind(d)};
  unsigned k = (unsigned)rs_random_below(&d->host, (uint64_t)w->keys);
  d->last_key = k;
  if (w->chat)
    return chat_op(d, op, k);
  if (w->files) {
    g_string_printf(d->key, "%08x-0000-4000-8000-%012x", d->generation[k], k);
    g_string_printf(d->name, "file-%u-%u.txt", k, d->generation[k]);
  } else {
    g_string_printf(d->key, "k%u", k);
  }
  op.key = (rs_bytes){d->key->str, (uint32_t)d->key->len};
  if (op.kind == RS_OP_WRITE)
    op.name = (rs_bytes){d->name->str, (uint32_t)d->name->len};
  if (op.kind == RS_OP_WRITE || op.kind == RS_OP_PUT || op.kind == RS_OP_APPEND || op.kind == RS_OP_CAS) {
    make_value(d);
    op.value = (rs_bytes){d->value->str, (uint32_t)d->value->len};
  }
  if (op.kind == RS_OP_CAS) {
    const char *seen = g_hash_table_lookup(d->last_seen, d->key->str);
    if (seen) {
      g_string_assign(d->expected, seen);
      op.expected = (rs_bytes){d->expected->str, (uint32_t)d->expected->len};
    }
  }
  return op;
}

/* Learns from an answer: a file found deleted moves its key to a new file; a successful kv
 * operation leaves a value a later cas can expect. */
static void remember(rs_driver *d, const rs_op *op, rs_outcome outcome, const rs_result *res)
{
  if (outcome == RS_OUT_OK && d->cfg.workload && d->cfg.workload->files &&
      (res->status == RS_ST_FILE_ALREADY_DELETED || res->status == RS_ST_DELETED_FILE_CANNOT_BE_UPDATED))
    d->generation[d->last_key]++;
  if (outcome != RS_OUT_OK || res->status != RS_ST_SUCCESS || !d->cfg.workload)
    return;
  const char *value = NULL;
  size_t len = 0;
  if (op->kind == RS_OP_PUT || op->kind == RS_OP_CAS) {
    value = op->value.ptr;
    len = op->value.len;
  } else if ((op->kind == RS_OP_GET || op->kind == RS_OP_APPEND) && res->value.ptr) {
    value = res->value.ptr;
    len = res->value.len;
  }
  if (value)
    g_hash_table_replace(d->last_seen, g_strndup(op->key.ptr, op->key.len), g_strndup(value, len));
}

/* Arms the next Poisson arrival: exponential gaps drawn from the client's own generator. */
static void arm_arrival(rs_driver *d)
{
  double u = (double)(d->host.random(d->host.ctx) >> 11) * 0x1.0p-53; /* [0, 1) */
  d->host.timer_arm(d->host.ctx, RS_DRIVER_TIMER_ARRIVAL, -log1p(-u) / d->cfg.workload->rate);
}

/* Starts the oldest operation that fell due, measured from when it fell due. */
static void start_due(rs_driver *d)
{
  double *t = g_queue_pop_head(&d->due);
  double intended = *t;
  g_free(t);
  d->last = next_op(d);
  rs_client_submit_due(d->client, &d->last, RS_NO_NODE, intended);
}

/* Open loop: the client is idle; starts what is due, or finishes once nothing more will be. */
static void open_next(rs_driver *d)
{
  if (d->stopped || past_stop(d)) {
    d->host.timer_cancel(d->host.ctx, RS_DRIVER_TIMER_ARRIVAL);
    if (!d->finished)
      finish_all(d);
    return;
  }
  if (!g_queue_is_empty(&d->due))
    start_due(d);
  else if (d->arrivals_over && !d->finished)
    finish_all(d);
}

/* An operation falls due: queued behind the one under way, if any, whatever the answers. */
static void on_arrival(rs_driver *d)
{
  if (d->stopped || past_stop(d) || (d->cfg.workload->ops >= 0 && d->arrived >= d->cfg.workload->ops)) {
    d->arrivals_over = true;
  } else {
    d->arrived++;
    double *t = g_new(double, 1);
    *t = rs_now(&d->host);
    g_queue_push_tail(&d->due, t);
    arm_arrival(d);
  }
  if (!rs_client_busy(d->client))
    open_next(d);
}

static void run_next(rs_driver *d)
{
  if (d->stopped || past_stop(d)) {
    if (!d->finished)
      finish_all(d);
    return;
  }
  if (d->cfg.workload) {
    if (share_done(d)) {
      finish_all(d);
      return;
    }
    d->last = next_op(d);
    rs_client_submit(d->client, &d->last, RS_NO_NODE);
    return;
  }
  if ((size_t)d->done >= d->cfg.n_steps) {
    finish_all(d);
    return;
  }
  const rs_script_step *step = &d->cfg.steps[d->done];
  /* Within a nanosecond counts as now: a timer armed for the remainder lands on the step's time
   * give or take a rounding error, and must not be armed again for that error. */
  double wait = step->at - rs_now(&d->host);
  if (wait > 1e-9) {
    d->host.timer_arm(d->host.ctx, RS_DRIVER_TIMER_NEXT, wait);
    return;
  }
  rs_client_submit(d->client, &step->op, step->replica);
}

void rs_driver_on_ready(void *driver)
{
  rs_driver *d = driver;
  if (open_loop(d)) {
    if (!d->arrivals_started) {
      d->arrivals_started = true;
      if (d->cfg.workload->ops >= 0 && d->arrived >= d->cfg.workload->ops)
        d->arrivals_over = true;
      else
        arm_arrival(d);
    }
    if (!rs_client_busy(d->client))
      open_next(d);
    return;
  }
  run_next(d);
}

void rs_driver_on_done(void *driver, rs_outcome outcome, const rs_result *res)
{
  rs_driver *d = driver;
  if (d->cfg.workload) {
    remember(d, &d->last, outcome, res);
  } else {
    rs_event ev = {.type = RS_EV_STEP, .step = &d->cfg.steps[d->done], .outcome = (uint8_t)outcome, .res = res};
    rs_emit(&d->host, &ev);
  }
  d->done++;
  if (open_loop(d)) {
    open_next(d);
    return;
  }
  if (d->cfg.workload && d->cfg.workload->think > 0 && !share_done(d) && !d->stopped) {
    d->host.timer_arm(d->host.ctx, RS_DRIVER_TIMER_NEXT, d->cfg.workload->think);
    return;
  }
  run_next(d);
}

/* The think time or a step's start time has come (or the stop, for a driver waiting on one). */
void rs_driver_timer(rs_driver *d, int timer)
{
  if (timer == RS_DRIVER_TIMER_ARRIVAL && open_loop(d))
    on_arrival(d);
  else if (timer == RS_DRIVER_TIMER_NEXT)
    run_next(d);
}

void rs_driver_stop(rs_driver *d)
{
  d->stopped = true;
  if (d->client && rs_client_busy(d->client))
    return;
  d->host.timer_cancel(d->host.ctx, RS_DRIVER_TIMER_NEXT);
  d->host.timer_cancel(d->host.ctx, RS_DRIVER_TIMER_ARRIVAL);
  if (!d->finished)
    finish_all(d);
}
