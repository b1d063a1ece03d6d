/* Times the linearizability checker on large generated histories (kv and files); `make bench`. */
#include "analysis/history.h"
#include "analysis/linearize.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One generated operation: chosen at invocation, answered at its linearization point by a plain
 * sequential model (not the checker's). t_lin < 0: it never takes effect. */
typedef struct bench_op {
  int proc, key;
  const char *op;
  char *value, *expected, *status, *answer;
  bool answer_null;
  double t_inv, t_lin, t_done;
  hist_outcome outcome;
} bench_op;

typedef struct bench_cfg {
  bool files;
  int ops, keys, clients;
  double info_p, fail_p;
  uint32_t seed;
} bench_cfg;

/* The state of one key in the reference model: files 0 absent, 1 live, 2 deleted. */
typedef struct bench_key {
  int kind;
  char *value;
  char *recent[4]; /* the last values written, for cas to expect */
  int n_recent;
} bench_key;

static void bench_set(bench_key *k, int kind, const char *value)
{
  g_free(k->value);
  k->kind = kind;
  k->value = g_strdup(value);
}

/* Seed 004's outcomes for one uuid. */
static const char *bench_files_apply(bench_key *k, bench_op *o)
{
  if (strcmp(o->op, "read") == 0) {
    o->answer = k->kind == 1 ? g_strdup(k->value) : NULL;
    return k->kind == 1 ? "SUCCESS" : k->kind == 0 ? "FILE DOES NOT EXIST" : "FILE ALREADY DELETED";
  }
  if (strcmp(o->op, "write") == 0) {
    if (k->kind == 2)
      return "DELETED FILE CANNOT BE UPDATED";
    bench_set(k, 1, o->value);
    return "SUCCESS";
  }
  if (k->kind != 1)
    return k->kind == 0 ? "FILE DOES NOT EXIST" : "FILE ALREADY DELETED";
  bench_set(k, 2, NULL);
  return "SUCCESS";
}

/* put, get, append, cas on one key. */
static const char *bench_kv_apply(bench_key *k, bench_op *o)
{
  if (strcmp(o->op, "get") == 0) {
    o->answer = g_strdup(k->value);
    o->answer_null = k->value == NULL;
  } else if (strcmp(o->op, "put") == 0) {
    bench_set(k, 1, o->value);
  } else if (strcmp(o->op, "append") == 0) {
    char *v = g_strconcat(k->value ? k->value : "", o->value, NULL);
    bench_set(k, 1, v);
    g_free(v);
  } else if (g_strcmp0(k->value, o->expected) != 0) {
    return "CAS MISMATCH";
  } else {
    bench_set(k, 1, o->value);
  }
  return "SUCCESS";
}

static void bench_remember(bench_key *k, const char *v)
{
  g_free(k->recent[k->n_recent % 4]);
  k->recent[k->n_recent++ % 4] = g_strdup(v);
}

/* Picks an operation, its key and arguments. Deletes are rare: a deleted uuid stays deleted. */
static void bench_choose(GRand *rng, const bench_cfg *c, bench_key *keys, int serial, bench_op *o)
{
  static const char *const files_ops[] = {"read",  "read",  "read", "read",
                                           "write", "write", "write"};
  static const char *const kv_ops[] = {"get", "get", "get", "put", "put", "append", "cas", "cas"};
  o->key = g_rand_int_range(rng, 0, c->keys);
  if (c->files)
    o->op = g_rand_double(rng) < 0.002 ? "delete" : files_ops[g_rand_int_range(rng, 0, 7)];
  else
    o->op = kv_ops[g_rand_int_range(rng, 0, 8)];
  bench_key *k = &keys[o->key];
  if (strcmp(o->op, "append") == 0)
    o->value = g_strdup_printf("%d,", serial);
  else if (strcmp(o->op, "write") == 0 || strcmp(o->op, "put") == 0 || strcmp(o->op, "cas") == 0)
    o->value = g_strdup_printf("v%d", serial);
  if (strcmp(o->op, "cas") == 0)
    o->expected = k->n_recent ? g_strdup(k->recent[g_rand_int_range(rng, 0, MIN(k->n_recent, 4))])
                              : g_strdup("v-none");
  if (o->value && strcmp(o->op, "append") != 0)
    bench_remember(k, o->value);
}

/* ok ops take effect inside [invoke, complete]; info ops at any time after the invocation (even
 * after their timeout) or never; fail ops never. */
static void bench_time(GRand *rng, const bench_cfg *c, double t, bench_op *o)
{
  double span = g_rand_double_range(rng, 0.05, 2.0), p = g_rand_double(rng);
  o->t_inv = t;
  o->t_done = t + span;
  o->outcome = p < c->info_p ? HIST_INFO : p < c->info_p + c->fail_p ? HIST_FAIL : HIST_OK;
  if (o->outcome == HIST_OK)
    o->t_lin = g_rand_double_range(rng, t, t + span);
  else if (o->outcome == HIST_INFO && g_rand_boolean(rng))
    o->t_lin = g_rand_double_range(rng, t, t + 4 * span);
  else
    o->t_lin = -1;
}

static int bench_by_lin(const void *a, const void *b)
{
  const bench_op *x = *(bench_op *const *)a, *y = *(bench_op *const *)b;
  return x->t_lin < y->t_lin ? -1 : x->t_lin > y->t_lin;
}

/* Answers every op that takes effect, in linearization-point order. */
static void bench_apply(const bench_cfg *c, bench_op *ops, bench_key *keys)
{
  bench_op **order = g_new(bench_op *, c->ops);
  int n = 0;
  for (int i = 0; i < c->ops; i++)
    if (ops[i].t_lin >= 0)
      order[n++] = &ops[i];
  qsort(order, n, sizeof *order, bench_by_lin);
  for (int i = 0; i < n; i++) {
    bench_key *k = &keys[order[i]->key];
    const char *st = c->files ? bench_files_apply(k, order[i]) : bench_kv_apply(k, order[i]);
    order[i]->status = g_strdup(st);
  }
  g_free(order);
}

typedef struct bench_event {
  double t;
  int op;
  bool complete;
} bench_event;

static int bench_event_cmp(const void *a, const void *b)
{
  const bench_event *x = a, *y = b;
  return x->t < y->t ? -1 : x->t > y->t;
}

/* Records invocations and completions in time order, as a trace would have them. */
static history *bench_history(const bench_cfg *c, bench_op *ops)
{
  history *h = history_new();
  bench_event *ev = g_new(bench_event, 2 * c->ops);
  for (int i = 0; i < c->ops; i++) {
    ev[2 * i] = (bench_event){ops[i].t_inv, i, false};
    ev[2 * i + 1] = (bench_event){ops[i].t_done, i, true};
  }
  qsort(ev, 2 * c->ops, sizeof *ev, bench_event_cmp);
  char proc[16], key[16], name[24];
  for (int j = 0; j < 2 * c->ops; j++) {
    bench_op *o = &ops[ev[j].op];
    g_snprintf(proc, sizeof proc, "c%d", o->proc + 1);
    g_snprintf(key, sizeof key, "%s%03d", c->files ? "u" : "k", o->key);
    g_snprintf(name, sizeof name, "file-%03d", o->key);
    if (!ev[j].complete)
      history_invoke(h, proc, o->op, key, c->files ? name : NULL, o->value, o->expected, o->t_inv,
                     j + 1);
    else if (o->outcome == HIST_OK)
      history_complete(h, proc, HIST_OK, o->status, o->answer, o->answer_null, 0, "r1", o->t_done,
                       j + 1);
    else
      history_complete(h, proc, o->outcome, o->outcome == HIST_FAIL ? "NOT PRIMARY" : NULL, NULL,
                       false, 0, NULL, o->t_done, j + 1);
  }
  g_free(ev);
  return h;
}

/* A linearizable history: each client runs its ops back to back with a think time between. */
static history *bench_generate(const bench_cfg *c)
{
  GRand *rng = g_rand_new_with_seed(c->seed);
  bench_op *ops = g_new0(bench_op, c->ops);
  bench_key *keys = g_new0(bench_key, c->keys);
  double *clock = g_new0(double, c->clients);
  for (int i = 0; i < c->ops; i++) {
    bench_op *o = &ops[i];
    o->proc = i % c->clients;
    bench_choose(rng, c, keys, i, o);
    bench_time(rng, c, clock[o->proc] + g_rand_double_range(rng, 0.01, 0.5), o);
    clock[o->proc] = o->t_done;
  }
  for (int k = 0; k < c->keys; k++) { /* reset the model; keep nothing of the choosing */
    for (int j = 0; j < 4; j++)
      g_free(keys[k].recent[j]);
    memset(&keys[k], 0, sizeof keys[k]);
  }
  bench_apply(c, ops, keys);
  history *h = bench_history(c, ops);
  for (int i = 0; i < c->ops; i++) {
    g_free(ops[i].value);
    g_free(ops[i].expected);
    g_free(ops[i].status);
    g_free(ops[i].answer);
  }
  for (int k = 0; k < c->keys; k++)
    g_free(keys[k].value);
  g_free(keys);
  g_free(ops);
  g_free(clock);
  g_rand_free(rng);
  return h;
}

static const char *bench_verdict(const lin_result *r)
{
  if (!r)
    return "ERROR";
  return r->verdict == LIN_LINEARIZABLE ? "LINEARIZABLE"
         : r->verdict == LIN_VIOLATION  ? "VIOLATION"
                                        : "UNKNOWN";
}

/* Generates and checks one history, prints its line; returns the seconds the check took and
 * sets *ok unless it was found linearizable. */
static double bench_run(const bench_cfg *c, bool *ok)
{
  history *h = bench_generate(c);
  lin_options opt = {.deadline = 60};
  double t0 = lin_monotonic_clock(NULL);
  lin_result *r = lin_check(h, c->files ? "files" : "kv", &opt, NULL);
  double took = lin_monotonic_clock(NULL) - t0;
  printf("lincheck %-6s %d ops, %d keys, %d clients, %g%% info: %.2f s (%s)\n",
         c->files ? "files:" : "kv:", c->ops, c->keys, c->clients, 100 * c->info_p, took,
         bench_verdict(r));
  if (!r || r->verdict != LIN_LINEARIZABLE) {
    *ok = false;
    if (r)
      lin_report_print(r, stderr);
  }
  lin_result_free(r);
  history_free(h);
  return took;
}

/* Usage: lincheck_bench [OPS [KEYS [CLIENTS [INFO-FRACTION]]]] (defaults 100000 100 16 0.01).
 * Exit status 1 unless both histories were found linearizable. */
int main(int argc, char **argv)
{
  bench_cfg c = {false, 100000, 100, 16, 0.01, 0.01, 42};
  if (argc > 1)
    c.ops = atoi(argv[1]);
  if (argc > 2)
    c.keys = atoi(argv[2]);
  if (argc > 3)
    c.clients = atoi(argv[3]);
  if (argc > 4)
    c.info_p = atof(argv[4]);
  if (c.ops < 1 || c.keys < 1 || c.clients < 1 || c.info_p < 0 || c.info_p > 0.9) {
    fprintf(stderr, "usage: lincheck_bench [OPS [KEYS [CLIENTS [INFO-FRACTION]]]]\n");
    return 2;
  }
  bool ok = true;
  double kv = bench_run(&c, &ok);
  c.files = true;
  double files = bench_run(&c, &ok);
  /* The headline is the slower of the two. */
  printf("lincheck: %d ops, %d keys, %d clients: %.2f s (%s)\n", c.ops, c.keys, c.clients,
         MAX(kv, files), ok ? "LINEARIZABLE" : "NOT LINEARIZABLE");
  return ok ? 0 : 1;
}
