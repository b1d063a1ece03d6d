/* `compare --plan FILE` and `compare --collect DIR`: the same sweep run by GNU parallel or a Slurm
 * job array instead of --jobs, one `replsim run` command a line, collected into the same report. */
#include "compare.h"
#include "outdir.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define PLAN_HEADER "# replsim compare plan 1"
#define PLAN_RECORD "compare.plan"

/* One shell word, quoted so that any path survives `sh -c`. */
static void plan_word(GString *out, const char *s)
{
  char *q = g_shell_quote(s);
  g_string_append(out, q);
  g_string_append_c(out, ' ');
  g_free(q);
}

/* The shell line of one run: run, output to its log, and its exit status beside it, which is
 * also the line's own (so parallel's --joblog and Slurm see a failed run fail). */
static void plan_line(GString *out, const char *self, const cmp_plan *p, const cmp_run *r)
{
  char *seed = g_strdup_printf("%" G_GUINT64_FORMAT, r->seed);
  char *proto = g_strdup_printf("protocol=%s", r->protocol);
  char *set = r->value ? g_strdup_printf("%s=%s", p->vary_key, r->value) : NULL;
  char *exit_file = g_strdup_printf("%s.exit", r->dir);
  plan_word(out, self);
  g_string_append(out, "run ");
  plan_word(out, p->scenario);
  g_string_append(out, "--seed ");
  plan_word(out, seed);
  g_string_append(out, "--set ");
  plan_word(out, proto);
  if (set) {
    g_string_append(out, "--set ");
    plan_word(out, set);
  }
  g_string_append(out, "--out ");
  plan_word(out, r->dir);
  g_string_append(out, ">");
  plan_word(out, r->log);
  g_string_append(out, "2>&1; s=$?; echo $s >");
  plan_word(out, exit_file);
  g_string_append(out, "; exit $s\n");
  g_free(seed);
  g_free(proto);
  g_free(set);
  g_free(exit_file);
}

/* A plan file is replaced only if replsim wrote it (its first line says so). */
bool cmp_plan_file_ok(const char *path, char **err)
{
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    return true;
  char *text = NULL;
  bool ours = g_file_test(path, G_FILE_TEST_IS_REGULAR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK) &&
              g_file_get_contents(path, &text, NULL, NULL) && g_str_has_prefix(text, PLAN_HEADER "\n");
  g_free(text);
  if (!ours)
    *err = g_strdup_printf("%s: exists and is not a plan replsim wrote: refusing to overwrite it", path);
  return ours;
}

bool cmp_write_plan(const cmp_plan *p, const char *file, const cmp_plan_record *rec, char **err)
{
  if (!cmp_plan_file_ok(file, err))
    return false;
  GError *e = NULL;
  char *self = g_file_read_link("/proc/self/exe", &e);
  if (!self) {
    *err = g_strdup_printf("cannot find the replsim binary: %s", e->message);
    g_error_free(e);
    return false;
  }
  GString *plan = g_string_new(PLAN_HEADER "\n");
  g_string_append_printf(plan, "# %u runs of %s; then: %s compare --collect %s\n", p->runs->len, p->scenario,
                         self, p->final_out);
  for (guint i = 0; i < p->runs->len; i++)
    plan_line(plan, self, p, p->runs->pdata[i]);
  GString *record = g_string_new(PLAN_HEADER "\n");
  g_string_append_printf(record, "scenario=%s\nprotocols=%s\nseeds=%s\n", p->scenario, rec->protocols, rec->seeds);
  if (rec->vary)
    g_string_append_printf(record, "vary=%s\n", rec->vary);
  char *record_path = g_build_filename(p->out, PLAN_RECORD, NULL);
  bool ok = true;
  if (!g_file_set_contents(record_path, record->str, (gssize)record->len, &e) ||
      !g_file_set_contents(file, plan->str, (gssize)plan->len, &e)) {
    *err = g_strdup(e->message);
    g_error_free(e);
    ok = false;
  }
  ok = ok && outdir_adopt(p->out, PLAN_RECORD, err);
  g_free(record_path);
  g_string_free(record, TRUE);
  g_string_free(plan, TRUE);
  g_free(self);
  return ok;
}

