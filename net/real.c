/* `replsim real`: the node processes and their control connections, the clients, the end of the
 * run (stop, settle, report), and the one trace written in time order. */
#include "real_internal.h"

#include "trace/trace_reader.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

rs_node_id real_id_of(const real_state *r, const char *name)
{
  const dp_node *n = deploy_find(r->cfg->plan, name);
  return n ? n->id : RS_NO_NODE;
}

void real_trace_fault(real_state *r, const sc_fault *f, const char *kind, const char *phase)
{
  fault_target t;
  fault_target_of(f, phase, &t);
  trace_fault(r->proc->ev.trace, net_proc_now(r->proc), kind, phase, t.pairs);
}

void real_send(real_server *s, const char *fmt, ...)
{
  if (!s->to)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(s->to, fmt, ap);
  va_end(ap);
  fflush(s->to);
}

void real_kill(real_server *s, int sig)
{
  if (s->pid > 0)
    kill(s->pid, sig);
}

/* --- a node process's control connection --------------------------------------------------- */

static void server_gone(real_server *s)
{
  if (s->watch)
    g_source_remove(s->watch);
  s->watch = 0;
  if (s->control)
    g_io_channel_unref(s->control);
  s->control = NULL;
  if (s->to)
    fclose(s->to);
  s->to = NULL;
  s->ready = false;
}

static void reply_seen(real_state *r)
{
  if (r->waiting > 0 && --r->waiting == 0)
    g_main_loop_quit(r->loop);
}

/* Failover `peer` asks for a dead backup's restart: done by `real`, `delay` seconds later. */
typedef struct later_restart {
  real_state *r;
  rs_node_id node;
} later_restart;

static gboolean do_restart(gpointer data)
{
  later_restart *l = data;
  real_server *s = l->r->servers[l->node];
  if (s && !s->pid && !l->r->ending)
    real_spawn(s);
  g_free(l);
  return G_SOURCE_REMOVE;
}

/* Crashes the node if it still runs, and starts it again `delay` seconds later. */
static void restart_later(real_state *r, rs_node_id node, double delay)
{
  real_server *s = node < r->cfg->plan->nodes->len ? r->servers[node] : NULL;
  if (!s)
    return;
  real_kill(s, SIGKILL);
  later_restart *l = g_new(later_restart, 1);
  *l = (later_restart){r, node};
  g_timeout_add((guint)(delay * 1000) + 1, do_restart, l);
}

/* One line from a node: a trace line, a log line, or a reply. */
static void node_line(real_server *s, char *line)
{
  real_state *r = s->run;
  if (line[0] == '{') {
    fputs(line, r->unsorted);
    fputc('\n', r->unsorted);
  } else if (line[0] == 'L' && line[1] == ' ') {
    char *tab = strchr(line, '\t');
    if (tab) {
      char *text = g_strcompress(tab + 1);
      tev_log_line(&r->proc->ev, &s->log, "%s", text);
      g_free(text);
    }
  } else if (strcmp(line, "READY") == 0) {
    s->ready = true;
    real_network_push(r, s->plan->id);
    reply_seen(r);
  } else if (g_str_has_prefix(line, "BUSY ")) {
    s->busy = line[5] == '1';
    reply_seen(r);
  } else if (g_str_has_prefix(line, "RESTART ")) {
    unsigned node = 0;
    double delay = 0;
    if (sscanf(line + 8, "%u %lf", &node, &delay) == 2)
      restart_later(r, node, delay);
  } else if (strcmp(line, "REPORTED") == 0) {
    s->reported = true;
    reply_seen(r);
  }
}

static gboolean on_node_output(GIOChannel *ch, GIOCondition cond, gpointer data)
{
  real_server *s = data;
  char buf[65536];
  for (;;) {
    gsize n = 0;
    GIOStatus st = g_io_channel_read_chars(ch, buf, sizeof buf, &n, NULL);
    /* Every node's trace passes through here (twenty lines a write): whole lines straight from
     * the buffer, only a line cut by the read's end is copied. */
    char *at = buf, *end = buf + n;
    for (char *nl; (nl = memchr(at, '\n', (size_t)(end - at))); at = nl + 1) {
      *nl = '\0';
      if (s->partial->len) {
        g_string_append(s->partial, at);
        node_line(s, s->partial->str);
        g_string_truncate(s->partial, 0);
      } else {
        node_line(s, at);
      }
    }
    g_string_append_len(s->partial, at, end - at);
    if (st == G_IO_STATUS_NORMAL)
      continue;
    if (st == G_IO_STATUS_AGAIN && !(cond & (G_IO_HUP | G_IO_ERR)))
      return G_SOURCE_CONTINUE;
    s->watch = 0;
    server_gone(s);
    return G_SOURCE_REMOVE;
  }
}

