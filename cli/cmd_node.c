/* `replsim node`: one registry, view service or replica of a scenario as a daemon over TCP, its
 * store in DATA/NODE/ (replicas), until SIGINT or SIGTERM (or, under `replsim real`, until real
 * says so or goes away). */
#include "commands.h"
#include "net_common.h"

#include "net/node_host.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

typedef struct node_options {
  char *id, *hosts, *data, *key, *seed, *trace;
  char **sets;
  int control_fd;
  gint64 run_base;
  int life;
  char **args;
} node_options;

typedef struct node_ctx {
  net_setup setup;
  net_proc *proc;
  net_node *node;
  GMainLoop *loop;
  FILE *out;          /* trace lines and replies: the control connection, or --trace, or /dev/null */
  GIOChannel *control;
  int status;
} node_ctx;

static void fatal(void *ctx, const char *why)
{
  node_ctx *c = ctx;
  fprintf(stderr, "replsim node %s: %s: stopping (no acknowledgement may leave)\n", c->node->name, why);
  fflush(c->out);
  _exit(RS_EXIT_FAILED);
}

/* Failover `peer`: the primary asks for a dead backup's restart; `real` does it. */
static void restart(void *ctx, net_node *n, rs_node_id target, double delay)
{
  node_ctx *c = ctx;
  (void)n;
  if (c->control)
    fprintf(c->out, "RESTART %u %.9g\n", target, delay);
}

static gboolean flush_out(gpointer data)
{
  node_ctx *c = data;
  fflush(c->out);
  return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
  node_ctx *c = data;
  g_main_loop_quit(c->loop);
  return G_SOURCE_CONTINUE;
}

/* One command from `real`. */
static void command(node_ctx *c, char *line)
{
  net_node *n = c->node;
  if (g_str_has_prefix(line, "filter ")) {
    net_filter_parse(&c->proc->filter, line);
  } else if (strcmp(line, "stop") == 0) {
    if (n->core)
      rs_node_stop(n->core);
  } else if (strcmp(line, "busy") == 0) {
    bool busy = (n->core && rs_node_busy(n->core)) || net_transport_pending(c->proc->tr) > 0;
    fprintf(c->out, "BUSY %d\n", busy ? 1 : 0);
  } else if (g_str_has_prefix(line, "report ")) {
    gchar **w = g_strsplit(line + 7, "\t", -1);
    c->proc->ev.end_time = g_ascii_strtod(w[0], NULL);
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    for (gchar **k = w + 1; *k; k++)
      g_ptr_array_add(keys, g_strcompress(*k));
    if (n->core)
      rs_node_report(n->core, (const char *const *)keys->pdata, keys->len);
    g_ptr_array_free(keys, TRUE);
    g_strfreev(w);
    fprintf(c->out, "REPORTED\n");
  } else if (strcmp(line, "quit") == 0) {
    g_main_loop_quit(c->loop);
  }
  fflush(c->out);
}

static gboolean on_control(GIOChannel *ch, GIOCondition cond, gpointer data)
{
  node_ctx *c = data;
  for (;;) {
    gchar *line = NULL;
    gsize len = 0, term = 0;
    GIOStatus st = g_io_channel_read_line(ch, &line, &len, &term, NULL);
    if (st == G_IO_STATUS_NORMAL) {
      line[term] = '\0';
      command(c, line);
      g_free(line);
      continue;
    }
    g_free(line);
    if (st == G_IO_STATUS_AGAIN && !(cond & (G_IO_HUP | G_IO_ERR)))
      return G_SOURCE_CONTINUE;
    /* `real` is gone: so is this node. */
    g_main_loop_quit(c->loop);
    return G_SOURCE_REMOVE;
  }
}

