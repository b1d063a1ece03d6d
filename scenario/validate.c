/* After the markup: --set overrides, the cluster's values, and every check that needs the whole file. */
#include "scenario_internal.h"
#include "platform_model.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define BIT(k) (1u << (k))

/* "--set k=v: " for each attribute in `mask` that came from the command line, "" if none did. */
static char *set_prefix(sc_reader *r, unsigned mask)
{
  GString *s = g_string_new(NULL);
  for (int k = 0; k < RAW__COUNT; k++)
    if ((mask & BIT(k)) && r->raw[k].set)
      g_string_append_printf(s, "--set %s: ", r->raw[k].set);
  return g_string_free(s, FALSE);
}

/* An error about raw attributes: at the cluster's line if one of them is the cluster's, else at
 * the network's for the engine, else at the scenario's (seed, duration). */
static bool raw_fail(sc_reader *r, unsigned mask, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool raw_fail(sc_reader *r, unsigned mask, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *prefix = set_prefix(r, mask);
  int line = (mask & ~(BIT(RAW_SEED) | BIT(RAW_DURATION) | BIT(RAW_ENGINE))) ? r->cluster_line
             : (mask & BIT(RAW_ENGINE)) && r->network_line                     ? r->network_line
                                                                               : r->scenario_line;
  rd_fail(r, line, "%s%s", prefix, what);
  g_free(prefix);
  g_free(what);
  return false;
}

static int raw_key_of(const char *name)
{
  for (int k = 0; k < RAW__COUNT; k++)
    if (strcmp(rd_raw_names[k], name) == 0)
      return k;
  return -1;
}

/* Replaces raw attributes with "key=value" strings from the command line, last one winning. */
bool rd_apply_overrides(sc_reader *r, char *const *overrides)
{
  for (; overrides && *overrides; overrides++) {
    const char *eq = strchr(*overrides, '=');
    if (eq == NULL)
      return rd_fail(r, r->cluster_line, "--set %s: expected KEY=VALUE", *overrides);
    char *key = g_strndup(*overrides, (gsize)(eq - *overrides));
    int k = raw_key_of(key);
    g_free(key);
    if (k < 0)
      return rd_fail(r, r->cluster_line, "--set %s: unknown key (expected seed, duration, engine, protocol, "
                     "app, failover, reads, heartbeat, dead-after, restart-delay, read-quorum, write-quorum, "
                     "replicas, hosts, read-repair or fsync)", *overrides);
    g_free(r->raw[k].value);
    g_free(r->raw[k].set);
    r->raw[k].value = g_strdup(eq + 1);
    r->raw[k].set = g_strdup(*overrides);
  }
  return true;
}

/* A raw value that must be one of `names`; its index goes to *out, `fallback` when absent. */
static bool raw_enum(sc_reader *r, raw_key k, const char *const *names, int fallback, int *out)
{
  const char *text = r->raw[k].value;
  *out = fallback;
  if (text == NULL)
    return true;
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], text) == 0) {
      *out = i;
      return true;
    }
  char *expected = g_strjoinv(", ", (char **)names);
  raw_fail(r, BIT(k), "unknown %s '%s' (expected one of %s)", rd_raw_names[k], text, expected);
  g_free(expected);
  return false;
}

static bool raw_duration(sc_reader *r, raw_key k, double fallback, bool positive, double *out)
{
  const char *text = r->raw[k].value;
  const char *why = NULL;
  *out = fallback;
  if (text == NULL)
    return true;
  if (!sv_duration(text, out, &why))
    return raw_fail(r, BIT(k), "bad %s '%s': %s", rd_raw_names[k], text, why);
  if (positive && *out <= 0)
    return raw_fail(r, BIT(k), "bad %s '%s': must be more than 0", rd_raw_names[k], text);
  return true;
}

