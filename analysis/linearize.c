/* The linearizability checker: Wing & Gong / Lowe's just-in-time search with Porcupine's memo.
 *
 * What the operations mean:
 * - ok: took effect exactly once between its invocation and its completion, and its answer (the
 *   status and, for a read, the value; never the version) must be the model's.
 * - fail: never took effect; dropped.
 * - info and pending: may or may not have taken effect, at any time after the invocation; the
 *   completion is treated as +infinity and the answer is not checked. The search may place
 *   such an operation anywhere after its invocation; one it never places never took effect.
 *   Reads among them are dropped: they change nothing and nothing of theirs is checked.
 * - ok with NOT PRIMARY, NO QUORUM or BAD REQUEST: a refusal, handled like fail; ok with TIMEOUT:
 *   handled like info.
 * - ok with FILE WITH THE SAME NAME ALREADY EXISTS (files): whether it is right depends on the
 *   other uuids, which a per-key check cannot see. Approximation: such an operation is taken to
 *   have had no effect on its uuid and to be allowed in any state, so it is dropped. A service
 *   that answers it wrongly is not caught here.
 *
 * Two operations whose completion and invocation share a time are taken as concurrent.
 *
 * The history is split by key (P-compositionality: a history is linearizable iff each key's
 * sub-history is). Each key is searched depth-first (Wing & Gong) over an entry list of calls and
 * returns in time order, as Porcupine does it: by Lowe's just-in-time rule the next operation
 * placed is one whose call comes before the first pending return, and when none can be, the
 * last placement is undone. Configurations (set of placed operations, model state) already
 * explored are remembered and not explored again. Two reductions on top: an operation whose
 * answer says it changed nothing (a read, a mismatch) is placed as soon as it can be, without
 * trying alternatives, since it commutes with everything; and the search stops once every ok
 * operation is placed, leaving the unplaced info ones as never having taken effect. */
#include "linearize.h"

#include "../core/types.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIN_NO_STATUS (-1)   /* the answer carries no status, so there is none to compare */
#define LIN_CLOCK_EVERY 1024 /* search steps between two readings of the clock */
#define LIN_SHOW_CHARS 64    /* longest value shown in a report, in bytes */
#define LIN_SHOW_PREFIX 12   /* prefix operations shown in a report (the last ones) */
#define LIN_LINES_MAX 16     /* concurrent operations whose lines a violation lists, each side */
#define LIN_MAX_CONFIGS (1u << 24) /* a memory bound: 512 MB of configurations for one key */

/* ---- Values ------------------------------------------------------------------------------- */

/* Strings of one key, each named by a small integer so that a model state is two integers and
 * compares in O(1). Id 0 stands for no value (NULL). */
typedef struct lin_strings {
  GHashTable *ids; /* char* (owned by strs) -> id */
  GPtrArray *strs; /* id -> char* */
} lin_strings;

static void lin_strings_init(lin_strings *s)
{
  s->ids = g_hash_table_new(g_str_hash, g_str_equal);
  s->strs = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(s->strs, NULL);
}

static void lin_strings_clear(lin_strings *s)
{
  g_hash_table_destroy(s->ids);
  g_ptr_array_free(s->strs, TRUE);
}

/* Names `owned` (taken over, freed if already known). O(length) for the hash. */
static uint32_t lin_intern_take(lin_strings *s, char *owned)
{
  if (!owned)
    return 0;
  gpointer id;
  if (g_hash_table_lookup_extended(s->ids, owned, NULL, &id)) {
    g_free(owned);
    return GPOINTER_TO_UINT(id);
  }
  uint32_t fresh = s->strs->len;
  g_ptr_array_add(s->strs, owned);
  g_hash_table_insert(s->ids, owned, GUINT_TO_POINTER(fresh));
  return fresh;
}

static uint32_t lin_intern(lin_strings *s, const char *str)
{
  return str ? lin_intern_take(s, g_strdup(str)) : 0;
}

static const char *lin_string(const lin_strings *s, uint32_t id)
{
  return id ? s->strs->pdata[id] : NULL;
}

/* Appends a value to a report, quoted and escaped, cut at LIN_SHOW_CHARS bytes. */
static void lin_show_value(GString *out, const char *v)
{
  if (!v) {
    g_string_append(out, "null");
    return;
  }
  size_t len = strlen(v);
  char *cut = g_strndup(v, len > LIN_SHOW_CHARS ? LIN_SHOW_CHARS : len);
  char *esc = g_strescape(cut, NULL);
  g_string_append_printf(out, "\"%s%s\"", esc, len > LIN_SHOW_CHARS ? "..." : "");
  g_free(esc);
  g_free(cut);
}

/* ---- Operations as the search sees them --------------------------------------------------- */

typedef struct lin_sop {
  const hist_op *h;
  uint8_t kind;      /* rs_op_kind */
  bool checked;      /* ok: its answer must be the model's; info/pending: not checked */
  bool pure;         /* checked, and its answer says it changed nothing */
  int status;        /* rs_status answered (RS_ST_NONE if unrecognized), or LIN_NO_STATUS */
  uint32_t arg;      /* value written, put, appended or set by cas */
  uint32_t expected; /* cas */
  uint32_t out;      /* value read */
  double t_call, t_ret;
} lin_sop;

typedef enum lin_role { LIN_DROP = 0, LIN_CHECKED, LIN_UNCHECKED } lin_role;

static bool lin_is_read(rs_op_kind k)
{
  return k == RS_OP_READ || k == RS_OP_GET;
}

