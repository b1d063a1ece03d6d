/* Reads a scenario file's XML with GMarkup: checks each element's place and attributes, stores it. */
#include "scenario_internal.h"

#include "core/apps/chat.h"

#include <string.h>

/* An attribute an element may carry, and whether it must. */
typedef struct attr_rule {
  const char *name;
  bool required;
} attr_rule;

typedef bool (*element_fn)(sc_reader *r, const char *element, const char **names, const char **values);

/* Where an element may appear, what it may carry, and who reads it. */
typedef struct element_rule {
  const char *parent; /* NULL: the root */
  const char *name;
  const attr_rule *attrs;
  element_fn read;
} element_rule;

#define REQ(n) {n, true}
#define OPT(n) {n, false}
#define END {NULL, false}
#define STEP_COMMON OPT("replica"), OPT("at"), OPT("expect")

static const attr_rule scenario_attrs[] = {OPT("name"), OPT("seed"), OPT("duration"), END};
static const attr_rule platform_attrs[] = {REQ("file"), END};
static const attr_rule network_attrs[] = {OPT("model"), OPT("engine"), OPT("jitter"), OPT("jitter-mean"), END};
static const attr_rule cluster_attrs[] = {
    OPT("protocol"),     OPT("app"),        OPT("failover"),      OPT("reads"),
    OPT("heartbeat"),    OPT("dead-after"), OPT("restart-delay"), OPT("read-quorum"),
    OPT("write-quorum"), OPT("replicas"),   OPT("hosts"),         OPT("read-repair"),
    OPT("fsync"),        END};
static const attr_rule host_attrs[] = {REQ("host"), OPT("port"), END};
static const attr_rule replica_attrs[] = {REQ("id"), REQ("host"), OPT("port"), END};
static const attr_rule workload_attrs[] = {
    REQ("clients"), REQ("hosts"), OPT("ops"),  OPT("rate"),       OPT("think"), OPT("timeout"),
    OPT("retries"), OPT("mix"),   OPT("keys"), OPT("value-size"), END};
static const attr_rule client_attrs[] = {REQ("id"), REQ("host"), OPT("timeout"), OPT("retries"), END};
static const attr_rule no_attrs[] = {END};
static const attr_rule write_attrs[] = {REQ("uuid"), REQ("name"), REQ("content"), STEP_COMMON, END};
static const attr_rule read_attrs[] = {REQ("uuid"), STEP_COMMON, OPT("expect-value"), END};
static const attr_rule delete_attrs[] = {REQ("uuid"), STEP_COMMON, END};
static const attr_rule put_attrs[] = {REQ("key"), REQ("value"), STEP_COMMON, END};
static const attr_rule get_attrs[] = {REQ("key"), STEP_COMMON, OPT("expect-value"), END};
static const attr_rule cas_attrs[] = {REQ("key"), REQ("expected"), REQ("value"), STEP_COMMON, END};
static const attr_rule register_attrs[] = {REQ("user"), REQ("password"), STEP_COMMON, END};
static const attr_rule send_attrs[] = {REQ("from"), REQ("to"), REQ("text"), OPT("instant"), STEP_COMMON, END};
static const attr_rule fetch_attrs[] = {REQ("user"), STEP_COMMON, OPT("expect-value"), END};
static const attr_rule list_attrs[] = {STEP_COMMON, OPT("expect-value"), END};
static const attr_rule crash_attrs[] = {REQ("node"), REQ("at"), END};
static const attr_rule restart_attrs[] = {REQ("node"), REQ("at"), OPT("boot"), END};
static const attr_rule partition_attrs[] = {REQ("at"),   OPT("until"), OPT("groups"),
                                            OPT("from"), OPT("to"),    END};