static bool raw_uint(sc_reader *r, raw_key k, guint64 min, guint64 max, guint64 fallback, guint64 *out)
{
  const char *text = r->raw[k].value;
  const char *why = NULL;
  *out = fallback;
  if (text == NULL || sv_uint(text, min, max, out, &why))
    return true;
  return raw_fail(r, BIT(k), "bad %s '%s': %s (expected a whole number from %" G_GUINT64_FORMAT
                  " to %" G_GUINT64_FORMAT ")", rd_raw_names[k], text, why, min, max);
}

/* read-repair="true|false": quorum's linearizable variant, which other protocols do not have. */
static bool read_repair(sc_reader *r)
{
  const char *text = r->raw[RAW_READ_REPAIR].value;
  if (text == NULL)
    return true;
  if (!sv_bool(text, &r->sc->read_repair))
    return raw_fail(r, BIT(RAW_READ_REPAIR), "bad read-repair '%s': expected true or false", text);
  if (r->sc->read_repair && r->sc->protocol != RS_PROTO_QUORUM)
    return raw_fail(r, BIT(RAW_READ_REPAIR) | BIT(RAW_PROTOCOL),
                    "read-repair is a quorum option; protocol %s has no read quorum to repair",
                    rs_protocol_name(r->sc->protocol));
  return true;
}

/* The seed: 0 to 2^63-1, which JSON readers (summary.json, check) hold exactly. */
static bool read_seed(sc_reader *r, guint64 *seed)
{
  const char *text = r->raw[RAW_SEED].value;
  const char *why = NULL;
  *seed = 1;
  if (text == NULL || sv_uint(text, 0, G_MAXINT64, seed, &why))
    return true;
  return raw_fail(r, BIT(RAW_SEED), "bad seed '%s': %s (expected a whole number from 0 to 2^63-1, "
                  "9223372036854775807)", text, why);
}

/* The values that change how everything else reads: seed, duration, protocol, app, ... */
static bool read_settings(sc_reader *r)
{
  static const char *const engines[] = {"simgrid", "fast", NULL};
  static const char *const protocols[] = {"pb-blocking", "pb-nonblocking", "quorum", NULL};
  static const char *const apps[] = {"files", "kv", "votes", "chat", NULL};
  static const char *const failovers[] = {"none", "view-service", "peer", "ordered", NULL};
  static const char *const reads[] = {"local", "primary", NULL};
  scenario *sc = r->sc;
  guint64 seed, dead_after;
  int engine, protocol, app, failover, read_mode;
  bool ok = read_seed(r, &seed) && raw_duration(r, RAW_DURATION, 0, false, &sc->duration) &&
            raw_enum(r, RAW_ENGINE, engines, RS_ENGINE_SIMGRID, &engine) &&
            raw_enum(r, RAW_PROTOCOL, protocols, RS_PROTO_PB_BLOCKING, &protocol) &&
            raw_enum(r, RAW_APP, apps, 0, &app) &&
            raw_enum(r, RAW_FAILOVER, failovers, RS_FAILOVER_NONE, &failover) &&
            raw_enum(r, RAW_READS, reads, 0, &read_mode) &&
            /* Seed 000's heartbeat server hears every 5 s; seed 002's peers beat every second, and
             * so do quorum replicas to the registry, which must stop handing out a crashed one
             * within seconds whatever the failover design (3 missed beats). */
            raw_duration(r, RAW_HEARTBEAT, failover >= RS_FAILOVER_PEER || protocol == RS_PROTO_QUORUM ? 1 : 5, true,
                         &sc->heartbeat) &&
            raw_uint(r, RAW_DEAD_AFTER, 1, 1000, protocol == RS_PROTO_QUORUM ? 3 : 5, &dead_after) &&
            raw_duration(r, RAW_RESTART_DELAY, 30, false, &sc->restart_delay) &&
            raw_duration(r, RAW_FSYNC, 0, false, &sc->fsync);
  if (!ok)
    return false;
  sc->seed = seed;
  sc->engine = (rs_engine)engine;
  /* The fast engine's link model is CM02's L + S/B without factors (README "Engines"): another
   * model would be silently ignored. */
  if (sc->engine == RS_ENGINE_FAST && g_ascii_strcasecmp(sc->network_model, "CM02") != 0)
    return rd_fail(r, r->network_line ? r->network_line : r->cluster_line,
                   "engine \"fast\" models the network as CM02 only (L + S/B): model \"%s\" needs engine \"simgrid\"",
                   sc->network_model);
  sc->protocol = (rs_protocol)protocol;
  sc->app = g_strdup(apps[app]);
  sc->failover = (rs_failover)failover;
  sc->reads_primary = read_mode == 1;
  sc->dead_after = (int)dead_after;
  /* Chat's fetch and the order of a recipient's messages need one order of updates. */
  if (strcmp(sc->app, "chat") == 0 && sc->protocol == RS_PROTO_QUORUM)
    return raw_fail(r, BIT(RAW_APP) | BIT(RAW_PROTOCOL),
                    "app chat needs one order of updates: protocol pb-blocking or pb-nonblocking, not quorum");
  return read_repair(r);
}