static void on_child_exit(GPid pid, gint status, gpointer data)
{
  real_server *s = data;
  (void)status;
  g_spawn_close_pid(pid);
  if (s->pid == pid) {
    s->pid = 0;
    if (s->watch)
      on_node_output(s->control, G_IO_HUP, s); /* what it wrote before it died */
    server_gone(s);
  }
}

/* Starts the node's next life as a `replsim node` process: fork, then exec of this very binary,
 * in the run's process group, killed with `real` if `real` dies (PR_SET_PDEATHSIG). */
bool real_spawn(real_server *s)
{
  real_state *r = s->run;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    r->error = g_strdup_printf("socketpair: %s", g_strerror(errno));
    return false;
  }
  GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
  char **launch = r->cfg->addrs->by_id[s->plan->id].launch;
  for (char **w = launch; w && *w; w++)
    g_ptr_array_add(argv, g_strdup(*w));
  char *self = g_file_read_link("/proc/self/exe", NULL);
  g_ptr_array_add(argv, launch ? g_strdup(self) : g_strdup("replsim"));
  g_free(self);
  g_ptr_array_add(argv, g_strdup("node"));
  for (char **a = r->cfg->node_args; *a; a++)
    g_ptr_array_add(argv, g_strdup(*a));
  g_ptr_array_add(argv, g_strdup_printf("--id=%s", s->plan->name));
  g_ptr_array_add(argv, g_strdup_printf("--data=%s", r->cfg->data));
  g_ptr_array_add(argv, g_strdup("--control-fd=3"));
  g_ptr_array_add(argv, g_strdup_printf("--run-base=%" G_GINT64_FORMAT, r->base_us));
  g_ptr_array_add(argv, g_strdup_printf("--life=%u", s->lives));
  g_ptr_array_add(argv, NULL);
  char *err_path = g_strdup_printf("%s/stderr/%s.txt", r->cfg->dir, s->plan->name);
  pid_t parent = getpid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
    setpgid(0, r->pgid);
    int errfd = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (errfd >= 0)
      dup2(errfd, 2);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(sv[1], 3);
    if (launch)
      execvp(launch[0], (char **)argv->pdata);
    else
      execv("/proc/self/exe", (char **)argv->pdata);
    _exit(127);
  }
  g_free(err_path);
  g_ptr_array_free(argv, TRUE);
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    r->error = g_strdup_printf("fork: %s", g_strerror(errno));
    return false;
  }
  if (!r->pgid)
    r->pgid = pid;
  setpgid(pid, r->pgid);
  s->pid = pid;
  s->lives++;
  s->ready = s->busy = s->reported = s->paused = false;
  g_string_truncate(s->partial, 0);
  s->to = fdopen(dup(sv[0]), "w");
  fcntl(fileno(s->to), F_SETFD, FD_CLOEXEC);
  s->control = g_io_channel_unix_new(sv[0]);
  g_io_channel_set_close_on_unref(s->control, TRUE);
  g_io_channel_set_encoding(s->control, NULL, NULL);
  g_io_channel_set_flags(s->control, G_IO_FLAG_NONBLOCK, NULL);
  s->watch = g_io_add_watch(s->control, G_IO_IN | G_IO_HUP | G_IO_ERR, on_node_output, s);
  g_child_watch_add(pid, on_child_exit, s);
  return true;
}

/* --- clients ---------------------------------------------------------------------------------- */

static void client_finished(void *ctx, net_node *n)
{
  real_state *r = ctx;
  (void)n;
  if (--r->drivers_running <= 0 && r->cfg->sc->duration <= 0)
    g_main_loop_quit(r->loop);
}

static void client_fatal(void *ctx, const char *why)
{
  real_state *r = ctx;
  if (!r->error)
    r->error = g_strdup(why);
}

/* --- waiting ------------------------------------------------------------------------------ */

