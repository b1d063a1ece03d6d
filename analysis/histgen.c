/* Random linearizable histories of files or kv from a plain sequential model, for tests and benches. */
#include "histgen.h"

#include <stdlib.h>
#include <string.h>

/* One generated operation: chosen at its invocation, its answer computed at its linearization
 * point by the reference model below (which shares no code with the checker). */
typedef struct histgen_op {
  int proc, key;
  const char *op;
  char *value, *expected;
  double t_inv, t_lin, t_done; /* t_lin < 0: never takes effect */
  hist_outcome outcome;
  char *status, *answer; /* answer: the value read (NULL: null) */
  bool answer_null;
} histgen_op;

/* The state of one key in the model. */
typedef struct histgen_key {
  int kind; /* files: 0 absent, 1 live, 2 deleted; kv: 0 absent, 1 present */
  char *value;
} histgen_key;

/* Replaces a key's state; takes ownership of value. */
static void histgen_set(histgen_key *k, int kind, char *value)
{
  g_free(k->value);
  k->kind = kind;
  k->value = value;
}

/* The files model, written plainly from seed 004's outcomes for one uuid. */
static const char *histgen_files_apply(histgen_key *k, histgen_op *o)
{
  if (strcmp(o->op, "read") == 0) {
    o->answer = k->kind == 1 ? g_strdup(k->value) : NULL;
    return k->kind == 1 ? "SUCCESS" : k->kind == 0 ? "FILE DOES NOT EXIST" : "FILE ALREADY DELETED";
  }
  if (strcmp(o->op, "write") == 0) {
    if (k->kind == 2)
      return "DELETED FILE CANNOT BE UPDATED";
    histgen_set(k, 1, g_strdup(o->value));
    return "SUCCESS";
  }
  if (k->kind != 1)
    return k->kind == 0 ? "FILE DOES NOT EXIST" : "FILE ALREADY DELETED";
  histgen_set(k, 2, NULL);
  return "SUCCESS";
}

/* The kv model: put, get, append, cas on one key. */
static const char *histgen_kv_apply(histgen_key *k, histgen_op *o)
{
  if (strcmp(o->op, "get") == 0) {
    o->answer = g_strdup(k->value);
    o->answer_null = k->value == NULL;
  } else if (strcmp(o->op, "put") == 0) {
    histgen_set(k, 1, g_strdup(o->value));
  } else if (strcmp(o->op, "append") == 0) {
    histgen_set(k, 1, g_strconcat(k->value ? k->value : "", o->value, NULL));
  } else if (g_strcmp0(k->value, o->expected) != 0) {
    return "CAS MISMATCH";
  } else {
    histgen_set(k, 1, g_strdup(o->value));
  }
  return "SUCCESS";
}

/* Picks a value a cas on a key expects among those written to it before: any of them, or with
 * cas_recent N one of the last N (slot r of a ring of N that each write overwrites in turn). */
static char *histgen_expect(GRand *rng, const histgen_cfg *c, const GPtrArray *w)
{
  if (w->len == 0)
    return g_strdup("v-none");
  int n = (int)w->len, N = c->cas_recent > 0 ? c->cas_recent : n;
  int r = g_rand_int_range(rng, 0, MIN(n, N));
  return g_strdup(w->pdata[n <= N ? r : n - 1 - (n - 1 - r) % N]);
}

/* Picks an operation, its key and arguments; written holds, per key, the values written so far. */
static void histgen_choose(GRand *rng, const histgen_cfg *c, GPtrArray *written, int serial,
                           histgen_op *o)
{
  static const char *const files_ops[] = {"read",  "read",  "read", "read",
                                           "write", "write", "write"};
  static const char *const kv_ops[] = {"get", "get", "get", "put", "put", "append", "cas", "cas"};
  o->key = g_rand_int_range(rng, 0, c->keys);
  if (c->files)
    o->op = g_rand_double(rng) < c->delete_p
                ? "delete"
                : files_ops[g_rand_int_range(rng, 0, G_N_ELEMENTS(files_ops))];
  else
    o->op = kv_ops[g_rand_int_range(rng, 0, G_N_ELEMENTS(kv_ops))];
  GPtrArray *w = written->pdata[o->key];
  if (strcmp(o->op, "append") == 0)
    o->value = g_strdup_printf("%d,", serial);
  else if (strcmp(o->op, "write") == 0 || strcmp(o->op, "put") == 0 || strcmp(o->op, "cas") == 0)
    o->value = g_strdup_printf("v%d", serial);
  if (strcmp(o->op, "cas") == 0)
    o->expected = histgen_expect(rng, c, w);
  if (o->value && strcmp(o->op, "append") != 0)
    g_ptr_array_add(w, g_strdup(o->value));
}

/* Times and outcome: ok ops take effect inside [invoke, complete]; info ops at any time after the
 * invocation (even after their timeout) or never; fail ops never. */
static void histgen_time(GRand *rng, const histgen_cfg *c, double t, histgen_op *o)
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