static void add_replica(scenario *sc, const char *id, const char *host, int port, int line)
{
  sc_replica *rep = g_new0(sc_replica, 1);
  rep->id = g_strdup(id);
  rep->host = g_strdup(host);
  rep->port = port;
  rep->line = line;
  g_ptr_array_add(sc->replicas, rep);
}

/* Hosts for replicas made from replicas=: hosts= if given, else those of the listed replicas. */
static GPtrArray *placement_hosts(sc_reader *r)
{
  if (r->raw[RAW_HOSTS].value)
    return sv_split_words(r->raw[RAW_HOSTS].value);
  GPtrArray *hosts = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < r->listed->len; i++)
    g_ptr_array_add(hosts, g_strdup(((sc_replica *)g_ptr_array_index(r->listed, i))->host));
  return hosts;
}

/* Copies the <replica> elements as written. */
static bool listed_replicas(sc_reader *r)
{
  for (guint i = 0; i < r->listed->len; i++) {
    sc_replica *rep = g_ptr_array_index(r->listed, i);
    if (i == SC_MAX_REPLICAS)
      return rd_fail(r, rep->line, "replica %s is one too many: a cluster has at most %d replicas (protocol "
                     "messages carry at most %d node ids)", rep->id, SC_MAX_REPLICAS, SC_MAX_REPLICAS);
    add_replica(r->sc, rep->id, rep->host, rep->port, rep->line);
  }
  if (r->sc->replicas->len == 0)
    return rd_fail(r, r->cluster_line, "<cluster> has no replicas: list <replica id host> elements "
                   "or give replicas= and hosts=");
  return true;
}

/* Replicas one by one (<replica>), or replicas="N" hosts="a b" (r1..rN placed round-robin).
 * Only --set can mix the two: replicas=N renames them r1..rN, hosts= alone moves them. */
static bool build_replicas(sc_reader *r)
{
  guint64 count = 0;
  if (!raw_uint(r, RAW_REPLICAS, 1, G_MAXINT, 0, &count))
    return false;
  if (count > SC_MAX_REPLICAS)
    return raw_fail(r, BIT(RAW_REPLICAS), "replicas=%" G_GUINT64_FORMAT ": a cluster has at most %d replicas "
                    "(protocol messages carry at most %d node ids)", count, SC_MAX_REPLICAS, SC_MAX_REPLICAS);
  if (count == 0 && r->raw[RAW_HOSTS].value == NULL)
    return listed_replicas(r);
  GPtrArray *hosts = placement_hosts(r);
  bool keep_ids = count == 0 && r->listed->len > 0;
  bool ok = hosts->len > 0;
  if (!ok && r->raw[RAW_HOSTS].value)
    raw_fail(r, BIT(RAW_HOSTS), "hosts= names no host");
  else if (!ok)
    raw_fail(r, BIT(RAW_REPLICAS), "replicas=%" G_GUINT64_FORMAT " needs hosts= to place them", count);
  if (count == 0)
    count = keep_ids ? r->listed->len : hosts->len;
  for (guint i = 0; ok && i < count; i++) {
    char *id = keep_ids ? g_strdup(((sc_replica *)g_ptr_array_index(r->listed, i))->id)
                        : g_strdup_printf("r%u", i + 1);
    /* A listed replica keeps its port= where its id is kept. */
    int port = keep_ids ? ((sc_replica *)g_ptr_array_index(r->listed, i))->port : 0;
    add_replica(r->sc, id, g_ptr_array_index(hosts, i % hosts->len), port, r->cluster_line);
    g_free(id);
  }
  g_ptr_array_unref(hosts);
  return ok;
}