/* Decides what the search must do with one operation (see the top of the file). */
static lin_role lin_classify(const hist_op *o, rs_op_kind kind)
{
  bool unknown = o->outcome == HIST_INFO || o->outcome == HIST_PENDING;
  if (o->outcome == HIST_FAIL)
    return LIN_DROP;
  if (o->outcome == HIST_OK && o->status) {
    rs_status st = rs_status_parse(o->status);
    if (st == RS_ST_FILE_SAME_NAME_EXISTS || st == RS_ST_NOT_PRIMARY || st == RS_ST_NO_QUORUM ||
        st == RS_ST_BAD_REQUEST)
      return LIN_DROP;
    unknown = st == RS_ST_TIMEOUT;
  }
  if (unknown)
    return lin_is_read(kind) ? LIN_DROP : LIN_UNCHECKED;
  return LIN_CHECKED;
}

/* Builds the search's view of one kept operation, naming its values in `strs`. */
static lin_sop lin_sop_make(const hist_op *o, rs_op_kind kind, lin_role role, lin_strings *strs)
{
  lin_sop s = {.h = o, .kind = (uint8_t)kind, .checked = role == LIN_CHECKED};
  s.status = o->status ? (int)rs_status_parse(o->status) : LIN_NO_STATUS;
  s.pure = s.checked && (lin_is_read(kind) || s.status == RS_ST_FILE_DOES_NOT_EXIST ||
                         s.status == RS_ST_FILE_ALREADY_DELETED || s.status == RS_ST_CAS_MISMATCH ||
                         s.status == RS_ST_DELETED_FILE_CANNOT_BE_UPDATED);
  if (lin_is_read(kind))
    s.out = o->value_null ? 0 : lin_intern(strs, o->value);
  else
    s.arg = lin_intern(strs, o->value);
  s.expected = lin_intern(strs, o->expected);
  s.t_call = o->t_invoke;
  s.t_ret = s.checked ? fmax(o->t_complete, o->t_invoke) : INFINITY;
  return s;
}

/* ---- Sequential models -------------------------------------------------------------------- */

/* A model state: a kind (files: absent, live, deleted; kv: unused) and a value id. */
typedef uint64_t lin_state;
enum { LIN_ABSENT = 0, LIN_LIVE = 1, LIN_DELETED = 2 };

static inline lin_state lin_mk(uint32_t kind, uint32_t id)
{
  return ((uint64_t)kind << 32) | id;
}
static inline uint32_t lin_kind(lin_state s)
{
  return (uint32_t)(s >> 32);
}
static inline uint32_t lin_id(lin_state s)
{
  return (uint32_t)s;
}

/* What the model answers: a status and, for reads, a value. */
typedef struct lin_answer {
  int status;
  bool has_value;
  uint32_t value;
} lin_answer;

typedef struct lin_model {
  const char *name;
  bool (*has_op)(rs_op_kind k);
  /* Runs `op` from `s`: returns the next state and fills the model's answer. */
  lin_state (*apply)(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans);
  void (*describe)(const lin_strings *strs, lin_state s, GString *out);
} lin_model;

static bool lin_files_has_op(rs_op_kind k)
{
  return k == RS_OP_READ || k == RS_OP_WRITE || k == RS_OP_DELETE;
}

/* Seed 004's outcomes for one uuid: absent, live (with its content) or deleted (a tombstone). */
static lin_state lin_files_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans)
{
  (void)strs;
  uint32_t k = lin_kind(s);
  int gone = k == LIN_ABSENT ? RS_ST_FILE_DOES_NOT_EXIST : RS_ST_FILE_ALREADY_DELETED;
  *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
  switch (op->kind) {
  case RS_OP_READ:
    if (k == LIN_LIVE)
      *ans = (lin_answer){RS_ST_SUCCESS, true, lin_id(s)};
    else
      ans->status = gone;
    return s;
  case RS_OP_WRITE:
    if (k == LIN_DELETED) {
      ans->status = RS_ST_DELETED_FILE_CANNOT_BE_UPDATED;
      return s;
    }
    return lin_mk(LIN_LIVE, op->arg);
  case RS_OP_DELETE:
    if (k != LIN_LIVE) {
      ans->status = gone;
      return s;
    }
    return lin_mk(LIN_DELETED, 0);
  default:
    return s;
  }
}

/* Seed 004's quorum replicas differ in one outcome: deleting an unknown uuid leaves a tombstone
 * and answers SUCCESS (so the file is surely deleted on a write quorum). */
static lin_state lin_files_quorum_apply(lin_strings *strs, lin_state s, const lin_sop *op,
                                        lin_answer *ans)
{
  if (op->kind == RS_OP_DELETE && lin_kind(s) == LIN_ABSENT) {
    *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
    return lin_mk(LIN_DELETED, 0);
  }
  return lin_files_apply(strs, s, op, ans);
}

static void lin_files_describe(const lin_strings *strs, lin_state s, GString *out)
{
  if (lin_kind(s) == LIN_LIVE) {
    g_string_append(out, "live ");
    lin_show_value(out, lin_string(strs, lin_id(s)));
  } else {
    g_string_append(out, lin_kind(s) == LIN_DELETED ? "deleted" : "absent");
  }
}

static bool lin_kv_has_op(rs_op_kind k)
{
  return k == RS_OP_PUT || k == RS_OP_GET || k == RS_OP_APPEND || k == RS_OP_CAS;
}

/* Concatenates two values and names the result. O(length): appends make values grow. */
static uint32_t lin_concat(lin_strings *strs, uint32_t a, uint32_t b)
{
  const char *sa = lin_string(strs, a), *sb = lin_string(strs, b);
  return lin_intern_take(strs, g_strconcat(sa ? sa : "", sb ? sb : "", NULL));
}

/* A register with append and compare-and-set; value id 0 is an absent key (get answers null). */
static lin_state lin_kv_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans)
{
  uint32_t cur = lin_id(s);
  *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
  switch (op->kind) {
  case RS_OP_PUT:
    return lin_mk(0, op->arg);
  case RS_OP_GET:
    *ans = (lin_answer){RS_ST_SUCCESS, true, cur};
    return s;
  case RS_OP_APPEND:
    return lin_mk(0, lin_concat(strs, cur, op->arg));
  case RS_OP_CAS:
    if (cur != op->expected) {
      ans->status = RS_ST_CAS_MISMATCH;
      return s;
    }
    return lin_mk(0, op->arg);
  default:
    return s;
  }
}