/* Reads DIR/compare.plan back into the options the plan was made from (owned strings). */
bool cmp_read_plan_record(const char *dir, cmp_plan_record *rec, char **scenario, char **err)
{
  char *path = g_build_filename(dir, PLAN_RECORD, NULL), *text = NULL;
  GError *e = NULL;
  bool ok = g_file_get_contents(path, &text, NULL, &e);
  if (!ok) {
    *err = g_strdup_printf("%s: not a folder `compare --plan` made (%s)", dir, e->message);
    g_error_free(e);
  } else if (!g_str_has_prefix(text, PLAN_HEADER "\n")) {
    *err = g_strdup_printf("%s:1: not a replsim compare plan record", path);
    ok = false;
  }
  char **lines = ok ? g_strsplit(text, "\n", -1) : NULL;
  for (guint i = 1; ok && lines[i]; i++) {
    char *eq = strchr(lines[i], '=');
    if (!lines[i][0])
      continue;
    if (!eq) {
      *err = g_strdup_printf("%s:%u: expected KEY=VALUE", path, i + 1);
      ok = false;
      break;
    }
    *eq = '\0';
    char **slot = strcmp(lines[i], "scenario") == 0 ? scenario
                  : strcmp(lines[i], "protocols") == 0 ? &rec->protocols
                  : strcmp(lines[i], "seeds") == 0 ? &rec->seeds
                  : strcmp(lines[i], "vary") == 0 ? &rec->vary : NULL;
    if (!slot) {
      *err = g_strdup_printf("%s:%u: unknown key '%s'", path, i + 1, lines[i]);
      ok = false;
    } else {
      g_free(*slot);
      *slot = g_strdup(eq + 1);
    }
  }
  if (ok && (!*scenario || !rec->protocols || !rec->seeds)) {
    *err = g_strdup_printf("%s: scenario, protocols or seeds missing", path);
    ok = false;
  }
  g_strfreev(lines);
  g_free(text);
  g_free(path);
  return ok;
}

/* What a run in a collected folder says of itself: its exit status where its plan line wrote
 * one (moved into the run's folder, as its log is), and otherwise whether it ran at all. */
static void collect_status(cmp_run *r)
{
  char *exit_file = g_strdup_printf("%s.exit", r->dir);
  char *kept = g_build_filename(r->dir, "exit-status", NULL);
  char *text = NULL;
  if (g_file_test(r->log, G_FILE_TEST_IS_REGULAR))
    cmp_keep_log(r);
  else {
    char *in_dir = g_build_filename(r->dir, "run.log", NULL);
    g_free(r->log);
    r->log = in_dir;
  }
  if (g_file_test(exit_file, G_FILE_TEST_IS_REGULAR) && g_file_test(r->dir, G_FILE_TEST_IS_DIR) &&
      g_rename(exit_file, kept) == 0) {
    char *err = NULL;
    if (!outdir_adopt(r->dir, "exit-status", &err)) {
      fprintf(stderr, "replsim compare: %s\n", err);
      g_free(err);
    }
  }
  const char *from = g_file_test(kept, G_FILE_TEST_IS_REGULAR) ? kept : exit_file;
  guint64 code = 0;
  if (g_file_get_contents(from, &text, NULL, NULL) &&
      g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, 255, &code, NULL)) {
    r->code = (int)code;
    r->status = code == 0 ? CMP_OK : code == 1 ? CMP_EXPECT_FAILED : code == 2 ? CMP_BAD_INPUT
                : code > 128 ? CMP_CRASHED : CMP_EXIT_OTHER;
    if (code > 128)
      r->code = (int)code - 128;
  } else {
    r->status = CMP_NOT_RUN;
  }
  g_free(text);
  g_free(exit_file);
  g_free(kept);
}

/* A run that never made its folder (refused, or killed before it wrote anything) leaves its log
 * and exit status in runs/: listed in the plan folder's marker, so the folder stays one replsim
 * may replace. */
static void adopt_leftovers(const cmp_plan *plan, const cmp_run *r)
{
  if (g_file_test(r->dir, G_FILE_TEST_IS_DIR))
    return;
  const char *suffixes[] = {".log", ".exit"};
  for (int i = 0; i < 2; i++) {
    char *path = g_strconcat(r->dir, suffixes[i], NULL);
    char *relative = g_strdup_printf("runs/%s%s", r->name, suffixes[i]), *err = NULL;
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && !outdir_adopt(plan->out, relative, &err)) {
      fprintf(stderr, "replsim compare: %s\n", err);
      g_free(err);
    }
    g_free(path);
    g_free(relative);
  }
}

bool cmp_collect_all(cmp_plan *plan)
{
  bool all = true;
  for (guint i = 0; i < plan->runs->len; i++) {
    cmp_run *r = plan->runs->pdata[i];
    adopt_leftovers(plan, r);
    collect_status(r);
    all = all && r->status != CMP_NOT_RUN;
  }
  return all;
}