/* The quorum sizes: given, or the smallest valid Nw = N/2 + 1, then Nr = N - Nw + 1. */
static void default_quorum(sc_reader *r, gint64 n, gint64 *nr, gint64 *nw)
{
  bool has_r = r->raw[RAW_READ_QUORUM].value != NULL, has_w = r->raw[RAW_WRITE_QUORUM].value != NULL;
  if (!has_w)
    *nw = has_r ? MAX(n / 2 + 1, n - *nr + 1) : n / 2 + 1;
  if (!has_r)
    *nr = MAX(n - *nw + 1, 1);
}

/* Nr and Nw, checked under quorum only: 1 <= Nr, Nw <= N, Nr + Nw > N and Nw > N/2. */
static bool check_quorum(sc_reader *r)
{
  const unsigned mask = BIT(RAW_READ_QUORUM) | BIT(RAW_WRITE_QUORUM) | BIT(RAW_REPLICAS) | BIT(RAW_HOSTS);
  scenario *sc = r->sc;
  gint64 n = sc->replicas->len;
  guint64 given_r = 0, given_w = 0;
  if (!raw_uint(r, RAW_READ_QUORUM, 0, 1000, 0, &given_r) ||
      !raw_uint(r, RAW_WRITE_QUORUM, 0, 1000, 0, &given_w))
    return false;
  gint64 nr = (gint64)given_r, nw = (gint64)given_w;
  default_quorum(r, n, &nr, &nw);
  sc->read_quorum = (int)nr;
  sc->write_quorum = (int)nw;
  if (sc->protocol != RS_PROTO_QUORUM)
    return true;
  if (nr < 1 || nr > n)
    return raw_fail(r, mask, "read-quorum %d must be from 1 to the number of replicas (%d)", (int)nr, (int)n);
  if (nw < 1 || nw > n)
    return raw_fail(r, mask, "write-quorum %d must be from 1 to the number of replicas (%d)", (int)nw,
                    (int)n);
  if (nr + nw <= n)
    return raw_fail(r, mask, "read-quorum %d + write-quorum %d must exceed the %d replicas (Nr + Nw > N)",
                    (int)nr, (int)nw, (int)n);
  if (2 * nw <= n)
    return raw_fail(r, mask, "write-quorum %d must be more than half of the %d replicas (Nw > N/2)", (int)nw,
                    (int)n);
  return true;
}

/* Reads and checks the platform file (relative to the scenario's folder): its host and link names
 * go to the scenario. Under the Constant network model SimGrid refuses any link. */
