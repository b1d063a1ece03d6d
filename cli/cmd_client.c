/* `replsim client`: one operation from the shell against a running cluster (`replsim node`s),
 * printed with seed 004's response fields. Exit 0 answered, 1 refused or no answer, 2 bad input. */
#include "commands.h"
#include "net_common.h"

#include "core/apps/chat.h"
#include "net/node_host.h"

#include <stdio.h>
#include <stdlib.h>

/* An operation the shell can name: its words and how its arguments fill an rs_op. New
 * applications' operations (chat, votes) are one more row and one more parser. */
typedef struct client_op {
  const char *name;
  rs_op_kind kind;
  const char *usage;
  bool (*parse)(char **args, int n, rs_op *op, const char **replica);
} client_op;

/* --uuid U --name N --content C [--replica R] style flags into the op. */
static bool flags(char **args, int n, rs_op *op, const char **replica, bool name, bool content)
{
  for (int i = 0; i < n; i++) {
    if (i + 1 >= n)
      return false;
    const char *v = args[++i];
    if (strcmp(args[i - 1], "--uuid") == 0)
      op->key = rs_bytes_str(v);
    else if (name && strcmp(args[i - 1], "--name") == 0)
      op->name = rs_bytes_str(v);
    else if (content && strcmp(args[i - 1], "--content") == 0)
      op->value = rs_bytes_str(v);
    else if (strcmp(args[i - 1], "--replica") == 0)
      *replica = v;
    else
      return false;
  }
  return op->key.ptr && (!name || op->name.ptr) && (!content || op->value.ptr);
}

static bool parse_write(char **a, int n, rs_op *op, const char **r) { return flags(a, n, op, r, true, true); }
static bool parse_uuid(char **a, int n, rs_op *op, const char **r) { return flags(a, n, op, r, false, false); }

/* Positional kv arguments, then an optional --replica R. */
static bool positional(char **a, int n, rs_op *op, const char **replica, int want)
{
  if (n >= want + 2 && strcmp(a[want], "--replica") == 0) {
    *replica = a[want + 1];
    n -= 2;
  }
  if (n != want)
    return false;
  op->key = rs_bytes_str(a[0]);
  if (want == 2)
    op->value = rs_bytes_str(a[1]);
  if (want == 3) {
    op->expected = rs_bytes_str(a[1]);
    op->value = rs_bytes_str(a[2]);
  }
  return true;
}

static bool parse_k(char **a, int n, rs_op *op, const char **r) { return positional(a, n, op, r, 1); }
static bool parse_kv(char **a, int n, rs_op *op, const char **r) { return positional(a, n, op, r, 2); }
static bool parse_cas(char **a, int n, rs_op *op, const char **r) { return positional(a, n, op, r, 3); }

/* chat (seed 003): send FROM TO TEXT [--instant]; list takes nothing (its key names every account). */
static bool parse_send(char **a, int n, rs_op *op, const char **r)
{
  if (n == 4 && strcmp(a[3], "--instant") == 0) {
    op->expected = rs_bytes_str(RS_CHAT_INSTANT);
    n = 3;
  }
  if (!positional(a + 1, n - 1, op, r, 2) || n < 3)
    return false;
  op->name = rs_bytes_str(a[0]);
  return true;
}

static bool parse_list(char **a, int n, rs_op *op, const char **r)
{
  (void)a;
  (void)r;
  op->key = rs_bytes_str(RS_CHAT_ACCOUNTS);
  return n == 0;
}

static const client_op ops[] = {
    {"write", RS_OP_WRITE, "write --uuid U --name N --content C [--replica R]", parse_write},
    {"read", RS_OP_READ, "read --uuid U [--replica R]", parse_uuid},
    {"delete", RS_OP_DELETE, "delete --uuid U [--replica R]", parse_uuid},
    {"put", RS_OP_PUT, "put K V", parse_kv},
    {"get", RS_OP_GET, "get K", parse_k},
    {"append", RS_OP_APPEND, "append K V", parse_kv},
    {"cas", RS_OP_CAS, "cas K OLD NEW", parse_cas},
    {"register", RS_OP_REGISTER, "register USER PASSWORD", parse_kv},
    {"send", RS_OP_SEND, "send FROM TO TEXT [--instant]", parse_send},
    {"fetch", RS_OP_FETCH, "fetch USER", parse_k},
    {"list", RS_OP_LIST, "list", parse_list},
};

typedef struct client_ctx {
  GMainLoop *loop;
  net_node *node;
  rs_op op;
  rs_node_id replica;
  bool submitted, done;
  uint8_t outcome;
  uint8_t status;
  uint64_t version;
  GString *name, *value;
  bool value_null;
  char *replied_by;
} client_ctx;