static void lin_kv_describe(const lin_strings *strs, lin_state s, GString *out)
{
  if (lin_id(s) == 0)
    g_string_append(out, "absent (null)");
  else
    lin_show_value(out, lin_string(strs, lin_id(s)));
}

static const lin_model lin_models[] = {
    {"files", lin_files_has_op, lin_files_apply, lin_files_describe},
    {"files-quorum", lin_files_has_op, lin_files_quorum_apply, lin_files_describe},
    {"kv", lin_kv_has_op, lin_kv_apply, lin_kv_describe},
};

static const lin_model *lin_model_find(const char *app)
{
  for (size_t i = 0; app && i < G_N_ELEMENTS(lin_models); i++)
    if (strcmp(lin_models[i].name, app) == 0)
      return &lin_models[i];
  return NULL;
}

/* Compares only what the answer carries: its status if it has one, the value of a read. */
static bool lin_answer_matches(const lin_sop *op, const lin_answer *a)
{
  if (op->status != LIN_NO_STATUS && op->status != a->status)
    return false;
  return !a->has_value || a->status != RS_ST_SUCCESS || op->out == a->value;
}

static bool lin_step(const lin_model *m, lin_strings *strs, lin_state s, const lin_sop *op,
                     lin_state *next)
{
  lin_answer a;
  *next = m->apply(strs, s, op, &a);
  return !op->checked || lin_answer_matches(op, &a);
}

/* ---- Memo of explored configurations ------------------------------------------------------- */

/* A configuration is remembered by a 128-bit hash of its placed set (the XOR of a random 128-bit
 * tag per op, kept up to date in O(1) per placement) and its exact state: 32 bytes, however many
 * ops are pending. Two different sets share a hash with probability 2^-128 per pair; a collision
 * could only prune a branch still worth exploring (a false violation), never accept a history
 * wrongly. Porcupine compares whole bitsets instead, which costs O(ops) bytes a configuration. */
typedef struct lin_set_hash {
  uint64_t a, b;
} lin_set_hash;

typedef struct lin_memo_entry {
  lin_set_hash set;
  lin_state state;
  uint32_t next; /* entry index + 1 of the next one in the bucket; 0: none */
} lin_memo_entry;

typedef struct lin_memo {
  uint32_t *buckets; /* entry index + 1; 0: empty */
  uint32_t mask;
  GArray *entries;   /* lin_memo_entry */
} lin_memo;

static uint64_t lin_mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static void lin_memo_init(lin_memo *m)
{
  m->mask = 1023;
  m->buckets = g_new0(uint32_t, m->mask + 1);
  m->entries = g_array_new(FALSE, FALSE, sizeof(lin_memo_entry));
}

static void lin_memo_clear(lin_memo *m)
{
  g_free(m->buckets);
  g_array_free(m->entries, TRUE);
}

static uint32_t lin_memo_slot(const lin_memo *m, lin_set_hash set, lin_state st)
{
  return (uint32_t)(lin_mix64(set.a ^ lin_mix64(st)) & m->mask);
}

/* Doubles the bucket array and rechains every entry: O(entries), amortized O(1) per insert. */
static void lin_memo_grow(lin_memo *m)
{
  m->mask = m->mask * 2 + 1;
  g_free(m->buckets);
  m->buckets = g_new0(uint32_t, m->mask + 1);
  for (uint32_t i = 0; i < m->entries->len; i++) {
    lin_memo_entry *e = &g_array_index(m->entries, lin_memo_entry, i);
    uint32_t slot = lin_memo_slot(m, e->set, e->state);
    e->next = m->buckets[slot];
    m->buckets[slot] = i + 1;
  }
}

/* Remembers a configuration; false if it was already there. O(1) expected. */
static bool lin_memo_add(lin_memo *m, lin_set_hash set, lin_state st)
{
  uint32_t slot = lin_memo_slot(m, set, st);
  for (uint32_t i = m->buckets[slot]; i;) {
    const lin_memo_entry *e = &g_array_index(m->entries, lin_memo_entry, i - 1);
    if (e->set.a == set.a && e->set.b == set.b && e->state == st)
      return false;
    i = e->next;
  }
  lin_memo_entry e = {set, st, m->buckets[slot]};
  g_array_append_val(m->entries, e);
  m->buckets[slot] = m->entries->len;
  if (m->entries->len > 2 * (m->mask + 1))
    lin_memo_grow(m);
  return true;
}

/* ---- The time bound ----------------------------------------------------------------------- */

typedef struct lin_deadline {
  lin_clock_fn clock;
  void *ctx;
  double start, limit;
  uint32_t tick;
  bool expired;
} lin_deadline;