static const attr_rule link_down_attrs[] = {REQ("link"), REQ("at"), OPT("until"), END};
static const attr_rule delay_attrs[] = {REQ("link"), REQ("latency"), REQ("at"), OPT("until"), END};
static const attr_rule pause_attrs[] = {REQ("node"), REQ("at"), OPT("until"), END};
static const attr_rule join_attrs[] = {REQ("node"), REQ("host"), REQ("at"), END};
static const attr_rule random_crashes_attrs[] = {REQ("nodes"), REQ("at"),   REQ("until"), REQ("every"),
                                                 REQ("down"),  OPT("boot"), END};
static const attr_rule rate_attrs[] = {REQ("rate"), REQ("at"), OPT("until"), END};
static const attr_rule expect_attrs[] = {
    OPT("linearizable"), OPT("lost-writes"), OPT("stale-reads"), OPT("diverged"),
    OPT("ok-min"),       OPT("fail-max"),    OPT("info-max"),    OPT("availability-min"),
    OPT("votes-missing"), OPT("votes-duplicates"), OPT("votes-wrong"), OPT("votes-ballots-min"), END};
static const attr_rule poll_attrs[] = {REQ("voters"), REQ("hosts"), REQ("ballots"), OPT("every"),
                                       OPT("yes"),    OPT("deadline"), END};

/* Names of the attributes kept raw, indexed by raw_key (seed and duration are the scenario's,
 * engine the network's, the others the cluster's). */
const char *const rd_raw_names[RAW__COUNT] = {
    [RAW_SEED] = "seed",           [RAW_DURATION] = "duration",         [RAW_ENGINE] = "engine",
    [RAW_PROTOCOL] = "protocol",   [RAW_APP] = "app",                   [RAW_FAILOVER] = "failover",
    [RAW_READS] = "reads",         [RAW_HEARTBEAT] = "heartbeat",       [RAW_DEAD_AFTER] = "dead-after",
    [RAW_RESTART_DELAY] = "restart-delay", [RAW_READ_QUORUM] = "read-quorum",
    [RAW_WRITE_QUORUM] = "write-quorum",   [RAW_REPLICAS] = "replicas", [RAW_HOSTS] = "hosts",
    [RAW_READ_REPAIR] = "read-repair",     [RAW_FSYNC] = "fsync",
};

/* Attributes that hold lists of words, which may span lines. */
static bool is_list_attr(const char *name)
{
  static const char *const lists[] = {"hosts", "groups", "nodes", "mix", "from", "to"};
  for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
    if (strcmp(lists[i], name) == 0)
      return true;
  return false;
}

static const char *attr_of(const char **names, const char **values, const char *name)
{
  for (size_t i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0)
      return values[i];
  return NULL;
}

static const attr_rule *find_attr_rule(const attr_rule *rules, const char *name)
{
  for (; rules->name; rules++)
    if (strcmp(rules->name, name) == 0)
      return rules;
  return NULL;
}

/* Rejects attributes the element does not define, repeated ones, missing required ones, and
 * control characters in values (a NUL or an escape sequence in a name is never meant). */
static bool check_attrs(sc_reader *r, const char *element, const attr_rule *rules, const char **names,
                        const char **values)
{
  for (size_t i = 0; names[i]; i++) {
    const char *bad = sv_control_char(values[i], is_list_attr(names[i]));
    if (bad)
      return rd_fail(r, r->line, "control character U+%04X in attribute '%s' of <%s>", (unsigned)(unsigned char)*bad,
                     names[i], element);
    if (find_attr_rule(rules, names[i]) == NULL)
      return rd_fail(r, r->line, "unknown attribute '%s' on <%s>", names[i], element);
    for (size_t j = 0; j < i; j++)
      if (strcmp(names[i], names[j]) == 0)
        return rd_fail(r, r->line, "attribute '%s' given twice on <%s>", names[i], element);
  }
  for (; rules->name; rules++) {
    bool present = false;
    for (size_t i = 0; names[i] && !present; i++)
      present = strcmp(names[i], rules->name) == 0;
    if (rules->required && !present)
      return rd_fail(r, r->line, "missing attribute '%s' on <%s>", rules->name, element);
  }
  return true;
}

