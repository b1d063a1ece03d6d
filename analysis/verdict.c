/* The one path to a verdict: choose the model, search for a linearization, find the anomalies. */
#include "analysis/verdict.h"

#include "core/types.h"

#include <string.h>

static const char *const known[] = {"files", "files-quorum", "kv", "votes", "chat", NULL};

/* files or kv from the operations alone: every op must belong to one app. */
static char *infer_model(const history *h, char **source, char **err)
{
  bool files = false, kv = false, votes = false, chat = false;
  const hist_op *first_files = NULL, *first_kv = NULL;
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    rs_op_kind k = rs_op_parse(o->op);
    if (k == RS_OP_READ || k == RS_OP_WRITE || k == RS_OP_DELETE) {
      files = true;
      first_files = first_files ? first_files : o;
    } else if (k == RS_OP_GET || k == RS_OP_PUT || k == RS_OP_APPEND || k == RS_OP_CAS) {
      kv = true;
      first_kv = first_kv ? first_kv : o;
    } else if (k == RS_OP_VOTE || k == RS_OP_RESULT) {
      votes = true;
    } else if (k == RS_OP_REGISTER || k == RS_OP_SEND || k == RS_OP_FETCH || k == RS_OP_LIST) {
      chat = true;
    } else {
      *err = g_strdup_printf("operation #%u (line %ld): no model has an operation \"%s\" "
                             "(files: read, write, delete; kv: get, put, append, cas; votes: vote, result; "
                             "chat: register, send, fetch, list)",
                             o->index, o->trace_line_invoke, o->op);
      return NULL;
    }
  }
  if (votes && !files && !kv && !chat) {
    *source = g_strdup("inferred from the operations (vote, result: votes)");
    return g_strdup("votes");
  }
  if (files && kv) {
    *err = g_strdup_printf("operations of two apps: \"%s\" (line %ld, files) and \"%s\" "
                           "(line %ld, kv); name one with --model",
                           first_files->op, first_files->trace_line_invoke, first_kv->op,
                           first_kv->trace_line_invoke);
    return NULL;
  }
  if (chat && !files && !kv && !votes) {
    *source = g_strdup("inferred from the operations (register, send, fetch, list: chat)");
    return g_strdup("chat");
  }
  if (chat) {
    *err = g_strdup("operations of chat and of another app; name one with --model");
    return NULL;
  }
  *source = g_strdup(files ? "inferred from the operations (read, write, delete: files)"
                           : "inferred from the operations (get, put, append, cas: kv)");
  return g_strdup(files ? "files" : "kv");
}

char *verdict_model(const history *h, const trace_facts *f, const verdict_options *o,
                    char **source, char **err)
{
  const char *forced = o ? o->model : NULL;
  *source = NULL;
  if (forced) {
    if (!g_strv_contains(known, forced)) {
      *err = g_strdup_printf("--model %s: unknown (files, files-quorum, kv, votes, chat)", forced);
      return NULL;
    }
    *source = g_strdup("--model");
    return g_strdup(forced);
  }
  if (o && o->implied_model) {
    *source = g_strdup(o->implied_why ? o->implied_why : "the input's format");
    return g_strdup(o->implied_model);
  }
  const char *from_run = f ? trace_facts_model(f) : NULL;
  if (from_run) {
    *source = g_strdup("the run line");
    return g_strdup(from_run);
  }
  return infer_model(h, source, err);
}

verdict *verdict_judge(const history *h, const trace_facts *f, const verdict_options *o,
                       char **err)
{
  char *source = NULL;
  char *model = verdict_model(h, f, o, &source, err);
  if (!model)
    return NULL;
  lin_options opt = {.deadline = o ? o->check_timeout : 0,
                     .kv_initial = o ? o->kv_initial : NULL,
                     .early = o && o->early,
                     .others_budget = o ? o->others_budget : 0};
  lin_result *lin = lin_check(h, model, &opt, err);
  if (!lin) {
    g_free(model);
    g_free(source);
    return NULL;
  }
  verdict *v = g_new0(verdict, 1);
  v->model = model;
  v->model_source = source;
  v->lin = lin;
  v->stats = stats_compute(h);
  trace_facts *none = f ? NULL : trace_facts_new();
  v->anom = anomalies_compute(h, f ? f : none);
  trace_facts_free(none);
  if (lin->verdict == LIN_VIOLATION || v->anom->lost_writes)
    v->kind = VERDICT_VIOLATION;
  else
    v->kind = lin->verdict == LIN_UNKNOWN ? VERDICT_UNKNOWN : VERDICT_OK;
  return v;
}

void verdict_free(verdict *v)
{
  if (!v)
    return;
  g_free(v->model);
  g_free(v->model_source);
  stats_free(v->stats);
  lin_result_free(v->lin);
  anomalies_free(v->anom);
  g_free(v);
}

void verdict_fill_summary(const verdict *v, summary *s)
{
  const anomalies *a = v->anom;
  s->has_linearizable = true;
  s->linearizable = v->lin->verdict == LIN_LINEARIZABLE ? SUMMARY_TRUE
                    : v->lin->verdict == LIN_VIOLATION  ? SUMMARY_FALSE
                                                        : SUMMARY_UNKNOWN;
  s->has_lost_writes = a->has_lost_writes;
  s->lost_writes = a->lost_writes;
  s->has_stale_reads = true;
  s->stale_reads = a->stale_reads;
  s->has_diverged = a->has_diverged;
  s->diverged = a->diverged;
  s->has_failover_time = a->has_failover_time;
  s->failover_time = a->failover_time;
  s->has_fault_windows = true;
  for (guint i = 0; i < a->windows->len; i++) {
    const anom_window *w = &g_array_index(a->windows, anom_window, i);
    summary_add_window(s, w->fault, w->target, w->start, w->end, w->ops, w->ok,
                       w->has_availability, w->availability, w->event);
  }
}