double lin_monotonic_clock(void *ctx)
{
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool lin_deadline_now(lin_deadline *d)
{
  if (d->limit > 0 && !d->expired)
    d->expired = d->clock(d->ctx) - d->start > d->limit;
  return d->expired;
}

/* Reads the clock once every LIN_CLOCK_EVERY calls, so the bound costs nearly nothing. */
static bool lin_deadline_passed(lin_deadline *d)
{
  if (d->expired)
    return true;
  if (d->limit <= 0 || ++d->tick % LIN_CLOCK_EVERY != 0)
    return false;
  return lin_deadline_now(d);
}

/* ---- The search over one key -------------------------------------------------------------- */

/* Two lists of nodes. The checked list holds the calls and returns of checked ops in time order;
 * the unchecked list holds the calls of unchecked ops (their returns are at +infinity, so they
 * never force anything). Node 0 heads the first, node 2n + 1 the second; 1 + i is op i's call,
 * 1 + n + i its return. Placing an op takes its nodes out (lin_lift), undoing puts them back. */
typedef struct lin_frame {
  uint32_t op;
  bool forced;     /* a pure op: the configuration below it has no other way out */
  lin_state state; /* the state before the op was placed */
} lin_frame;

typedef struct lin_search {
  const lin_model *model;
  lin_strings strs;
  lin_sop *ops; /* sorted by invocation */
  uint32_t n, uhead;
  uint32_t *next, *prev; /* both lists, circular through their heads */
  uint32_t *rank;        /* a checked op's return's position in time order */
  lin_set_hash *tag;     /* a random 128-bit tag per op: a set hashes to the XOR of its tags */
  GArray *stack;         /* lin_frame: the placed ops, in linearization order */
  lin_memo memo;
  uint32_t *best, best_len, agree; /* longest prefix seen; stack[0..agree) == best[0..agree) */
  uint32_t unplaced_checked;       /* checked ops not placed yet: the search ends at zero */
  lin_deadline *deadline;
} lin_search;

static int lin_sop_cmp(const void *a, const void *b)
{
  const lin_sop *x = a, *y = b;
  if (x->t_call != y->t_call)
    return x->t_call < y->t_call ? -1 : 1;
  return x->h->index < y->h->index ? -1 : x->h->index > y->h->index;
}

typedef struct lin_entry {
  double t;
  uint32_t node;
} lin_entry;

/* Time order; at equal times calls come first (nodes of calls are lower), then by operation. */
static int lin_entry_cmp(const void *a, const void *b)
{
  const lin_entry *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->node < y->node ? -1 : x->node > y->node;
}

/* Chains `count` nodes after `head`, in the order given, closing the circle. */
static void lin_chain(lin_search *s, uint32_t head, const lin_entry *e, uint32_t count)
{
  uint32_t last = head;
  for (uint32_t j = 0; j < count; j++) {
    s->next[last] = e[j].node;
    s->prev[e[j].node] = last;
    last = e[j].node;
  }
  s->next[last] = head;
  s->prev[head] = last;
}

/* Builds both lists. O(n log n). */
static void lin_search_link(lin_search *s)
{
  uint32_t n = s->n, nc = 0, nu = 0;
  lin_entry *checked = g_new(lin_entry, 2 * n + 1), *unchecked = g_new(lin_entry, n + 1);
  for (uint32_t i = 0; i < n; i++) {
    if (!s->ops[i].checked) {
      unchecked[nu++] = (lin_entry){s->ops[i].t_call, 1 + i};
      continue;
    }
    checked[nc++] = (lin_entry){s->ops[i].t_call, 1 + i};
    checked[nc++] = (lin_entry){s->ops[i].t_ret, 1 + n + i};
  }
  qsort(checked, nc, sizeof *checked, lin_entry_cmp);
  s->uhead = 2 * n + 1;
  s->next = g_new0(uint32_t, 2 * n + 2);
  s->prev = g_new0(uint32_t, 2 * n + 2);
  s->rank = g_new0(uint32_t, 2 * n + 2);
  lin_chain(s, 0, checked, nc);
  lin_chain(s, s->uhead, unchecked, nu); /* ops are sorted by call already */
  for (uint32_t j = 0; j < nc; j++)
    s->rank[checked[j].node] = j + 1;
  g_free(checked);
  g_free(unchecked);
}

static void lin_search_init(lin_search *s, const lin_model *m, lin_deadline *d)
{
  memset(s, 0, sizeof *s);
  s->model = m;
  s->deadline = d;
  lin_strings_init(&s->strs);
  s->stack = g_array_new(FALSE, FALSE, sizeof(lin_frame));
  lin_memo_init(&s->memo);
}

/* Prepares the lists, tags and buffers once the key's operations are in `ops`. */
static void lin_search_ready(lin_search *s)
{
  if (s->n > 1)
    qsort(s->ops, s->n, sizeof *s->ops, lin_sop_cmp);
  lin_search_link(s);
  s->tag = g_new(lin_set_hash, s->n + 1);
  for (uint32_t i = 0; i < s->n; i++)
    s->tag[i] = (lin_set_hash){lin_mix64(2 * (uint64_t)i), lin_mix64(2 * (uint64_t)i + 1)};
  s->best = g_new(uint32_t, s->n + 1);
  for (uint32_t i = 0; i < s->n; i++)
    s->unplaced_checked += s->ops[i].checked;
}

static void lin_search_clear(lin_search *s)
{
  lin_strings_clear(&s->strs);
  g_array_free(s->stack, TRUE);
  lin_memo_clear(&s->memo);
  g_free(s->ops);
  g_free(s->next);
  g_free(s->prev);
  g_free(s->rank);
  g_free(s->tag);
  g_free(s->best);
}

static void lin_unlink(lin_search *s, uint32_t x)
{
  s->next[s->prev[x]] = s->next[x];
  s->prev[s->next[x]] = s->prev[x];
}

static void lin_relink(lin_search *s, uint32_t x)
{
  s->next[s->prev[x]] = x;
  s->prev[s->next[x]] = x;
}

/* Takes a placed op's nodes out of their list; lin_unlift puts them back (in reverse, as in
 * dancing links). O(1). */
static void lin_lift(lin_search *s, uint32_t op)
{
  lin_unlink(s, 1 + op);
  if (s->ops[op].checked)
    lin_unlink(s, 1 + s->n + op);
}

static void lin_unlift(lin_search *s, uint32_t op)
{
  if (s->ops[op].checked)
    lin_relink(s, 1 + s->n + op);
  lin_relink(s, 1 + op);
}

/* Keeps `best` the longest stack seen. Each op pushed is copied into best at most once before
 * it is popped again, so this is amortized O(1) per push. */
static void lin_best_push(lin_search *s)
{
  const lin_frame *f = (const lin_frame *)s->stack->data;
  uint32_t d = s->stack->len - 1;
  if (d < s->best_len) {
    if (s->agree == d && s->best[d] == f[d].op)
      s->agree++;
    return;
  }
  for (uint32_t j = s->agree; j <= d; j++)
    s->best[j] = f[j].op;
  s->best_len = d + 1;
  s->agree = d + 1;
}

static void lin_best_pop(lin_search *s)
{
  if (s->agree > s->stack->len)
    s->agree = s->stack->len;
}

#define LIN_NONE UINT32_MAX

/* A decision point: the unplaced checked op whose return comes first (`urgent`: it has to be
 * placed before anything that returns later), that return's node (`end`) and time. The checked
 * candidates are the calls before `end`; the unchecked ones, those called no later than `t_end`.
 * O(concurrency) to find. */
typedef struct lin_window {
  uint32_t urgent, end;
  double t_end;
} lin_window;

static void lin_window_find(const lin_search *s, lin_window *w)
{
  uint32_t x = s->next[0];
  while (x != 0 && x <= s->n)
    x = s->next[x];
  w->end = x;
  w->urgent = x ? x - 1 - s->n : LIN_NONE;
  w->t_end = x ? s->ops[w->urgent].t_ret : 0;
}

/* The next unchecked op after `x` (a node of the unchecked list) that may be placed now. */
static uint32_t lin_unchecked_from(const lin_search *s, const lin_window *w, uint32_t x)
{
  return x != s->uhead && s->ops[x - 1].t_call <= w->t_end ? x - 1 : LIN_NONE;
}

/* The candidates of a decision point that are not pure, in call order (as Porcupine tries them;
 * trying the urgent op first, or the unchecked ones last, was measured to explore far more): the
 * one after `prev` (LIN_NONE: the first), or LIN_NONE when none is left. Both lists are in call
 * order, so this merges them; O(concurrency). */
static uint32_t lin_next_candidate(const lin_search *s, const lin_window *w, uint32_t prev)
{
  bool from_checked = prev != LIN_NONE && s->ops[prev].checked;
  uint32_t x = from_checked ? s->next[1 + prev] : s->next[0];
  uint32_t a = LIN_NONE, b;
  for (; x != w->end; x = s->next[x])
    if (!s->ops[x - 1].pure && (prev == LIN_NONE || x - 1 > prev)) {
      a = x - 1;
      break;
    }
  if (prev != LIN_NONE && !from_checked) {
    b = lin_unchecked_from(s, w, s->next[1 + prev]);
  } else {
    for (x = s->next[s->uhead]; x != s->uhead && prev != LIN_NONE && x - 1 < prev;)
      x = s->next[x];
    b = lin_unchecked_from(s, w, x);
  }
  return MIN(a, b);
}

/* Where the search stands: the state and the placed set's hash. */
typedef struct lin_cursor {
  lin_state state;
  lin_set_hash set;
} lin_cursor;

static lin_set_hash lin_xor(lin_set_hash h, lin_set_hash tag)
{
  return (lin_set_hash){h.a ^ tag.a, h.b ^ tag.b};
}

static void lin_push(lin_search *s, lin_cursor *c, uint32_t op, lin_state ns, bool forced)
{
  lin_frame f = {op, forced, c->state};
  g_array_append_val(s->stack, f);
  lin_best_push(s);
  c->state = ns;
  c->set = lin_xor(c->set, s->tag[op]);
  lin_lift(s, op);
  s->unplaced_checked -= s->ops[op].checked;
}

static lin_frame lin_pop(lin_search *s, lin_cursor *c)
{
  lin_frame f = g_array_index(s->stack, lin_frame, s->stack->len - 1);
  g_array_set_size(s->stack, s->stack->len - 1);
  lin_best_pop(s);
  c->state = f.state;
  c->set = lin_xor(c->set, s->tag[f.op]);
  lin_unlift(s, f.op);
  s->unplaced_checked += s->ops[f.op].checked;
  return f;
}

/* Tries `op` on top of the current configuration: true if it steps to a configuration never
 * explored before (its state then in *ns); *seen tells a step to an explored one. */
static bool lin_try(lin_search *s, const lin_cursor *c, uint32_t op, lin_state *ns, bool *seen)
{
  *seen = false;
  if (!lin_step(s->model, &s->strs, c->state, &s->ops[op], ns))
    return false;
  *seen = !lin_memo_add(&s->memo, lin_xor(c->set, s->tag[op]), *ns);
  return !*seen;
}

enum { LIN_PURE_NONE, LIN_PURE_PLACED, LIN_PURE_DEAD };

/* Pure ops (checked, and whose answer says they changed nothing: reads, mismatches, refusals by
 * the state) commute with everything once they can be placed: if the configuration can be
 * completed at all, it can be completed with such an op placed now. So one that steps is placed
 * without trying alternatives, and the configuration lives or dies with it. O(concurrency). */
static int lin_place_pure(lin_search *s, lin_cursor *c, const lin_window *w)
{
  for (uint32_t x = s->next[0]; x != w->end; x = s->next[x]) {
    lin_state ns;
    bool seen;
    if (!s->ops[x - 1].pure)
      continue;
    if (lin_try(s, c, x - 1, &ns, &seen)) {
      lin_push(s, c, x - 1, ns, true);
      return LIN_PURE_PLACED;
    }
    if (seen)
      return LIN_PURE_DEAD;
  }
  return LIN_PURE_NONE;
}

/* The search (Porcupine's checkSingle, with pure ops placed greedily). It succeeds once every
 * checked op is placed: unchecked ops left over simply never took effect. It answers
 * VIOLATION when a decision point runs out of candidates with nothing left to undo, UNKNOWN when
 * the time bound runs out. Each step is O(concurrency); the number of steps is the number of
 * configurations explored, exponential only in the worst case. */
static lin_verdict lin_search_run(lin_search *s)
{
  lin_cursor c = {lin_mk(LIN_ABSENT, 0), {0, 0}};
  uint32_t cand = LIN_NONE;
  lin_window w = {LIN_NONE, 0, 0};
  bool decide = true;
  while (s->unplaced_checked > 0) {
    if (lin_deadline_passed(s->deadline) || s->memo.entries->len >= LIN_MAX_CONFIGS)
      return LIN_UNKNOWN;
    if (decide) {
      decide = false;
      lin_window_find(s, &w);
      int pure = lin_place_pure(s, &c, &w);
      if (pure == LIN_PURE_PLACED) {
        decide = true;
        continue;
      }
      cand = pure == LIN_PURE_DEAD ? LIN_NONE : lin_next_candidate(s, &w, LIN_NONE);
    }
    if (cand == LIN_NONE) {
      if (s->stack->len == 0)
        return LIN_VIOLATION;
      lin_frame f = lin_pop(s, &c);
      if (!f.forced) {
        lin_window_find(s, &w);
        cand = lin_next_candidate(s, &w, f.op);
      }
      continue;
    }
    lin_state ns;
    bool seen;
    if (lin_try(s, &c, cand, &ns, &seen)) {
      lin_push(s, &c, cand, ns, false);
      decide = true;
    } else {
      cand = lin_next_candidate(s, &w, cand);
    }
  }
  return LIN_LINEARIZABLE;
}

/* ---- Explaining a violation --------------------------------------------------------------- */

static void lin_op_copy(lin_op *dst, const hist_op *o)
{
  *dst = (lin_op){
      .index = o->index,
      .process = g_strdup(o->process),
      .op = g_strdup(o->op),
      .key = g_strdup(o->key),
      .name = g_strdup(o->name),
      .value = g_strdup(o->value),
      .expected = g_strdup(o->expected),
      .status = g_strdup(o->status),
      .value_null = o->value_null,
      .outcome = o->outcome,
      .t_invoke = o->t_invoke,
      .t_complete = o->t_complete,
      .line_invoke = o->trace_line_invoke,
      .line_complete = o->trace_line_complete,
  };
}

static void lin_op_clear(lin_op *o)
{
  g_free(o->process);
  g_free(o->op);
  g_free(o->key);
  g_free(o->name);
  g_free(o->value);
  g_free(o->expected);
  g_free(o->status);
}

/* Writes an answer as `STATUS "value"` (the value only for a successful read). */
static char *lin_answer_text(const lin_search *s, const lin_answer *a)
{
  GString *out = g_string_new(a->status >= 0 ? rs_status_name((rs_status)a->status) : "");
  if (a->has_value && a->status == RS_ST_SUCCESS) {
    g_string_append_c(out, ' ');
    lin_show_value(out, lin_string(&s->strs, a->value));
  }
  return g_string_free(out, FALSE);
}

static char *lin_returned_text(const lin_search *s, const lin_sop *op)
{
  GString *out = g_string_new(op->h->status ? op->h->status : "(no status)");
  if (lin_is_read(op->kind) && (op->status == RS_ST_SUCCESS || op->status == LIN_NO_STATUS)) {
    g_string_append_c(out, ' ');
    lin_show_value(out, lin_string(&s->strs, op->out));
  }
  return g_string_free(out, FALSE);
}

static int lin_long_cmp(const void *a, const void *b)
{
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? -1 : x > y;
}

static void lin_add_lines(GArray *lines, const lin_sop *op)
{
  long l[2] = {op->h->trace_line_invoke, op->h->trace_line_complete};
  for (int i = 0; i < 2; i++)
    if (l[i] > 0)
      g_array_append_val(lines, l[i]);
}

/* Whether two ops overlap in the trace (by their recorded times; an op never completed runs on
 * to the end), which is what a person reading it sees. */
static bool lin_overlaps(const lin_sop *a, const lin_sop *b)
{
  double a_end = a->h->t_complete < 0 ? INFINITY : a->h->t_complete;
  double b_end = b->h->t_complete < 0 ? INFINITY : b->h->t_complete;
  return a->t_call <= b_end && b->t_call <= a_end;
}

/* The trace lines worth reading: the stuck op, the unplaced ops that overlap it, the prefix ops
 * that overlap it, and the op that set the state it met. Sorted, without duplicates. */
static void lin_collect_lines(const lin_search *s, const bool *placed, uint32_t stuck,
                              int64_t setter, lin_violation *v)
{
  const lin_sop *x = &s->ops[stuck];
  GArray *lines = g_array_new(FALSE, FALSE, sizeof(long));
  lin_add_lines(lines, x);
  if (setter >= 0)
    lin_add_lines(lines, &s->ops[setter]);
  uint32_t pending = 0;
  for (uint32_t i = 0; i < s->n && pending < LIN_LINES_MAX; i++)
    if (!placed[i] && i != stuck && lin_overlaps(&s->ops[i], x)) {
      lin_add_lines(lines, &s->ops[i]);
      pending++;
    }
  uint32_t shown = 0;
  for (uint32_t j = s->best_len; j-- > 0 && shown < LIN_LINES_MAX;)
    if (lin_overlaps(&s->ops[s->best[j]], x)) {
      lin_add_lines(lines, &s->ops[s->best[j]]);
      shown++;
    }
  g_array_sort(lines, lin_long_cmp);
  size_t w = 0;
  for (size_t r = 0; r < lines->len; r++)
    if (w == 0 || g_array_index(lines, long, r) != g_array_index(lines, long, w - 1))
      g_array_index(lines, long, w++) = g_array_index(lines, long, r);
  v->n_lines = w;
  v->lines = (long *)g_array_free(lines, FALSE);
}

/* Builds the report of a failed search from its longest prefix: replays the prefix to get the
 * state, and finds the op that had to come next (the unplaced op completing first): no op could
 * be placed after that prefix (else it would be longer), so that one could not either. O(n). */
static lin_violation *lin_explain(lin_search *s)
{
  lin_violation *v = g_new0(lin_violation, 1);
  bool *placed = g_new0(bool, s->n);
  lin_state st = lin_mk(LIN_ABSENT, 0);
  int64_t setter = -1;
  lin_answer a;
  v->n_prefix = s->best_len;
  v->prefix = g_new0(lin_op, s->best_len + 1);
  for (uint32_t j = 0; j < s->best_len; j++) {
    uint32_t i = s->best[j];
    lin_state ns = s->model->apply(&s->strs, st, &s->ops[i], &a);
    if (ns != st)
      setter = i;
    st = ns;
    placed[i] = true;
    lin_op_copy(&v->prefix[j], s->ops[i].h);
  }
  uint32_t stuck = LIN_NONE;
  for (uint32_t i = 0; i < s->n; i++)
    if (!placed[i] && s->ops[i].checked &&
        (stuck == LIN_NONE || s->rank[1 + s->n + i] < s->rank[1 + s->n + stuck]))
      stuck = i;
  lin_op_copy(&v->op, s->ops[stuck].h);
  GString *desc = g_string_new(NULL);
  s->model->describe(&s->strs, st, desc);
  v->state = g_string_free(desc, FALSE);
  s->model->apply(&s->strs, st, &s->ops[stuck], &a);
  v->allowed = lin_answer_text(s, &a);
  v->returned = lin_returned_text(s, &s->ops[stuck]);
  lin_collect_lines(s, placed, stuck, setter, v);
  g_free(placed);
  return v;
}

static void lin_violation_free(lin_violation *v)
{
  if (!v)
    return;
  lin_op_clear(&v->op);
  for (size_t j = 0; j < v->n_prefix; j++)
    lin_op_clear(&v->prefix[j]);
  g_free(v->prefix);
  g_free(v->state);
  g_free(v->returned);
  g_free(v->allowed);
  g_free(v->lines);
  g_free(v);
}

/* ---- Whole histories ---------------------------------------------------------------------- */

/* Checks one key's operations (history order) and fills `out`. */
static void lin_check_key(const lin_model *m, GPtrArray *hops, lin_deadline *d, lin_key_result *out)
{
  lin_search s;
  lin_search_init(&s, m, d);
  s.ops = g_new(lin_sop, hops->len + 1);
  for (guint i = 0; i < hops->len; i++) {
    const hist_op *o = hops->pdata[i];
    rs_op_kind kind = rs_op_parse(o->op);
    lin_role role = lin_classify(o, kind);
    if (role != LIN_DROP)
      s.ops[s.n++] = lin_sop_make(o, kind, role, &s.strs);
  }
  lin_search_ready(&s);
  out->n_ops = s.n;
  out->verdict = lin_deadline_now(d) ? LIN_UNKNOWN : lin_search_run(&s);
  out->configs = s.memo.entries->len;
  if (out->verdict == LIN_VIOLATION)
    out->violation = lin_explain(&s);
  lin_search_clear(&s);
}

/* Rejects what the models cannot read; NULL when every op is fine. */
static char *lin_validate(const history *h, const lin_model *m)
{
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    if (!m->has_op(rs_op_parse(o->op ? o->op : "")))
      return g_strdup_printf("operation #%u (trace line %ld): %s has no operation \"%s\"", o->index,
                             o->trace_line_invoke, m->name, o->op ? o->op : "");
    if (!o->key)
      return g_strdup_printf("operation #%u (trace line %ld): %s without a key", o->index,
                             o->trace_line_invoke, o->op);
  }
  return NULL;
}

