/* Lost writes, stale reads, divergence, availability per fault window and failover time.
 *
 * The rules, exactly:
 *
 * Order. "A before B" compares times, then trace lines when both are known; equal times with
 * unknown lines are not "before" (so a tie never condemns an operation).
 *
 * End state of a key, from the "final" lines. Each replica's state is live (a value), deleted
 * (a tombstone: status FILE ALREADY DELETED), or absent (FILE DOES NOT EXIST, a null kv value,
 * or no final line for the key at all). Under pb-* the end state is the state most replicas
 * hold (same kind, same value); ties go to the highest version, then to the earliest line.
 * Under quorum it is what a quorum read would merge: a tombstone on any replica wins (a deleted
 * uuid is never live again), otherwise the newest version.
 *
 * Lost write. Updates are write, put, append, cas and delete. An update W is acknowledged when it
 * ended ok with status SUCCESS. An operation explains the end state when it may have taken
 * effect (acknowledged, info or pending) and produces that state: a write, put or cas whose value
 * equals the live value; an append whose value ends the live value; a delete for a tombstone.
 * Nothing explains an absent state. W is lost when
 *   (a) every operation explaining its key's end state completed before W was invoked, or
 *       nothing explains it: W should have overwritten that state and did not; and
 *   (b) no acknowledged write, put, cas or delete of the key was invoked after W completed: such
 *       an update legitimately overwrote W, so W's absence is its successor's to answer for
 *       (if the successor is missing too, it is the one counted). An append does not overwrite.
 * W itself, a later update, or an info/pending one (which may have taken effect at any time)
 * explaining the end state all save W. Values are compared, not versions, so a value written
 * twice is never counted as lost by mistake.
 *
 * Stale read. An ok read or get answers a version (0 when it carries none: FILE DOES NOT EXIST,
 * null). It is stale when an update of the same key acknowledged before the read was invoked
 * had a higher version. Every status of an ok read counts (a tombstone's version is an answer).
 *
 * Diverged: replicas up at the end whose "digest" differs from the most common digest (as the run
 * counts it); a digest line with "up":false (a replica still crashed) is not compared.
 *
 * Fault windows. A start line opens a window; an end line closes the oldest open window of the
 * same fault whose target fields include all of the end line's (so "restart" ending with node=r1
 * closes the one that started with node=r1 boot=5); a window never closed lasts to the end of the
 * run. Its availability is ok / (ok + fail + info) over the operations invoked in [start, end].
 *
 * Failover. For each crash start of a node whose latest role line before it said "primary", the
 * time from the crash to the first acknowledged update completed after it; none if no update was
 * acknowledged afterwards. The summary's failover time is the longest of these.
 *
 * Cost: one sort of the history's events (O(n log n)), hash tables by key, a binary search per
 * window and per crash. */
#include "anomalies.h"

#include "trace/trace_reader.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ANOM_SHOW_CHARS 40

/* ---- The evidence ------------------------------------------------------------------------- */

static void final_free(gpointer p)
{
  anom_final *x = p;
  g_free(x->node);
  g_free(x->key);
  g_free(x->name);
  g_free(x->value);
  g_free(x->status);
  g_free(x);
}

static void fault_free(gpointer p)
{
  anom_fault *x = p;
  g_free(x->fault);
  g_free(x->target);
  g_free(x->node);
  g_strfreev(x->fields);
  g_free(x);
}

static void role_free(gpointer p)
{
  anom_role *x = p;
  g_free(x->node);
  g_free(x->role);
  g_free(x);
}

anom_facts *anom_facts_new(void)
{
  anom_facts *f = g_new0(anom_facts, 1);
  f->finals = g_ptr_array_new_with_free_func(final_free);
  f->digests = g_ptr_array_new_with_free_func(g_free);
  f->faults = g_ptr_array_new_with_free_func(fault_free);
  f->roles = g_ptr_array_new_with_free_func(role_free);
  return f;
}

void anom_facts_free(anom_facts *f)
{
  if (!f)
    return;
  g_free(f->scenario);
  g_free(f->protocol);
  g_free(f->app);
  g_free(f->failover);
  g_ptr_array_free(f->finals, TRUE);
  g_ptr_array_free(f->digests, TRUE);
  g_ptr_array_free(f->faults, TRUE);
  g_ptr_array_free(f->roles, TRUE);
  g_free(f);
}

const char *anom_facts_model(const anom_facts *f)
{
  if (!f->has_run || !f->app)
    return NULL;
  if (strcmp(f->app, "files") == 0 && f->protocol && strcmp(f->protocol, "quorum") == 0)
    return "files-quorum";
  return f->app;
}

void anom_facts_add_final(anom_facts *f, const char *node, const char *key, const char *name,
                          const char *value, bool value_null, const char *status, uint64_t version,
                          long line)
{
  anom_final *x = g_new0(anom_final, 1);
  x->node = g_strdup(node);
  x->key = g_strdup(key);
  x->name = g_strdup(name);
  x->value = g_strdup(value);
  x->value_null = value_null;
  x->status = g_strdup(status);
  x->version = version;
  x->line = line;
  g_ptr_array_add(f->finals, x);
}

