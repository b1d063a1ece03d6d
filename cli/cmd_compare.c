/* `replsim compare`: runs a scenario under several protocols, seeds and parameter values, each
 * run its own process, and reports them side by side with results.csv and plots. */
#include "commands.h"
#include "compare.h"
#include "outdir.h"
#include "scenario/scenario.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* More runs than this is almost certainly a typo in --seeds or --vary. */
#define CMP_MAX_RUNS 10000

typedef struct cmp_options {
  char *protocols, *seeds, *vary, *out, *plan, *collect;
  int jobs;
  char **args;
} cmp_options;

static bool cmp_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static bool cmp_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("replsim compare: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return false;
}

/* Parses the options; false (after saying why) on anything the command cannot use. */
static bool cmp_parse_options(int argc, char **argv, cmp_options *o)
{
  o->jobs = INT_MIN; /* not given */
  GOptionEntry entries[] = {
      {"protocols", 0, 0, G_OPTION_ARG_STRING, &o->protocols,
       "Protocols to compare, comma-separated (pb-blocking, pb-nonblocking, quorum)", "A,B,C"},
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &o->seeds, "Seeds: a range 1-10, a list 1,4,7, or both (default 1)", "SEEDS"},
      {"vary", 0, 0, G_OPTION_ARG_STRING, &o->vary,
       "A cluster attribute to vary, with its values (as --set of replsim run)", "KEY=V1,V2"},
      {"jobs", 0, 0, G_OPTION_ARG_INT, &o->jobs, "Runs at a time (default: the number of CPUs)", "N"},
      {"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, "Output folder (default out/compare-<scenario name>)", "DIR"},
      {"plan", 0, 0, G_OPTION_ARG_FILENAME, &o->plan,
       "Run nothing: create DIR and write FILE, one `replsim run` shell line per run, for GNU parallel or a job array",
       "FILE"},
      {"collect", 0, 0, G_OPTION_ARG_FILENAME, &o->collect,
       "Report on a folder --plan made, once its lines ran: results.csv, the table and the plots", "DIR"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, "SCENARIO.xml"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new(NULL); /* the remaining-argument entry names it */
  g_option_context_set_summary(
      ctx, "Runs SCENARIO once per protocol, seed and varied value (each run is `replsim run` in its own\n"
           "process, in DIR/runs/), then writes DIR/results.csv (a row per run and operation type,\n"
           "\"all\" first), prints a side-by-side table of medians over seeds, and draws\n"
           "DIR/plots/cdf.* (latency CDF per protocol) and, with --vary, DIR/plots/vary.*.\n"
           "Exit status: 0 every run measured, 1 a run failed (it is reported), 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &error);
  if (!ok) {
    cmp_fail("%s", error->message);
    g_error_free(error);
  } else if (o->collect && (o->args || o->protocols || o->seeds || o->vary || o->out || o->plan ||
                            o->jobs != INT_MIN)) {
    ok = cmp_fail("--collect DIR takes nothing else: the plan recorded in DIR says what was run");
  } else if (o->collect) {
    ok = true;
  } else if (o->plan && o->jobs != INT_MIN) {
    ok = cmp_fail("--plan runs nothing, so --jobs means nothing with it (parallel's -j does that)");
  } else if (!o->args || !o->args[0] || o->args[1]) {
    ok = cmp_fail("expected exactly one scenario file (see replsim compare --help)");
  } else if (!o->protocols) {
    ok = cmp_fail("--protocols is required, e.g. --protocols pb-blocking,pb-nonblocking,quorum");
  } else if (o->jobs != INT_MIN && o->jobs < 1) {
    ok = cmp_fail("--jobs must be 1 or more");
  }
  g_option_context_free(ctx);
  return ok;
}

static void cmp_free_options(cmp_options *o)
{
  g_free(o->protocols);
  g_free(o->seeds);
  g_free(o->vary);
  g_free(o->out);
  g_free(o->plan);
  g_free(o->collect);
  g_strfreev(o->args);
}

/* Splits a comma-separated list, trimming blanks; false on an empty or repeated item. */
static bool cmp_split_list(const char *text, const char *what, char ***out, guint *n)
{
  char **items = g_strsplit(text, ",", -1);
  *n = g_strv_length(items);
  for (guint i = 0; i < *n; i++) {
    g_strstrip(items[i]);
    bool repeated = false;
    for (guint j = 0; j < i && !repeated; j++)
      repeated = strcmp(items[i], items[j]) == 0;
    if (!items[i][0] || repeated) {
      cmp_fail("%s '%s': %s", what, text, repeated ? "a value is repeated" : "an empty value");
      g_strfreev(items);
      return false;
    }
  }
  *out = items;
  return *n > 0 || cmp_fail("%s: no values", what);
}

/* Seeds are those of replsim run: 0 to 2^63-1, so that every JSON reader holds them exactly. */
static bool cmp_seed_number(const char *text, const char *all, uint64_t *out)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64, &v, NULL))
    return cmp_fail("--seeds '%s': '%s' is not a seed (a whole number from 0 to 2^63-1)", all, text);
  *out = v;
  return true;
}