/* A singleton element seen a second time is an error. */
static bool once(sc_reader *r, bool *seen, const char *element)
{
  if (*seen)
    return rd_fail(r, r->line, "<%s> given twice", element);
  *seen = true;
  return true;
}

/* An optional duration attribute; `positive` also refuses zero. Absent leaves *out alone. */
static bool read_duration(sc_reader *r, const char *element, const char **names, const char **values,
                          const char *attr, bool positive, double *out)
{
  const char *text = attr_of(names, values, attr);
  const char *why = NULL;
  if (text == NULL)
    return true;
  if (!sv_duration(text, out, &why))
    return rd_fail(r, r->line, "bad %s '%s' on <%s>: %s", attr, text, element, why);
  if (positive && *out <= 0)
    return rd_fail(r, r->line, "bad %s '%s' on <%s>: must be more than 0", attr, text, element);
  return true;
}

/* An optional whole-number attribute in [min, max]. Absent leaves *out alone. */
static bool read_uint(sc_reader *r, const char *element, const char **names, const char **values,
                      const char *attr, guint64 min, guint64 max, guint64 *out)
{
  const char *text = attr_of(names, values, attr);
  const char *why = NULL;
  if (text == NULL || sv_uint(text, min, max, out, &why))
    return true;
  return rd_fail(r, r->line, "bad %s '%s' on <%s>: %s (expected a whole number from %" G_GUINT64_FORMAT
                 " to %" G_GUINT64_FORMAT ")", attr, text, element, why, min, max);
}

/* <scenario name seed duration>: seed and duration stay raw, as --set may replace them. */
static bool read_scenario(sc_reader *r, const char *element, const char **names, const char **values)
{
  (void)element;
  const char *name = attr_of(names, values, "name");
  r->scenario_line = r->line;
  r->raw[RAW_SEED].value = g_strdup(attr_of(names, values, "seed"));
  r->raw[RAW_DURATION].value = g_strdup(attr_of(names, values, "duration"));
  if (name == NULL)
    return true;
  if (!sv_node_id_ok(name))
    return rd_fail(r, r->line, "bad name '%s' on <scenario>: use letters, digits, '.', '_' and '-'", name);
  g_free(r->sc->name);
  r->sc->name = g_strdup(name);
  return true;
}

/* <platform file>: kept as written; it is resolved and scanned once the whole file is read. */
static bool read_platform(sc_reader *r, const char *element, const char **names, const char **values)
{
  if (!once(r, &r->seen_platform, element))
    return false;
  r->platform_file = g_strdup(attr_of(names, values, "file"));
  r->sc->platform_line = r->line;
  return true;
}

/* <network model jitter jitter-mean>: the model in SimGrid's spelling, the jitter and its mean. */
static bool read_network(sc_reader *r, const char *element, const char **names, const char **values)
{
  static const char *const jitters[] = {"none", "uniform", "exponential"};
  const char *model = attr_of(names, values, "model");
  const char *jitter = attr_of(names, values, "jitter");
  if (!once(r, &r->seen_network, element))
    return false;
  r->network_line = r->line;
  r->raw[RAW_ENGINE].value = g_strdup(attr_of(names, values, "engine"));
  if (model && sv_network_model(model) == NULL)
    return rd_fail(r, r->line, "unknown network model '%s' (expected CM02, LV08, SMPI, IB or Constant)",
                   model);
  if (model) {
    g_free(r->sc->network_model);
    r->sc->network_model = g_strdup(sv_network_model(model));
  }
  if (jitter) {
    size_t i = 0;
    while (i < G_N_ELEMENTS(jitters) && strcmp(jitters[i], jitter) != 0)
      i++;
    if (i == G_N_ELEMENTS(jitters))
      return rd_fail(r, r->line, "unknown jitter '%s' (expected none, uniform or exponential)", jitter);
    r->sc->jitter = (rs_jitter)i;
  }
  if (!read_duration(r, element, names, values, "jitter-mean", false, &r->sc->jitter_mean))
    return false;
  if (r->sc->jitter != RS_JITTER_NONE && r->sc->jitter_mean <= 0)
    return rd_fail(r, r->line, "jitter '%s' needs a jitter-mean above 0", jitter);
  return true;
}

