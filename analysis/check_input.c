/* Reading whatever `replsim check` is given into one history and its facts. */
#include "analysis/check_input.h"
#include "analysis/edn_history.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The first significant character of the file: '{', '[', ';' ... or 0 when it has none. */
static int first_char(const char *path, int *second, char **err)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return -1;
  }
  int c, first = 0;
  *second = 0;
  while ((c = fgetc(f)) != EOF) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',')
      continue;
    if (!first) {
      first = c;
      continue;
    }
    *second = c;
    break;
  }
  fclose(f);
  return first;
}

static bool read_jsonl(const char *path, check_input *in, char **err)
{
  if (!trace_read_run(path, &in->history, &in->facts, err))
    return false;
  trace_facts *f = in->facts;
  if (f->lines == 0 || in->history->ops->len == 0) {
    *err = g_strdup_printf("%s:%ld: no client operation to check (no \"invoke\" line)", path,
                           MAX(f->lines, 1L));
    return false;
  }
  /* A run writes its final states and digests last: a trace of a run (it has a run line and
   * protocol messages) without them was cut short. A hand-made history is judged as given. */
  if (f->has_run && f->other_lines > 0 && f->digests->len == 0) {
    *err = g_strdup_printf("%s:%ld: the trace ends before the run's final states and digests "
                           "(a run writes them last): it is truncated, so it cannot be judged",
                           path, f->lines);
    return false;
  }
  in->format = f->has_run ? "replsim trace" : "JSONL history";
  if (!f->has_run)
    g_ptr_array_add(in->notes, g_strdup("no \"run\" line: no final states or digests, so lost "
                                        "writes and divergence are not computed"));
  return true;
}

/* For a history from elsewhere: what a kv key never written reads as. A history in which some
 * get answered "" and none answered null comes from a system whose keys start as "" (MIT
 * 6.824's kv, Porcupine's model); otherwise absent, null. */
static void infer_kv_initial(check_input *in)
{
  bool empty = false, null = false;
  for (guint i = 0; i < in->history->ops->len; i++) {
    const hist_op *o = in->history->ops->pdata[i];
    if (o->outcome != HIST_OK || !o->op || strcmp(o->op, "get") != 0)
      continue;
    null |= o->value_null || !o->value;
    empty |= o->value && !*o->value;
  }
  if (empty && !null && !in->kv_initial) {
    in->kv_initial = "";
    g_ptr_array_add(in->notes, g_strdup("some get answered \"\" and none answered null: a key "
                                        "never written is taken to read as \"\" (as in MIT "
                                        "6.824's kv)"));
  }
}

bool check_input_read(const char *path, check_input *in, char **err)
{
  memset(in, 0, sizeof *in);
  in->notes = g_ptr_array_new_with_free_func(g_free);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    *err = g_strdup_printf("%s: No such file or directory", path);
    return false;
  }
  int second;
  int c = first_char(path, &second, err);
  if (c < 0)
    return false;
  bool ok = (c == '[' || c == '(' || c == ';' || (c == '{' && second != '"' && second != '}'))
                ? edn_history_read(path, in, err)
                : read_jsonl(path, in, err);
  if (ok && !in->facts->has_run)
    infer_kv_initial(in);
  return ok;
}

void check_input_clear(check_input *in)
{
  history_free(in->history);
  trace_facts_free(in->facts);
  if (in->notes)
    g_ptr_array_free(in->notes, TRUE);
  memset(in, 0, sizeof *in);
}