static gboolean wake(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

/* Runs the loop until `waiting` replies came or `seconds` passed. */
static void wait_replies(real_state *r, double seconds)
{
  if (r->waiting <= 0)
    return;
  guint t = g_timeout_add((guint)(seconds * 1000), wake, r->loop);
  g_main_loop_run(r->loop);
  if (r->waiting > 0)
    g_source_remove(t);
  else
    g_source_remove(t);
  r->waiting = 0;
}

static void run_for(real_state *r, double seconds)
{
  g_timeout_add((guint)(seconds * 1000), wake, r->loop);
  g_main_loop_run(r->loop);
}

/* Whether anything is still under way: a node or client busy, bytes unsent. */
static bool busy(real_state *r)
{
  r->waiting = 0;
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++) {
    real_server *s = r->servers[i];
    if (s && s->pid && s->ready && !s->paused) {
      s->busy = true;
      real_send(s, "busy\n");
      r->waiting++;
    }
  }
  wait_replies(r, 2);
  bool any = net_transport_pending(r->proc->tr) > 0;
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++) {
    real_server *s = r->servers[i];
    net_node *c = r->proc->nodes[i];
    any = any || (s && s->pid && s->ready && !s->paused && s->busy) || (c && c->core && rs_node_busy(c->core));
  }
  return any;
}

/* The run's end, as in simulation: the clients stop, the cluster settles until it is quiet (or
 * max(5 s, 3 heartbeats) passed), and faults planned after the duration still happen. */
static void settle(real_state *r)
{
  r->ending = true;
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++) {
    if (r->servers[i])
      real_send(r->servers[i], "stop\n");
    if (r->proc->nodes[i] && r->proc->nodes[i]->core)
      rs_node_stop(r->proc->nodes[i]->core);
  }
  double bound = MAX(5.0, 3 * r->cfg->sc->heartbeat);
  double until = net_proc_now(r->proc) + bound;
  bool quiet_once = false;
  while (net_proc_now(r->proc) < until) {
    run_for(r, 0.1);
    bool faults_left = r->next_fault < r->faults->actions->len;
    if (!faults_left && !busy(r)) {
      if (quiet_once)
        break;
      quiet_once = true;
    } else {
      quiet_once = false;
    }
  }
}

/* --- the end: finals, digests, the trace in time order --------------------------------------- */

static bool collect_key(void *ud, const trace_line *l, char **why)
{
  const char *key = NULL;
  if (trace_line_opt_str(l, "key", &key, NULL, why) && key)
    g_hash_table_add(ud, g_strdup(key));
  return true;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every key the clients touched, sorted. */
static GPtrArray *touched_keys(real_state *r)
{
  fflush(r->unsorted);
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  const char *types[] = {"invoke", NULL};
  trace_foreach_types(r->unsorted_path, types, collect_key, seen, NULL);
  GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, seen);
  while (g_hash_table_iter_next(&it, &k, NULL))
    g_ptr_array_add(keys, g_strdup(k));
  g_hash_table_destroy(seen);
  g_ptr_array_sort(keys, cmp_str);
  return keys;
}

/* Live replicas report through their processes; a replica that is down reports from its store
 * on disk, read here (its memory is gone, its store is not). */
static void report(real_state *r)
{
  GPtrArray *keys = touched_keys(r);
  r->end_time = net_proc_now(r->proc);
  r->proc->ev.end_time = r->end_time;
  GString *line = g_string_new(NULL);
  g_string_printf(line, "report %.9f", r->end_time);
  for (guint i = 0; i < keys->len; i++) {
    char *esc = g_strescape(g_ptr_array_index(keys, i), NULL);
    g_string_append_printf(line, "\t%s", esc);
    g_free(esc);
  }
  r->waiting = 0;
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++) {
    real_server *s = r->servers[i];
    if (!s || !s->plan->replica)
      continue;
    if (s->pid && s->ready && !s->paused) {
      real_send(s, "%s\n", line->str);
      r->waiting++;
      continue;
    }
    if (s->joining)
      continue;
    rs_store *store = NULL;
    bool recovered;
    net_store_error e;
    char *err = NULL;
    char *dir = g_build_filename(r->cfg->data, s->plan->name, NULL);
    net_store *disk = net_store_open(dir, s->plan->name, r->cfg->plan->app, &store, &recovered, &e, &err);
    g_free(dir);
    if (!disk) {
      g_free(err);
      continue;
    }
    net_node *n = net_node_new(r->proc, s->plan->id, store, disk);
    rs_store_report(store, &n->host, (const char *const *)keys->pdata, keys->len, true);
    net_node_free(n);
  }
  g_string_free(line, TRUE);
  g_ptr_array_free(keys, TRUE);
  wait_replies(r, 5);
}

typedef struct tline {
  double t;
  guint order;
  char *text;
} tline;