/* The target as text: one field's value alone, several as "k=v k=v". */
static char *target_text(const char *const *kv, guint n_pairs)
{
  if (n_pairs == 1)
    return g_strdup(kv[1]);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < n_pairs; i++)
    g_string_append_printf(s, "%s%s=%s", i ? " " : "", kv[2 * i], kv[2 * i + 1]);
  return g_string_free(s, FALSE);
}

void anom_facts_add_fault(anom_facts *f, double t, const char *fault, bool start,
                          const char *const *kv, long line)
{
  anom_fault *x = g_new0(anom_fault, 1);
  guint n = 0;
  while (kv && kv[2 * n] && kv[2 * n + 1])
    n++;
  x->fields = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++) {
    x->fields[i] = g_strdup_printf("%s=%s", kv[2 * i], kv[2 * i + 1]);
    if (!x->node && strcmp(kv[2 * i], "node") == 0)
      x->node = g_strdup(kv[2 * i + 1]);
  }
  x->t = t;
  x->line = line;
  x->fault = g_strdup(fault);
  x->start = start;
  x->target = target_text(kv, n);
  g_ptr_array_add(f->faults, x);
  f->end_time = MAX(f->end_time, t);
}

void anom_facts_add_role(anom_facts *f, double t, const char *node, const char *role,
                         uint64_t view, long line)
{
  anom_role *x = g_new0(anom_role, 1);
  x->t = t;
  x->line = line;
  x->node = g_strdup(node);
  x->role = g_strdup(role);
  x->view = view;
  g_ptr_array_add(f->roles, x);
  f->end_time = MAX(f->end_time, t);
}

void anom_facts_add_digest(anom_facts *f, const char *node, const char *digest)
{
  g_ptr_array_add(f->digests, g_strdup_printf("%s %s", node ? node : "?", digest ? digest : ""));
}

/* ---- Reading the evidence ----------------------------------------------------------------- */

/* A string member: absent or null gives NULL (null also sets *is_null); another type is an error. */
static bool get_str(JsonObject *o, const char *name, const char **out, bool *is_null, char **why)
{
  JsonNode *n = json_object_get_member(o, name);
  *out = NULL;
  if (is_null)
    *is_null = n && JSON_NODE_HOLDS_NULL(n);
  if (!n || JSON_NODE_HOLDS_NULL(n))
    return true;
  if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING) {
    *out = json_node_get_string(n);
    return true;
  }
  *why = g_strdup_printf("field \"%s\" must be a string", name);
  return false;
}

static bool need_str(JsonObject *o, const char *name, const char **out, char **why)
{
  if (!get_str(o, name, out, NULL, why))
    return false;
  if (*out && **out)
    return true;
  *why = g_strdup_printf("missing field \"%s\"", name);
  return false;
}

/* A non-negative integer member: absent or null gives 0. */
static bool get_u64(JsonObject *o, const char *name, uint64_t *out, char **why)
{
  JsonNode *n = json_object_get_member(o, name);
  *out = 0;
  if (!n || JSON_NODE_HOLDS_NULL(n))
    return true;
  if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 &&
      json_node_get_int(n) >= 0) {
    *out = (uint64_t)json_node_get_int(n);
    return true;
  }
  *why = g_strdup_printf("field \"%s\" must be a non-negative integer", name);
  return false;
}

static bool read_run(anom_facts *f, JsonObject *o, char **why)
{
  const char *scenario, *protocol, *app, *failover;
  uint64_t seed;
  if (!get_str(o, "scenario", &scenario, NULL, why) || !need_str(o, "protocol", &protocol, why) ||
      !need_str(o, "app", &app, why) || !get_str(o, "failover", &failover, NULL, why) ||
      !get_u64(o, "seed", &seed, why))
    return false;
  if (f->has_run) {
    *why = g_strdup("a second \"run\" line");
    return false;
  }
  f->has_run = true;
  f->scenario = g_strdup(scenario);
  f->protocol = g_strdup(protocol);
  f->app = g_strdup(app);
  f->failover = g_strdup(failover);
  f->seed = seed;
  return true;
}

static bool read_final(anom_facts *f, long line, JsonObject *o, char **why)
{
  const char *node, *key, *name, *value, *status;
  bool value_null = false;
  uint64_t version;
  if (!need_str(o, "node", &node, why) || !need_str(o, "key", &key, why) ||
      !get_str(o, "name", &name, NULL, why) || !get_str(o, "value", &value, &value_null, why) ||
      !get_str(o, "status", &status, NULL, why) || !get_u64(o, "version", &version, why))
    return false;
  anom_facts_add_final(f, node, key, name, value, value_null, status, version, line);
  return true;
}

static bool read_digest(anom_facts *f, JsonObject *o, char **why)
{
  const char *node, *digest;
  if (!need_str(o, "node", &node, why) || !need_str(o, "digest", &digest, why))
    return false;
  /* A replica still down at the end is not compared: it was never healed. */
  if (json_object_has_member(o, "up") && !json_object_get_boolean_member(o, "up"))
    return true;
  anom_facts_add_digest(f, node, digest);
  return true;
}

