/* `replsim real`: the scenario over TCP on this machine (every server node its own `replsim node`
 * process, the clients here), written and judged exactly as `replsim run` does. */
#include "commands.h"
#include "net_common.h"
#include "outdir.h"
#include "run_report.h"

#include "net/real.h"

#include <signal.h>
#include <stdio.h>

typedef struct real_options {
  char *seed, *out, *hosts, *data, *key, *check_timeout_text;
  char **sets, **args;
  double check_timeout;
} real_options;

static bool parse(int argc, char **argv, real_options *o)
{
  o->check_timeout = 30;
  GOptionEntry entries[] = {
      {"seed", 0, 0, G_OPTION_ARG_STRING, &o->seed, "Seed of the run (overrides the scenario's)", "N"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->sets, "Override a cluster attribute (repeatable)", "KEY=VALUE"},
      {"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, "Output folder (default out/<scenario name>)", "DIR"},
      {"hosts", 0, 0, G_OPTION_ARG_FILENAME, &o->hosts, "Lines 'PLATFORM-HOST ADDRESS' (default: 127.0.0.1)", "FILE"},
      {"data", 0, 0, G_OPTION_ARG_FILENAME, &o->data, "Folder of the replicas' stores (default: DIR/data)", "DIR"},
      {"key", 0, 0, G_OPTION_ARG_FILENAME, &o->key, "The cluster key (default: a public demo key)", "FILE"},
      {"check-timeout", 0, 0, G_OPTION_ARG_STRING, &o->check_timeout_text,
       "Seconds the linearizability check may take (default 30)", "S"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_set_prgname("replsim real");
  GOptionContext *ctx = g_option_context_new("SCENARIO.xml");
  g_option_context_set_summary(ctx, "Runs a scenario for real over TCP: every server node its own `replsim node`\n"
                                    "process, the workload and scripted clients here, the faults in wall-clock time.\n"
                                    "Writes the same DIR as `replsim run`. Exit status: 0 every expectation held,\n"
                                    "1 one failed, 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *e = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &e);
  if (!ok) {
    fprintf(stderr, "replsim real: %s\n", e->message);
    g_error_free(e);
  } else if (!o->args || !o->args[0] || o->args[1]) {
    fprintf(stderr, "replsim real: expected exactly one scenario file (see replsim real --help)\n");
    ok = false;
  } else if (o->check_timeout_text && (!scenario_parse_duration(o->check_timeout_text, &o->check_timeout) ||
                                       o->check_timeout <= 0)) {
    fprintf(stderr, "replsim real: --check-timeout '%s': expected a time above 0\n", o->check_timeout_text);
    ok = false;
  } else if (o->out && !o->out[0]) {
    fprintf(stderr, "replsim real: --out: an empty folder name\n");
    ok = false;
  }
  g_option_context_free(ctx);
  return ok;
}

static void free_options(real_options *o)
{
  g_free(o->seed);
  g_free(o->out);
  g_free(o->hosts);
  g_free(o->data);
  g_free(o->key);
  g_free(o->check_timeout_text);
  g_strfreev(o->sets);
  g_strfreev(o->args);
}

/* What every node process is given, so it builds the same plan, addresses and key. */
static char **node_args(const real_options *o)
{
  GPtrArray *a = g_ptr_array_new();
  g_ptr_array_add(a, g_strdup(o->args[0]));
  if (o->hosts)
    g_ptr_array_add(a, g_strdup_printf("--hosts=%s", o->hosts));
  if (o->key)
    g_ptr_array_add(a, g_strdup_printf("--key=%s", o->key));
  if (o->seed)
    g_ptr_array_add(a, g_strdup_printf("--seed=%s", o->seed));
  for (char **s = o->sets; s && *s; s++)
    g_ptr_array_add(a, g_strdup_printf("--set=%s", *s));
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

static int run(const real_options *o, net_setup *setup)
{
  char *dir = o->out ? g_strdup(o->out) : g_build_filename("out", setup->sc->name, NULL);
  char *err = NULL;
  char *staged = outdir_stage(dir, &err);
  if (!staged) {
    fprintf(stderr, "replsim real: %s\n", err);
    g_free(err);
    g_free(dir);
    return RS_EXIT_BAD_INPUT;
  }
  char *data = o->data ? g_strdup(o->data) : g_build_filename(staged, "data", NULL);
  char **args = node_args(o);
  real_config cfg = {.sc = setup->sc, .plan = setup->plan, .addrs = &setup->addrs, .key = &setup->key,
                     .dir = staged, .data = data, .node_args = args};
  real_result res;
  gint64 start = g_get_monotonic_time();
  bool ran = real_run(&cfg, &res, &err);
  double wall = (double)(g_get_monotonic_time() - start) / 1e6;
  int status = RS_EXIT_BAD_INPUT;
  sim_outcome out = {0};
  if (ran) {
    out.end_time = res.end_time;
    out.messages_sent = res.sent;
    out.messages_dropped = res.dropped;
    out.steps = res.steps;
    res.steps = NULL;
    status = run_report(setup->sc, &out, staged, dir, wall, o->check_timeout, "real");
  } else {
    fprintf(stderr, "replsim real: %s\n", err ? err : "the run failed");
    outdir_discard(staged);
  }
  sim_outcome_clear(&out);
  real_result_clear(&res);
  g_strfreev(args);
  g_free(data);
  g_free(err);
  g_free(staged);
  g_free(dir);
  return status;
}

int cmd_real(int argc, char **argv)
{
  real_options o = {0};
  if (!parse(argc, argv, &o)) {
    free_options(&o);
    return RS_EXIT_BAD_INPUT;
  }
  signal(SIGPIPE, SIG_IGN);
  net_setup setup;
  int status = RS_EXIT_BAD_INPUT;
  if (net_setup_load(&setup, "real", o.args[0], o.sets, o.seed, o.hosts, o.key)) {
    status = run(&o, &setup);
    net_setup_clear(&setup);
  }
  free_options(&o);
  return status;
}