static int lin_str_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Groups the ops by key (each array in history order) and lists the keys sorted. */
static GHashTable *lin_split(const history *h, GPtrArray **keys)
{
  GHashTable *by_key =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  *keys = g_ptr_array_new();
  for (guint i = 0; i < h->ops->len; i++) {
    hist_op *o = h->ops->pdata[i];
    GPtrArray *ops = g_hash_table_lookup(by_key, o->key);
    if (!ops) {
      ops = g_ptr_array_new();
      g_hash_table_insert(by_key, o->key, ops);
      g_ptr_array_add(*keys, o->key);
    }
    g_ptr_array_add(ops, o);
  }
  if ((*keys)->len > 1)
    qsort((*keys)->pdata, (*keys)->len, sizeof(gpointer), lin_str_cmp);
  return by_key;
}

/* The overall verdict: a violation anywhere is definite; otherwise any unknown key makes the
 * whole unknown. */
static void lin_conclude(lin_result *r)
{
  r->verdict = LIN_LINEARIZABLE;
  for (size_t k = 0; k < r->n_keys; k++) {
    r->n_checked += r->keys[k].n_ops;
    if (r->keys[k].verdict == LIN_VIOLATION && !r->first_violation)
      r->first_violation = &r->keys[k];
    if (r->keys[k].verdict == LIN_UNKNOWN && r->verdict == LIN_LINEARIZABLE)
      r->verdict = LIN_UNKNOWN;
  }
  if (r->first_violation)
    r->verdict = LIN_VIOLATION;
}

