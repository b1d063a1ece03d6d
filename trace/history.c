/* A client history: operations kept in invocation order, with a per-process table of open ones. */
#include "trace/history.h"

#include <string.h>

void hist_op_clear(hist_op *o)
{
  g_free(o->process);
  g_free(o->op);
  g_free(o->key);
  g_free(o->name);
  g_free(o->value);
  g_free(o->expected);
  g_free(o->status);
  g_free(o->replica);
  memset(o, 0, sizeof *o);
}

void hist_op_copy(hist_op *dst, const hist_op *src)
{
  *dst = *src;
  dst->process = g_strdup(src->process);
  dst->op = g_strdup(src->op);
  dst->key = g_strdup(src->key);
  dst->name = g_strdup(src->name);
  dst->value = g_strdup(src->value);
  dst->expected = g_strdup(src->expected);
  dst->status = g_strdup(src->status);
  dst->replica = g_strdup(src->replica);
}

static void hist_op_free(gpointer p)
{
  hist_op *o = p;
  if (!o)
    return;
  hist_op_clear(o);
  g_free(o);
}

history *history_new(void)
{
  history *h = g_new0(history, 1);
  h->ops = g_ptr_array_new_with_free_func(hist_op_free);
  /* Keys point into the open op's own `process`: the table owns neither keys nor values. */
  h->open = g_hash_table_new(g_str_hash, g_str_equal);
  return h;
}

void history_free(history *h)
{
  if (!h)
    return;
  g_hash_table_destroy(h->open);
  g_ptr_array_free(h->ops, TRUE);
  g_free(h);
}

/* Appends a new open operation. A process that still has one open (it should not: clients run
 * one operation at a time) leaves that one pending forever; the new one takes its place. */
hist_op *history_invoke(history *h, const char *process, const char *op, const char *key,
                        const char *name, const char *value, const char *expected, double t,
                        long trace_line)
{
  hist_op *o = g_new0(hist_op, 1);
  o->index = h->ops->len;
  o->process = g_strdup(process ? process : "");
  o->op = g_strdup(op ? op : "");
  o->key = g_strdup(key);
  o->name = g_strdup(name);
  o->value = g_strdup(value);
  o->expected = g_strdup(expected);
  o->t_invoke = t;
  o->t_intended = t;
  o->t_complete = -1.0;
  o->outcome = HIST_PENDING;
  o->trace_line_invoke = trace_line;
  g_ptr_array_add(h->ops, o);
  g_hash_table_replace(h->open, o->process, o);
  return o;
}

/* Closes the open operation of `process`. A value given here (what a read returned) replaces the
 * invocation's; value_null records that it returned nothing; neither keeps the invocation's. */
hist_op *history_complete(history *h, const char *process, hist_outcome outcome, const char *status,
                          const char *value, bool value_null, uint64_t version, const char *replica,
                          double t, long trace_line)
{
  if (!process)
    return NULL;
  hist_op *o = g_hash_table_lookup(h->open, process);
  if (!o)
    return NULL;
  g_hash_table_remove(h->open, process);
  o->outcome = outcome;
  g_free(o->status);
  o->status = g_strdup(status);
  if (value_null) {
    g_free(o->value);
    o->value = NULL;
    o->value_null = true;
  } else if (value) {
    g_free(o->value);
    o->value = g_strdup(value);
  }
  o->version = version;
  g_free(o->replica);
  o->replica = g_strdup(replica);
  o->t_complete = t;
  o->trace_line_complete = trace_line;
  return o;
}

void hist_op_set_name(hist_op *o, const char *name)
{
  if (!o || !name || o->name)
    return;
  o->name = g_strdup(name);
}

const char *hist_outcome_name(hist_outcome o)
{
  switch (o) {
  case HIST_PENDING:
    return "pending";
  case HIST_OK:
    return "ok";
  case HIST_FAIL:
    return "fail";
  case HIST_INFO:
    return "info";
  }
  return "pending";
}