/* <cluster>: every attribute stays raw until overrides are applied (validate.c reads them). */
static bool read_cluster(sc_reader *r, const char *element, const char **names, const char **values)
{
  if (!once(r, &r->seen_cluster, element))
    return false;
  r->cluster_line = r->line;
  for (int k = RAW_PROTOCOL; k < RAW__COUNT; k++)
    r->raw[k].value = g_strdup(attr_of(names, values, rd_raw_names[k]));
  r->file_replicas_attr = r->raw[RAW_REPLICAS].value != NULL || r->raw[RAW_HOSTS].value != NULL;
  return true;
}

/* port="N" (real mode: the TCP port the node listens on instead of 7400 + its position); 0 when
 * absent. */
static bool read_port(sc_reader *r, const char *element, const char **names, const char **values, int *port)
{
  const char *text = attr_of(names, values, "port");
  guint64 v = 0;
  const char *why = NULL;
  *port = 0;
  if (!text)
    return true;
  if (!sv_uint(text, 1, 65535, &v, &why))
    return rd_fail(r, r->line, "bad port '%s' on <%s>: %s (1 to 65535)", text, element, why);
  *port = (int)v;
  return true;
}

/* <registry host> and <view-service host>: their hosts are checked against the platform later. */
static bool read_registry(sc_reader *r, const char *element, const char **names, const char **values)
{
  if (!once(r, &r->seen_registry, element))
    return false;
  r->registry_line = r->line;
  r->sc->registry_host = g_strdup(attr_of(names, values, "host"));
  return read_port(r, element, names, values, &r->sc->registry_port);
}

static bool read_view_service(sc_reader *r, const char *element, const char **names, const char **values)
{
  if (!once(r, &r->seen_view_service, element))
    return false;
  r->view_service_line = r->line;
  g_free(r->view_service_host);
  r->view_service_host = g_strdup(attr_of(names, values, "host"));
  return read_port(r, element, names, values, &r->sc->view_service_port);
}

/* <replica id host>, one by one; the count form (replicas= hosts=) excludes this one. */
static bool read_replica(sc_reader *r, const char *element, const char **names, const char **values)
{
  if (r->file_replicas_attr)
    return rd_fail(r, r->line, "<replica> cannot be combined with the cluster's replicas= or hosts=");
  sc_replica *rep = g_new0(sc_replica, 1);
  rep->id = g_strdup(attr_of(names, values, "id"));
  rep->host = g_strdup(attr_of(names, values, "host"));
  rep->line = r->line;
  g_ptr_array_add(r->listed, rep);
  return read_port(r, element, names, values, &rep->port);
}

/* The workload's counts and times, each within a range that catches typos. */
static bool read_workload_numbers(sc_reader *r, const char *element, const char **names, const char **values)
{
  sc_workload *w = &r->sc->workload;
  guint64 clients = 1, ops = 0, retries = 3, keys = 16, size = 100;
  const char *rate = attr_of(names, values, "rate");
  const char *why = NULL;
  if (rate && !sv_rate(rate, &w->rate, &why))
    return rd_fail(r, r->line, "bad rate '%s' on <workload>: %s", rate, why);
  r->think_given = attr_of(names, values, "think") != NULL;
  bool ok = read_uint(r, element, names, values, "clients", 1, SC_MAX_CLIENTS, &clients) &&
            read_uint(r, element, names, values, "ops", 1, 1000000000, &ops) &&
            read_uint(r, element, names, values, "retries", 0, 1000, &retries) &&
            read_uint(r, element, names, values, "keys", 1, 1000000, &keys) &&
            read_uint(r, element, names, values, "value-size", 0, 16 << 20, &size) &&
            read_duration(r, element, names, values, "think", false, &w->think) &&
            read_duration(r, element, names, values, "timeout", true, &w->timeout);
  w->clients = (int)clients;
  w->ops = (long)ops;
  w->retries = (int)retries;
  w->keys = (int)keys;
  w->value_size = (int)size;
  return ok;
}

