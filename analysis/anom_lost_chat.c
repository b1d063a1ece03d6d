/* Lost writes of `chat` (seed 003's persistence): acknowledged registrations and messages missing at the end. */
#include "analysis/anom_internal.h"

#include <string.h>

/* A chat history: the run line says so, or (a bare history) its operations are chat's. */
bool anom_is_chat(const history *h, const trace_facts *f)
{
  if (f->app)
    return strcmp(f->app, "chat") == 0;
  for (guint i = 0; i < h->ops->len; i++) {
    const char *op = ((const hist_op *)g_ptr_array_index(h->ops, i))->op;
    if (op && (strcmp(op, "register") == 0 || strcmp(op, "send") == 0 || strcmp(op, "fetch") == 0))
      return true;
  }
  return false;
}

/* The final line most replicas (those up at the end) agree on for an account (status and every text it ever got,
 * chat's final report); ties go to the earliest line. Quadratic in the replicas, a handful. */
static const fact_final *account_end(GPtrArray *finals, unsigned *holders)
{
  const fact_final *best = NULL;
  unsigned best_n = 0;
  for (guint i = 0; i < finals->len; i++) {
    const fact_final *x = g_ptr_array_index(finals, i);
    unsigned n = 0;
    for (guint j = 0; j < finals->len; j++) {
      const fact_final *y = g_ptr_array_index(finals, j);
      n += g_strcmp0(x->status, y->status) == 0 && g_strcmp0(x->value, y->value) == 0;
    }
    if (n > best_n) {
      best = x;
      best_n = n;
    }
  }
  *holders = best_n;
  return best;
}

/* Whether `text` is one of the '|'-separated texts of `all`. O(length of all). */
static bool holds_text(const char *all, const char *text)
{
  size_t n = strlen(text);
  for (const char *p = all; p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && memcmp(p, text, n) == 0)
      return true;
    p = bar ? bar + 1 : NULL;
  }
  return false;
}

static bool lost(const hist_op *o, const fact_final *end)
{
  bool registered = end && end->status && strcmp(end->status, "SUCCESS") == 0;
  if (strcmp(o->op, "register") == 0)
    return !registered;
  return strcmp(o->op, "send") == 0 && (!registered || !holds_text(end->value ? end->value : "", o->value ? o->value : ""));
}

/* An acknowledged register is lost when the account is gone at the end; an acknowledged send,
 * when its text is not among the account's messages (delivered or not) at the end. A fetch
 * only marks messages delivered, so it cannot be lost that way. */
void anom_find_lost_chat(anomalies *a, const history *h, const trace_facts *f)
{
  bool acked = false;
  for (guint i = 0; i < h->ops->len && !acked; i++)
    acked = anom_acked_update(g_ptr_array_index(h->ops, i));
  a->has_lost_writes = f->finals->len > 0 || !acked;
  if (!a->has_lost_writes)
    return;
  /* A replica still down at the end was never healed: its store speaks only when none is up. */
  GHashTable *down = g_hash_table_new(g_str_hash, g_str_equal);
  guint n_up = 0;
  for (guint i = 0; i < f->digests->len; i++) {
    const fact_digest *d = g_ptr_array_index(f->digests, i);
    if (!d->up)
      g_hash_table_add(down, d->node);
    n_up += d->up;
  }
  GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < f->finals->len; i++) {
    fact_final *x = g_ptr_array_index(f->finals, i);
    if (n_up > 0 && g_hash_table_contains(down, x->node))
      continue;
    GPtrArray *list = g_hash_table_lookup(by_key, x->key);
    if (!list)
      g_hash_table_insert(by_key, x->key, list = g_ptr_array_new());
    g_ptr_array_add(list, x);
  }
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!anom_acked_update(o))
      continue;
    GPtrArray *list = g_hash_table_lookup(by_key, o->key);
    unsigned holders = 0;
    const fact_final *end = list ? account_end(list, &holders) : NULL;
    if (!lost(o, end))
      continue;
    GString *s = g_string_new(NULL);
    if (!end) {
      g_string_append(s, "absent (no final line for this account)");
    } else {
      g_string_append_printf(s, "%s ", end->status ? end->status : "?");
      anom_show_value(s, end->value);
      g_string_append_printf(s, " (%u of %u replicas)", holders, list->len);
    }
    anom_lost_write l = {.end_state = g_string_free(s, FALSE), .end_line = end ? end->line : 0};
    hist_op_copy(&l.op, o);
    g_array_append_val(a->lost, l);
  }
  a->lost_writes = a->lost->len;
  g_hash_table_destroy(by_key);
  g_hash_table_destroy(down);
}