/* A scalar member as text ("r1", "0.05", "true"); NULL for null, objects and arrays. */
static char *scalar_text(JsonNode *n)
{
  if (!JSON_NODE_HOLDS_VALUE(n))
    return NULL;
  switch (json_node_get_value_type(n)) {
  case G_TYPE_STRING:
    return g_strdup(json_node_get_string(n));
  case G_TYPE_INT64:
    return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
  case G_TYPE_BOOLEAN:
    return g_strdup(json_node_get_boolean(n) ? "true" : "false");
  case G_TYPE_DOUBLE: {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return g_strdup(g_ascii_formatd(buf, sizeof buf, "%g", json_node_get_double(n)));
  }
  default:
    return NULL;
  }
}

/* A fault's target: the scalar members other than t, type, fault and phase, in line order, as
 * key, value, ... pairs (NULL-terminated; the strings are freed with the array). */
static GPtrArray *fault_target(JsonObject *o)
{
  GPtrArray *kv = g_ptr_array_new_with_free_func(g_free);
  JsonObjectIter it;
  const char *name;
  JsonNode *n;
  json_object_iter_init_ordered(&it, o);
  while (json_object_iter_next_ordered(&it, &name, &n)) {
    static const char *const fixed[] = {"t", "type", "fault", "phase"};
    bool skip = false;
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
      skip |= strcmp(name, fixed[i]) == 0;
    char *v = skip ? NULL : scalar_text(n);
    if (v) {
      g_ptr_array_add(kv, g_strdup(name));
      g_ptr_array_add(kv, v);
    }
  }
  g_ptr_array_add(kv, NULL);
  return kv;
}

static bool read_fault(anom_facts *f, long line, double t, JsonObject *o, char **why)
{
  const char *fault, *phase;
  if (!need_str(o, "fault", &fault, why) || !need_str(o, "phase", &phase, why))
    return false;
  bool start = strcmp(phase, "start") == 0;
  if (!start && strcmp(phase, "end") != 0) {
    *why = g_strdup("field \"phase\" must be \"start\" or \"end\"");
    return false;
  }
  GPtrArray *kv = fault_target(o);
  anom_facts_add_fault(f, t, fault, start, (const char *const *)kv->pdata, line);
  g_ptr_array_free(kv, TRUE);
  return true;
}

static bool read_role(anom_facts *f, long line, double t, JsonObject *o, char **why)
{
  const char *node, *role;
  uint64_t view;
  if (!need_str(o, "node", &node, why) || !need_str(o, "role", &role, why) ||
      !get_u64(o, "view", &view, why))
    return false;
  anom_facts_add_role(f, t, node, role, view, line);
  return true;
}

static bool on_fact(void *ud, long line, double t, const char *type, JsonObject *o, char **why)
{
  anom_facts *f = ud;
  f->end_time = MAX(f->end_time, t);
  if (strcmp(type, "run") == 0)
    return read_run(f, o, why);
  if (strcmp(type, "final") == 0)
    return read_final(f, line, o, why);
  if (strcmp(type, "digest") == 0)
    return read_digest(f, o, why);
  if (strcmp(type, "fault") == 0)
    return read_fault(f, line, t, o, why);
  if (strcmp(type, "role") == 0)
    return read_role(f, line, t, o, why);
  return true;
}

anom_facts *anom_facts_read(const char *path, char **err)
{
  static const char *const wanted[] = {"run", "final", "digest", "fault", "role", NULL};
  anom_facts *f = anom_facts_new();
  if (!trace_foreach_types(path, wanted, on_fact, f, err)) {
    anom_facts_free(f);
    return NULL;
  }
  return f;
}

/* ---- Small helpers ------------------------------------------------------------------------ */

/* Orders two instants: by time, then by trace line when both are known; 0 when undecided. */
static int when_cmp(double t1, long l1, double t2, long l2)
{
  if (t1 != t2)
    return t1 < t2 ? -1 : 1;
  if (l1 > 0 && l2 > 0 && l1 != l2)
    return l1 < l2 ? -1 : 1;
  return 0;
}

static bool is_update(const char *op)
{
  static const char *const updates[] = {"write", "put", "append", "cas", "delete"};
  for (size_t i = 0; i < G_N_ELEMENTS(updates); i++)
    if (strcmp(op, updates[i]) == 0)
      return true;
  return false;
}

static bool is_read(const char *op)
{
  return strcmp(op, "read") == 0 || strcmp(op, "get") == 0;
}

static bool acknowledged(const hist_op *o)
{
  return o->outcome == HIST_OK && o->status && strcmp(o->status, "SUCCESS") == 0;
}

/* An acknowledged update: the operations whose effect must survive. */
static bool acked_update(const hist_op *o)
{
  return o->key && is_update(o->op) && acknowledged(o);
}

static void anom_op_set(anom_op *d, const hist_op *o)
{
  *d = (anom_op){o->index, g_strdup(o->process), g_strdup(o->op), g_strdup(o->key),
                 g_strdup(o->name), g_strdup(o->value), g_strdup(o->status), o->value_null,
                 o->version, o->outcome, o->t_invoke, o->t_complete, o->trace_line_invoke,
                 o->trace_line_complete};
}

static void anom_op_clear(anom_op *o)
{
  g_free(o->process);
  g_free(o->op);
  g_free(o->key);
  g_free(o->name);
  g_free(o->value);
  g_free(o->status);
}