/* <workload>: clients c1..cN, closed-loop (think) or open-loop (rate); without ops they run
 * until the duration. The mix is read later, against the final app. */
static bool read_workload(sc_reader *r, const char *element, const char **names, const char **values)
{
  sc_workload *w = &r->sc->workload;
  if (!once(r, &r->seen_workload, element))
    return false;
  w->present = true;
  w->line = r->line;
  g_ptr_array_unref(w->hosts);
  w->hosts = sv_split_words(attr_of(names, values, "hosts"));
  if (w->hosts->len == 0)
    return rd_fail(r, r->line, "<workload> hosts= names no host");
  r->mix = g_strdup(attr_of(names, values, "mix"));
  return read_workload_numbers(r, element, names, values);
}

/* <client id host>: a scripted client; its steps follow as child elements. */
static bool read_client(sc_reader *r, const char *element, const char **names, const char **values)
{
  (void)element;
  sc_client *c = sc_client_new();
  c->id = g_strdup(attr_of(names, values, "id"));
  c->host = g_strdup(attr_of(names, values, "host"));
  c->line = r->line;
  g_ptr_array_add(r->sc->clients, c);
  /* timeout= and retries= as on <workload>, for this client (default: the workload's) */
  const char *retries = attr_of(names, values, "retries"), *why = NULL;
  guint64 n = 0;
  if (retries && !sv_uint(retries, 1, 1000, &n, &why))
    return rd_fail(r, r->line, "bad retries '%s' on <client>: %s (expected a whole number from 1 to 1000)", retries,
                   why);
  c->retries = (int)n;
  return read_duration(r, element, names, values, "timeout", true, &c->timeout);
}

/* Chat's steps (seed 003) in the fields of rs_op: register user password (key, value), send
 * from to text [instant] (key = recipient, name = sender, value = text, expected = "1" when
 * instant), fetch user (key), list (key RS_CHAT_ACCOUNTS). */
static bool read_chat_step(sc_reader *r, sc_step *st, const char *element, const char **names, const char **values)
{
  const char *user = attr_of(names, values, "user"), *instant = attr_of(names, values, "instant");
  bool on = false;
  if (st->op == RS_OP_REGISTER || st->op == RS_OP_FETCH) {
    g_free(st->key);
    st->key = g_strdup(user);
  }
  if (st->op == RS_OP_REGISTER) {
    g_free(st->value);
    st->value = g_strdup(attr_of(names, values, "password"));
  }
  if (st->op == RS_OP_LIST)
    st->key = g_strdup(RS_CHAT_ACCOUNTS);
  if (st->op != RS_OP_SEND)
    return true;
  st->key = g_strdup(attr_of(names, values, "to"));
  st->name = g_strdup(attr_of(names, values, "from"));
  st->value = g_strdup(attr_of(names, values, "text"));
  if (instant && !sv_bool(instant, &on))
    return rd_fail(r, r->line, "bad instant '%s' on <%s>: expected true or false", instant, element);
  st->expected = on ? g_strdup(RS_CHAT_INSTANT) : NULL;
  return true;
}