lin_result *lin_check(const history *h, const char *app, const lin_options *opt, char **error)
{
  const lin_model *m = lin_model_find(app);
  if (!m) {
    if (error)
      *error = g_strdup_printf("no sequential model for app \"%s\" (files, kv)", app ? app : "");
    return NULL;
  }
  char *bad = lin_validate(h, m);
  if (bad) {
    if (error)
      *error = bad;
    else
      g_free(bad);
    return NULL;
  }
  lin_deadline d = {opt && opt->clock ? opt->clock : lin_monotonic_clock,
                    opt ? opt->clock_ctx : NULL, 0, opt ? opt->deadline : 0, 0, false};
  d.start = d.clock(d.ctx);
  GPtrArray *keys;
  GHashTable *by_key = lin_split(h, &keys);
  lin_result *r = g_new0(lin_result, 1);
  r->app = g_strdup(m->name);
  r->n_ops = h->ops->len;
  r->deadline = d.limit;
  r->n_keys = keys->len;
  r->keys = g_new0(lin_key_result, keys->len + 1);
  for (guint k = 0; k < keys->len; k++) {
    r->keys[k].key = g_strdup(keys->pdata[k]);
    lin_check_key(m, g_hash_table_lookup(by_key, keys->pdata[k]), &d, &r->keys[k]);
  }
  g_ptr_array_free(keys, TRUE);
  g_hash_table_destroy(by_key);
  lin_conclude(r);
  r->elapsed = d.clock(d.ctx) - d.start;
  return r;
}