static gint cmp_line(gconstpointer a, gconstpointer b)
{
  const tline *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts every line by `t` (stably: one process's lines keep their order) into trace.jsonl, the
 * run line first with "mode":"real". */
static bool write_sorted(real_state *r, real_result *out, char **err)
{
  fclose(r->unsorted);
  r->unsorted = NULL;
  gchar *data = NULL;
  gsize len = 0;
  GError *e = NULL;
  if (!g_file_get_contents(r->unsorted_path, &data, &len, &e)) {
    *err = g_strdup(e->message);
    g_error_free(e);
    return false;
  }
  GArray *lines = g_array_new(FALSE, FALSE, sizeof(tline));
  char *p = data;
  while (p < data + len) {
    char *nl = memchr(p, '\n', (size_t)(data + len - p));
    if (!nl)
      break;
    *nl = '\0';
    tline l = {.t = g_str_has_prefix(p, "{\"t\":") ? g_ascii_strtod(p + 5, NULL) : 0, .order = lines->len, .text = p};
    g_array_append_val(lines, l);
    p = nl + 1;
  }
  g_array_sort(lines, cmp_line);
  char *path = g_build_filename(r->cfg->dir, "trace.jsonl", NULL);
  FILE *f = fopen(path, "w");
  for (guint i = 0; f && i < lines->len; i++) {
    tline *l = &g_array_index(lines, tline, i);
    size_t n = strlen(l->text);
    if (i == 0 && strstr(l->text, "\"type\":\"run\"") && n && l->text[n - 1] == '}')
      fprintf(f, "%.*s,\"mode\":\"real\"}\n", (int)n - 1, l->text);
    else
      fprintf(f, "%s\n", l->text);
    if (strstr(l->text, "\"type\":\"send\""))
      out->sent++;
    else if (strstr(l->text, "\"type\":\"drop\""))
      out->dropped++;
  }
  bool ok = f && fclose(f) == 0;
  if (!ok)
    *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
  g_free(path);
  g_array_free(lines, TRUE);
  g_free(data);
  g_unlink(r->unsorted_path);
  return ok;
}

/* --- the run -------------------------------------------------------------------------------- */

static void stop_all(real_state *r)
{
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++)
    if (r->servers[i] && r->servers[i]->pid)
      real_send(r->servers[i], "quit\n");
  for (int k = 0; k < 20; k++) {
    bool left = false;
    for (guint i = 0; i < r->cfg->plan->nodes->len; i++)
      left = left || (r->servers[i] && r->servers[i]->pid);
    if (!left)
      break;
    run_for(r, 0.05);
  }
  if (r->pgid)
    kill(-r->pgid, SIGKILL);
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++) {
    real_server *s = r->servers[i];
    if (s && s->pid) {
      kill(s->pid, SIGKILL);
      waitpid(s->pid, NULL, 0);
      s->pid = 0;
      server_gone(s);
    }
  }
}

static char *log_path(const real_config *cfg, const dp_node *n)
{
  return n->spec.kind == RS_NODE_VIEW_SERVICE ? g_strdup_printf("%s/logs/heartbeat.txt", cfg->dir)
                                              : g_strdup_printf("%s/logs/%s.txt", cfg->dir, n->name);
}

static void setup_nodes(real_state *r, const real_config *cfg)
{
  guint n = cfg->plan->nodes->len;
  r->servers = g_new0(real_server *, n);
  GArray *clients = g_array_new(FALSE, FALSE, sizeof(rs_node_id));
  for (guint i = 0; i < n; i++)
    if (deploy_node(cfg->plan, i)->client)
      g_array_append_val(clients, i);
  net_proc_cb cb = {.finished = client_finished, .fatal = client_fatal, .ctx = r};
  r->proc = net_proc_new(cfg->sc, cfg->plan, cfg->addrs, cfg->key, (rs_node_id *)clients->data, clients->len,
                         r->base_us, 0, &cb);
  tev_run_init(&r->proc->ev, trace_writer_open_stream(r->unsorted));
  r->proc->ev.name_of = (const char *(*)(const void *, rs_node_id))net_proc_name;
  r->proc->ev.name_ctx = r->proc;
  r->proc->ev.steps = r->steps;
  for (guint i = 0; i < n; i++) {
    const dp_node *d = deploy_node(cfg->plan, i);
    if (d->client) {
      net_node *c = net_node_new(r->proc, i, NULL, NULL);
      c->log.path = log_path(cfg, d);
      continue;
    }
    real_server *s = g_new0(real_server, 1);
    s->run = r;
    s->plan = d;
    s->joining = d->joining;
    s->partial = g_string_new(NULL);
    s->log.path = log_path(cfg, d);
    s->log.buf = g_string_new(NULL);
    r->servers[i] = s;
  }
  g_array_free(clients, TRUE);
}