/* One step of the last <client>: the operation is the element's name. */
static bool read_step(sc_reader *r, const char *element, const char **names, const char **values)
{
  sc_client *c = g_ptr_array_index(r->sc->clients, r->sc->clients->len - 1);
  sc_step *st = g_new0(sc_step, 1);
  g_ptr_array_add(c->steps, st);
  st->line = r->line;
  st->op = rs_op_parse(element);
  const char *key = attr_of(names, values, "uuid");
  const char *value = attr_of(names, values, "content");
  st->key = g_strdup(key ? key : attr_of(names, values, "key"));
  st->name = g_strdup(attr_of(names, values, "name"));
  st->value = g_strdup(value ? value : attr_of(names, values, "value"));
  st->expected = g_strdup(attr_of(names, values, "expected"));
  if (!read_chat_step(r, st, element, names, values))
    return false;
  st->replica = g_strdup(attr_of(names, values, "replica"));
  st->expect = g_strdup(attr_of(names, values, "expect"));
  st->expect_value = g_strdup(attr_of(names, values, "expect-value"));
  if (st->expect && rs_status_parse(st->expect) == RS_ST_NONE)
    return rd_fail(r, r->line, "unknown status '%s' in expect= on <%s>", st->expect, element);
  return read_duration(r, element, names, values, "at", false, &st->at);
}

/* <faults>: a container for the fault elements, given once. */
static bool read_faults(sc_reader *r, const char *element, const char **names, const char **values)
{
  (void)names;
  (void)values;
  return once(r, &r->seen_faults, element);
}

/* The timing and size attributes of a fault; `until` must come after `at`. */
static bool read_fault_values(sc_reader *r, sc_fault *f, const char **names, const char **values)
{
  const char *rate = attr_of(names, values, "rate");
  if (!read_duration(r, f->kind, names, values, "at", false, &f->at) ||
      !read_duration(r, f->kind, names, values, "until", false, &f->until) ||
      !read_duration(r, f->kind, names, values, "boot", false, &f->boot) ||
      !read_duration(r, f->kind, names, values, "latency", false, &f->latency) ||
      !read_duration(r, f->kind, names, values, "every", false, &f->every) ||
      !read_duration(r, f->kind, names, values, "down", false, &f->down))
    return false;
  if (strcmp(f->kind, "random-crashes") == 0 && (f->every <= 0 || f->down <= 0 || f->down >= f->every))
    return rd_fail(r, r->line, "<random-crashes> needs 0 < down < every, so that one node is down at a time");
  if (strcmp(f->kind, "random-crashes") == 0 && f->at + f->down > f->until)
    return rd_fail(r, r->line, "<random-crashes> crashes no node: its first crash (at=%s, down=%s) would not "
                   "end before until=%s", attr_of(names, values, "at"), attr_of(names, values, "down"),
                   attr_of(names, values, "until"));
  if (attr_of(names, values, "until") && f->until <= f->at)
    return rd_fail(r, r->line, "<%s> until=%s must come after at=%s", f->kind,
                   attr_of(names, values, "until"), attr_of(names, values, "at"));
  if (rate && (!sv_number(rate, &f->rate) || f->rate < 0 || f->rate > 1))
    return rd_fail(r, r->line, "bad rate '%s' on <%s>: expected a number from 0 to 1", rate, f->kind);
  return true;
}

/* A partition cuts between groups ("a b | c d"), or one way with from= and to=. */
static bool read_partition_shape(sc_reader *r, sc_fault *f)
{
  if (f->groups && (f->from || f->to))
    return rd_fail(r, r->line, "<partition> takes groups= or from= and to=, not both");
  if (f->groups == NULL && (f->from == NULL || f->to == NULL))
    return rd_fail(r, r->line, "<partition> needs groups= (\"a b | c\") or both from= and to=");
  return true;
}

/* One fault element; nodes and links are checked once every node is known (validate.c). */
static bool read_fault(sc_reader *r, const char *element, const char **names, const char **values)
{
  sc_fault *f = g_new0(sc_fault, 1);
  g_ptr_array_add(r->sc->faults, f);
  f->line = r->line;
  f->kind = g_strdup(element);
  f->node = g_strdup(attr_of(names, values, "node"));
  f->link = g_strdup(attr_of(names, values, "link"));
  f->host = g_strdup(attr_of(names, values, "host"));
  f->groups = g_strdup(attr_of(names, values, "groups"));
  f->from = g_strdup(attr_of(names, values, "from"));
  f->to = g_strdup(attr_of(names, values, "to"));
  f->nodes = g_strdup(attr_of(names, values, "nodes"));
  f->until = -1;
  if (!read_fault_values(r, f, names, values))
    return false;
  return strcmp(element, "partition") != 0 || read_partition_shape(r, f);
}