/* Appends `s` quoted and escaped, cut at ANOM_SHOW_CHARS bytes; NULL shows as null. */
static void show_value(GString *out, const char *s)
{
  if (!s) {
    g_string_append(out, "null");
    return;
  }
  size_t n = strlen(s);
  char *cut = g_strndup(s, MIN(n, (size_t)ANOM_SHOW_CHARS));
  char *esc = g_strescape(cut, NULL);
  g_string_append_printf(out, "\"%s%s\"", esc, n > ANOM_SHOW_CHARS ? "..." : "");
  g_free(esc);
  g_free(cut);
}

/* ---- End states --------------------------------------------------------------------------- */

typedef enum end_kind { END_ABSENT = 0, END_LIVE, END_DELETED } end_kind;

/* A key's end state and, while the history is scanned, the latest completion among the
 * operations that explain it. */
typedef struct key_end {
  end_kind kind;
  const char *value;        /* live value ("" when a live final had none) */
  uint64_t version;
  unsigned holders, replicas;
  long line;                /* a final line holding the state */
  bool explained;           /* some operation explains it */
  bool explained_forever;   /* ... one that never completed (info, pending) */
  double latest_t;          /* ... the latest completion among the others */
  long latest_line;
  bool overwritten;         /* some acknowledged non-append update of the key... */
  double over_t;            /* ... and the latest invocation among them */
  long over_line;
} key_end;

static end_kind final_kind(const anom_final *x)
{
  if (x->status && strcmp(x->status, "FILE ALREADY DELETED") == 0)
    return END_DELETED;
  if (x->value_null || !x->status || strcmp(x->status, "SUCCESS") != 0)
    return END_ABSENT;
  return END_LIVE;
}

static const char *final_value(const anom_final *x)
{
  return final_kind(x) == END_LIVE ? (x->value ? x->value : "") : NULL;
}

static bool same_state(const anom_final *a, const anom_final *b)
{
  return final_kind(a) == final_kind(b) && g_strcmp0(final_value(a), final_value(b)) == 0;
}

/* pb-*: the state most replicas hold; ties to the highest version, then the earliest line.
 * Quadratic in the replicas of one key, which are a handful. */
static const anom_final *majority_state(GPtrArray *finals, unsigned *holders)
{
  const anom_final *best = NULL;
  unsigned best_n = 0;
  uint64_t best_v = 0;
  for (guint i = 0; i < finals->len; i++) {
    const anom_final *x = g_ptr_array_index(finals, i);
    unsigned n = 0;
    uint64_t v = 0;
    for (guint j = 0; j < finals->len; j++) {
      const anom_final *y = g_ptr_array_index(finals, j);
      if (same_state(x, y)) {
        n++;
        v = MAX(v, y->version);
      }
    }
    if (!best || n > best_n || (n == best_n && v > best_v)) {
      best = x;
      best_n = n;
      best_v = v;
    }
  }
  *holders = best_n;
  return best;
}

/* quorum: as a quorum read merges answers (files' newer()): a tombstone beats any live version,
 * since a deleted uuid is never live again; otherwise the newest version. */
static const anom_final *newest_state(GPtrArray *finals, unsigned *holders)
{
  const anom_final *best = NULL;
  for (guint i = 0; i < finals->len; i++) {
    const anom_final *x = g_ptr_array_index(finals, i);
    bool x_dead = final_kind(x) == END_DELETED, best_dead = best && final_kind(best) == END_DELETED;
    if (!best || (x_dead && !best_dead) || (x_dead == best_dead && x->version > best->version))
      best = x;
  }
  *holders = 0;
  for (guint i = 0; best && i < finals->len; i++)
    *holders += same_state(best, g_ptr_array_index(finals, i));
  return best;
}

/* key -> key_end for every key with final lines (the table owns the values, not the keys). */
static GHashTable *end_states(const anom_facts *f, bool quorum)
{
  GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < f->finals->len; i++) {
    anom_final *x = g_ptr_array_index(f->finals, i);
    GPtrArray *list = g_hash_table_lookup(by_key, x->key);
    if (!list)
      g_hash_table_insert(by_key, x->key, list = g_ptr_array_new());
    g_ptr_array_add(list, x);
  }
  GHashTable *ends = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init(&it, by_key);
  while (g_hash_table_iter_next(&it, &key, &val)) {
    GPtrArray *list = val;
    key_end *e = g_new0(key_end, 1);
    const anom_final *s = quorum ? newest_state(list, &e->holders) : majority_state(list, &e->holders);
    e->kind = final_kind(s);
    e->value = final_value(s);
    e->version = s->version;
    e->line = s->line;
    e->replicas = list->len;
    g_hash_table_insert(ends, key, e);
  }
  g_hash_table_destroy(by_key);
  return ends;
}

static char *describe_end(const key_end *e)
{
  GString *s = g_string_new(NULL);
  if (e->replicas == 0) {
    g_string_append(s, "absent (no final line for this key)");
    return g_string_free(s, FALSE);
  }
  if (e->kind == END_LIVE) {
    g_string_append(s, "live ");
    show_value(s, e->value);
  } else {
    g_string_append(s, e->kind == END_DELETED ? "deleted" : "absent");
  }
  if (e->version)
    g_string_append_printf(s, " v%" G_GUINT64_FORMAT, e->version);
  g_string_append_printf(s, " (%u of %u replicas)", e->holders, e->replicas);
  return g_string_free(s, FALSE);
}

/* ---- Lost writes -------------------------------------------------------------------------- */