static void free_nodes(real_state *r)
{
  for (guint i = 0; r->servers && i < r->cfg->plan->nodes->len; i++) {
    real_server *s = r->servers[i];
    if (!s)
      continue;
    tev_log_flush(&r->proc->ev, &s->log);
    g_free(s->log.path);
    g_string_free(s->log.buf, TRUE);
    g_string_free(s->partial, TRUE);
    g_free(s);
  }
  g_free(r->servers);
  for (guint i = 0; i < r->cfg->plan->nodes->len; i++)
    if (r->proc->nodes[i])
      tev_log_flush(&r->proc->ev, &r->proc->nodes[i]->log);
}

bool real_run(const real_config *cfg, real_result *out, char **err)
{
  memset(out, 0, sizeof *out);
  out->steps = g_ptr_array_new_with_free_func(trace_step_check_free);
  real_state r = {.cfg = cfg, .steps = out->steps};
  char *logs = g_build_filename(cfg->dir, "logs", NULL), *errs = g_build_filename(cfg->dir, "stderr", NULL);
  g_mkdir_with_parents(logs, 0755);
  g_mkdir_with_parents(errs, 0755);
  g_free(logs);
  g_free(errs);
  r.unsorted_path = g_build_filename(cfg->dir, ".trace-unsorted", NULL);
  r.unsorted = fopen(r.unsorted_path, "w");
  if (!r.unsorted) {
    *err = g_strdup_printf("%s: %s", r.unsorted_path, g_strerror(errno));
    g_free(r.unsorted_path);
    return false;
  }
  r.loop = g_main_loop_new(NULL, FALSE);
  r.base_us = g_get_monotonic_time();
  setup_nodes(&r, cfg);
  trace_run(r.proc->ev.trace, cfg->sc->name, rs_protocol_name(cfg->sc->protocol), cfg->sc->app,
            rs_failover_name(cfg->sc->failover), cfg->sc->seed);
  /* Servers first, one after the other in the scenario's order (each listens before the next
   * starts, so the first replica is the first to register and heartbeat, as in simulation);
   * the clients start once every server listens. */
  for (guint i = 0; i < cfg->plan->nodes->len && !r.error; i++)
    if (r.servers[i] && !r.servers[i]->joining && real_spawn(r.servers[i])) {
      r.waiting = 1;
      wait_replies(&r, 10);
    }
  for (guint i = 0; i < cfg->plan->nodes->len && !r.error; i++) {
    real_server *s = r.servers[i];
    if (s && !s->joining && !s->ready)
      r.error = g_strdup_printf("node %s did not start (see %s/stderr/%s.txt)", s->plan->name, cfg->dir,
                                s->plan->name);
  }
  if (!r.error) {
    for (guint i = 0; i < cfg->plan->nodes->len; i++)
      if (r.proc->nodes[i]) {
        r.drivers_running++;
        net_node_boot(r.proc->nodes[i], 0);
      }
    real_faults_start(&r);
    if (cfg->sc->duration > 0)
      run_for(&r, MAX(0, cfg->sc->duration - net_proc_now(r.proc)));
    else if (r.drivers_running > 0)
      g_main_loop_run(r.loop);
    settle(&r);
    report(&r);
  }
  out->end_time = r.end_time;
  stop_all(&r);
  trace_writer_flush(r.proc->ev.trace);
  free_nodes(&r);
  trace_writer_close(r.proc->ev.trace, NULL);
  bool ok = !r.error && write_sorted(&r, out, err);
  if (r.error) {
    *err = r.error;
    r.error = NULL;
  }
  if (r.unsorted)
    fclose(r.unsorted);
  if (r.faults)
    fault_plan_free(r.faults);
  if (r.active)
    g_ptr_array_free(r.active, TRUE);
  tev_run_clear(&r.proc->ev);
  net_proc_free(r.proc);
  g_main_loop_unref(r.loop);
  g_free(r.unsorted_path);
  return ok;
}

void real_result_clear(real_result *r)
{
  if (r->steps)
    g_ptr_array_free(r->steps, TRUE);
  memset(r, 0, sizeof *r);
}