static bool load_platform(sc_reader *r)
{
  scenario *sc = r->sc;
  char *why = NULL;
  sc->platform = g_path_is_absolute(r->platform_file) ? g_strdup(r->platform_file)
                                                       : g_build_filename(sc->dir, r->platform_file, NULL);
  r->pf = platform_load(sc->platform, &why);
  if (r->pf == NULL) {
    rd_fail(r, sc->platform_line, "platform file %s", why);
    g_free(why);
    return false;
  }
  if (strcmp(sc->network_model, "Constant") == 0 && r->pf->first_link_line)
    return rd_fail(r, sc->platform_line, "platform file %s:%d: %s: the Constant network model has no links, and "
                   "SimGrid aborts on any (remove them, with routing=\"None\", or pick another <network model>)",
                   sc->platform, r->pf->first_link_line, r->pf->first_link);
  for (guint i = 0; i < r->pf->host_names->len; i++)
    g_ptr_array_add(sc->platform_hosts, g_strdup(r->pf->host_names->pdata[i]));
  for (guint i = 0; i < r->pf->link_names->len; i++)
    g_ptr_array_add(sc->platform_links, g_strdup(r->pf->link_names->pdata[i]));
  for (guint i = 0; i < sc->platform_hosts->len; i++)
    g_hash_table_add(r->hosts, g_ptr_array_index(sc->platform_hosts, i));
  for (guint i = 0; i < sc->platform_links->len; i++)
    g_hash_table_add(r->links, g_ptr_array_index(sc->platform_links, i));
  return true;
}

/* A host named by the scenario must be one the platform defines. */
static bool check_host(sc_reader *r, const char *host, int line, const char *what)
{
  if (g_hash_table_contains(r->hosts, host))
    return true;
  return rd_fail(r, line, "unknown host '%s' for %s (the platform %s defines no such host)", host, what,
                 r->sc->platform);
}

/* The registry's and view service's hosts: as given, else the platform's host of that name. */
static bool place_services(sc_reader *r)
{
  scenario *sc = r->sc;
  if (sc->registry_host == NULL && g_hash_table_contains(r->hosts, "registry"))
    sc->registry_host = g_strdup("registry");
  if (sc->registry_host == NULL)
    return rd_fail(r, r->cluster_line,
                   "<cluster> has no <registry host=...> and the platform no host 'registry'");
  if (!check_host(r, sc->registry_host, r->registry_line ? r->registry_line : r->cluster_line, "<registry>"))
    return false;
  if (sc->failover != RS_FAILOVER_VIEW_SERVICE)
    return true;
  if (r->view_service_host)
    sc->view_service_host = g_strdup(r->view_service_host);
  else if (g_hash_table_contains(r->hosts, "view-service"))
    sc->view_service_host = g_strdup("view-service");
  else
    return rd_fail(r, r->cluster_line, "failover view-service needs <view-service host=...> "
                   "(the platform has no host 'view-service')");
  return check_host(r, sc->view_service_host, r->view_service_line ? r->view_service_line : r->cluster_line,
                    "<view-service>");
}

/* Every host a replica, workload or scripted client runs on must exist in the platform. */
static bool check_hosts(sc_reader *r)
{
  scenario *sc = r->sc;
  if (!place_services(r))
    return false;
  for (guint i = 0; i < sc->replicas->len; i++) {
    sc_replica *rep = g_ptr_array_index(sc->replicas, i);
    char *what = g_strdup_printf("replica %s", rep->id);
    char *prefix = rep->line == r->cluster_line ? set_prefix(r, BIT(RAW_HOSTS)) : g_strdup("");
    bool ok = g_hash_table_contains(r->hosts, rep->host) ||
              rd_fail(r, rep->line, "%sunknown host '%s' for %s (the platform %s defines no such host)",
                      prefix, rep->host, what, sc->platform);
    g_free(prefix);
    g_free(what);
    if (!ok)
      return false;
  }
  for (guint i = 0; sc->workload.present && i < sc->workload.hosts->len; i++)
    if (!check_host(r, g_ptr_array_index(sc->workload.hosts, i), sc->workload.line, "<workload>"))
      return false;
  for (guint i = 0; i < sc->clients->len; i++) {
    sc_client *c = g_ptr_array_index(sc->clients, i);
    char *what = g_strdup_printf("client %s", c->id);
    bool ok = check_host(r, c->host, c->line, what);
    g_free(what);
    if (!ok)
      return false;
  }
  return true;
}