/* Could `o` have produced the state `e`? Only operations that may have taken effect can. */
static bool explains(const hist_op *o, const key_end *e)
{
  bool may_have_run = acknowledged(o) || o->outcome == HIST_INFO || o->outcome == HIST_PENDING;
  if (!may_have_run || e->kind == END_ABSENT)
    return false;
  if (e->kind == END_DELETED)
    return strcmp(o->op, "delete") == 0;
  const char *v = o->value ? o->value : "";
  if (strcmp(o->op, "append") == 0)
    return g_str_has_suffix(e->value, v);
  return (strcmp(o->op, "write") == 0 || strcmp(o->op, "put") == 0 || strcmp(o->op, "cas") == 0) &&
         strcmp(e->value, v) == 0;
}

/* The key's entry; a key without final lines gets an absent one (held by none of 0 replicas). */
static key_end *end_of(GHashTable *ends, const char *key)
{
  key_end *e = g_hash_table_lookup(ends, key);
  if (!e)
    g_hash_table_insert(ends, (gpointer)key, e = g_new0(key_end, 1));
  return e;
}

/* Notes the latest invocation among the acknowledged updates that overwrite what came before. */
static void note_overwrite(key_end *e, const hist_op *o)
{
  if (!acknowledged(o) || strcmp(o->op, "append") == 0)
    return;
  if (!e->overwritten || when_cmp(e->over_t, e->over_line, o->t_invoke, o->trace_line_invoke) < 0) {
    e->overwritten = true;
    e->over_t = o->t_invoke;
    e->over_line = o->trace_line_invoke;
  }
}

/* Notes, per key, the latest completion among the operations that explain its end state and the
 * latest acknowledged overwrite. */
static void note_explainers(const history *h, GHashTable *ends)
{
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!o->key || !is_update(o->op))
      continue;
    key_end *e = end_of(ends, o->key);
    note_overwrite(e, o);
    if (!explains(o, e))
      continue;
    if (o->outcome != HIST_OK) {
      e->explained = e->explained_forever = true;
    } else if (!e->explained || when_cmp(e->latest_t, e->latest_line, o->t_complete,
                                         o->trace_line_complete) < 0) {
      e->explained = true;
      e->latest_t = o->t_complete;
      e->latest_line = o->trace_line_complete;
    }
  }
}

/* W is lost when (a) nothing explains the end state or everything that does completed before W,
 * and (b) no acknowledged overwrite was invoked after W completed. */
static bool lost(const hist_op *w, const key_end *e)
{
  if (e->overwritten &&
      when_cmp(w->t_complete, w->trace_line_complete, e->over_t, e->over_line) < 0)
    return false;
  if (!e->explained)
    return true;
  if (e->explained_forever)
    return false;
  return when_cmp(e->latest_t, e->latest_line, w->t_invoke, w->trace_line_invoke) < 0;
}

static bool any_acked_update(const history *h)
{
  for (guint i = 0; i < h->ops->len; i++)
    if (acked_update(g_ptr_array_index(h->ops, i)))
      return true;
  return false;
}

static void lost_write_clear(gpointer p)
{
  anom_lost_write *l = p;
  anom_op_clear(&l->op);
  g_free(l->end_state);
}

static void find_lost_writes(anomalies *a, const history *h, const anom_facts *f)
{
  a->has_lost_writes = f->finals->len > 0 || !any_acked_update(h);
  if (!a->has_lost_writes)
    return;
  GHashTable *ends = end_states(f, a->quorum_end_state);
  note_explainers(h, ends);
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!acked_update(o))
      continue;
    const key_end *e = g_hash_table_lookup(ends, o->key);
    if (!lost(o, e))
      continue;
    anom_lost_write l = {.end_state = describe_end(e), .end_line = e->line};
    anom_op_set(&l.op, o);
    g_array_append_val(a->lost, l);
  }
  a->lost_writes = a->lost->len;
  g_hash_table_destroy(ends);
}

/* ---- Stale reads -------------------------------------------------------------------------- */

/* A read beginning or an update acknowledged, on the sweep line. */
typedef struct read_event {
  double t;
  long line;
  int kind; /* 0: a read is invoked, 1: an update is acknowledged (a tie puts the read first) */
  const hist_op *op;
} read_event;

static int cmp_read_event(const void *pa, const void *pb)
{
  const read_event *a = pa, *b = pb;
  if (a->t != b->t)
    return a->t < b->t ? -1 : 1;
  if (a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind - b->kind;
  return (a->op->index > b->op->index) - (a->op->index < b->op->index);
}

static GArray *read_events(const history *h)
{
  GArray *ev = g_array_new(FALSE, FALSE, sizeof(read_event));
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!o->key)
      continue;
    if (is_read(o->op) && o->outcome == HIST_OK) {
      read_event e = {o->t_invoke, o->trace_line_invoke, 0, o};
      g_array_append_val(ev, e);
    } else if (acked_update(o) && o->version > 0) {
      read_event e = {o->t_complete, o->trace_line_complete, 1, o};
      g_array_append_val(ev, e);
    }
  }
  g_array_sort(ev, cmp_read_event);
  return ev;
}

static void stale_read_clear(gpointer p)
{
  anom_stale_read *s = p;
  anom_op_clear(&s->op);
  anom_op_clear(&s->newer);
}