void lin_result_free(lin_result *r)
{
  if (!r)
    return;
  for (size_t k = 0; k < r->n_keys; k++) {
    g_free(r->keys[k].key);
    lin_violation_free(r->keys[k].violation);
  }
  g_free(r->keys);
  g_free(r->app);
  g_free(r);
}

const char *lin_verdict_name(lin_verdict v)
{
  switch (v) {
  case LIN_LINEARIZABLE:
    return "linearizable";
  case LIN_VIOLATION:
    return "violation";
  case LIN_UNKNOWN:
    return "unknown";
  }
  return "unknown";
}

/* ---- The report --------------------------------------------------------------------------- */

/* One operation on one line, e.g.
 * `#7 c2 read u1 -> ok SUCCESS "x"  [1.200000, 1.350000] lines 40-44`. */
static void lin_print_op(const lin_op *o, FILE *out)
{
  rs_op_kind k = rs_op_parse(o->op);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "#%u %s %s %s", o->index, o->process, o->op, o->key);
  if (o->name && k == RS_OP_WRITE)
    g_string_append_printf(s, " name=%s", o->name);
  if (k == RS_OP_CAS) {
    g_string_append_c(s, ' ');
    lin_show_value(s, o->expected);
    g_string_append(s, "->");
  }
  if (!lin_is_read(k) && k != RS_OP_DELETE) {
    if (k != RS_OP_CAS)
      g_string_append_c(s, ' ');
    lin_show_value(s, o->value);
  }
  g_string_append_printf(s, " -> %s", hist_outcome_name(o->outcome));
  if (o->status)
    g_string_append_printf(s, " %s", o->status);
  bool success = !o->status || strcmp(o->status, "SUCCESS") == 0;
  if (lin_is_read(k) && o->outcome == HIST_OK && success && (o->value || o->value_null)) {
    g_string_append_c(s, ' ');
    lin_show_value(s, o->value);
  }
  g_string_append_printf(s, "  [%.6f, ", o->t_invoke);
  if (o->t_complete >= 0)
    g_string_append_printf(s, "%.6f]", o->t_complete);
  else
    g_string_append(s, "never]");
  if (o->line_invoke > 0)
    g_string_append_printf(s, " lines %ld-%ld", o->line_invoke, o->line_complete);
  fprintf(out, "%s\n", s->str);
  g_string_free(s, TRUE);
}

