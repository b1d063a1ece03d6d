/* EDN histories into the checker's history. Three shapes are told apart by their operations:
 * - replsim's history.edn: :f read/write/delete/put/get/append/cas, :value ["key" v], :node, and
 *   the answer's :status; the first map may name the model (:replsim/model);
 * - MIT 6.824's kv as Porcupine's test data has it: :f :get/:put/:append with a :key field; a
 *   key never written reads as "" (Porcupine's kv model);
 * - Jepsen's and Maelstrom's: :f :read/:write/:cas, :value [k v] (lin-kv, independent keys) or a
 *   bare value (a single register, key "register"). :ok means done, :fail definitely not done
 *   (a failed cas: its compare failed, so it is kept as an answer CAS MISMATCH), :info unknown.
 * Without :time, the order of the maps is the real-time order (each map one tick). Operations of
 * a keyword process (the :nemesis) are left out, and a note says how many. */
#include "analysis/edn_history.h"
#include "analysis/edn_read.h"

#include <errno.h>
#include <string.h>

typedef enum shape { SHAPE_REPLSIM, SHAPE_KV6824, SHAPE_KEYED, SHAPE_REGISTER } shape;

/* One op map, as read. */
typedef struct edn_op {
  const edn_value *m;
  const char *type;  /* invoke, ok, fail, info */
  const char *f;
  char *process;     /* the process as text, or :node's string */
  bool nemesis;
} edn_op;

static const char *name_of(const edn_value *v)
{
  return v && (v->kind == EDN_KEYWORD || v->kind == EDN_STRING || v->kind == EDN_SYMBOL) ? v->text
                                                                                          : NULL;
}

/* A value as the history keeps it: a string as itself, nil as NULL, anything else as EDN. */
static char *value_text(const edn_value *v)
{
  if (!v || v->kind == EDN_NIL)
    return NULL;
  return v->kind == EDN_STRING ? g_strdup(v->text) : edn_print(v);
}

static bool is_pair(const edn_value *v)
{
  return v && (v->kind == EDN_VECTOR || v->kind == EDN_LIST) && v->n == 2;
}

static bool op_of(const edn_value *m, edn_op *op, char **why)
{
  memset(op, 0, sizeof *op);
  op->m = m;
  if (m->kind != EDN_MAP) {
    *why = g_strdup("expected an operation map {:type ... :f ...}");
    return false;
  }
  op->type = name_of(edn_map_get(m, "type"));
  static const char *const types[] = {"invoke", "ok", "fail", "info", NULL};
  if (!op->type || !g_strv_contains(types, op->type)) {
    *why = g_strdup(":type must be :invoke, :ok, :fail or :info");
    return false;
  }
  const edn_value *p = edn_map_get(m, "process");
  const char *node = name_of(edn_map_get(m, "node"));
  op->nemesis = p && p->kind == EDN_KEYWORD;
  if (!p && !node) {
    *why = g_strdup("missing :process");
    return false;
  }
  op->process = node ? g_strdup(node) : p->kind == EDN_STRING ? g_strdup(p->text) : edn_print(p);
  op->f = name_of(edn_map_get(m, "f"));
  if (!op->f && !op->nemesis) {
    g_free(op->process);
    *why = g_strdup("missing :f (the operation)");
    return false;
  }
  return true;
}

/* Which of the three shapes the history has, from all its operations. */
static shape shape_of(GArray *ops)
{
  bool all_pairs = true, any_value = false;
  for (guint i = 0; i < ops->len; i++) {
    const edn_op *o = &g_array_index(ops, edn_op, i);
    if (o->nemesis)
      continue;
    if (edn_map_get(o->m, "key"))
      return SHAPE_KV6824;
    if (edn_map_get(o->m, "node") || edn_map_get(o->m, "status") || edn_map_get(o->m, "replsim/model"))
      return SHAPE_REPLSIM;
    const edn_value *v = edn_map_get(o->m, "value");
    if (!v || v->kind == EDN_NIL) {
      all_pairs = false;
      continue;
    }
    any_value = true;
    bool pair = is_pair(v) && (strcmp(o->f, "cas") != 0 || is_pair(v->items[1]));
    all_pairs &= pair;
  }
  return any_value && all_pairs ? SHAPE_KEYED : SHAPE_REGISTER;
}