/* Gives a node id its line; ids are unique across every kind of node. */
static bool add_node(sc_reader *r, const char *id, int line)
{
  if (!sv_node_id_ok(id))
    return rd_fail(r, line, "bad node id '%s': use letters, digits, '.', '_' and '-'", id);
  gpointer first = g_hash_table_lookup(r->nodes, id);
  if (first)
    return rd_fail(r, line, "duplicate node id '%s' (already used on line %d)", id, GPOINTER_TO_INT(first));
  g_hash_table_insert(r->nodes, g_strdup(id), GINT_TO_POINTER(line));
  return true;
}

/* Node ids: registry, view-service, replicas, workload clients c1..cN, scripted clients, joins. */
static bool register_nodes(sc_reader *r)
{
  scenario *sc = r->sc;
  bool ok = add_node(r, "registry", r->registry_line ? r->registry_line : r->cluster_line) &&
            add_node(r, "view-service", r->view_service_line ? r->view_service_line : r->cluster_line);
  for (guint i = 0; ok && i < sc->replicas->len; i++) {
    sc_replica *rep = g_ptr_array_index(sc->replicas, i);
    ok = add_node(r, rep->id, rep->line);
    g_hash_table_add(r->replica_ids, g_strdup(rep->id));
  }
  for (int i = 1; ok && sc->workload.present && i <= sc->workload.clients; i++) {
    char *id = g_strdup_printf("c%d", i);
    ok = add_node(r, id, sc->workload.line);
    g_free(id);
  }
  for (guint i = 0; ok && i < sc->clients->len; i++) {
    sc_client *c = g_ptr_array_index(sc->clients, i);
    ok = add_node(r, c->id, c->line);
  }
  for (guint i = 0; ok && i < sc->faults->len; i++) {
    sc_fault *f = g_ptr_array_index(sc->faults, i);
    if (strcmp(f->kind, "join") == 0) {
      ok = add_node(r, f->node, f->line) && check_host(r, f->host, f->line, "<join>");
      g_hash_table_add(r->replica_ids, g_strdup(f->node));
      if (ok && g_hash_table_size(r->replica_ids) > SC_MAX_REPLICAS)
        ok = rd_fail(r, f->line, "<join> of %s makes %u replicas: a cluster has at most %d, joined ones "
                     "included (protocol messages carry at most %d node ids)", f->node,
                     g_hash_table_size(r->replica_ids), SC_MAX_REPLICAS, SC_MAX_REPLICAS);
    }
  }
  return ok;
}

/* A node a fault may name: view-service only exists when failover is view-service. */
static bool node_known(sc_reader *r, const char *id)
{
  if (strcmp(id, "view-service") == 0 && r->sc->view_service_host == NULL)
    return false;
  return g_hash_table_contains(r->nodes, id);
}

/* One "op=weight" item of the workload's mix. */
static bool read_mix_item(sc_reader *r, const char *item, int *mix)
{
  const char *app = r->sc->app;
  int line = r->sc->workload.line;
  const char *eq = strchr(item, '=');
  const char *why = NULL;
  guint64 weight = 0;
  char *name = eq ? g_strndup(item, (gsize)(eq - item)) : NULL;
  rs_op_kind op = name ? rs_op_parse(name) : RS_OP_NONE;
  char *prefix = set_prefix(r, BIT(RAW_APP));
  bool ok = false;
  if (name == NULL || !sv_uint(eq + 1, 0, 1000000, &weight, &why))
    rd_fail(r, line, "bad mix item '%s' on <workload>: expected OP=WEIGHT (a whole number)", item);
  else if (op == RS_OP_NONE)
    rd_fail(r, line, "mix names '%s', which is not an operation", name);
  else if (!sv_app_has_op(app, op))
    rd_fail(r, line, "%smix names '%s', which app %s does not have", prefix, name, app);
  else if (mix[op] >= 0)
    rd_fail(r, line, "mix names '%s' twice", name);
  else
    ok = true;
  if (ok)
    mix[op] = (int)weight;
  g_free(prefix);
  g_free(name);
  return ok;
}

_Static_assert(RS_OP__COUNT <= G_N_ELEMENTS(((sc_workload *)0)->mix), "sc_workload.mix holds every op kind");