/* --seeds: items separated by commas, each N or A-B (A <= B); no seed twice. */
static bool cmp_parse_seeds(const char *text, GArray *seeds)
{
  char **items = NULL;
  guint n = 0;
  if (!cmp_split_list(text, "--seeds", &items, &n))
    return false;
  bool ok = true;
  for (guint i = 0; ok && i < n; i++) {
    char *dash = strchr(items[i], '-');
    uint64_t a = 0, b = 0;
    if (dash) {
      *dash = '\0';
      ok = cmp_seed_number(g_strstrip(items[i]), text, &a) && cmp_seed_number(g_strstrip(dash + 1), text, &b);
      ok = ok && (a <= b || cmp_fail("--seeds '%s': a range must go up (%s-%s)", text, items[i], dash + 1));
      ok = ok && (b - a < CMP_MAX_RUNS || cmp_fail("--seeds '%s': too many seeds", text));
    } else {
      ok = cmp_seed_number(items[i], text, &a);
      b = a;
    }
    for (uint64_t s = a; ok && s <= b; s++) {
      for (guint j = 0; j < seeds->len && ok; j++)
        ok = g_array_index(seeds, uint64_t, j) != s || cmp_fail("--seeds '%s': seed %" G_GUINT64_FORMAT
                                                                " appears twice", text, s);
      g_array_append_val(seeds, s);
      ok = ok && (seeds->len <= CMP_MAX_RUNS || cmp_fail("--seeds '%s': too many seeds", text));
      if (s == G_MAXUINT64)
        break;
    }
  }
  g_strfreev(items);
  return ok;
}