/* The time of a map: :time in nanoseconds, or its position when the history has no times. */
static bool time_of(const edn_op *o, bool timed, long position, double *t, char **why)
{
  const edn_value *v = edn_map_get(o->m, "time");
  if (!timed) {
    if (v) {
      *why = g_strdup(":time on some operations and not on others");
      return false;
    }
    *t = (double)position;
    return true;
  }
  if (!v || v->kind != EDN_INT || v->big || v->i < 0) {
    *why = g_strdup(v ? ":time must be a whole number of nanoseconds, 0 or more"
                      : ":time on some operations and not on others");
    return false;
  }
  *t = (double)v->i / 1e9;
  return true;
}

/* What the checker's models call the operation. */
static const char *op_name(shape s, const char *f)
{
  if (s == SHAPE_KEYED || s == SHAPE_REGISTER)
    return strcmp(f, "read") == 0 ? "get" : strcmp(f, "write") == 0 ? "put" : f;
  return f;
}

/* Did a failed operation fail by its answer (a cas whose compare failed, a read of a missing
 * key) rather than by not running? Maelstrom names the error; Jepsen's old etcd tests none. */
static bool failed_by_answer(const edn_op *o, bool *missing_key)
{
  const edn_value *e = edn_map_get(o->m, "error");
  char *text = e ? edn_print(e) : NULL;
  *missing_key = text && (strstr(text, "key-does-not-exist") || strstr(text, "not-found") ||
                          (e->kind == EDN_VECTOR && e->n && e->items[0]->kind == EDN_INT && e->items[0]->i == 20));
  bool precondition = !text || strstr(text, "precondition") || strstr(text, "cas") ||
                      (e->kind == EDN_VECTOR && e->n && e->items[0]->kind == EDN_INT && e->items[0]->i == 22);
  g_free(text);
  return precondition;
}

/* Key and values of an op map, by shape: *key, *value (written, or read on a completion),
 * *expected (cas). False for a :value that does not fit the shape. */
static bool fields_of(shape s, const edn_op *o, char **key, char **value, char **expected,
                      char **why)
{
  const edn_value *v = edn_map_get(o->m, "value");
  *key = *value = *expected = NULL;
  const edn_value *payload = v;
  if (s == SHAPE_KV6824) {
    *key = value_text(edn_map_get(o->m, "key"));
  } else if (s == SHAPE_REGISTER) {
    *key = g_strdup("register");
  } else {
    if (!is_pair(v)) {
      *why = g_strdup(":value must be [key value]");
      return false;
    }
    *key = value_text(v->items[0]);
    payload = v->items[1];
  }
  if (!*key) {
    *why = g_strdup("an operation without a key");
    return false;
  }
  if (strcmp(o->f, "cas") == 0) {
    if (!is_pair(payload)) {
      g_free(*key);
      *key = NULL;
      *why = g_strdup("a cas :value must be [expected new]");
      return false;
    }
    *expected = value_text(payload->items[0]);
    *value = value_text(payload->items[1]);
  } else {
    *value = value_text(payload);
  }
  return true;
}

typedef struct reader {
  const char *path;
  history *h;
  shape s;
  bool timed;
  GHashTable *open_f; /* process -> the :f of its open invocation */
} reader;