/* The workload's mix, or the app's default (write=50 read=50; put=50 get=50). */
static bool read_mix(sc_reader *r)
{
  sc_workload *w = &r->sc->workload;
  if (!w->present)
    return true;
  const char *text = r->mix                              ? r->mix
                     : strcmp(r->sc->app, "kv") == 0   ? "put=50 get=50"
                     : strcmp(r->sc->app, "chat") == 0 ? "register=10 send=50 fetch=30 list=10"
                                                       : "write=50 read=50";
  int mix[RS_OP__COUNT];
  int total = 0;
  for (int k = 0; k < RS_OP__COUNT; k++)
    mix[k] = -1;
  GPtrArray *items = sv_split_words(text);
  bool ok = true;
  for (guint i = 0; ok && i < items->len; i++)
    ok = read_mix_item(r, g_ptr_array_index(items, i), mix);
  g_ptr_array_unref(items);
  for (int k = 0; ok && k < RS_OP__COUNT; k++) {
    w->mix[k] = MAX(mix[k], 0);
    total += w->mix[k];
  }
  if (ok && total == 0)
    ok = rd_fail(r, w->line, "mix '%s' gives every operation weight 0", text);
  return ok;
}

/* A scripted step must be an operation of the app, and name a replica that exists. */
static bool check_steps(sc_reader *r)
{
  scenario *sc = r->sc;
  for (guint i = 0; i < sc->clients->len; i++) {
    sc_client *c = g_ptr_array_index(sc->clients, i);
    for (guint j = 0; j < c->steps->len; j++) {
      sc_step *st = g_ptr_array_index(c->steps, j);
      const char *op = rs_op_name((rs_op_kind)st->op);
      if (!sv_app_has_op(sc->app, (rs_op_kind)st->op)) {
        char *prefix = set_prefix(r, BIT(RAW_APP));
        rd_fail(r, st->line, "%s<%s> is not an operation of app %s", prefix, op, sc->app);
        g_free(prefix);
        return false;
      }
      if (st->replica && !g_hash_table_contains(r->replica_ids, st->replica))
        return rd_fail(r, st->line, "unknown replica '%s' in <%s>", st->replica, op);
      if (sc->duration > 0 && st->at > sc->duration) {
        char *prefix = set_prefix(r, BIT(RAW_DURATION));
        rd_fail(r, st->line, "%s<%s> at %gs comes after the scenario's duration (%gs): the step would never "
                "start", prefix, op, st->at, sc->duration);
        g_free(prefix);
        return false;
      }
    }
  }
  return true;
}

/* Every name in a space-separated list must be a node; `seen` (optional) catches repeats. */
static bool check_node_list(sc_reader *r, sc_fault *f, const char *list, GHashTable *seen, guint *count)
{
  GPtrArray *ids = sv_split_words(list);
  bool ok = true;
  for (guint i = 0; ok && i < ids->len; i++) {
    const char *id = g_ptr_array_index(ids, i);
    if (!node_known(r, id))
      ok = rd_fail(r, f->line, "unknown node '%s' in <%s>", id, f->kind);
    else if (!g_hash_table_add(seen, (gpointer)g_strdup(id)))
      ok = rd_fail(r, f->line, "node '%s' is on both sides of <%s>", id, f->kind);
  }
  *count = ids->len;
  g_ptr_array_unref(ids);
  return ok;
}

/* groups="a b | c d" (two groups at least), or from="a" to="b c"; nodes known and not repeated. */
static bool check_partition(sc_reader *r, sc_fault *f)
{
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint count = 0, sides = 0;
  bool ok = true;
  if (f->groups) {
    char **groups = g_strsplit(f->groups, "|", -1);
    for (char **g = groups; ok && *g; g++) {
      ok = check_node_list(r, f, *g, seen, &count);
      sides += count > 0;
    }
    g_strfreev(groups);
  } else {
    ok = check_node_list(r, f, f->from, seen, &count);
    sides += count > 0;
    ok = ok && check_node_list(r, f, f->to, seen, &count);
    sides += count > 0;
  }
  g_hash_table_unref(seen);
  if (ok && sides < 2)
    ok = rd_fail(r, f->line, "<partition> needs nodes on two sides at least");
  return ok;
}