static client_ctx *the_client; /* the one operation this process runs */

static void on_event(void *ctx, const rs_event *ev);

/* Prints seed 004's fields for the answer (NONE where the answer has none). */
static void print_answer(const client_ctx *c)
{
  const char *status = c->outcome == RS_OUT_OK ? rs_status_name(c->status)
                       : c->outcome == RS_OUT_FAIL ? "FAILED (refused)" : "UNKNOWN (timed out)";
  printf("Status: %s\n", status);
  bool files = c->op.kind == RS_OP_WRITE || c->op.kind == RS_OP_READ || c->op.kind == RS_OP_DELETE;
  bool answered = c->outcome == RS_OUT_OK;
  bool has = answered && (c->status == RS_ST_SUCCESS);
  if (files && c->op.kind == RS_OP_WRITE)
    printf("UUID: %.*s\n", (int)c->op.key.len, c->op.key.ptr);
  if (files && c->op.kind == RS_OP_READ) {
    printf("Name: %s\n", has ? c->name->str : "NONE");
    printf("Content: %s\n", has ? c->value->str : "NONE");
  }
  bool chat = c->op.kind >= RS_OP_REGISTER && c->op.kind <= RS_OP_LIST;
  if (chat && c->op.kind != RS_OP_LIST)
    printf("User: %.*s\n", (int)c->op.key.len, c->op.key.ptr);
  if (chat && c->op.kind == RS_OP_SEND) { /* the answer is "UUID TIMESTAMP" */
    const char *sp = has ? strchr(c->value->str, ' ') : NULL;
    printf("UUID: %.*s\n", sp ? (int)(sp - c->value->str) : 4, sp ? c->value->str : "NONE");
    printf("Timestamp: %s\n", sp ? sp + 1 : "NONE");
  }
  if (chat && (c->op.kind == RS_OP_FETCH || c->op.kind == RS_OP_LIST))
    printf("%s: %s\n", c->op.kind == RS_OP_FETCH ? "Messages" : "Accounts", has ? c->value->str : "NONE");
  if (!files && !chat) {
    printf("Key: %.*s\n", (int)c->op.key.len, c->op.key.ptr);
    if (c->op.kind == RS_OP_GET || c->op.kind == RS_OP_APPEND)
      printf("Value: %s\n", has && !c->value_null ? c->value->str : "null");
  }
  if (c->op.kind != RS_OP_DELETE || !answered)
    printf("Version: %s%" G_GUINT64_FORMAT "\n", "", answered ? c->version : 0);
  if (c->replied_by)
    printf("Replica: %s\n", c->replied_by);
}

