/* `replsim plot`'s work: every plot of one run folder, into its plots/ folder. */
#include "plot/plot.h"
#include "plot/plot_internal.h"

#include <errno.h>
#include <glib/gstdio.h>

/* The trace is read (and so checked) before plots/ is made: a trace that cannot be read leaves
 * no empty folder behind; one without anything to draw is refused; a drawing that fails (an
 * unknown --nodes name, gnuplot failing) takes back the files written, and plots/ if it made it. */
bool plot_run_dir(const char *run_dir, const plot_window *win, GPtrArray *written, char **err)
{
  char *trace = g_build_filename(run_dir, "trace.jsonl", NULL);
  char *out = g_build_filename(run_dir, "plots", NULL);
  plot_data d = {0};
  bool ok = false, made = false;
  guint before = written->len;
  if (!g_file_test(trace, G_FILE_TEST_IS_REGULAR))
    *err = g_strdup_printf("%s: no such trace (is %s a run's output folder?)", trace, run_dir);
  else if (!plot_data_read(trace, &d, err))
    ;
  else if (d.f->lines == 0)
    *err = g_strdup_printf("%s: empty trace: nothing to draw", trace);
  else if (!(made = !g_file_test(out, G_FILE_TEST_EXISTS), g_mkdir_with_parents(out, 0755) == 0))
    *err = g_strdup_printf("%s: cannot create: %s", out, g_strerror(errno));
  else if (!(ok = plot_spacetime(&d, out, win, written, err) && plot_latency_time(&d, out, written, err))) {
    while (written->len > before) {
      g_unlink(written->pdata[written->len - 1]);
      g_ptr_array_remove_index(written, written->len - 1);
    }
    if (made)
      g_rmdir(out);
  }
  plot_data_clear(&d);
  g_free(out);
  g_free(trace);
  return ok;
}
