/* The scenario loader's entry points: read a file, apply overrides, validate; and free the result. */
#include "scenario_internal.h"
#include "platform_model.h"

#include <stdarg.h>
#include <string.h>

const char *rs_protocol_name(rs_protocol p)
{
  switch (p) {
  case RS_PROTO_PB_BLOCKING:
    return "pb-blocking";
  case RS_PROTO_PB_NONBLOCKING:
    return "pb-nonblocking";
  case RS_PROTO_QUORUM:
    return "quorum";
  }
  return "unknown";
}

const char *rs_failover_name(rs_failover f)
{
  switch (f) {
  case RS_FAILOVER_NONE:
    return "none";
  case RS_FAILOVER_VIEW_SERVICE:
    return "view-service";
  case RS_FAILOVER_PEER:
    return "peer";
  case RS_FAILOVER_ORDERED:
    return "ordered";
  }
  return "unknown";
}

const char *rs_engine_name(rs_engine e)
{
  return e == RS_ENGINE_FAST ? "fast" : "simgrid";
}

bool rd_fail(sc_reader *r, int line, const char *fmt, ...)
{
  if (r->err != NULL)
    return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  r->err = g_strdup_printf("%s:%d: %s", r->sc->path, line, what);
  g_free(what);
  return false;
}

void sc_replica_free(gpointer p)
{
  sc_replica *rep = p;
  g_free(rep->id);
  g_free(rep->host);
  g_free(rep);
}

static void step_free(gpointer p)
{
  sc_step *st = p;
  g_free(st->key);
  g_free(st->name);
  g_free(st->value);
  g_free(st->expected);
  g_free(st->replica);
  g_free(st->expect);
  g_free(st->expect_value);
  g_free(st);
}

static void client_free(gpointer p)
{
  sc_client *c = p;
  g_free(c->id);
  g_free(c->host);
  g_ptr_array_unref(c->steps);
  g_free(c);
}

sc_client *sc_client_new(void)
{
  sc_client *c = g_new0(sc_client, 1);
  c->steps = g_ptr_array_new_with_free_func(step_free);
  return c;
}

static void fault_free(gpointer p)
{
  sc_fault *f = p;
  g_free(f->kind);
  g_free(f->node);
  g_free(f->link);
  g_free(f->host);
  g_free(f->groups);
  g_free(f->from);
  g_free(f->to);
  g_free(f->nodes);
  g_free(f);
}

static void expect_free(gpointer p)
{
  sc_expect *e = p;
  g_free(e->key);
  g_free(e->value);
  g_free(e);
}

/* The file's base name without its extension: the scenario's name when it gives none. */
static char *default_name(const char *path)
{
  char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return base;
}

/* An empty scenario with every default that does not depend on other attributes. */
static scenario *scenario_new(const char *path)
{
  scenario *sc = g_new0(scenario, 1);
  sc->path = g_strdup(path);
  sc->dir = g_path_get_dirname(path);
  sc->name = default_name(path);
  sc->seed = 1;
  sc->network_model = g_strdup("CM02");
  sc->platform_hosts = g_ptr_array_new_with_free_func(g_free);
  sc->platform_links = g_ptr_array_new_with_free_func(g_free);
  sc->replicas = g_ptr_array_new_with_free_func(sc_replica_free);
  sc->workload.hosts = g_ptr_array_new_with_free_func(g_free);
  sc->workload.timeout = 1;
  sc->workload.retries = 3;
  sc->workload.keys = 16;
  sc->workload.value_size = 100;
  sc->clients = g_ptr_array_new_with_free_func(client_free);
  sc->faults = g_ptr_array_new_with_free_func(fault_free);
  sc->expects = g_ptr_array_new_with_free_func(expect_free);
  return sc;
}

void scenario_free(scenario *sc)
{
  if (sc == NULL)
    return;
  g_free(sc->path);
  g_free(sc->dir);
  g_free(sc->name);
  g_free(sc->platform);
  g_ptr_array_unref(sc->platform_hosts);
  g_ptr_array_unref(sc->platform_links);
  g_free(sc->network_model);
  g_free(sc->app);
  g_free(sc->registry_host);
  g_free(sc->view_service_host);
  g_ptr_array_unref(sc->replicas);
  g_ptr_array_unref(sc->workload.hosts);
  g_ptr_array_unref(sc->clients);
  g_ptr_array_unref(sc->faults);
  g_ptr_array_unref(sc->expects);
  rd_poll_clear(&sc->poll);
  g_free(sc);
}

static void reader_init(sc_reader *r, const char *path)
{
  memset(r, 0, sizeof *r);
  r->sc = scenario_new(path);
  r->scenario_line = r->cluster_line = 1;
  r->tag_lines = g_array_new(FALSE, FALSE, sizeof(int));
  r->listed = g_ptr_array_new_with_free_func(sc_replica_free);
  r->hosts = g_hash_table_new(g_str_hash, g_str_equal);
  r->links = g_hash_table_new(g_str_hash, g_str_equal);
  r->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  r->replica_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* Frees the reader's own state; the scenario goes to the caller (or is freed on error). */
static void reader_clear(sc_reader *r)
{
  for (int k = 0; k < RAW__COUNT; k++) {
    g_free(r->raw[k].value);
    g_free(r->raw[k].set);
  }
  g_array_unref(r->tag_lines);
  g_ptr_array_unref(r->listed);
  g_hash_table_unref(r->hosts);
  g_hash_table_unref(r->links);
  g_hash_table_unref(r->nodes);
  g_hash_table_unref(r->replica_ids);
  platform_free(r->pf);
  g_free(r->mix);
  g_free(r->platform_file);
  g_free(r->view_service_host);
}

scenario *scenario_load(const char *path, char *const *overrides, char **err)
{
  char *text = NULL, *why = NULL;
  size_t len = 0;
  *err = NULL;
  if (!sv_read_file(path, &text, &len, &why)) {
    *err = g_strdup_printf("%s: cannot be read: %s", path, why);
    g_free(why);
    return NULL;
  }
  sc_reader r;
  reader_init(&r, path);
  bool ok = rd_parse_markup(&r, text, len) && rd_apply_overrides(&r, overrides) && rd_validate(&r);
  g_free(text);
  scenario *sc = r.sc;
  if (!ok) {
    *err = r.err;
    r.err = NULL;
    scenario_free(sc);
    sc = NULL;
  }
  reader_clear(&r);
  return sc;
}
