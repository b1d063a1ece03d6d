/* `swarm --plan FILE` and `swarm --collect DIR`: the swarm's cases run by GNU parallel or a job
 * array instead of --jobs, one `replsim swarm --from I --runs 1` line per case, collected into
 * one swarm.csv; a case that did not run is named, never skipped silently. */
#include "outdir.h"
#include "swarm.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define SW_PLAN_HEADER "# replsim swarm plan 1"
#define SW_PLAN_RECORD "swarm.plan"

static void word(GString *out, const char *s)
{
  char *q = g_shell_quote(s);
  g_string_append(out, q);
  g_string_append_c(out, ' ');
  g_free(q);
}

/* A plan file is replaced only if replsim wrote it. */
static bool plan_file_ok(const char *path, char **err)
{
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    return true;
  char *text = NULL;
  bool ours = g_file_test(path, G_FILE_TEST_IS_REGULAR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK) &&
              g_file_get_contents(path, &text, NULL, NULL) && g_str_has_prefix(text, SW_PLAN_HEADER "\n");
  g_free(text);
  if (!ours)
    *err = g_strdup_printf("%s: exists and is not a plan replsim wrote: refusing to overwrite it", path);
  return ours;
}

bool sw_write_plan(const sw_plan_args *a, char **err)
{
  if (!plan_file_ok(a->file, err))
    return false;
  char *out = g_canonicalize_filename(a->out, NULL);
  char *staged = outdir_check_target(out, err) ? outdir_stage_with(out, 0, err) : NULL;
  bool ok = staged != NULL;
  if (ok) {
    char *cases = g_build_filename(staged, "cases", NULL);
    char *rec = g_strdup_printf(SW_PLAN_HEADER "\nseed=%" G_GUINT64_FORMAT "\nfrom=%d\nruns=%d\n", a->seed, a->from,
                                a->runs);
    char *rec_path = g_build_filename(staged, SW_PLAN_RECORD, NULL);
    ok = g_mkdir(cases, 0755) == 0 && g_file_set_contents(rec_path, rec, -1, NULL);
    if (!ok)
      *err = g_strdup_printf("%s: cannot write the plan's folder", staged);
    ok = ok && outdir_commit(staged, out, err);
    if (!ok)
      outdir_discard(staged);
    g_free(cases);
    g_free(rec);
    g_free(rec_path);
  }
  GString *plan = g_string_new(SW_PLAN_HEADER "\n");
  g_string_append_printf(plan, "# %d cases of seed %" G_GUINT64_FORMAT "; then: %s swarm --collect %s\n", a->runs,
                         a->seed, a->self, out);
  for (int i = 0; ok && i < a->runs; i++) {
    int index = a->from + i;
    char *dir = g_strdup_printf("%s/cases/%d", out, index);
    char *log = g_strdup_printf("%s.log", dir);
    char *n = g_strdup_printf("%d", index), *seed = g_strdup_printf("%" G_GUINT64_FORMAT, a->seed);
    word(plan, a->self);
    g_string_append(plan, "swarm --seed ");
    word(plan, seed);
    g_string_append(plan, "--from ");
    word(plan, n);
    g_string_append(plan, "--runs 1 --jobs 1 ");
    for (guint k = 0; a->pass_on[k]; k++)
      word(plan, a->pass_on[k]);
    g_string_append(plan, "--platforms ");
    word(plan, a->platforms);
    g_string_append(plan, "--out ");
    word(plan, dir);
    g_string_append(plan, ">");
    word(plan, log);
    g_string_append(plan, "2>&1\n");
    g_free(dir);
    g_free(log);
    g_free(n);
    g_free(seed);
  }
  GError *e = NULL;
  if (ok && !g_file_set_contents(a->file, plan->str, (gssize)plan->len, &e)) {
    *err = g_strdup(e->message);
    g_error_free(e);
    ok = false;
  }
  if (ok)
    printf("plan: %s (%d cases, one shell line each)\nrun it with, e.g.:  parallel -j %u < %s\n"
           "then:  replsim swarm --collect %s\n",
           a->file, a->runs, g_get_num_processors(), a->file, out);
  g_string_free(plan, TRUE);
  g_free(staged);
  g_free(out);
  return ok;
}

