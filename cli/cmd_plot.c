/* `replsim plot`: draws a run folder's plots (latency over time, space-time diagram) with gnuplot. */
#include "plot/plot.h"
#include "cli_args.h"
#include "commands.h"
#include "outdir.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>

typedef struct plot_options {
  char *from_text, *to_text, *nodes_text;
  double from, to;
  char **nodes;
  char **args;
} plot_options;

/* Parses the options; false (after saying why) on anything the command cannot use. */
static bool plot_parse_options(int argc, char **argv, plot_options *o)
{
  GOptionEntry entries[] = {
      {"from", 0, 0, G_OPTION_ARG_STRING, &o->from_text,
       "Start of the space-time diagram's window, in simulated seconds (default: a little before "
       "the first violation, or else the first fault)", "S"},
      {"to", 0, 0, G_OPTION_ARG_STRING, &o->to_text,
       "End of the space-time diagram's window, in simulated seconds (default: 300 messages on)", "S"},
      {"nodes", 0, 0, G_OPTION_ARG_STRING, &o->nodes_text,
       "Draw only these nodes' lanes (and the messages between them), e.g. r1,r2", "A,B"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, "DIR"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new(NULL); /* the remaining-argument entry names DIR */
  g_option_context_set_summary(ctx, "Draws the plots of a run folder (the --out of replsim run) into DIR/plots/,\n"
                                    "each as PNG and SVG with its gnuplot script and data beside it:\n"
                                    "  latency.*    latency of every operation over simulated time, faults shaded\n"
                                    "  spacetime.*  space-time diagram: a lane per node, an arrow per message\n"
                                    "Exit status: 0 drawn, 1 gnuplot missing or failing, 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &error);
  if (!ok) {
    fprintf(stderr, "replsim plot: %s\n", error->message);
    g_error_free(error);
  } else if (!o->args || !o->args[0] || o->args[1]) {
    fprintf(stderr, "replsim plot: expected exactly one run folder (see replsim plot --help)\n");
    ok = false;
  } else if (!cli_seconds_option("replsim plot", "--from", o->from_text, NAN, &o->from) ||
             !cli_seconds_option("replsim plot", "--to", o->to_text, NAN, &o->to)) {
    ok = false;
  } else if (o->to_text && o->to <= (o->from_text ? o->from : 0)) {
    fprintf(stderr, "replsim plot: --to must be a time in seconds after --from (and after 0)\n");
    ok = false;
  } else if (o->nodes_text) {
    o->nodes = g_strsplit(o->nodes_text, ",", -1);
    for (char **n = o->nodes; *n && ok; n++)
      if (!**n) {
        fprintf(stderr, "replsim plot: --nodes %s: an empty node name\n", o->nodes_text);
        ok = false;
      }
  }
  g_option_context_free(ctx);
  return ok;
}

/* DIR/plots, made afresh: a plots folder an earlier `replsim plot` wrote is replaced, anything
 * else there is refused (exit 2) and left alone. The new folder is guarded until it is marked,
 * so an interrupted or failed plot leaves no half-drawn plots/ behind. */
static bool plots_folder_begin(const char *dir, char **plots, char **err)
{
  *plots = g_build_filename(dir, "plots", NULL);
  return outdir_check_target(*plots, err) && outdir_remove_marked(*plots, err) &&
         outdir_create(*plots, OUTDIR_SPAWNS, err);
}

/* Marks a finished plots folder, or removes one that could not be finished. */
static bool plots_folder_end(const char *plots, bool drawn, char **err)
{
  if (drawn && outdir_mark(plots, err)) {
    outdir_unguard();
    return true;
  }
  outdir_discard(plots);
  return false;
}

/* Checks the folder before starting gnuplot: a missing folder or trace is bad input (2), a
 * missing gnuplot is a failure to draw (1). */
int cmd_plot(int argc, char **argv)
{
  plot_options o = {0};
  if (!plot_parse_options(argc, argv, &o)) {
    g_strfreev(o.args);
    g_strfreev(o.nodes);
    g_free(o.from_text);
    g_free(o.to_text);
    g_free(o.nodes_text);
    return RS_EXIT_BAD_INPUT;
  }
  int status = RS_EXIT_BAD_INPUT;
  const char *dir = o.args[0];
  char *trace = g_build_filename(dir, "trace.jsonl", NULL);
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    fprintf(stderr, "replsim plot: %s: no such folder\n", dir);
  } else if (!g_file_test(trace, G_FILE_TEST_IS_REGULAR)) {
    fprintf(stderr, "replsim plot: %s: no trace.jsonl (is it a run's output folder?)\n", dir);
  } else if (!plot_gnuplot_available()) {
    fprintf(stderr, "replsim plot: gnuplot is not installed (on Debian or Ubuntu: apt-get install gnuplot-nox)\n");
    status = RS_EXIT_FAILED;
  } else {
    plot_window win = {o.from_text != NULL, o.to_text != NULL, o.from_text ? o.from : 0,
                       o.to_text ? o.to : 0, o.nodes};
    GPtrArray *written = g_ptr_array_new_with_free_func(g_free);
    char *err = NULL, *plots = NULL;
    if (!plots_folder_begin(dir, &plots, &err)) {
      fprintf(stderr, "replsim plot: %s\n", err);
    } else if (plots_folder_end(plots, plot_run_dir(dir, &win, written, &err), &err)) {
      for (guint i = 0; i < written->len; i++)
        printf("%s\n", (const char *)written->pdata[i]);
      status = RS_EXIT_OK;
    } else {
      fprintf(stderr, "replsim plot: %s\n", err ? err : "the plots could not be drawn");
    }
    g_free(err);
    g_free(plots);
    g_ptr_array_free(written, TRUE);
  }
  g_free(trace);
  g_strfreev(o.args);
  g_strfreev(o.nodes);
  g_free(o.from_text);
  g_free(o.to_text);
  g_free(o.nodes_text);
  return status;
}