/* --vary KEY=V1,V2: any cluster attribute but the two compare sets itself. */
static bool cmp_parse_vary(const char *text, cmp_plan *p)
{
  const char *eq = strchr(text, '=');
  if (!eq || eq == text)
    return cmp_fail("--vary '%s': expected KEY=V1,V2,...", text);
  p->vary_key = g_strstrip(g_strndup(text, (gsize)(eq - text)));
  if (strcmp(p->vary_key, "protocol") == 0 || strcmp(p->vary_key, "seed") == 0)
    return cmp_fail("--vary %s: use --%ss for that", p->vary_key, p->vary_key);
  for (const char *c = p->vary_key; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_')
      return cmp_fail("--vary '%s': '%s' is not an attribute name", text, p->vary_key);
  return cmp_split_list(eq + 1, "--vary", &p->values, &p->n_values);
}

/* Loads the scenario once per protocol and value, so a bad file, protocol, key or value is
 * reported now, in the parser's words, rather than once per run. */
static bool cmp_preflight(cmp_plan *p)
{
  for (guint i = 0; i < p->n_protocols; i++)
    for (guint v = 0; v < p->n_values; v++) {
      char *set[4] = {g_strdup_printf("protocol=%s", p->protocols[i]),
                      g_strdup_printf("seed=%" G_GUINT64_FORMAT, g_array_index(p->seeds, uint64_t, 0)),
                      p->vary_key ? g_strdup_printf("%s=%s", p->vary_key, p->values[v]) : NULL, NULL};
      char *err = NULL;
      scenario *sc = scenario_load(p->scenario, set, &err);
      for (int k = 0; k < 3; k++)
        g_free(set[k]);
      if (!sc) {
        fprintf(stderr, "%s\n", err);
        g_free(err);
        return false;
      }
      if (!p->scenario_name)
        p->scenario_name = g_strdup(sc->name);
      scenario_free(sc);
    }
  return true;
}

/* A value as it may appear in a folder name: letters, digits, '.', '_' and '-' kept. */
static char *cmp_safe(const char *s)
{
  char *out = g_strdup(s);
  for (char *c = out; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '.' && *c != '_' && *c != '-')
      *c = '_';
  return out;
}

static void cmp_run_free(gpointer data)
{
  cmp_run *r = data;
  g_free(r->name);
  g_free(r->dir);
  g_free(r->log);
  g_free(r->partial);
  if (r->rows)
    g_ptr_array_free(r->rows, TRUE);
  g_free(r->linearizable);
  plot_cdf_line_free(r->latencies);
  g_free(r);
}

/* Every combination, protocol first, then value, then seed. */
static void cmp_make_runs(cmp_plan *p)
{
  p->runs = g_ptr_array_new_with_free_func(cmp_run_free);
  for (guint i = 0; i < p->n_protocols; i++)
    for (guint v = 0; v < p->n_values; v++)
      for (guint s = 0; s < p->seeds->len; s++) {
        cmp_run *r = g_new0(cmp_run, 1);
        r->protocol = p->protocols[i];
        r->value = p->vary_key ? p->values[v] : NULL;
        r->seed = g_array_index(p->seeds, uint64_t, s);
        r->column = i * p->n_values + v;
        char *key = p->vary_key ? cmp_safe(p->vary_key) : NULL, *value = r->value ? cmp_safe(r->value) : NULL;
        r->name = value ? g_strdup_printf("%s-%s-%s-seed%" G_GUINT64_FORMAT, r->protocol, key, value, r->seed)
                        : g_strdup_printf("%s-seed%" G_GUINT64_FORMAT, r->protocol, r->seed);
        r->dir = g_build_filename(p->out, "runs", r->name, NULL);
        r->log = g_strdup_printf("%s.log", r->dir);
        g_free(key);
        g_free(value);
        g_ptr_array_add(p->runs, r);
      }
}

/* Turns checked options into a plan; false (after saying why) on anything unusable. */
static bool cmp_plan_from(const cmp_options *o, cmp_plan *p)
{
  p->scenario = g_strdup(o->args[0]);
  p->seeds = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  p->n_values = 1;
  if (!cmp_split_list(o->protocols, "--protocols", &p->protocols, &p->n_protocols) ||
      !cmp_parse_seeds(o->seeds ? o->seeds : "1", p->seeds) || (o->vary && !cmp_parse_vary(o->vary, p)))
    return false;
  if ((guint64)p->n_protocols * p->n_values * p->seeds->len > CMP_MAX_RUNS)
    return cmp_fail("%u runs is too many (at most %d)", p->n_protocols * p->n_values * p->seeds->len,
                    CMP_MAX_RUNS);
  if (!cmp_preflight(p))
    return false;
  p->jobs = o->jobs != INT_MIN ? o->jobs : (int)g_get_num_processors();
  if (o->collect) {
    /* The folder --plan made (its record was read), reported on where it is: only results.csv
     * and plots/ are replaced, and the runs' logs and exit statuses moved beside them. */
    char *marker = g_build_filename(o->collect, OUTDIR_MARKER, NULL);
    bool marked = g_file_test(marker, G_FILE_TEST_IS_REGULAR) && !g_file_test(o->collect, G_FILE_TEST_IS_SYMLINK);
    g_free(marker);
    if (!marked)
      return cmp_fail("%s: not a folder replsim made (no %s)", o->collect, OUTDIR_MARKER);
    p->final_out = g_strdup(o->collect);
    p->out = g_strdup(o->collect);
    cmp_make_runs(p);
    return true;
  }
  char *dir = g_strdup_printf("compare-%s", p->scenario_name);
  p->final_out = o->out ? g_strdup(o->out) : g_build_filename("out", dir, NULL);
  g_free(dir);
  if (o->plan) {
    /* Lines run elsewhere, from any folder: every path in them absolute. */
    char *abs = g_canonicalize_filename(p->final_out, NULL), *scen = g_canonicalize_filename(p->scenario, NULL);
    g_free(p->final_out);
    g_free(p->scenario);
    p->final_out = abs;
    p->scenario = scen;
    char *err = NULL;
    if (!cmp_plan_file_ok(o->plan, &err)) {
      cmp_fail("%s", err);
      g_free(err);
      return false;
    }
  }
  /* Checked and staged before any run: an existing folder replsim did not write is refused
   * (exit 2) and nothing is deleted. The runs write into the staging folder, which becomes
   * final_out once the report is written. */
  char *err = NULL;
  p->out = outdir_stage_with(p->final_out, OUTDIR_SPAWNS, &err);
  if (p->out == NULL) {
    cmp_fail("%s", err);
    g_free(err);
    return false;
  }
  char *runs = g_build_filename(p->out, "runs", NULL);
  bool ok = g_mkdir(runs, 0755) == 0 || cmp_fail("%s: cannot create: %s", runs, g_strerror(errno));
  g_free(runs);
  if (ok)
    cmp_make_runs(p);
  return ok;
}

static void cmp_plan_free(cmp_plan *p)
{
  g_free(p->scenario);
  g_free(p->scenario_name);
  g_strfreev(p->protocols);
  g_free(p->vary_key);
  g_strfreev(p->values);
  if (p->seeds)
    g_array_free(p->seeds, TRUE);
  g_free(p->out);
  g_free(p->final_out);
  if (p->runs)
    g_ptr_array_free(p->runs, TRUE);
}

/* `path` with the staging folder's prefix replaced by the final folder's, for what is printed
 * once the folder is in place. */
static void cmp_rebase(char **path, const char *staged, const char *final)
{
  size_t n = strlen(staged);
  if (*path && strncmp(*path, staged, n) == 0 && ((*path)[n] == '/' || (*path)[n] == '\0')) {
    char *moved = g_strconcat(final, *path + n, NULL);
    g_free(*path);
    *path = moved;
  }
}

/* Puts the finished folder in place and makes every path the report prints point into it. */
static bool cmp_commit(cmp_plan *p, GPtrArray *written)
{
  char *err = NULL;
  if (!outdir_commit(p->out, p->final_out, &err)) {
    outdir_unguard();
    cmp_fail("%s (the comparison is kept in %s)", err, p->out);
    g_free(err);
    return false;
  }
  for (guint i = 0; i < p->runs->len; i++) {
    cmp_run *r = p->runs->pdata[i];
    cmp_rebase(&r->dir, p->out, p->final_out);
    cmp_rebase(&r->log, p->out, p->final_out);
    cmp_rebase(&r->partial, p->out, p->final_out);
  }
  for (guint i = 0; i < written->len; i++)
    cmp_rebase((char **)&written->pdata[i], p->out, p->final_out);
  g_free(p->out);
  p->out = g_strdup(p->final_out);
  return true;
}

/* Reads, writes and draws what the runs measured, puts the folder in place, then prints; the
 * exit status says whether every run measured something. */
static int cmp_report(cmp_plan *p, bool in_place)
{
  cmp_read_results(p);
  char *err = NULL;
  int status = RS_EXIT_OK;
  for (guint i = 0; i < p->runs->len; i++)
    if (!((cmp_run *)p->runs->pdata[i])->has_summary)
      status = RS_EXIT_FAILED;
  if (!cmp_write_csv(p, &err)) {
    cmp_fail("%s", err);
    g_clear_pointer(&err, g_free);
    status = RS_EXIT_FAILED;
  }
  if (in_place && !outdir_adopt(p->out, "results.csv", &err)) {
    cmp_fail("%s", err);
    g_clear_pointer(&err, g_free);
  }
  GPtrArray *written = g_ptr_array_new_with_free_func(g_free);
  char *plots = g_build_filename(p->out, "plots", NULL);
  if (!plot_gnuplot_available())
    cmp_fail("plots skipped: gnuplot is not installed (on Debian or Ubuntu: apt-get install gnuplot-nox)");
  else if (in_place && !outdir_remove_marked(plots, &err))
    cmp_fail("plots: %s", err);
  else if (!cmp_draw_plots(p, written, &err))
    cmp_fail("plots: %s", err);
  g_clear_pointer(&err, g_free);
  /* Marked even when drawing failed half-way: replsim wrote whatever is there. */
  if (in_place && g_file_test(plots, G_FILE_TEST_IS_DIR) && !outdir_mark(plots, &err))
    cmp_fail("plots: %s", err);
  g_free(plots);
  if (!in_place && !cmp_commit(p, written))
    status = RS_EXIT_FAILED;
  cmp_print_table(p);
  printf("\nresults: %s/results.csv\n", p->out);
  for (guint i = 0; i < written->len; i++)
    if (g_str_has_suffix(written->pdata[i], ".png") || g_str_has_suffix(written->pdata[i], ".svg"))
      printf("plot: %s\n", (const char *)written->pdata[i]);
  g_ptr_array_free(written, TRUE);
  g_free(err);
  return status;
}

/* --collect DIR: the options come from the plan recorded in DIR. */
static bool cmp_options_from_record(cmp_options *o)
{
  cmp_plan_record rec = {0};
  char *scenario = NULL, *err = NULL;
  if (!cmp_read_plan_record(o->collect, &rec, &scenario, &err)) {
    cmp_fail("%s", err);
    g_free(err);
    g_free(scenario);
    g_free(rec.protocols);
    g_free(rec.seeds);
    g_free(rec.vary);
    return false;
  }
  o->protocols = rec.protocols;
  o->seeds = rec.seeds;
  o->vary = rec.vary;
  o->args = g_new0(char *, 2);
  o->args[0] = scenario;
  return true;
}

/* --plan FILE: the folder is put in place with its runs/ and the record, then FILE is written. */
static int cmp_make_plan(cmp_plan *p, const cmp_options *o)
{
  GPtrArray *none = g_ptr_array_new();
  bool ok = cmp_commit(p, none);
  g_ptr_array_free(none, TRUE);
  cmp_plan_record rec = {o->protocols, o->seeds ? o->seeds : "1", o->vary};
  char *err = NULL;
  if (ok && !cmp_write_plan(p, o->plan, &rec, &err)) {
    cmp_fail("%s", err);
    g_free(err);
    ok = false;
  }
  if (!ok)
    return RS_EXIT_FAILED;
  printf("plan: %s (%u runs, one shell line each)\nrun it with, e.g.:  parallel -j %u < %s\n"
         "then:  replsim compare --collect %s\n",
         o->plan, p->runs->len, g_get_num_processors(), o->plan, p->final_out);
  return RS_EXIT_OK;
}

/* Checks everything first (exit 2 before any run starts), runs, then reports. */
int cmd_compare(int argc, char **argv)
{
  cmp_options o = {0};
  cmp_plan p = {0};
  int status = RS_EXIT_BAD_INPUT;
  if (cmp_parse_options(argc, argv, &o) && (!o.collect || cmp_options_from_record(&o)) && cmp_plan_from(&o, &p)) {
    char *err = NULL;
    if (o.plan) {
      status = cmp_make_plan(&p, &o);
    } else if (o.collect) {
      if (!cmp_collect_all(&p))
        cmp_fail("some runs of the plan have not run yet (not-run below)");
      status = cmp_report(&p, true);
    } else if (cmp_run_all(&p, &err)) {
      status = cmp_report(&p, false);
    } else {
      cmp_fail("%s", err);
      g_free(err);
      outdir_discard(p.out);
      status = RS_EXIT_FAILED;
    }
  }
  cmp_plan_free(&p);
  cmp_free_options(&o);
  return status;
}