static bool add_invoke(reader *r, const edn_op *o, double t, long line, char **why)
{
  char *key, *value, *expected;
  if (!fields_of(r->s, o, &key, &value, &expected, why))
    return false;
  if (g_hash_table_lookup(r->h->open, o->process)) {
    *why = g_strdup_printf("process %s invokes again while its last operation is still open",
                           o->process);
    g_free(key);
    g_free(value);
    g_free(expected);
    return false;
  }
  bool read = strcmp(o->f, "read") == 0 || strcmp(o->f, "get") == 0;
  history_invoke(r->h, o->process, op_name(r->s, o->f), key, name_of(edn_map_get(o->m, "name")),
                 read ? NULL : value, expected, t, line);
  g_hash_table_replace(r->open_f, g_strdup(o->process), g_strdup(o->f));
  g_free(key);
  g_free(value);
  g_free(expected);
  return true;
}

static bool add_complete(reader *r, const edn_op *o, double t, long line, char **why)
{
  hist_op *open = g_hash_table_lookup(r->h->open, o->process);
  const char *f = g_hash_table_lookup(r->open_f, o->process);
  if (!open) {
    *why = g_strdup_printf(":%s for process %s with no open invocation", o->type, o->process);
    return false;
  }
  if (strcmp(f, o->f) != 0) {
    *why = g_strdup_printf(":%s :%s does not match its invocation's :%s (line %ld)", o->type, o->f,
                           f, open->trace_line_invoke);
    return false;
  }
  if (t < open->t_invoke) {
    *why = g_strdup_printf("completion before its invocation (line %ld)", open->trace_line_invoke);
    return false;
  }
  /* Only a read's completion carries something the checker needs: the value read. */
  char *key = NULL, *value = NULL, *expected = NULL;
  bool read = strcmp(open->op, "read") == 0 || strcmp(open->op, "get") == 0;
  const edn_value *v = edn_map_get(o->m, "value");
  bool has_fields = read && v && v->kind != EDN_NIL &&
                    (r->s == SHAPE_REGISTER || r->s == SHAPE_KV6824 || is_pair(v));
  if (has_fields && !fields_of(r->s, o, &key, &value, &expected, why))
    return false;
  hist_outcome out = strcmp(o->type, "ok") == 0 ? HIST_OK : strcmp(o->type, "fail") == 0 ? HIST_FAIL : HIST_INFO;
  const char *status = name_of(edn_map_get(o->m, "status"));
  const edn_value *ver = edn_map_get(o->m, "version");
  bool value_null = false;
  if (r->s != SHAPE_REPLSIM && out == HIST_OK)
    status = "SUCCESS";
  if (r->s == SHAPE_KEYED || r->s == SHAPE_REGISTER) {
    bool missing;
    if (out == HIST_FAIL && failed_by_answer(o, &missing)) {
      if (strcmp(open->op, "cas") == 0)
        out = HIST_OK, status = "CAS MISMATCH";
      else if (read && missing)
        out = HIST_OK, status = "SUCCESS", g_free(value), value = NULL;
    }
  }
  if (read && out == HIST_OK && !value)
    value_null = true;
  history_complete(r->h, o->process, out, status, read ? value : NULL, value_null,
                   ver && ver->kind == EDN_INT && ver->i > 0 ? (uint64_t)ver->i : 0, NULL, t, line);
  hist_op_set_name(open, name_of(edn_map_get(o->m, "name")));
  g_hash_table_remove(r->open_f, o->process);
  g_free(key);
  g_free(value);
  g_free(expected);
  return true;
}

static void ops_clear(GArray *ops, GPtrArray *values)
{
  for (guint i = 0; i < ops->len; i++)
    g_free(g_array_index(ops, edn_op, i).process);
  g_array_free(ops, TRUE);
  g_ptr_array_free(values, TRUE);
}