/* Makes every client run its ops back to back, with a think time between them. */
static histgen_op *histgen_ops(GRand *rng, const histgen_cfg *c)
{
  histgen_op *ops = g_new0(histgen_op, c->ops);
  GPtrArray *written = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  for (int k = 0; k < c->keys; k++)
    g_ptr_array_add(written, g_ptr_array_new_with_free_func(g_free));
  double *clock = g_new0(double, c->clients);
  for (int i = 0; i < c->ops; i++) {
    histgen_op *o = &ops[i];
    o->proc = i % c->clients;
    histgen_choose(rng, c, written, i, o);
    histgen_time(rng, c, clock[o->proc] + g_rand_double_range(rng, 0.01, 0.5), o);
    clock[o->proc] = o->t_done;
  }
  g_free(clock);
  g_ptr_array_free(written, TRUE);
  return ops;
}

/* Orders two ops by their linearization points. */
static int histgen_by_lin(const void *a, const void *b)
{
  const histgen_op *x = *(histgen_op *const *)a, *y = *(histgen_op *const *)b;
  return x->t_lin < y->t_lin ? -1 : x->t_lin > y->t_lin;
}

/* Answers every op that takes effect, running it through the model in linearization-point order. */
static void histgen_apply(GRand *rng, const histgen_cfg *c, histgen_op *ops)
{
  histgen_key *keys = g_new0(histgen_key, c->keys);
  histgen_op **order = g_new(histgen_op *, c->ops);
  int n = 0;
  for (int i = 0; i < c->ops; i++)
    if (ops[i].t_lin >= 0)
      order[n++] = &ops[i];
  qsort(order, n, sizeof *order, histgen_by_lin);
  for (int i = 0; i < n; i++) {
    histgen_op *o = order[i];
    histgen_key *k = &keys[o->key];
    if (c->files && c->same_name_p > 0 && strcmp(o->op, "write") == 0 && o->outcome == HIST_OK &&
        k->kind == 0 && g_rand_double(rng) < c->same_name_p) {
      o->status = g_strdup("FILE WITH THE SAME NAME ALREADY EXISTS"); /* no effect */
      continue;
    }
    o->status = g_strdup(c->files ? histgen_files_apply(k, o) : histgen_kv_apply(k, o));
  }
  for (int k = 0; k < c->keys; k++)
    g_free(keys[k].value);
  g_free(keys);
  g_free(order);
}

/* An invocation or a completion of an op, at time t. */
typedef struct histgen_event {
  double t;
  histgen_op *op;
  bool complete;
} histgen_event;

/* Orders two events by time. */
static int histgen_event_cmp(const void *a, const void *b)
{
  const histgen_event *x = a, *y = b;
  return x->t < y->t ? -1 : x->t > y->t;
}

/* Feeds invocations and completions to a history in time order, as a trace would have them. */
static history *histgen_history(const histgen_cfg *c, histgen_op *ops)
{
  history *h = history_new();
  histgen_event *ev = g_new(histgen_event, 2 * c->ops);
  for (int i = 0; i < c->ops; i++) {
    ev[2 * i] = (histgen_event){ops[i].t_inv, &ops[i], false};
    ev[2 * i + 1] = (histgen_event){ops[i].t_done, &ops[i], true};
  }
  qsort(ev, 2 * c->ops, sizeof *ev, histgen_event_cmp);
  char proc[16], key[16], name[24];
  for (int j = 0; j < 2 * c->ops; j++) {
    histgen_op *o = ev[j].op;
    g_snprintf(proc, sizeof proc, "c%d", o->proc + 1);
    g_snprintf(key, sizeof key, "%s%03d", c->files ? "u" : "k", o->key);
    g_snprintf(name, sizeof name, "file-%03d", o->key); /* one name per uuid */
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

/* Frees the generated ops. */
static void histgen_free(histgen_op *ops, int n)
{
  for (int i = 0; i < n; i++) {
    g_free(ops[i].value);
    g_free(ops[i].expected);
    g_free(ops[i].status);
    g_free(ops[i].answer);
  }
  g_free(ops);
}

/* Chooses and times the ops, answers them through the model and records them as a history. */
history *histgen_generate(const histgen_cfg *c)
{
  GRand *rng = g_rand_new_with_seed(c->seed);
  histgen_op *ops = histgen_ops(rng, c);
  histgen_apply(rng, c, ops);
  history *h = histgen_history(c, ops);
  histgen_free(ops, c->ops);
  g_rand_free(rng);
  return h;
}

/* Overwrites the answer of one ok read or get with a value nobody wrote. */
bool histgen_corrupt_read(history *h, uint32_t pick)
{
  GPtrArray *reads = g_ptr_array_new();
  for (guint i = 0; i < h->ops->len; i++) {
    hist_op *o = h->ops->pdata[i];
    if (o->outcome == HIST_OK && (strcmp(o->op, "read") == 0 || strcmp(o->op, "get") == 0))
      g_ptr_array_add(reads, o);
  }
  bool found = reads->len > 0;
  if (found) {
    hist_op *o = reads->pdata[pick % reads->len];
    g_free(o->value);
    g_free(o->status);
    o->value = g_strdup(HISTGEN_NEVER_WRITTEN);
    o->value_null = false;
    o->status = g_strdup("SUCCESS");
  }
  g_ptr_array_free(reads, TRUE);
  return found;
}