/* One violation: the op, the state it met, the answers, the end of the prefix, the lines. */
static void lin_print_violation(const lin_key_result *k, FILE *out)
{
  const lin_violation *v = k->violation;
  fprintf(out, "\nkey \"%s\": VIOLATION: %zu of its %zu operations placed, then stuck\n", k->key,
          v->n_prefix, k->n_ops);
  fprintf(out, "  cannot place: ");
  lin_print_op(&v->op, out);
  fprintf(out, "  model state after the prefix: %s\n", v->state);
  fprintf(out, "  it returned:        %s\n", v->returned);
  fprintf(out, "  the model allowed:  %s\n", v->allowed);
  fprintf(out, "  longest linearizable prefix (%zu operations, in linearization order):\n",
          v->n_prefix);
  size_t from = v->n_prefix > LIN_SHOW_PREFIX ? v->n_prefix - LIN_SHOW_PREFIX : 0;
  if (from)
    fprintf(out, "    ... %zu earlier operations\n", from);
  bool uncertain = false;
  for (size_t j = from; j < v->n_prefix; j++) {
    fprintf(out, "    %zu. ", j + 1);
    lin_print_op(&v->prefix[j], out);
    uncertain |= v->prefix[j].outcome == HIST_INFO || v->prefix[j].outcome == HIST_PENDING;
  }
  if (uncertain)
    fprintf(out, "    (an info or pending operation listed here is assumed to take effect "
                 "there)\n");
  fprintf(out, "  trace lines involved:");
  for (size_t j = 0; j < v->n_lines; j++)
    fprintf(out, "%s %ld", j ? "," : "", v->lines[j]);
  fprintf(out, "%s\n", v->n_lines ? "" : " (none recorded)");
}

void lin_report_print(const lin_result *r, FILE *out)
{
  size_t count[3] = {0, 0, 0};
  for (size_t k = 0; k < r->n_keys; k++)
    count[r->keys[k].verdict]++;
  fprintf(out,
          "linearizability (%s): %s: %zu operation%s (%zu to place), %zu key%s: %zu linearizable, "
          "%zu violation%s, %zu unknown (%.2f s)\n",
          r->app, lin_verdict_name(r->verdict), r->n_ops, r->n_ops == 1 ? "" : "s", r->n_checked,
          r->n_keys, r->n_keys == 1 ? "" : "s", count[LIN_LINEARIZABLE], count[LIN_VIOLATION],
          count[LIN_VIOLATION] == 1 ? "" : "s", count[LIN_UNKNOWN], r->elapsed);
  if (count[LIN_UNKNOWN]) {
    fprintf(out, "unknown (the time bound of %.2f s, or the memory bound of %u configurations "
                 "of one key, ran out):",
            r->deadline, LIN_MAX_CONFIGS);
    for (size_t k = 0; k < r->n_keys; k++)
      if (r->keys[k].verdict == LIN_UNKNOWN)
        fprintf(out, " \"%s\"", r->keys[k].key);
    fprintf(out, "\n");
  }
  for (size_t k = 0; k < r->n_keys; k++)
    if (r->keys[k].verdict == LIN_VIOLATION)
      lin_print_violation(&r->keys[k], out);
}