/* A fault names known nodes and links, and starts within the scenario's duration. */
static bool check_fault(sc_reader *r, sc_fault *f)
{
  scenario *sc = r->sc;
  if (f->node && !node_known(r, f->node))
    return rd_fail(r, f->line, "unknown node '%s' in <%s>", f->node, f->kind);
  if (f->link && !g_hash_table_contains(r->links, f->link))
    return rd_fail(r, f->line, "unknown link '%s' in <%s> (the platform %s defines no such link)", f->link,
                   f->kind, sc->platform);
  if (strcmp(f->kind, "partition") == 0 && !check_partition(r, f))
    return false;
  if (f->nodes) {
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint count = 0;
    bool ok = check_node_list(r, f, f->nodes, seen, &count);
    g_hash_table_unref(seen);
    if (ok && count == 0)
      ok = rd_fail(r, f->line, "<%s> names no node", f->kind);
    if (!ok)
      return false;
  }
  if (sc->duration > 0 && f->at > sc->duration) {
    char *prefix = set_prefix(r, BIT(RAW_DURATION));
    rd_fail(r, f->line, "%s<%s> at %gs comes after the scenario's duration (%gs)", prefix, f->kind, f->at,
            sc->duration);
    g_free(prefix);
    return false;
  }
  return true;
}

/* A workload must be able to run: with ops, or until a duration; open or closed loop, not both;
 * a think time shorter than the run; and an end within SC_MAX_DURATION. */
static bool check_workload(sc_reader *r)
{
  scenario *sc = r->sc;
  sc_workload *w = &sc->workload;
  if (!w->present)
    return true;
  char *prefix = set_prefix(r, BIT(RAW_DURATION));
  double per_client = w->ops ? ceil((double)w->ops / w->clients) : 0;
  bool ok = false;
  if (w->ops == 0 && sc->duration <= 0)
    rd_fail(r, w->line, "%s<workload> has no ops=, so its clients run until the duration, but the scenario "
            "has none: give <scenario duration=...> or ops=", prefix);
  else if (w->rate > 0 && r->think_given)
    rd_fail(r, w->line, "<workload> has both rate= (open loop) and think= (closed loop): give one");
  else if (sc->duration > 0 && w->think > sc->duration)
    rd_fail(r, w->line, "%sthink=%gs is longer than the run (duration %gs): each client would run one "
            "operation", prefix, w->think, sc->duration);
  else if (sc->duration <= 0 && w->rate <= 0 && per_client * w->think > SC_MAX_DURATION)
    rd_fail(r, w->line, "the workload would run for %.3gs at least (%g operations per client, think %gs), "
            "past the 1000000s a scenario may span: give a duration or fewer ops", per_client * w->think,
            per_client, w->think);
  else if (sc->duration <= 0 && w->rate > 0 && w->ops / w->rate > SC_MAX_DURATION)
    rd_fail(r, w->line, "the workload would run for %.3gs at least (%ld operations at %g/s), past the "
            "1000000s a scenario may span: give a duration or fewer ops", w->ops / w->rate, w->ops, w->rate);
  else
    ok = true;
  g_free(prefix);
  return ok;
}

bool rd_validate(sc_reader *r)
{
  if (!read_settings(r) || !build_replicas(r) || !check_quorum(r) || !load_platform(r) ||
      !check_hosts(r) || !register_nodes(r) || !rd_check_poll(r) || !rd_check_routes(r) || !read_mix(r) || !check_workload(r) ||
      !check_steps(r))
    return false;
  for (guint i = 0; i < r->sc->faults->len; i++)
    if (!check_fault(r, g_ptr_array_index(r->sc->faults, i)))
      return false;
  return rd_check_timeline(r);
}
