/* Writing gnuplot scripts and data files, and running gnuplot on them with a time limit. */
#include "plot/plot_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* gnuplot draws a picture in well under a second; this only guards against a wedged child. */
#define PLOT_GNUPLOT_TIMEOUT_S 120

/* The script draws its body once per format; `reset` at the top of each pass clears what the
 * previous pass set (labels, objects), so nothing is drawn twice. */
plot_script *plot_script_begin(const char *dir, const char *name, const char *what, int width,
                               int height)
{
  plot_script *s = g_new0(plot_script, 1);
  s->dir = g_strdup(dir);
  s->name = g_strdup(name);
  s->text = g_string_new(NULL);
  g_string_append_printf(s->text,
                         "# %s: %s.\n"
                         "# Written by replsim: `gnuplot %s.gp` in this folder redraws %s.png and %s.svg.\n"
                         "do for [fmt in \"png svg\"] {\n"
                         "  if (fmt eq \"png\") {\n"
                         "    if (strstrt(GPVAL_TERMINALS, \" pngcairo \") > 0) {\n"
                         "      set terminal pngcairo size %d,%d font \"Sans,10\" noenhanced\n"
                         "    } else {\n"
                         "      set terminal png size %d,%d noenhanced\n"
                         "    }\n"
                         "  } else {\n"
                         "    set terminal svg size %d,%d font \"Sans,10\" dynamic noenhanced background rgb \"white\"\n"
                         "  }\n"
                         "  set output \"%s.\".fmt\n"
                         "  reset\n"
                         "  set encoding utf8\n",
                         name, what, name, name, name, width, height, width, height, width, height,
                         name);
  return s;
}

void plot_script_line(plot_script *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_string_append(s->text, "  ");
  g_string_append_vprintf(s->text, fmt, ap);
  g_string_append_c(s->text, '\n');
  va_end(ap);
}

void plot_script_discard(plot_script *s)
{
  g_string_free(s->text, TRUE);
  g_free(s->dir);
  g_free(s->name);
  g_free(s);
}

bool plot_write_file(const char *dir, const char *name, const GString *text, GPtrArray *written,
                     char **err)
{
  char *path = g_build_filename(dir, name, NULL);
  GError *e = NULL;
  bool ok = g_file_set_contents(path, text->str, (gssize)text->len, &e);
  if (!ok) {
    *err = g_strdup(e->message);
    g_error_free(e);
    g_free(path);
    return false;
  }
  g_ptr_array_add(written, path);
  return true;
}

/* The last few lines gnuplot printed, for an error message. */
static char *log_tail(const char *log_path)
{
  char *text = NULL;
  if (!g_file_get_contents(log_path, &text, NULL, NULL))
    return g_strdup("");
  char *t = g_strstrip(text);
  size_t n = strlen(t);
  char *tail = g_strdup(n > 600 ? t + n - 600 : t);
  g_free(text);
  return tail;
}

typedef struct gp_wait {
  GMainLoop *loop;
  int status;
  bool exited;
} gp_wait;

static void gp_on_exit(GPid pid, gint status, gpointer ud)
{
  (void)pid;
  gp_wait *w = ud;
  w->status = status;
  w->exited = true;
  g_main_loop_quit(w->loop);
}

static gboolean gp_on_timeout(gpointer ud)
{
  g_main_loop_quit(((gp_wait *)ud)->loop);
  return G_SOURCE_REMOVE;
}

/* Waits for `pid` in a private main context (no polling), killing it after the time limit.
 * Returns its wait status; *timed_out says whether it had to be killed. */
static int gp_wait_child(GPid pid, bool *timed_out)
{
  GMainContext *ctx = g_main_context_new();
  gp_wait w = {g_main_loop_new(ctx, FALSE), 0, false};
  GSource *child = g_child_watch_source_new(pid);
  g_source_set_callback(child, (GSourceFunc)(void (*)(void))gp_on_exit, &w, NULL);
  g_source_attach(child, ctx);
  GSource *timer = g_timeout_source_new_seconds(PLOT_GNUPLOT_TIMEOUT_S);
  g_source_set_callback(timer, gp_on_timeout, &w, NULL);
  g_source_attach(timer, ctx);
  g_main_loop_run(w.loop);
  *timed_out = !w.exited;
  if (!w.exited) {
    kill(pid, SIGKILL);
    while (!w.exited)
      g_main_context_iteration(ctx, TRUE);
  }
  g_source_destroy(timer);
  g_source_unref(timer);
  g_source_destroy(child);
  g_source_unref(child);
  g_main_loop_unref(w.loop);
  g_main_context_unref(ctx);
  g_spawn_close_pid(pid);
  return w.status;
}

bool plot_gnuplot_available(void)
{
  char *path = g_find_program_in_path("gnuplot");
  bool found = path != NULL;
  g_free(path);
  return found;
}