/* One sweep in time order, keeping per key the acknowledged update with the highest version. */
static void find_stale_reads(anomalies *a, const history *h)
{
  GArray *ev = read_events(h);
  GHashTable *newest = g_hash_table_new(g_str_hash, g_str_equal); /* key -> const hist_op* */
  for (guint i = 0; i < ev->len; i++) {
    const read_event *e = &g_array_index(ev, read_event, i);
    const hist_op *best = g_hash_table_lookup(newest, e->op->key);
    if (e->kind == 1) {
      if (!best || e->op->version > best->version)
        g_hash_table_insert(newest, e->op->key, (gpointer)e->op);
    } else if (best && e->op->version < best->version) {
      anom_stale_read s;
      anom_op_set(&s.op, e->op);
      anom_op_set(&s.newer, best);
      g_array_append_val(a->stale, s);
    }
  }
  g_hash_table_destroy(newest);
  g_array_free(ev, TRUE);
  a->stale_reads = a->stale->len;
}

static gint cmp_stale_by_index(gconstpointer pa, gconstpointer pb)
{
  const anom_stale_read *x = pa, *y = pb;
  return (x->op.index > y->op.index) - (x->op.index < y->op.index);
}

/* ---- Divergence --------------------------------------------------------------------------- */

/* Replicas whose digest differs from the most common one: n - (size of the largest group). */
static void count_diverged(anomalies *a, const anom_facts *f)
{
  if (f->digests->len == 0)
    return;
  GHashTable *count = g_hash_table_new(g_str_hash, g_str_equal);
  unsigned best = 0;
  for (guint i = 0; i < f->digests->len; i++) {
    const char *line = g_ptr_array_index(f->digests, i);
    const char *digest = strrchr(line, ' ');
    digest = digest ? digest + 1 : line;
    unsigned c = GPOINTER_TO_UINT(g_hash_table_lookup(count, digest)) + 1;
    g_hash_table_insert(count, (gpointer)digest, GUINT_TO_POINTER(c));
    best = MAX(best, c);
  }
  g_hash_table_destroy(count);
  a->has_diverged = true;
  a->replicas = f->digests->len;
  a->diverged = f->digests->len - best;
}

/* ---- Fault windows ------------------------------------------------------------------------ */

/* The history's invocation times in order, with running counts of ok and completed operations:
 * the number in any time range is then two binary searches away. */
typedef struct op_index {
  double *t;
  uint64_t *ok, *completed; /* ok[i]: ok operations among the first i */
  size_t n;
} op_index;

typedef struct inv {
  double t;
  hist_outcome outcome;
} inv;

static int cmp_inv(const void *pa, const void *pb)
{
  const inv *a = pa, *b = pb;
  return (a->t > b->t) - (a->t < b->t);
}

static void op_index_build(op_index *x, const history *h)
{
  x->n = h->ops->len;
  inv *v = g_new(inv, x->n + 1);
  bool sorted = true;
  for (size_t i = 0; i < x->n; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    v[i] = (inv){o->t_invoke, o->outcome};
    sorted &= i == 0 || v[i - 1].t <= v[i].t;
  }
  if (!sorted)
    qsort(v, x->n, sizeof *v, cmp_inv);
  x->t = g_new(double, x->n + 1);
  x->ok = g_new0(uint64_t, x->n + 1);
  x->completed = g_new0(uint64_t, x->n + 1);
  for (size_t i = 0; i < x->n; i++) {
    x->t[i] = v[i].t;
    x->ok[i + 1] = x->ok[i] + (v[i].outcome == HIST_OK);
    x->completed[i + 1] = x->completed[i] + (v[i].outcome != HIST_PENDING);
  }
  g_free(v);
}

static void op_index_free(op_index *x)
{
  g_free(x->t);
  g_free(x->ok);
  g_free(x->completed);
}

/* The first position whose time is >= t (or > t when `after`). */
static size_t lower_bound(const op_index *x, double t, bool after)
{
  size_t lo = 0, hi = x->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->t[mid] < t || (after && x->t[mid] == t))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static void window_count(anom_window *w, const op_index *x)
{
  size_t from = lower_bound(x, w->start, false), to = lower_bound(x, w->end, true);
  if (to < from)
    to = from;
  w->ops = to - from;
  w->ok = x->ok[to] - x->ok[from];
  w->completed = x->completed[to] - x->completed[from];
  w->has_availability = w->completed > 0;
  w->availability = w->completed ? (double)w->ok / (double)w->completed : 0.0;
}

static void window_clear(gpointer p)
{
  anom_window *w = p;
  g_free(w->fault);
  g_free(w->target);
}

/* Does the end line `end` close the window started by `start`? Same fault, and every target
 * field of the end is one of the start's. */
static bool closes(const anom_fault *end, const anom_fault *start)
{
  if (strcmp(end->fault, start->fault) != 0)
    return false;
  for (char **e = end->fields; *e; e++)
    if (!g_strv_contains((const char *const *)start->fields, *e))
      return false;
  return true;
}

/* Pairs start and end lines: an end closes the oldest open window it matches. Quadratic in the
 * number of windows open at once, which is a handful. */