static gboolean tick(gpointer data)
{
  client_ctx *c = data;
  rs_client *client = rs_client_node_client(rs_node_impl(c->node->core));
  if (!c->submitted && rs_client_ready(client)) {
    c->submitted = true;
    rs_client_submit(client, &c->op, c->replica);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean give_up(gpointer data)
{
  client_ctx *c = data;
  fprintf(stderr, "replsim client: no answer from the cluster (is it running? same --hosts and --key?)\n");
  g_main_loop_quit(c->loop);
  return G_SOURCE_REMOVE;
}

static void fatal(void *ctx, const char *why)
{
  (void)ctx;
  fprintf(stderr, "replsim client: %s\n", why);
}

static const client_op *find_op(const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
    if (strcmp(ops[i].name, name) == 0)
      return &ops[i];
  return NULL;
}

static void usage_ops(FILE *to)
{
  fprintf(to, "operations:\n");
  for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
    fprintf(to, "  %s\n", ops[i].usage);
}

int cmd_client(int argc, char **argv)
{
  const char *hosts = NULL, *key = NULL, *seed = NULL, *path = NULL;
  GPtrArray *sets = g_ptr_array_new();
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("Usage: replsim client SCENARIO.xml [--hosts FILE] [--key FILE] OP [ARGS]...\n\n"
             "Performs one operation against the scenario's cluster (replsim node daemons) and prints\n"
             "seed 004's response fields. Exit status: 0 answered, 1 refused or no answer, 2 bad input.\n\n");
      usage_ops(stdout);
      g_ptr_array_free(sets, TRUE);
      return RS_EXIT_OK;
    }
    bool opt = i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-';
    if (opt && strcmp(argv[i], "--hosts") == 0)
      hosts = argv[++i];
    else if (opt && strcmp(argv[i], "--key") == 0)
      key = argv[++i];
    else if (opt && strcmp(argv[i], "--seed") == 0)
      seed = argv[++i];
    else if (opt && strcmp(argv[i], "--set") == 0)
      g_ptr_array_add(sets, argv[++i]);
    else if (argv[i][0] == '-') {
      fprintf(stderr, "replsim client: unknown option '%s'\n", argv[i]);
      g_ptr_array_free(sets, TRUE);
      return RS_EXIT_BAD_INPUT;
    } else if (!path)
      path = argv[i];
    else
      break;
  }
  g_ptr_array_add(sets, NULL);
  const client_op *op = i < argc ? find_op(argv[i]) : NULL;
  if (!path || !op) {
    if (i < argc)
      fprintf(stderr, "replsim client: unknown operation '%s'\n", argv[i]);
    else
      fprintf(stderr, "replsim client: expected SCENARIO.xml and an operation\n");
    usage_ops(stderr);
    g_ptr_array_free(sets, TRUE);
    return RS_EXIT_BAD_INPUT;
  }
  client_ctx c = {.replica = RS_NO_NODE, .name = g_string_new(NULL), .value = g_string_new(NULL)};
  const char *replica = NULL;
  int status = RS_EXIT_BAD_INPUT;
  net_setup setup;
  c.op.kind = op->kind;
  if (!op->parse(argv + i + 1, argc - i - 1, &c.op, &replica)) {
    fprintf(stderr, "replsim client: usage: %s\n", op->usage);
  } else if (net_setup_load(&setup, "client", path, (char **)sets->pdata, seed, hosts, key)) {
    const dp_node *r = replica ? deploy_find(setup.plan, replica) : NULL;
    if (replica && (!r || !r->replica)) {
      fprintf(stderr, "replsim client: '%s' is no replica of %s\n", replica, setup.sc->path);
    } else if ((strcmp(setup.sc->app, "files") == 0) != (op->kind <= RS_OP_DELETE)) {
      fprintf(stderr, "replsim client: '%s' is no operation of the %s application\n", op->name, setup.sc->app);
    } else {
      c.replica = r ? r->id : RS_NO_NODE;
      rs_node_id self = setup.plan->nodes->len;
      net_proc_cb cb = {.fatal = fatal, .ctx = &c};
      net_proc *p = net_proc_new(setup.sc, setup.plan, &setup.addrs, &setup.key, &self, 1, g_get_monotonic_time(),
                                 9000000000000000ull, &cb);
      FILE *devnull = fopen("/dev/null", "w");
      tev_run_init(&p->ev, trace_writer_open_stream(devnull));
      c.loop = g_main_loop_new(NULL, FALSE);
      c.node = net_node_new(p, self, NULL, NULL);
      c.node->host.event = on_event;
      the_client = &c;
      rs_node_spec spec = deploy_shell_client(setup.plan, setup.sc, (uint64_t)g_get_real_time());
      c.node->rand = g_rand_new();
      c.node->core = rs_node_new(&spec, &c.node->host, NULL);
      rs_node_start(c.node->core);
      g_timeout_add(5, tick, &c);
      const rs_client_config *cc = &spec.client.client;
      g_timeout_add((guint)((cc->timeout * cc->attempts + 2) * 1000), give_up, &c);
      g_main_loop_run(c.loop);
      if (c.done) {
        print_answer(&c);
        status = c.outcome == RS_OUT_OK ? RS_EXIT_OK : RS_EXIT_FAILED;
      } else {
        status = RS_EXIT_FAILED;
      }
      trace_writer_close(p->ev.trace, NULL);
      fclose(devnull);
      tev_run_clear(&p->ev);
      net_proc_free(p);
      g_main_loop_unref(c.loop);
    }
    net_setup_clear(&setup);
  }
  g_free(c.replied_by);
  g_string_free(c.name, TRUE);
  g_string_free(c.value, TRUE);
  g_ptr_array_free(sets, TRUE);
  return status;
}

/* The operation's completion is all this client waits for. */
static void on_event(void *ctx, const rs_event *ev)
{
  (void)ctx;
  client_ctx *c = the_client;
  if (ev->type != RS_EV_COMPLETE || c->done)
    return;
  c->done = true;
  c->outcome = ev->outcome;
  c->status = ev->res->status;
  c->version = ev->res->version;
  g_string_assign(c->name, "");
  g_string_assign(c->value, "");
  if (ev->res->name.ptr)
    g_string_append_len(c->name, ev->res->name.ptr, ev->res->name.len);
  if (ev->res->value.ptr)
    g_string_append_len(c->value, ev->res->value.ptr, ev->res->value.len);
  c->value_null = !ev->res->value.ptr;
  const char *by = net_proc_name(c->node->proc, ev->replica);
  c->replied_by = by ? g_strdup(by) : NULL;
  g_main_loop_quit(c->loop);
}