/* Starts gnuplot on `script` in `dir` with its output going to `log_fd` and no terminal input. */
static bool gp_spawn(const char *gnuplot, const char *dir, const char *script, int log_fd,
                     GPid *pid, char **err)
{
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    *err = g_strdup_printf("/dev/null: %s", g_strerror(errno));
    return false;
  }
  char *argv[] = {(char *)gnuplot, (char *)script, NULL};
  GError *e = NULL;
  bool ok = g_spawn_async_with_fds(dir, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, pid,
                                   null_fd, log_fd, log_fd, &e);
  close(null_fd);
  if (!ok) {
    *err = g_strdup_printf("cannot start gnuplot: %s", e->message);
    g_error_free(e);
  }
  return ok;
}

/* Runs `gnuplot SCRIPT` in `dir`; its messages go to a log that is kept only on failure. */
static bool gp_run(const char *dir, const char *name, const char *script, char **err)
{
  char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    *err = g_strdup_printf("gnuplot is not installed (on Debian or Ubuntu: apt-get install "
                           "gnuplot-nox); the data and scripts are in %s", dir);
    return false;
  }
  char *log_name = g_strdup_printf("%s.log", name);
  char *log_path = g_build_filename(dir, log_name, NULL);
  int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = log_fd >= 0;
  if (!ok)
    *err = g_strdup_printf("%s: %s", log_path, g_strerror(errno));
  GPid pid = 0;
  ok = ok && gp_spawn(gnuplot, dir, script, log_fd, &pid, err);
  if (log_fd >= 0)
    close(log_fd);
  if (ok) {
    bool timed_out = false;
    int status = gp_wait_child(pid, &timed_out);
    ok = !timed_out && g_spawn_check_wait_status(status, NULL);
    if (!ok) {
      char *tail = log_tail(log_path);
      *err = timed_out ? g_strdup_printf("%s/%s: gnuplot took over %d s and was stopped", dir,
                                         script, PLOT_GNUPLOT_TIMEOUT_S)
                       : g_strdup_printf("%s/%s: gnuplot failed (log in %s):\n%s", dir, script,
                                         log_path, tail);
      g_free(tail);
    }
  }
  if (ok)
    g_unlink(log_path);
  g_free(log_path);
  g_free(log_name);
  g_free(gnuplot);
  return ok;
}

/* True when DIR/NAME exists and is not empty; records it in `written`. */
static bool picture_made(const char *dir, const char *name, GPtrArray *written, char **err)
{
  char *path = g_build_filename(dir, name, NULL);
  GStatBuf st;
  if (g_stat(path, &st) != 0 || st.st_size == 0) {
    *err = g_strdup_printf("%s: gnuplot wrote nothing", path);
    g_free(path);
    return false;
  }
  g_ptr_array_add(written, path);
  return true;
}

/* Writes the script, runs it, and checks both pictures came out. */
bool plot_script_finish(plot_script *s, GPtrArray *written, char **err)
{
  g_string_append(s->text, "  set output\n}\n");
  char *gp = g_strdup_printf("%s.gp", s->name);
  char *png = g_strdup_printf("%s.png", s->name);
  char *svg = g_strdup_printf("%s.svg", s->name);
  bool ok = plot_write_file(s->dir, gp, s->text, written, err) &&
            gp_run(s->dir, s->name, gp, err) && picture_made(s->dir, png, written, err) &&
            picture_made(s->dir, svg, written, err);
  g_free(gp);
  g_free(png);
  g_free(svg);
  plot_script_discard(s);
  return ok;
}

void plot_num(GString *out, double v)
{
  if (!isfinite(v)) {
    g_string_append_c(out, '?');
    return;
  }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.9g", v));
}

char *plot_quote(const char *s)
{
  GString *q = g_string_new("'");
  for (const char *p = s ? s : ""; *p; p++) {
    if (*p == '\'')
      g_string_append(q, "''");
    else if ((unsigned char)*p < 0x20)
      g_string_append_c(q, ' ');
    else
      g_string_append_c(q, *p);
  }
  g_string_append_c(q, '\'');
  return g_string_free(q, FALSE);
}

const char *plot_color(guint i)
{
  static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                                        "#D55E00", "#882255", "#44AA99", "#999933", "#332288",
                                        "#AA4499", "#117733"};
  return palette[i % G_N_ELEMENTS(palette)];
}

bool plot_wants_log(double min_positive, double max)
{
  return min_positive > 0 && max > 0 && max / min_positive > 100;
}

int plot_rows_place(plot_rows *r, double x0, double width, double right, double *x, bool *right_align)
{
  *right_align = x0 + width > right;
  double from = *right_align ? right - width : x0;
  *x = *right_align ? right : x0;
  for (int row = 0; row < PLOT_LABEL_ROWS; row++)
    if (!r->used[row] || r->end[row] <= from) {
      r->used[row] = true;
      r->end[row] = from + width;
      return row;
    }
  r->hidden++;
  return -1;
}