static void pair_windows(anomalies *a, const anom_facts *f, double end_time)
{
  GPtrArray *open = g_ptr_array_new(); /* the start lines of the windows still open, oldest first */
  GArray *open_at = g_array_new(FALSE, FALSE, sizeof(guint)); /* ... and their window index */
  for (guint i = 0; i < f->faults->len; i++) {
    const anom_fault *x = g_ptr_array_index(f->faults, i);
    if (x->start) {
      anom_window w = {g_strdup(x->fault), g_strdup(x->target), x->t, end_time, true, x->line, 0,
                       0, 0, 0, false, 0.0};
      g_array_append_val(a->windows, w);
      g_ptr_array_add(open, (gpointer)x);
      g_array_append_val(open_at, (guint){a->windows->len - 1});
      continue;
    }
    for (guint j = 0; j < open->len; j++) {
      if (!closes(x, g_ptr_array_index(open, j)))
        continue;
      anom_window *w = &g_array_index(a->windows, anom_window, g_array_index(open_at, guint, j));
      w->end = x->t;
      w->line_end = x->line;
      w->open_ended = false;
      g_ptr_array_remove_index(open, j);
      g_array_remove_index(open_at, j);
      break;
    }
  }
  g_ptr_array_free(open, TRUE);
  g_array_free(open_at, TRUE);
}

static void find_windows(anomalies *a, const op_index *x, const anom_facts *f, double end_time)
{
  pair_windows(a, f, end_time);
  for (guint i = 0; i < a->windows->len; i++)
    window_count(&g_array_index(a->windows, anom_window, i), x);
}

/* ---- Failover ----------------------------------------------------------------------------- */

static gint cmp_ack(gconstpointer pa, gconstpointer pb)
{
  const hist_op *a = *(const hist_op *const *)pa, *b = *(const hist_op *const *)pb;
  int c = when_cmp(a->t_complete, a->trace_line_complete, b->t_complete, b->trace_line_complete);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Acknowledged updates by completion. */
static GPtrArray *acks_by_completion(const history *h)
{
  GPtrArray *acks = g_ptr_array_new();
  for (guint i = 0; i < h->ops->len; i++) {
    hist_op *o = g_ptr_array_index(h->ops, i);
    if (acked_update(o))
      g_ptr_array_add(acks, o);
  }
  g_ptr_array_sort(acks, cmp_ack);
  return acks;
}

/* The first acknowledgement strictly after the crash, by binary search. */
static const hist_op *first_ack_after(GPtrArray *acks, double t, long line)
{
  guint lo = 0, hi = acks->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const hist_op *o = g_ptr_array_index(acks, mid);
    if (when_cmp(t, line, o->t_complete, o->trace_line_complete) < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo < acks->len ? g_ptr_array_index(acks, lo) : NULL;
}

static void failover_clear(gpointer p)
{
  anom_failover *x = p;
  g_free(x->node);
  if (x->has_time)
    anom_op_clear(&x->first_ack);
}

static void add_failover(anomalies *a, const anom_fault *crash, GPtrArray *acks)
{
  anom_failover x = {.node = g_strdup(crash->node), .crash = crash->t, .crash_line = crash->line};
  const hist_op *ack = first_ack_after(acks, crash->t, crash->line);
  if (ack) {
    x.has_time = true;
    x.time = ack->t_complete - crash->t;
    anom_op_set(&x.first_ack, ack);
    a->failover_time = a->has_failover_time ? MAX(a->failover_time, x.time) : x.time;
    a->has_failover_time = true;
  }
  g_array_append_val(a->failovers, x);
}

/* Walks role and fault lines together in trace order, so "the latest role before the crash" is
 * the role table at the moment the crash line comes. */
static void find_failovers(anomalies *a, const history *h, const anom_facts *f)
{
  GPtrArray *acks = acks_by_completion(h);
  GHashTable *role = g_hash_table_new(g_str_hash, g_str_equal); /* node -> role */
  guint r = 0;
  for (guint i = 0; i < f->faults->len; i++) {
    const anom_fault *x = g_ptr_array_index(f->faults, i);
    for (; r < f->roles->len; r++) {
      const anom_role *y = g_ptr_array_index(f->roles, r);
      if (when_cmp(x->t, x->line, y->t, y->line) < 0)
        break;
      g_hash_table_insert(role, y->node, y->role);
    }
    const char *was = x->node ? g_hash_table_lookup(role, x->node) : NULL;
    if (x->start && strcmp(x->fault, "crash") == 0 && was && strcmp(was, "primary") == 0)
      add_failover(a, x, acks);
  }
  g_hash_table_destroy(role);
  g_ptr_array_free(acks, TRUE);
}

/* ---- All of it ---------------------------------------------------------------------------- */

static double history_end(const history *h)
{
  double end = 0;
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    end = MAX(end, MAX(o->t_invoke, o->t_complete));
  }
  return end;
}

static anomalies *anomalies_new(void)
{
  anomalies *a = g_new0(anomalies, 1);
  a->lost = g_array_new(FALSE, TRUE, sizeof(anom_lost_write));
  g_array_set_clear_func(a->lost, lost_write_clear);
  a->stale = g_array_new(FALSE, TRUE, sizeof(anom_stale_read));
  g_array_set_clear_func(a->stale, stale_read_clear);
  a->windows = g_array_new(FALSE, TRUE, sizeof(anom_window));
  g_array_set_clear_func(a->windows, window_clear);
  a->failovers = g_array_new(FALSE, TRUE, sizeof(anom_failover));
  g_array_set_clear_func(a->failovers, failover_clear);
  return a;
}

anomalies *anomalies_compute(const history *h, const anom_facts *f)
{
  anomalies *a = anomalies_new();
  a->quorum_end_state = f->protocol && strcmp(f->protocol, "quorum") == 0;
  find_lost_writes(a, h, f);
  find_stale_reads(a, h);
  g_array_sort(a->stale, cmp_stale_by_index);
  count_diverged(a, f);
  op_index x;
  op_index_build(&x, h);
  find_windows(a, &x, f, MAX(f->end_time, history_end(h)));
  op_index_free(&x);
  find_failovers(a, h, f);
  return a;
}

void anomalies_free(anomalies *a)
{
  if (!a)
    return;
  g_array_free(a->lost, TRUE);
  g_array_free(a->stale, TRUE);
  g_array_free(a->windows, TRUE);
  g_array_free(a->failovers, TRUE);
  g_free(a);
}

/* ---- The report --------------------------------------------------------------------------- */

/* `#7 c2 write u1 "abc" -> ok SUCCESS v4  [1.200000, 1.350000] lines 40-44` */
static void print_op(const anom_op *o, FILE *out)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "#%u %s %s %s", o->index, o->process, o->op, o->key);
  bool read = is_read(o->op);
  if (!read && strcmp(o->op, "delete") != 0) {
    g_string_append_c(s, ' ');
    show_value(s, o->value);
  }
  g_string_append_printf(s, " -> %s", hist_outcome_name(o->outcome));
  if (o->status)
    g_string_append_printf(s, " %s", o->status);
  if (read && o->outcome == HIST_OK && (o->value || o->value_null)) {
    g_string_append_c(s, ' ');
    show_value(s, o->value);
  }
  if (o->version)
    g_string_append_printf(s, " v%" G_GUINT64_FORMAT, o->version);
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