static bool parse(int argc, char **argv, node_options *o)
{
  o->control_fd = -1;
  o->life = -1;
  GOptionEntry entries[] = {
      {"id", 0, 0, G_OPTION_ARG_STRING, &o->id, "The node to run: registry, view-service or a replica id", "NODE"},
      {"hosts", 0, 0, G_OPTION_ARG_FILENAME, &o->hosts, "Lines 'PLATFORM-HOST ADDRESS' (default: 127.0.0.1)", "FILE"},
      {"data", 0, 0, G_OPTION_ARG_FILENAME, &o->data, "Folder of the stores (default ./data): DATA/NODE/", "DIR"},
      {"key", 0, 0, G_OPTION_ARG_FILENAME, &o->key, "The cluster key (default: a public demo key)", "FILE"},
      {"seed", 0, 0, G_OPTION_ARG_STRING, &o->seed, "Seed override, as given to replsim real", "N"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->sets, "Cluster attribute override (repeatable)", "KEY=VALUE"},
      {"trace", 0, 0, G_OPTION_ARG_FILENAME, &o->trace, "Write this node's trace lines to FILE", "FILE"},
      {"control-fd", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o->control_fd, "replsim real's connection", "FD"},
      {"run-base", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &o->run_base, "the run's start (monotonic us)", "US"},
      {"life", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o->life, "which life of the node this is", "N"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_set_prgname("replsim node");
  GOptionContext *ctx = g_option_context_new("SCENARIO.xml");
  g_option_context_set_summary(ctx, "Runs one registry, view service or replica of the scenario over TCP.\n"
                                    "Exit status: 0 stopped by a signal, 1 a store failure, 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *e = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &e);
  if (!ok) {
    fprintf(stderr, "replsim node: %s\n", e->message);
    g_error_free(e);
  } else if (!o->args || !o->args[0] || o->args[1]) {
    fprintf(stderr, "replsim node: expected exactly one scenario file (see replsim node --help)\n");
    ok = false;
  } else if (!o->id) {
    fprintf(stderr, "replsim node: --id NODE is required\n");
    ok = false;
  }
  g_option_context_free(ctx);
  return ok;
}

static void free_options(node_options *o)
{
  g_free(o->id);
  g_free(o->hosts);
  g_free(o->data);
  g_free(o->key);
  g_free(o->seed);
  g_free(o->trace);
  g_strfreev(o->sets);
  g_strfreev(o->args);
}

/* The node's store, recovered from DATA/NODE/. */
static bool open_store(node_ctx *c, const node_options *o, const dp_node *me, rs_store **store, net_store **disk,
                       bool *recovered)
{
  *store = NULL;
  *disk = NULL;
  *recovered = false;
  if (!me->replica)
    return true;
  char *dir = g_build_filename(o->data ? o->data : "data", me->name, NULL);
  net_store_error error;
  char *err = NULL;
  *disk = net_store_open(dir, me->name, c->setup.plan->app, store, recovered, &error, &err);
  g_free(dir);
  if (*disk)
    return true;
  fprintf(stderr, "replsim node: %s\n", err);
  g_free(err);
  c->status = error == NET_STORE_BAD_INPUT ? RS_EXIT_BAD_INPUT : RS_EXIT_FAILED;
  return false;
}

static bool start(node_ctx *c, const node_options *o)
{
  if (!net_setup_load(&c->setup, "node", o->args[0], o->sets, o->seed, o->hosts, o->key))
    return false;
  const dp_node *me = deploy_find(c->setup.plan, o->id);
  if (!me || me->client) {
    char *servers = net_setup_servers(&c->setup);
    fprintf(stderr, "replsim node: %s '%s' in %s (its servers: %s)%s\n", me ? "no server node is" : "unknown node id",
            o->id, c->setup.sc->path, servers, me ? ": clients run inside replsim real or replsim client" : "");
    g_free(servers);
    return false;
  }
  rs_store *store;
  net_store *disk;
  bool recovered;
  if (!open_store(c, o, me, &store, &disk, &recovered))
    return false;
  net_proc_cb cb = {.fatal = fatal, .restart = restart, .ctx = c};
  gint64 base = o->run_base > 0 ? o->run_base : g_get_monotonic_time();
  uint32_t life = o->life >= 0 ? (uint32_t)o->life : recovered ? 1 : 0;
  uint64_t id_base = ((uint64_t)(me->id + 1) * 1000 + life % 1000) * 1000000000ull;
  c->proc = net_proc_new(c->setup.sc, c->setup.plan, &c->setup.addrs, &c->setup.key, &me->id, 1, base, id_base, &cb);
  c->node = net_node_new(c->proc, me->id, store, disk);
  const net_addr *a = &c->setup.addrs.by_id[me->id];
  char *err = NULL;
  if (!net_transport_listen(c->proc->tr, a->address, a->port, &err)) {
    fprintf(stderr, "replsim node %s: %s\n", me->name, err);
    g_free(err);
    return false;
  }
  if (o->control_fd >= 0) {
    int fd = dup(o->control_fd);
    c->out = fdopen(fd, "w");
    c->control = g_io_channel_unix_new(o->control_fd);
    g_io_channel_set_flags(c->control, G_IO_FLAG_NONBLOCK, NULL);
    g_io_channel_set_encoding(c->control, NULL, NULL);
    g_io_add_watch(c->control, G_IO_IN | G_IO_HUP | G_IO_ERR, on_control, c);
    c->proc->log_forward = c->out;
  } else {
    c->out = fopen(o->trace ? o->trace : "/dev/null", "w");
    if (!c->out) {
      fprintf(stderr, "replsim node: %s: %s\n", o->trace, g_strerror(errno));
      return false;
    }
    if (o->trace) {
      char *log = g_strdup_printf("%s.%s.log", o->trace, me->name);
      c->node->log.path = log;
    }
  }
  setvbuf(c->out, NULL, _IOFBF, 1 << 16);
  tev_run_init(&c->proc->ev, trace_writer_open_stream(c->out));
  c->proc->ev.name_of = (const char *(*)(const void *, rs_node_id))net_proc_name;
  c->proc->ev.name_ctx = c->proc;
  g_timeout_add(5, flush_out, c);
  fprintf(stderr, "replsim node: %s (%s) on %s:%u%s%s\n", me->name, me->replica ? "replica" : "service", a->address,
          a->port, me->replica ? recovered ? ", store recovered from " : ", new store in " : "",
          me->replica ? net_store_dir(disk) : "");
  net_node_boot(c->node, life);
  if (c->control)
    fprintf(c->out, "READY\n");
  fflush(c->out);
  return true;
}

int cmd_node(int argc, char **argv)
{
  node_options o = {0};
  if (!parse(argc, argv, &o)) {
    free_options(&o);
    return RS_EXIT_BAD_INPUT;
  }
  /* Under `replsim real`, this process dies with it. */
  if (o.control_fd >= 0)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  node_ctx c = {.status = RS_EXIT_BAD_INPUT};
  c.loop = g_main_loop_new(NULL, FALSE);
  if (start(&c, &o)) {
    g_unix_signal_add(SIGINT, on_signal, &c);
    g_unix_signal_add(SIGTERM, on_signal, &c);
    g_main_loop_run(c.loop);
    c.status = RS_EXIT_OK;
  }
  if (c.node)
    net_node_flush_log(c.node);
  if (c.node && c.node->log.path)
    tev_log_flush(&c.proc->ev, &c.node->log);
  if (c.proc && c.proc->ev.trace)
    trace_writer_close(c.proc->ev.trace, NULL);
  if (c.out)
    fclose(c.out);
  if (c.proc) {
    tev_run_clear(&c.proc->ev);
    net_proc_free(c.proc);
  }
  if (c.control)
    g_io_channel_unref(c.control);
  g_main_loop_unref(c.loop);
  net_setup_clear(&c.setup);
  free_options(&o);
  return c.status;
}
