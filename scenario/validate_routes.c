/* The routes a scenario needs: every host it places a node on, what runs there, and whether
 * SimGrid can carry each message between them (platform_routes.c works it out). */
#include "platform_model.h"
#include "scenario_internal.h"

#include <string.h>

/* The hosts a scenario uses, in its order, with what runs on each (for messages). */
typedef struct host_uses {
  GArray *uses;          /* pf_use */
  GPtrArray *whats;      /* GString*, parallel to uses */
  GHashTable *by_host;   /* host -> index + 1 */
} host_uses;

/* One more node on `host` ("replica r1"); the first three are named, the rest counted. */
static void use_host(host_uses *h, const char *host, const char *what, bool server)
{
  guint i = GPOINTER_TO_UINT(g_hash_table_lookup(h->by_host, host));
  if (i == 0) {
    pf_use u = {host, NULL, false, 0};
    g_array_append_val(h->uses, u);
    g_ptr_array_add(h->whats, g_string_new(NULL));
    i = h->uses->len;
    g_hash_table_insert(h->by_host, (gpointer)host, GUINT_TO_POINTER(i));
  }
  pf_use *u = &g_array_index(h->uses, pf_use, i - 1);
  GString *s = h->whats->pdata[i - 1];
  if (u->count < 3)
    g_string_append_printf(s, "%s%s", u->count ? ", " : "", what);
  else if (u->count == 3)
    g_string_append(s, ", ...");
  u->count++;
  u->server = u->server || server;
}

/* The same with a name made from `fmt` and `id`. */
static void use_host_named(host_uses *h, const char *host, const char *fmt, const char *id, bool server)
{
  char *what = g_strdup_printf(fmt, id);
  use_host(h, host, what, server);
  g_free(what);
}

/* Every message the scenario can send has a route SimGrid finds: between the servers (registry,
 * view service, replicas and joins) and between each client host and each server. The Constant
 * network model needs none. */
bool rd_check_routes(sc_reader *r)
{
  scenario *sc = r->sc;
  if (strcmp(sc->network_model, "Constant") == 0)
    return true;
  host_uses h = {g_array_new(FALSE, FALSE, sizeof(pf_use)), g_ptr_array_new(),
                 g_hash_table_new(g_str_hash, g_str_equal)};
  use_host(&h, sc->registry_host, "the registry", true);
  if (sc->view_service_host)
    use_host(&h, sc->view_service_host, "the view service", true);
  for (guint i = 0; i < sc->replicas->len; i++) {
    sc_replica *rep = g_ptr_array_index(sc->replicas, i);
    use_host_named(&h, rep->host, "replica %s", rep->id, true);
  }
  for (guint i = 0; i < sc->faults->len; i++) {
    sc_fault *f = g_ptr_array_index(sc->faults, i);
    if (strcmp(f->kind, "join") == 0)
      use_host_named(&h, f->host, "replica %s, joining", f->node, true);
  }
  for (guint i = 0; sc->workload.present && i < sc->workload.hosts->len; i++)
    use_host(&h, g_ptr_array_index(sc->workload.hosts, i), "workload clients", false);
  for (guint i = 0; i < sc->clients->len; i++) {
    sc_client *c = g_ptr_array_index(sc->clients, i);
    use_host_named(&h, c->host, "client %s", c->id, false);
  }
  for (guint i = 0; sc->poll.present && i < sc->poll.hosts->len; i++)
    use_host(&h, g_ptr_array_index(sc->poll.hosts, i), "the poll's voters", false);
  for (guint i = 0; i < h.uses->len; i++)
    g_array_index(h.uses, pf_use, i).what = ((GString *)h.whats->pdata[i])->str;
  char *why = NULL;
  bool ok = platform_check_routes(r->pf, (const pf_use *)(void *)h.uses->data, h.uses->len, &why);
  if (!ok)
    rd_fail(r, sc->platform_line, "platform file %s", why);
  g_free(why);
  for (guint i = 0; i < h.whats->len; i++)
    g_string_free(h.whats->pdata[i], TRUE);
  g_ptr_array_unref(h.whats);
  g_array_unref(h.uses);
  g_hash_table_unref(h.by_host);
  return ok;
}

