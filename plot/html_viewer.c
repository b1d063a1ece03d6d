/* The violation viewer's data: the check's verdicts, each violating key's operations, prefix,
 * stuck operation and model state, and the fault windows, as JSON inside the page. */
#include "plot/html_viewer.h"
#include "plot/html_viewer_internal.h"
#include "trace/trace_writer.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void key_str(GString *b, const char *k, const char *v, bool comma)
{
  g_string_append_printf(b, "%s\"%s\":", comma ? "," : "", k);
  trace_json_append_string(b, v);
}

static void key_num(GString *b, const char *k, double v)
{
  if (isfinite(v))
    g_string_append_printf(b, ",\"%s\":%.9g", k, v);
  else
    g_string_append_printf(b, ",\"%s\":null", k);
}

/* One operation: i(ndex), p(rocess), op, k(ey), v(alue), x (cas's expected), st(atus),
 * o(utcome), t0, t1 (null: never completed), l0 and l1 (trace lines). */
static void op_json(GString *b, const hist_op *o)
{
  g_string_append_printf(b, "{\"i\":%u", o->index);
  key_str(b, "p", o->process, true);
  key_str(b, "op", o->op, true);
  key_str(b, "k", o->key, true);
  key_str(b, "v", o->value, true);
  key_str(b, "x", o->expected, true);
  key_str(b, "st", o->status, true);
  key_str(b, "o", hist_outcome_name(o->outcome), true);
  key_num(b, "t0", o->t_invoke);
  key_num(b, "t1", o->t_complete < 0 ? NAN : o->t_complete);
  g_string_append_printf(b, ",\"l0\":%ld,\"l1\":%ld}", o->trace_line_invoke, o->trace_line_complete);
}

static void violation_json(GString *b, const history *h, const lin_key_result *k)
{
  const lin_violation *v = k->violation;
  key_str(b, "key", k->key, false);
  g_string_append_printf(b, ",\"n\":%zu,\"placed\":%zu,\"stuck\":%u", k->n_ops, v->n_prefix, v->op.index);
  key_str(b, "state", v->state, true);
  key_str(b, "returned", v->returned, true);
  key_str(b, "allowed", v->allowed, true);
  g_string_append(b, ",\"prefix\":[");
  for (size_t j = 0; j < v->n_prefix; j++)
    g_string_append_printf(b, "%s%u", j ? "," : "", v->prefix[j].index);
  g_string_append(b, "],\"lines\":[");
  for (size_t j = 0; j < v->n_lines; j++)
    g_string_append_printf(b, "%s%ld", j ? "," : "", v->lines[j]);
  g_string_append(b, "],\"ops\":[");
  bool first = true;
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    if (g_strcmp0(o->key, k->key) != 0)
      continue;
    g_string_append(b, first ? "" : ",\n");
    first = false;
    op_json(b, o);
  }
  g_string_append(b, "]");
}

static void faults_json(GString *b, const trace_facts *f)
{
  g_string_append(b, ",\"faults\":[");
  for (guint i = 0; i < f->faults->len; i++) {
    const fact_fault *x = f->faults->pdata[i];
    g_string_append(b, i ? ",{" : "{");
    key_str(b, "label", x->label, false);
    key_str(b, "kind", x->kind, true);
    key_str(b, "color", trace_fault_color(x->kind), true);
    key_num(b, "start", x->start);
    key_num(b, "end", x->end);
    g_string_append_printf(b, ",\"event\":%s,\"open\":%s}", x->event ? "true" : "false",
                           x->open_ended ? "true" : "false");
  }
  g_string_append(b, "]");
}

/* The page's data as JSON, with every "</" written "<\/" so no string can close the script. */
static GString *page_data(const html_meta *m, const history *h, const trace_facts *f,
                          const lin_result *r)
{
  GString *b = g_string_new("{\"meta\":{");
  key_str(b, "input", m->input, false);
  key_str(b, "format", m->format, true);
  key_str(b, "model", m->model, true);
  key_str(b, "verdict", lin_verdict_name(r->verdict), true);
  key_str(b, "time_unit", m->positions ? "position in the history (it has no times)" : "seconds",
          true);
  g_string_append(b, "},\"keys\":[");
  size_t listed = 0;
  for (size_t k = 0; k < r->n_keys; k++) { /* violations first, then the rest, up to a bound */
    const lin_key_result *kr = &r->keys[k];
    bool bad = kr->verdict == LIN_VIOLATION;
    if (!bad && listed >= 200)
      continue;
    g_string_append(b, listed++ ? ",{" : "{");
    key_str(b, "key", kr->key, false);
    key_str(b, "verdict", lin_verdict_name(kr->verdict), true);
    g_string_append_printf(b, ",\"n\":%zu,\"skipped\":%s}", kr->n_ops, kr->skipped ? "true" : "false");
  }
  g_string_append_printf(b, "],\"more\":%zu,\"violations\":[", r->n_keys - listed);
  size_t shown = 0;
  for (size_t k = 0; k < r->n_keys && shown < HTML_MAX_KEYS; k++)
    if (r->keys[k].verdict == LIN_VIOLATION) {
      g_string_append(b, shown++ ? ",\n{" : "\n{");
      violation_json(b, h, &r->keys[k]);
      g_string_append(b, "}");
    }
  g_string_append(b, "]");
  faults_json(b, f);
  g_string_append(b, "}");
  GString *safe = g_string_sized_new(b->len + 64);
  for (gsize i = 0; i < b->len; i++) {
    if (b->str[i] == '<' && i + 1 < b->len && b->str[i + 1] == '/')
      g_string_append(safe, "<\\");
    else
      g_string_append_c(safe, b->str[i]);
  }
  g_string_free(b, TRUE);
  return safe;
}

bool html_write_violations(const char *path, const html_meta *m, const history *h,
                           const trace_facts *f, const lin_result *r, char **err)
{
  GString *data = page_data(m, h, f, r);
  char *staged = g_strdup_printf("%s.partial-%d", path, (int)getpid());
  FILE *out = fopen(staged, "w");
  bool ok = out != NULL;
  if (ok) {
    ok = fputs(html_page_head, out) >= 0 && fwrite(data->str, 1, data->len, out) == data->len &&
         fputs(html_page_tail, out) >= 0;
    ok = fclose(out) == 0 && ok;
  }
  if (ok && g_rename(staged, path) != 0)
    ok = false;
  if (!ok) {
    *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
    g_unlink(staged);
  }
  g_free(staged);
  g_string_free(data, TRUE);
  return ok;
}
