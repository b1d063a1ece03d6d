/* Chat's lists, made checkable one account at a time: a list is a read of every account at once. */
#include "analysis/lin_internal.h"

#include <string.h>

static void synthetic_free(gpointer p)
{
  hist_op_clear(p);
  g_free(p);
}

static int key_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The account's sub-history, made (and its key listed) when the account appears only in lists. */
static GPtrArray *account_ops(GHashTable *by_key, GPtrArray *keys, const char *account, GPtrArray *owned,
                              const hist_op *like)
{
  GPtrArray *ops = g_hash_table_lookup(by_key, account);
  if (ops)
    return ops;
  hist_op *holder = g_new0(hist_op, 1); /* owns the key string the tables point to */
  hist_op_copy(holder, like);
  g_free(holder->key);
  holder->key = g_strdup(account);
  g_ptr_array_add(owned, holder);
  ops = g_ptr_array_new();
  g_hash_table_insert(by_key, holder->key, ops);
  g_ptr_array_add(keys, holder->key);
  return ops;
}

/* Projects every answered list onto every account: for account K, a read of "is K registered?"
 * at the list's times, answering "registered" when the list named K and "absent" when it did not
 * (P-compositionality's projection: necessary for the list to be linearizable, though a list
 * that mixes two instants can pass it). An account that appears only in lists gets a
 * sub-history of its own, where a list that names it fails (nobody registered it). The
 * synthetic operations are owned by the returned array; free it after the check. */
static bool answered_list(const hist_op *o)
{
  return strcmp(o->op, "list") == 0 && o->outcome == HIST_OK && o->value && g_strcmp0(o->status, "SUCCESS") == 0 &&
         g_strcmp0(o->key, "*") == 0;
}

GPtrArray *lin_chat_project_lists(const history *h, GHashTable *by_key, GPtrArray *keys)
{
  GPtrArray *owned = g_ptr_array_new_with_free_func(synthetic_free);
  for (guint i = 0; i < h->ops->len; i++) { /* first every account any list names */
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!answered_list(o))
      continue;
    char **names = g_strsplit(o->value, "|", -1);
    for (char **n = names; *n && **n; n++)
      account_ops(by_key, keys, *n, owned, o);
    g_strfreev(names);
  }
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!answered_list(o))
      continue;
    char **names = g_strsplit(o->value, "|", -1);
    GHashTable *named = g_hash_table_new(g_str_hash, g_str_equal);
    for (char **n = names; *n; n++)
      g_hash_table_add(named, *n);
    for (guint k = 0; k < keys->len; k++) {
      const char *account = keys->pdata[k];
      if (strcmp(account, "*") == 0)
        continue;
      hist_op *p = g_new0(hist_op, 1);
      hist_op_copy(p, o);
      g_free(p->key);
      g_free(p->value);
      p->key = g_strdup(account);
      p->value = g_strdup(g_hash_table_contains(named, account) ? "registered" : "absent");
      g_ptr_array_add(owned, p);
      g_ptr_array_add(g_hash_table_lookup(by_key, account), p);
    }
    g_hash_table_destroy(named);
    g_strfreev(names);
  }
  if (keys->len > 1)
    qsort(keys->pdata, keys->len, sizeof(gpointer), key_cmp);
  return owned;
}