/* Every top-level value; a single top-level vector or list of maps is the history too. */
static bool read_values(const char *path, const char *text, gsize len, GPtrArray *values,
                        char **err)
{
  edn_reader *er = edn_reader_new(text, len);
  edn_value *v;
  char *e = NULL;
  while (edn_next(er, &v, &e))
    g_ptr_array_add(values, v);
  edn_reader_free(er);
  if (e) {
    *err = g_strdup_printf("%s:%s", path, e);
    g_free(e);
    return false;
  }
  if (values->len == 1 && (((edn_value *)values->pdata[0])->kind == EDN_VECTOR ||
                           ((edn_value *)values->pdata[0])->kind == EDN_LIST)) {
    edn_value *all = values->pdata[0];
    g_ptr_array_steal_index(values, 0);
    for (size_t i = 0; i < all->n; i++)
      g_ptr_array_add(values, all->items[i]);
    all->n = 0;
    edn_value_free(all);
  }
  if (values->len == 0) {
    *err = g_strdup_printf("%s:1: no operation in the history", path);
    return false;
  }
  return true;
}

static const char *shape_name(shape s)
{
  static const char *const names[] = {"replsim history.edn", "MIT 6.824 kv (Porcupine's format)",
                                      "Jepsen EDN, independent keys ([k v])",
                                      "Jepsen EDN, one register"};
  return names[s];
}

bool edn_history_read(const char *path, check_input *in, char **err)
{
  char *text = NULL;
  gsize len = 0;
  GError *ge = NULL;
  if (!g_file_get_contents(path, &text, &len, &ge)) {
    *err = g_strdup_printf("%s: %s", path, ge->message);
    g_error_free(ge);
    return false;
  }
  GPtrArray *values = g_ptr_array_new_with_free_func((GDestroyNotify)edn_value_free);
  GArray *ops = g_array_new(FALSE, TRUE, sizeof(edn_op));
  bool ok = read_values(path, text, len, values, err);
  g_free(text);
  bool timed = false;
  guint nemesis = 0;
  char *why = NULL;
  for (guint i = 0; ok && i < values->len; i++) {
    edn_op o;
    if (!op_of(values->pdata[i], &o, &why)) {
      *err = g_strdup_printf("%s:%ld: %s", path, ((edn_value *)values->pdata[i])->line, why);
      ok = false;
      break;
    }
    g_array_append_val(ops, o);
    timed |= edn_map_get(o.m, "time") != NULL;
  }
  reader r = {path, NULL, SHAPE_REGISTER, timed, NULL};
  if (ok) {
    r.s = shape_of(ops);
    r.h = history_new();
    r.open_f = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  }
  for (guint i = 0; ok && i < ops->len; i++) {
    const edn_op *o = &g_array_index(ops, edn_op, i);
    long line = o->m->line;
    double t;
    if (o->nemesis) {
      nemesis++;
      continue;
    }
    ok = time_of(o, timed, (long)i, &t, &why) &&
         (strcmp(o->type, "invoke") == 0 ? add_invoke(&r, o, t, line, &why)
                                         : add_complete(&r, o, t, line, &why));
    if (!ok)
      *err = g_strdup_printf("%s:%ld: %s", path, line, why);
  }
  g_free(why);
  if (ok) {
    const edn_value *model = edn_map_get(g_array_index(ops, edn_op, 0).m, "replsim/model");
    in->history = r.h;
    in->facts = trace_facts_new();
    in->format = shape_name(r.s);
    in->model = model && model->kind == EDN_STRING ? g_intern_string(model->text) : NULL;
    in->kv_initial = NULL; /* inferred from the answers, as for any history from elsewhere */
    if (r.s != SHAPE_REPLSIM)
      in->model = "kv";
    in->positions = !timed;
    if (!timed)
      g_ptr_array_add(in->notes, g_strdup("no :time: the order of the operations is taken as "
                                          "real-time order (times shown are positions)"));
    if (nemesis)
      g_ptr_array_add(in->notes, g_strdup_printf("%u operations of the nemesis left out", nemesis));
    if (in->history->ops->len == 0) {
      *err = g_strdup_printf("%s:1: no client operation in the history", path);
      ok = false;
    }
  } else {
    history_free(r.h);
  }
  if (r.open_f)
    g_hash_table_destroy(r.open_f);
  ops_clear(ops, values);
  return ok;
}
