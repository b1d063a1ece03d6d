/* `replsim export`: a run folder's trace for the viewers people already use (Perfetto, ShiViz). */
#include "analysis/export.h"
#include "commands.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

typedef struct export_options {
  char *to;
  char **args;
} export_options;

static bool parse_options(int argc, char **argv, export_options *o)
{
  GOptionEntry entries[] = {
      {"to", 0, 0, G_OPTION_ARG_STRING, &o->to, "The viewer: perfetto or shiviz", "FORMAT"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, "DIR"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_set_prgname("replsim export");
  GOptionContext *ctx = g_option_context_new(NULL);
  g_option_context_set_summary(
      ctx, "Exports a run folder's trace.jsonl for a viewer:\n"
           "  --to perfetto  DIR/trace.perfetto.json: Chrome trace-event JSON; open it in\n"
           "                 ui.perfetto.dev (a process per node, flow arrows for messages,\n"
           "                 client operations as async slices, faults as instants)\n"
           "  --to shiviz    DIR/shiviz.log: events with vector clocks; choose it in ShiViz's\n"
           "                 \"Select a file\" (its first line is the parsing regex, its second\n"
           "                 the empty delimiter), or paste the regex and the rest\n"
           "Exit status: 0 written, 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &error);
  if (!ok) {
    fprintf(stderr, "replsim export: %s\n", error->message);
    g_error_free(error);
  } else if (!o->args || !o->args[0] || o->args[1]) {
    fprintf(stderr, "replsim export: expected exactly one run folder (see replsim export --help)\n");
    ok = false;
  } else if (!o->to || (strcmp(o->to, "perfetto") != 0 && strcmp(o->to, "shiviz") != 0)) {
    fprintf(stderr, "replsim export: --to must be perfetto or shiviz\n");
    ok = false;
  }
  g_option_context_free(ctx);
  return ok;
}

int cmd_export(int argc, char **argv)
{
  export_options o = {0};
  int status = RS_EXIT_BAD_INPUT;
  if (!parse_options(argc, argv, &o))
    goto done;
  const char *dir = o.args[0];
  char *trace = g_build_filename(dir, "trace.jsonl", NULL);
  bool perfetto = strcmp(o.to, "perfetto") == 0;
  char *out = g_build_filename(dir, perfetto ? "trace.perfetto.json" : "shiviz.log", NULL);
  char *err = NULL;
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
    fprintf(stderr, "replsim export: %s: no such folder\n", dir);
  else if (!g_file_test(trace, G_FILE_TEST_IS_REGULAR))
    fprintf(stderr, "replsim export: %s: no trace.jsonl (is it a run's output folder?)\n", dir);
  else if (!(perfetto ? export_perfetto(trace, out, &err) : export_shiviz(trace, out, &err)))
    fprintf(stderr, "replsim export: %s\n", err);
  else {
    printf("%s\n", out);
    status = RS_EXIT_OK;
  }
  g_free(err);
  g_free(out);
  g_free(trace);
done:
  g_free(o.to);
  g_strfreev(o.args);
  return status;
}