static void print_lost(const anomalies *a, size_t max, FILE *out)
{
  if (!a->has_lost_writes) {
    fprintf(out, "lost writes: not computed (the trace has no final lines)\n");
    return;
  }
  fprintf(out, "lost writes: %" G_GUINT64_FORMAT " (end state as %s)\n", a->lost_writes,
          a->quorum_end_state ? "quorum reads it: the newest version" : "most replicas hold it");
  for (guint i = 0; i < a->lost->len && i < max; i++) {
    const anom_lost_write *l = &g_array_index(a->lost, anom_lost_write, i);
    fprintf(out, "  lost: ");
    print_op(&l->op, out);
    fprintf(out, "        key \"%s\" ends %s", l->op.key, l->end_state);
    if (l->end_line)
      fprintf(out, ", final line %ld", l->end_line);
    fprintf(out, "\n");
  }
  if (a->lost->len > max)
    fprintf(out, "  ... %u more\n", a->lost->len - (guint)max);
}

static void print_stale(const anomalies *a, size_t max, FILE *out)
{
  fprintf(out, "stale reads: %" G_GUINT64_FORMAT "\n", a->stale_reads);
  for (guint i = 0; i < a->stale->len && i < max; i++) {
    const anom_stale_read *s = &g_array_index(a->stale, anom_stale_read, i);
    fprintf(out, "  stale: ");
    print_op(&s->op, out);
    fprintf(out, "         key \"%s\": v%" G_GUINT64_FORMAT " was acknowledged before it began: ",
            s->op.key, s->newer.version);
    print_op(&s->newer, out);
  }
  if (a->stale->len > max)
    fprintf(out, "  ... %u more\n", a->stale->len - (guint)max);
}

static void print_windows(const anomalies *a, FILE *out)
{
  for (guint i = 0; i < a->windows->len; i++) {
    const anom_window *w = &g_array_index(a->windows, anom_window, i);
    fprintf(out, "fault window: %s %s [%.6f, %.6f]%s: %" G_GUINT64_FORMAT " ops, %" G_GUINT64_FORMAT
                 " ok of %" G_GUINT64_FORMAT " completed",
            w->fault, w->target, w->start, w->end, w->open_ended ? " (never ended)" : "", w->ops,
            w->ok, w->completed);
    if (w->has_availability)
      fprintf(out, ", availability %.2f%%", w->availability * 100);
    fprintf(out, "\n");
  }
}

static void print_failovers(const anomalies *a, FILE *out)
{
  for (guint i = 0; i < a->failovers->len; i++) {
    const anom_failover *x = &g_array_index(a->failovers, anom_failover, i);
    fprintf(out, "failover: primary %s crashed at %.6f (line %ld): ", x->node, x->crash,
            x->crash_line);
    if (!x->has_time) {
      fprintf(out, "no update was acknowledged afterwards\n");
      continue;
    }
    fprintf(out, "%.6f s until ", x->time);
    print_op(&x->first_ack, out);
  }
}

void anomalies_print(const anomalies *a, size_t max_listed, FILE *out)
{
  print_lost(a, max_listed, out);
  print_stale(a, max_listed, out);
  if (a->has_diverged)
    fprintf(out, "diverged: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " replicas\n",
            a->diverged, a->replicas);
  print_windows(a, out);
  print_failovers(a, out);
}