/* Checks one expectation's value by what the attribute measures. */
static bool check_expect_value(sc_reader *r, const char *key, const char *value)
{
  guint64 n;
  double d;
  bool b;
  const char *why;
  if (strcmp(key, "linearizable") == 0) {
    if (!sv_bool(value, &b))
      return rd_fail(r, r->line, "bad linearizable '%s' on <expect>: expected true or false", value);
  } else if (strcmp(key, "availability-min") == 0) {
    if (!sv_number(value, &d) || d < 0 || d > 1)
      return rd_fail(r, r->line, "bad availability-min '%s' on <expect>: expected a number from 0 to 1",
                     value);
  } else if (!sv_uint(value, 0, G_MAXINT, &n, &why)) {
    return rd_fail(r, r->line, "bad %s '%s' on <expect>: %s (expected a whole number from 0)", key, value,
                   why);
  }
  return true;
}

/* <expect>: each attribute is one expectation, kept in file order as written. */
static bool read_expect(sc_reader *r, const char *element, const char **names, const char **values)
{
  if (!once(r, &r->seen_expect, element))
    return false;
  for (size_t i = 0; names[i]; i++) {
    if (!check_expect_value(r, names[i], values[i]))
      return false;
    sc_expect *e = g_new0(sc_expect, 1);
    e->line = r->line;
    e->key = g_strdup(names[i]);
    e->value = g_strdup(values[i]);
    g_ptr_array_add(r->sc->expects, e);
  }
  return true;
}

static bool read_poll(sc_reader *r, const char *element, const char **names, const char **values)
{
  (void)element;
  return rd_read_poll(r, names, values);
}

static const element_rule element_rules[] = {
    {NULL, "scenario", scenario_attrs, read_scenario},
    {"scenario", "platform", platform_attrs, read_platform},
    {"scenario", "network", network_attrs, read_network},
    {"scenario", "cluster", cluster_attrs, read_cluster},
    {"scenario", "workload", workload_attrs, read_workload},
    {"scenario", "poll", poll_attrs, read_poll},
    {"scenario", "client", client_attrs, read_client},
    {"scenario", "faults", no_attrs, read_faults},
    {"scenario", "expect", expect_attrs, read_expect},
    {"cluster", "registry", host_attrs, read_registry},
    {"cluster", "view-service", host_attrs, read_view_service},
    {"cluster", "replica", replica_attrs, read_replica},
    {"client", "write", write_attrs, read_step},
    {"client", "read", read_attrs, read_step},
    {"client", "delete", delete_attrs, read_step},
    {"client", "put", put_attrs, read_step},
    {"client", "get", get_attrs, read_step},
    {"client", "append", put_attrs, read_step},
    {"client", "cas", cas_attrs, read_step},
    {"client", "register", register_attrs, read_step},
    {"client", "send", send_attrs, read_step},
    {"client", "fetch", fetch_attrs, read_step},
    {"client", "list", list_attrs, read_step},
    {"faults", "crash", crash_attrs, read_fault},
    {"faults", "restart", restart_attrs, read_fault},
    {"faults", "partition", partition_attrs, read_fault},
    {"faults", "link-down", link_down_attrs, read_fault},
    {"faults", "delay", delay_attrs, read_fault},
    {"faults", "pause", pause_attrs, read_fault},
    {"faults", "join", join_attrs, read_fault},
    {"faults", "random-crashes", random_crashes_attrs, read_fault},
    {"faults", "loss", rate_attrs, read_fault},
    {"faults", "duplicate", rate_attrs, read_fault},
};

