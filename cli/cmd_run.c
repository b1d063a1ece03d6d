/* `replsim run`: replays a scenario and reports what happened and whether it met expectations. */
#include "actors/sim.h"
#include "engine/fast.h"
#include "commands.h"
#include "outdir.h"
#include "run_report.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct run_options {
  char *seed;
  char *engine;
  char **sets;
  char *out;
  char *check_timeout_text;
  double check_timeout;
  char *max_wall_text;
  double max_wall;     /* seconds of wall-clock time the run may take; 0: no bound */
  char **args;
} run_options;

/* A positive, finite number of seconds, written as SimGrid durations are ("30", "2.5s", "10m"). */
static bool parse_seconds(const char *option, const char *text, double *out)
{
  double v = 0;
  if (scenario_parse_duration(text, &v) && isfinite(v) && v > 0) {
    *out = v;
    return true;
  }
  fprintf(stderr, "replsim run: %s '%s': expected a time in seconds above 0 (e.g. 30, 2.5s, 10m)\n", option, text);
  return false;
}

/* Options that need more than GOption's own checks: times, and exactly one scenario file. */
static bool check_options(run_options *o)
{
  if (!o->args || !o->args[0] || o->args[1]) {
    fprintf(stderr, "replsim run: expected exactly one scenario file (see replsim run --help)\n");
    return false;
  }
  if (o->check_timeout_text && !parse_seconds("--check-timeout", o->check_timeout_text, &o->check_timeout))
    return false;
  if (o->max_wall_text && !parse_seconds("--max-wall", o->max_wall_text, &o->max_wall))
    return false;
  if (o->out && o->out[0] == '\0') {
    fprintf(stderr, "replsim run: --out: an empty folder name\n");
    return false;
  }
  return true;
}

static bool parse_options(int argc, char **argv, run_options *o)
{
  GOptionEntry entries[] = {
      {"seed", 0, 0, G_OPTION_ARG_STRING, &o->seed,
       "Seed of the run's generator, 0 to 2^63-1 (overrides the scenario's)", "N"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->sets, "Override a cluster attribute (repeatable)", "KEY=VALUE"},
      {"engine", 0, 0, G_OPTION_ARG_STRING, &o->engine,
       "Network engine: simgrid or fast (overrides <network engine>)", "NAME"},
      {"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out,
       "Output folder (default out/<scenario name>); an existing one is replaced only if replsim wrote it",
       "DIR"},
      {"check-timeout", 0, 0, G_OPTION_ARG_STRING, &o->check_timeout_text,
       "Seconds the linearizability check may take before it answers unknown (default 30)", "S"},
      {"max-wall", 0, 0, G_OPTION_ARG_STRING, &o->max_wall_text,
       "Wall-clock seconds the run may take before it stops with its outputs (default: no bound)", "S"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_set_prgname("replsim run");
  GOptionContext *ctx = g_option_context_new("SCENARIO.xml");
  g_option_context_set_summary(ctx, "Replays a scenario in simulation and writes trace.jsonl, summary.json and logs/.\n"
                                    "Exit status: 0 every expectation held, 1 one failed, 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &error);
  if (!ok) {
    fprintf(stderr, "replsim run: %s\n", error->message);
    g_error_free(error);
  } else {
    ok = check_options(o);
  }
  g_option_context_free(ctx);
  return ok;
}

static void free_options(run_options *o)
{
  g_free(o->seed);
  g_free(o->engine);
  g_strfreev(o->sets);
  g_free(o->out);
  g_free(o->check_timeout_text);
  g_free(o->max_wall_text);
  g_strfreev(o->args);
}

/* --seed and --engine are more overrides, so the scenario parser checks them like any value. */
static char **overrides_of(const run_options *o)
{
  GPtrArray *all = g_ptr_array_new();
  for (char **s = o->sets; s && *s; s++)
    g_ptr_array_add(all, g_strdup(*s));
  if (o->seed)
    g_ptr_array_add(all, g_strdup_printf("seed=%s", o->seed));
  if (o->engine)
    g_ptr_array_add(all, g_strdup_printf("engine=%s", o->engine));
  g_ptr_array_add(all, NULL);
  return (char **)g_ptr_array_free(all, FALSE);
}

/* Runs the scenario into a staged folder, judges it, and publishes the folder whole. */
static int run_scenario(const scenario *sc, const char *dir, double check_timeout, double max_wall)
{
  char *err = NULL;
  char *staged = outdir_stage(dir, &err);
  if (!staged) {
    fprintf(stderr, "replsim run: %s\n", err);
    g_free(err);
    return RS_EXIT_BAD_INPUT;
  }
  sim_outcome out;
  gint64 start = g_get_monotonic_time();
  sim_limits limits = {.max_wall = max_wall};
  bool ran = sc->engine == RS_ENGINE_FAST ? fast_run(sc, staged, &limits, &out, &err)
                                          : sim_run(sc, staged, &limits, &out, &err);
  if (ran && out.stop_report)
    fprintf(stderr, "replsim run: stopped: %s\n", out.stop_report);
  double wall = (double)(g_get_monotonic_time() - start) / 1e6;
  int status = RS_EXIT_BAD_INPUT;
  if (ran) {
    status = run_report(sc, &out, staged, dir, wall, check_timeout, "run");
  } else {
    fprintf(stderr, "replsim run: %s\n", err ? err : "the run failed");
    outdir_discard(staged);
  }
  sim_outcome_clear(&out);
  g_free(err);
  g_free(staged);
  return status;
}

int cmd_run(int argc, char **argv)
{
  run_options o = {0};
  if (!parse_options(argc, argv, &o)) {
    free_options(&o);
    return RS_EXIT_BAD_INPUT;
  }
  char **overrides = overrides_of(&o);
  char *err = NULL;
  scenario *sc = scenario_load(o.args[0], overrides, &err);
  g_strfreev(overrides);
  int status = RS_EXIT_BAD_INPUT;
  if (!sc) {
    fprintf(stderr, "%s\n", err);
    g_free(err);
  } else {
    char *dir = o.out ? g_strdup(o.out) : g_build_filename("out", sc->name, NULL);
    /* --max-wall bounds the whole run, its linearizability check included (the swarm: a run
     * that stopped in time then checked appends for minutes). */
    double check = o.check_timeout;
    if (o.max_wall > 0 && (check <= 0 || check > o.max_wall))
      check = o.max_wall;
    status = run_scenario(sc, dir, check, o.max_wall);
    g_free(dir);
    scenario_free(sc);
  }
  free_options(&o);
  return status;
}