/* Reads seed, from and runs back from DIR/swarm.plan. */
static bool read_record(const char *dir, uint64_t *seed, int *from, int *runs, char **err)
{
  char *path = g_build_filename(dir, SW_PLAN_RECORD, NULL), *text = NULL;
  bool ok = g_file_get_contents(path, &text, NULL, NULL) && g_str_has_prefix(text, SW_PLAN_HEADER "\n");
  guint64 s = 0;
  gint64 f = -1, r = -1;
  if (ok) {
    char **lines = g_strsplit(text, "\n", -1);
    for (guint i = 1; lines[i]; i++) {
      if (g_str_has_prefix(lines[i], "seed="))
        ok = ok && g_ascii_string_to_unsigned(lines[i] + 5, 10, 0, G_MAXUINT64, &s, NULL);
      else if (g_str_has_prefix(lines[i], "from="))
        ok = ok && g_ascii_string_to_signed(lines[i] + 5, 10, 0, G_MAXINT, &f, NULL);
      else if (g_str_has_prefix(lines[i], "runs="))
        ok = ok && g_ascii_string_to_signed(lines[i] + 5, 10, 1, 1000000, &r, NULL);
    }
    g_strfreev(lines);
  }
  if (!ok || f < 0 || r < 1) {
    *err = g_strdup_printf("%s: not a folder `swarm --plan` made", dir);
    ok = false;
  }
  *seed = s;
  *from = (int)f;
  *runs = (int)r;
  g_free(text);
  g_free(path);
  return ok;
}

int sw_collect(const char *dir)
{
  uint64_t seed;
  int from, runs;
  char *err = NULL;
  if (!read_record(dir, &seed, &from, &runs, &err)) {
    fprintf(stderr, "replsim swarm: %s\n", err);
    g_free(err);
    return 2;
  }
  GString *csv = g_string_new(NULL);
  int passed = 0, failed = 0, missing = 0;
  for (int i = 0; i < runs; i++) {
    int index = from + i;
    char *path = g_strdup_printf("%s/cases/%d/swarm.csv", dir, index), *text = NULL;
    char *log = g_strdup_printf("cases/%d.log", index), *log_path = g_build_filename(dir, log, NULL);
    char **lines = g_file_get_contents(path, &text, NULL, NULL) ? g_strsplit(text, "\n", 3) : NULL;
    if (!lines || !lines[0] || !lines[1] || !lines[1][0]) {
      missing++;
      fprintf(stderr, "swarm: case %d has not run (no %s)\n", index, path);
    } else {
      if (csv->len == 0)
        g_string_append_printf(csv, "%s\n", lines[0]);
      g_string_append_printf(csv, "%s\n", lines[1]);
      /* The verdict, the 17th column ("pass" or the kind of failure); none before it holds a comma. */
      char **cols = g_strsplit(lines[1], ",", 18);
      bool pass = g_strv_length(cols) >= 17 && strcmp(cols[16], "pass") == 0;
      g_strfreev(cols);
      if (pass)
        passed++;
      else {
        failed++;
        printf("  case %d FAILED: %s/cases/%d/failures/\n", index, dir, index);
      }
    }
    if (g_file_test(log_path, G_FILE_TEST_IS_REGULAR) && !outdir_adopt(dir, log, &err)) {
      fprintf(stderr, "replsim swarm: %s\n", err);
      g_clear_pointer(&err, g_free);
    }
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    g_free(log);
    g_free(log_path);
  }
  char *out = g_build_filename(dir, "swarm.csv", NULL);
  bool ok = csv->len == 0 || (g_file_set_contents(out, csv->str, (gssize)csv->len, NULL) &&
                              outdir_adopt(dir, "swarm.csv", &err));
  if (!ok) {
    fprintf(stderr, "replsim swarm: %s\n", err ? err : out);
    g_free(err);
  }
  printf("swarm: %d cases of seed %" G_GUINT64_FORMAT " collected from %s: passed %d, failed %d, not run %d\n"
         "  results: %s\n", runs, seed, dir, passed, failed, missing, out);
  g_free(out);
  g_string_free(csv, TRUE);
  return ok && failed == 0 && missing == 0 ? 0 : 1;
}