/* The rule for `element` under `parent`; *known tells whether the name exists anywhere. */
static const element_rule *find_element_rule(const char *parent, const char *element, bool *known)
{
  *known = false;
  for (size_t i = 0; i < G_N_ELEMENTS(element_rules); i++) {
    const element_rule *e = &element_rules[i];
    if (strcmp(e->name, element) != 0)
      continue;
    *known = true;
    if ((parent == NULL && e->parent == NULL) || (parent && e->parent && strcmp(parent, e->parent) == 0))
      return e;
  }
  return NULL;
}

/* Why an element cannot stand where it is. */
static bool misplaced(sc_reader *r, const char *parent, const char *element, bool known)
{
  if (parent == NULL)
    return rd_fail(r, r->line, "the root element must be <scenario>, not <%s>", element);
  if (!known)
    return rd_fail(r, r->line, "unknown element <%s> in <%s>", element, parent);
  return rd_fail(r, r->line, "<%s> does not belong in <%s>", element, parent);
}

/* The line of the start tag GMarkup hands us now: its '<', from the pre-scan of the text. */
static int start_tag_line(sc_reader *r, GMarkupParseContext *ctx)
{
  int line = 0, col = 0;
  guint i = r->tags_seen++;
  if (i < r->tag_lines->len)
    return g_array_index(r->tag_lines, int, i);
  g_markup_parse_context_get_position(ctx, &line, &col);
  return line;
}

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names,
                     const char **values, gpointer data, GError **error)
{
  sc_reader *r = data;
  const GSList *stack = g_markup_parse_context_get_element_stack(ctx);
  const char *parent = stack->next ? stack->next->data : NULL;
  bool known = false;
  r->line = start_tag_line(r, ctx);
  if (parent == NULL && r->seen_root) {
    rd_fail(r, r->line, "a second root element <%s> after <scenario>", element);
  } else {
    const element_rule *rule = find_element_rule(parent, element, &known);
    r->seen_root = true;
    if (rule == NULL)
      misplaced(r, parent, element, known);
    else if (check_attrs(r, element, rule->attrs, names, values))
      rule->read(r, element, names, values);
  }
  if (r->err)
    g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, r->err);
}

/* Elements hold attributes and children only; text other than white space is an error. GMarkup
 * hands text over where it ends, so the line is found by counting back the text's newlines. */
static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **error)
{
  sc_reader *r = data;
  gsize i = 0;
  while (i < len && g_ascii_isspace(text[i]))
    i++;
  if (i == len)
    return;
  int line = 0, col = 0;
  g_markup_parse_context_get_position(ctx, &line, &col);
  for (; i < len; i++)
    line -= text[i] == '\n';
  const char *element = g_markup_parse_context_get_element(ctx);
  rd_fail(r, line, "unexpected text in <%s>", element ? element : "the document");
  g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, r->err);
}

bool rd_parse_markup(sc_reader *r, const char *text, size_t len)
{
  int nul = sv_nul_line(text, len);
  if (nul)
    return rd_fail(r, nul, "a NUL byte: a scenario file is text");
  GMarkupParser parser = {on_start, NULL, on_text, NULL, NULL};
  GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, r, NULL);
  GError *error = NULL;
  sv_scan_tag_lines(text, len, r->tag_lines);
  if (!g_markup_parse_context_parse(ctx, text, (gssize)len, &error) ||
      !g_markup_parse_context_end_parse(ctx, &error)) {
    int line = 0, col = 0;
    g_markup_parse_context_get_position(ctx, &line, &col);
    rd_fail(r, line, "malformed XML: %s", sv_markup_what(error->message));
    g_error_free(error);
  }
  g_markup_parse_context_free(ctx);
  if (r->err == NULL && !r->seen_root)
    rd_fail(r, 1, "no <scenario> element");
  if (r->err == NULL && !r->seen_platform)
    rd_fail(r, r->scenario_line, "<scenario> has no <platform file=...>");
  if (r->err == NULL && !r->seen_cluster)
    rd_fail(r, r->scenario_line, "<scenario> has no <cluster>");
  return r->err == NULL;
}
